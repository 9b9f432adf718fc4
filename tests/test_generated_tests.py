"""Generated tests: model-written text → distinct assert statements, call inputs, per-block counts."""

from __future__ import annotations

import gzip
import json
import statistics

import pytest

from budget_realloc.errors import InputError
from budget_realloc.ranking.generated_tests import (DEFAULT_LIMIT, TestBlock, problem_tests, read_codet_tests,
                                                     read_wizardcoder_tests)
from conftest import shared


def assert_runnable(tests):
    """Every test compiles on its own and every input is an expression."""
    for statement in tests.tests:
        compile(statement, "<test>", "exec")
    for call in tests.inputs:
        compile(call, "<input>", "eval")


def test_a_block_cut_mid_assert_keeps_what_parses_and_counts_the_rest():
    tests = problem_tests(["assert f(1) == 2\nassert f(2) == 3\nassert f(3) =="], "f")
    assert tests.tests == ("assert f(1) == 2", "assert f(2) == 3")
    # the cut assert is unparseable, and, met before the limit, an unusable test
    assert tests.blocks == (TestBlock(tests=(0, 1), unusable=1, unparseable=1),)
    assert tests.unparseable_blocks == 1 and tests.empty_blocks == 0


def test_prose_fences_and_other_statements_are_not_tests():
    block = ("Here are some tests:\n```python\nassert f(1) == 2  # one\nprint(f(1))\nx = f(5)\n```\n"
             "These cover the edge cases.\nassert_equal(f(2), 3)")
    tests = problem_tests([block], "f")
    assert tests.tests == ("assert f(1) == 2",)
    assert tests.inputs == ("f(1)",)             # f(5) is called outside any assert
    assert tests.blocks == (TestBlock((0,), 0, 0),)


def test_multi_line_and_indented_asserts_are_whole_statements():
    block = "def test_f():\n    assert f(\n        [1, 2],\n        3,\n    ) == [3, 4]\n    assert f([], 0) == []\n"
    tests = problem_tests([block], "f")
    assert tests.tests == ("assert f([1, 2], 3) == [3, 4]", "assert f([], 0) == []")
    assert tests.inputs == ("f([1, 2], 3)", "f([], 0)")


def test_calls_nested_in_expressions_are_inputs_outermost_first():
    tests = problem_tests(["assert sorted(f([3, 1])) == [1, 3]\nassert f(f(2)) == 2\nassert g(f(1)) or True"], "f")
    assert tests.inputs == ("f([3, 1])", "f(f(2))", "f(2)", "f(1)")
    assert tests.test_inputs == ((0,), (1, 2), (3,))
    assert_runnable(tests)


def test_formatting_variants_merge_and_repeats_are_kept_per_block():
    tests = problem_tests(["assert f(1)==2", "assert f(1) == 2\nassert  f( 1 ) == 2"], "f")
    assert tests.tests == ("assert f(1) == 2",)
    assert [block.tests for block in tests.blocks] == [(0,), (0, 0)]


def test_the_limit_counts_usable_tests_and_asserts_not_calling_the_function_are_unusable():
    lines = ["assert g(1) == 1", "assert True"] + [f"assert f({i}) == {i}" for i in range(7)] + ["assert f(9) =="]
    tests = problem_tests(["\n".join(lines)], "f", limit=3)
    assert tests.tests == ("assert f(0) == 0", "assert f(1) == 1", "assert f(2) == 2")
    # g and True come before the limit is reached; the cut assert at the end comes after it,
    # so it is unparseable text but not an unusable test of this block
    assert tests.blocks == (TestBlock((0, 1, 2), unusable=2, unparseable=1),)
    with pytest.raises(ValueError, match="at least 1"):
        problem_tests(["assert f(1) == 1"], "f", limit=0)


def test_junk_never_raises_and_leaves_empty_blocks():
    junk = ["", None, "lorem ipsum ))) (((", "assert (((((", "assert f('\x00') == 1",
            "assert " + "(" * 300 + "f(1)" + ")" * 300, "assert f(1) == " + "+".join(["1"] * 1000),
            "assert _____ == ____, 'f is wrong'"]
    tests = problem_tests(junk, "f")
    assert tests.tests == () and tests.inputs == ()
    assert [block.unparseable for block in tests.blocks] == [0, 0, 0, 1, 1, 1, 1, 0]
    assert [block.unusable for block in tests.blocks] == [0, 0, 0, 1, 1, 1, 1, 1]
    assert tests.empty_blocks == len(junk) and tests.unparseable_blocks == 4
    with pytest.raises(InputError, match="not a Python name"):
        problem_tests([], "not a name")


def write_jsonl(rows, path):
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))


def test_codet_continuations_get_their_first_assert_back(tmp_path):
    prompt = "def f(x):\n    pass\n\n# check the correctness of f\nassert "
    write_jsonl([{"task_id": "T/0", "prompt": prompt, "entry_point": "f"}], tmp_path / "prompts.jsonl")
    samples = [" f(1) == 2\nassert f(2) == 3\n\n\ndef helper():\n    pass\n",
               "\n",                                             # nothing after "assert "
               "\n    f(1) == 2, 'msg'\nassert \n    f(2) == 3",    # assert then a newline: not Python
               "_____ == f(3)\nassert f(4) == 5"]               # calls f: kept, and fails everywhere
    write_jsonl([{"prompt": prompt, "samples": samples}], tmp_path / "tests.jsonl")
    tests = read_codet_tests(tmp_path / "tests.jsonl", tmp_path / "prompts.jsonl")["T/0"]
    assert tests.tests == ("assert f(1) == 2", "assert f(2) == 3", "assert _____ == f(3)", "assert f(4) == 5")
    assert tests.blocks == (TestBlock((0, 1), 0, 0), TestBlock((), 1, 1), TestBlock((), 2, 2),
                            TestBlock((2, 3), 0, 0))
    write_jsonl([{"prompt": "something else", "samples": []}], tmp_path / "other.jsonl")
    with pytest.raises(InputError, match="other.jsonl line 1: its prompt is not in"):
        read_codet_tests(tmp_path / "other.jsonl", tmp_path / "prompts.jsonl")
    (tmp_path / "broken.jsonl").write_text('{"prompt": "x", "samp\n')
    with pytest.raises(InputError, match="broken.jsonl:1"):
        read_codet_tests(tmp_path / "broken.jsonl", tmp_path / "prompts.jsonl")


def test_wizardcoder_blocks_follow_file_then_record_order(tmp_path):
    records = [{"task_id": "H/0", "entry_point": "f"}, {"task_id": "H/1", "entry_point": "g"}]
    first = [{"number": "1", "answer": "assert g(1) == 1"}, {"number": 0, "answer": "assert f(0) == 0"}]
    second = [{"number": 0, "answer": "assert f(2) == 2 "}]
    with gzip.open(tmp_path / "a.json.gz", "wt") as handle:
        json.dump(first, handle)
    (tmp_path / "b.json").write_text(json.dumps(second))
    tests = read_wizardcoder_tests([tmp_path / "a.json.gz", tmp_path / "b.json"], records)
    assert tests["H/0"].tests == ("assert f(0) == 0", "assert f(2) == 2")
    assert tests["H/1"].tests == ("assert g(1) == 1",)
    with pytest.raises(InputError, match=r"problem numbers \[1\] beyond the 1 problems"):
        read_wizardcoder_tests([tmp_path / "a.json.gz"], records[:1])
    (tmp_path / "c.json").write_text('[{"number": "one", "answer": "assert f(0) == 0"}]')
    with pytest.raises(InputError, match=r"c.json: item 0: needs 'answer' and a whole 'number'"):
        read_wizardcoder_tests([tmp_path / "c.json"], records)
    (tmp_path / "d.json").write_text('[{"number": 0, "answer": "assert')
    with pytest.raises(InputError, match=r"d.json:1:\d+: not valid JSON"):
        read_wizardcoder_tests([tmp_path / "d.json"], records)


def humaneval_records():
    with gzip.open(shared("HumanEval.jsonl.gz"), "rt") as handle:
        return [json.loads(line) for line in handle]


@pytest.mark.parametrize("size", ["7B", "13B", "34B"])
def test_the_cascade_papers_test_files_parse(size):
    """All 164 × 100 blocks of a size parse; the counts are those of mostly clean 5-assert blocks."""
    directory = shared(f"generations/wizardcoder_python_humaneval/testcase/{size}")
    problems = read_wizardcoder_tests([directory / f"{size}_p10_l{i}.json.gz" for i in range(10)],
                                      humaneval_records())
    assert len(problems) == 164
    for tests in problems.values():
        assert len(tests.blocks) == 100
        assert all(len(block.tests) <= DEFAULT_LIMIT for block in tests.blocks)
        assert DEFAULT_LIMIT <= len(tests.tests) <= 100 * DEFAULT_LIMIT
        assert tests.empty_blocks < 10
        assert all(tests.test_inputs)                 # every test calls the entry point
        assert_runnable(tests)
    assert statistics.median(len(t.tests) for t in problems.values()) >= 20   # samples disagree
    assert sum(t.unparseable_blocks for t in problems.values()) < 0.05 * 16_400
    # the first block of the first problem is five plain assert lines: they are its tests, in order
    with gzip.open(directory / f"{size}_p10_l0.json.gz", "rt") as handle:
        raw = next(r for r in json.load(handle) if int(r["number"]) == 0)["answer"]
    lines = [line.strip() for line in raw.splitlines() if line.startswith("assert")]
    first = problems["HumanEval/0"]
    assert [first.tests[i] for i in first.blocks[0].tests] == lines[:DEFAULT_LIMIT]


def test_codets_generated_test_file_parses():
    """CodeGen-16B's 164 × 100 continuations: most are empty or junk (CodeT's own extraction
    drops them too), and nothing raises."""
    directory = "generations/codet_codegen16B_humaneval/"
    path = shared(directory + "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_test_case.jsonl")
    problems = read_codet_tests(path, shared(directory + "HumanEval_for_test_case_generation.jsonl"))
    assert len(problems) == 164 and all(len(t.blocks) == 100 for t in problems.values())
    with open(path) as handle:
        rows = [json.loads(line) for line in handle]
    prompts = {json.loads(line)["prompt"]: json.loads(line)["task_id"]
               for line in open(shared(directory + "HumanEval_for_test_case_generation.jsonl"))}
    for row in rows:
        tests = problems[prompts[row["prompt"]]]
        assert_runnable(tests)
        for sample, block in zip(row["samples"], tests.blocks):
            if not sample.strip():                    # "assert " alone: one unparseable statement
                assert block == TestBlock((), 1, 1)
    assert sum(len(b.tests) for t in problems.values() for b in t.blocks) > 5_000
    assert sum(bool(t.tests) for t in problems.values()) > 100
