"""Samples made elsewhere: every format reads to the same samples, runs to the same verdicts, and
bad input stops with one line naming file, line and field, writing nothing."""

from __future__ import annotations

import gzip
import json
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from budget_realloc.benchmarks import load_problems, write_problems
from budget_realloc.errors import InputError
from budget_realloc.execution.evaluate import evaluate
from budget_realloc.execution.job import Limits, TimePolicy
from budget_realloc.generation.sample_files import Sample, read_counts, read_samples, samples_frame
from budget_realloc.metrics.curves import pass_at_k_table
from conftest import REPO, cli

MINIEVAL = REPO / "resources" / "benchmarks" / "minieval.jsonl"
PROBLEMS = load_problems("humaneval", str(MINIEVAL))[:2]          # MiniEval/0 (add), MiniEval/1 (is_even)
RECORDS = [json.loads(line) for line in MINIEVAL.read_text().splitlines()[:2]]
GOOD = [r["canonical_solution"] for r in RECORDS]
BAD = "    return None\n"


def write(path, text: str | bytes, gz: bool = False):
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def each_format(tmp_path) -> dict[str, tuple[list, dict]]:
    """The same two samples per problem (the reference, then a wrong one) in every format:
    format -> (files, extra read options)."""
    samples_jsonl = [{"task_id": r["task_id"], "completion": c} for r, g in zip(RECORDS, GOOD) for c in (g, BAD)]
    paper = {r["task_id"]: {"task_id": r["task_id"], "prompt": r["prompt"],
                            "samples": [{"pass_at_1": 1.0, "generation": g}, {"generation": BAD}]}
             for r, g in zip(RECORDS, GOOD)}
    bigcode = [[r["prompt"] + g, r["prompt"] + BAD] for r, g in zip(RECORDS, GOOD)]
    codet = [{"prompt": f"# CodeT's own prompt for {r['entry_point']}\n", "samples": [g + "\ndef after():\n    pass\n", BAD]}
             for r, g in zip(RECORDS, GOOD)]
    prompts = [{"task_id": r["task_id"], "prompt": f"# CodeT's own prompt for {r['entry_point']}\n"} for r in RECORDS]
    cascading = [{"number": str(i), "pass": j, "answer": (r["prompt"] + c).lstrip("\n"), "num_ids": str(10 + j)}
                 for i, (r, g) in enumerate(zip(RECORDS, GOOD)) for j, c in enumerate((g, BAD))]
    return {
        "samples-jsonl": ([write(tmp_path / "samples.jsonl", "".join(json.dumps(s) + "\n" for s in samples_jsonl))], {}),
        "paper-json": ([write(tmp_path / "paper.json", json.dumps(paper))], {}),
        "bigcode-json": ([write(tmp_path / "generations.json", json.dumps(bigcode))], {}),
        "codet-jsonl": ([write(tmp_path / "codet.jsonl", "".join(json.dumps(s) + "\n" for s in codet))],
                        {"prompts": str(write(tmp_path / "prompts.jsonl", "".join(json.dumps(p) + "\n" for p in prompts))),
                         "truncate": True}),
        "code-cascading": ([write(tmp_path / "7B_p10_l0.json.gz", json.dumps(cascading), gz=True)], {}),
    }


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("formats")
    out = {}
    for fmt, (files, options) in each_format(tmp).items():
        samples = read_samples(fmt, [str(f) for f in files], PROBLEMS, options.get("prompts"))
        out[fmt] = samples_frame(samples, PROBLEMS, None, options.get("truncate", False))
    return out


def test_every_format_gives_two_samples_per_problem_in_file_order(frames):
    for fmt, frame in frames.items():
        assert frame["task_id"].tolist() == ["MiniEval/0"] * 2 + ["MiniEval/1"] * 2, fmt
        assert frame["sample_id"].tolist() == [0, 1, 0, 1], fmt
    assert frames["bigcode-json"]["whole_program"].all() and not frames["samples-jsonl"]["whole_program"].any()
    # CodeT's completions kept what followed the function: truncate cut it at "\ndef"
    assert frames["codet-jsonl"]["completion"].iloc[0] == GOOD[0] and frames["codet-jsonl"]["stop_reason"].iloc[0] == "stop"
    assert frames["code-cascading"]["n_new_tokens"].tolist() == [10, 11, 10, 11]      # num_ids, given as text


def test_every_format_runs_to_the_same_verdicts(frames):
    problems = {p.task_id: p for p in PROBLEMS}
    with_all = pd.concat([f.assign(format=fmt) for fmt, f in frames.items()], ignore_index=True)
    verdicts = evaluate(with_all, problems, Limits(timeout_s=5), TimePolicy(), workers=2)
    by_format = verdicts.assign(format=with_all["format"]).groupby("format")["passed"].apply(list)
    assert {fmt: passed for fmt, passed in by_format.items()} == {fmt: [True, False, True, False] for fmt in frames}


def test_the_first_n_are_taken_and_a_problem_may_have_fewer():
    samples = [Sample("MiniEval/0", f"    return {i}\n", "x") for i in range(5)] + [Sample("MiniEval/1", "    pass\n", "x")]
    frame = samples_frame(samples, PROBLEMS, n=3)
    assert frame.groupby("task_id").size().to_dict() == {"MiniEval/0": 3, "MiniEval/1": 1}
    assert frame["completion"].tolist()[:3] == ["    return 0\n", "    return 1\n", "    return 2\n"]


def test_pass_at_k_keeps_each_problems_own_n():
    # problem A: n = 4, c = 1; problem B: n = 2, c = 1.  pass@1 = (1/4 + 1/2)/2 = 3/8;
    # pass@2 = (1 - C(3,2)/C(4,2) + 1 - C(1,2)/C(2,2))/2 = (1 - 3/6 + 1 - 0)/2 = 3/4; k stops at 2
    counts = pd.DataFrame({"task_id": ["A", "B"], "n": [4, 2], "c": [1, 1]})
    table = pass_at_k_table(counts, resamples=10, seed=0)
    np.testing.assert_allclose(table["pass_at_k"], [3 / 8, 3 / 4], rtol=1e-12)
    assert table["n"].iloc[0] == 2 and table["n_max"].iloc[0] == 4


def import_run(tmp_path, capsys, fmt, files, *extra):
    problems = tmp_path / "problems.parquet"
    if not problems.exists():
        pd.DataFrame([p.to_row() for p in PROBLEMS]).to_parquet(problems)
    out = tmp_path / "generations.parquet"
    return cli(capsys, "import", "--problems", problems, "--format", fmt, *extra, "--out", out, *files), out


BAD_INPUTS = [
    ("samples-jsonl", "samples.jsonl", '{"task_id": "MiniEval/0", "completion": "x"}\n{"task_id": "MiniEval/77", '
     '"completion": "x"}\n', "samples.jsonl:2: unknown task id 'MiniEval/77'"),
    ("samples-jsonl", "samples.jsonl", '{"task_id": "MiniEval/0", "completion": "x"}\n',
     "no samples for 1 of 2 tasks (MiniEval/1)"),
    ("samples-jsonl", "samples.jsonl", '{"task_id": "MiniEval/0", "completion": ["x"]}\n',
     "samples.jsonl:1: field 'completion' must be a string, got list"),
    ("paper-json", "paper.json", '{"MiniEval/0": {"samples": [{"generation": "x"}]}, "MiniEval/1": {"samp',
     "paper.json:1:"),
    ("code-cascading", "7B_p10_l0.json", '[{"number": 0, "pass": 0, "answer": "x"}, {"number": 1, "pass": 0, '
     '"answer": "y"}, {"number": 0, "pass": 0, "answer": "z"}]', "item 2: duplicated sample ('MiniEval/0', 0)"),
    ("code-cascading", "7B_p10_l0.json", '[{"number": 5, "pass": 0, "answer": "x"}]',
     "item 0: problem index 5 is outside the benchmark's 0..1"),
    ("bigcode-json", "generations.json", '[["a"], "b"]', "problem 1: expected a list of programs, got str"),
    ("samples-jsonl", "samples.jsonl", b'{"task_id": "MiniEval/0", "completion": "caf\xe9"}\n', "samples.jsonl:1: not UTF-8"),
]


@pytest.mark.parametrize("fmt,name,content,message", BAD_INPUTS)
def test_bad_input_stops_with_one_line_and_writes_nothing(tmp_path, capsys, fmt, name, content, message):
    run, out = import_run(tmp_path, capsys, fmt, [write(tmp_path / name, content)])
    assert run.returncode == 2, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert not out.exists() and not list(tmp_path.glob(".generations*"))


def test_a_truncated_gzip_file_is_named(tmp_path, capsys):
    whole = gzip.compress(json.dumps([{"number": 0, "pass": 0, "answer": "x" * 5000}]).encode())
    run, out = import_run(tmp_path, capsys, "code-cascading", [write(tmp_path / "7B_p10_l0.json.gz", whole[: len(whole) // 2])])
    assert run.returncode == 2 and "7B_p10_l0.json.gz: truncated or corrupt gzip file" in run.stderr
    assert "Traceback" not in run.stderr and not out.exists()


@pytest.mark.parametrize("content,message", [
    ("task_id,n,c\nMiniEval/0,4,5\nMiniEval/1,4,1\n", "counts.csv:2: needs 1 <= n and 0 <= c <= n"),
    ("task_id,n,c\nMiniEval/0,4,1\nMiniEval/0,4,1\n", "counts.csv:3: task MiniEval/0 is counted twice"),
    ("task_id,n\nMiniEval/0,4\n", "counts.csv:1: missing column(s) c"),
    ("task_id,n,c\nMiniEval/0,four,1\n", "counts.csv:2: field 'n' must be a whole number"),
    ("task_id,n,c\nMiniEval/0,4,1\n", "no counts for 1 tasks (MiniEval/1)"),
])
def test_bad_counts_are_named(tmp_path, content, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_counts(write(tmp_path / "counts.csv", content), PROBLEMS)


def test_counts_select_their_model_and_decoding(tmp_path):
    path = write(tmp_path / "counts.csv", "model,decoding,task_id,n,c\na,sampled,MiniEval/0,10,3\na,greedy,MiniEval/0,1,1\n"
                                          "b,sampled,MiniEval/0,10,9\n")
    assert read_counts(path, model="a").values.tolist() == [["MiniEval/0", 10, 3]]
    assert read_counts(path, model="a", decoding="greedy").values.tolist() == [["MiniEval/0", 1, 1]]
    assert read_counts(path, model="b").values.tolist() == [["MiniEval/0", 10, 9]]


def test_a_limited_benchmark_leaves_out_the_samples_of_its_other_problems(tmp_path):
    """With a ``limit`` the problems are the benchmark's first ones: a released file of the whole
    benchmark is read, its other problems left out; without one they are refused (above)."""
    cascading = write(tmp_path / "7B_p10_l0.json", json.dumps(
        [{"number": i % 3, "answer": f"    return {i}\n"} for i in range(6)]))
    jsonl = write(tmp_path / "samples.jsonl", "".join(
        json.dumps({"task_id": f"MiniEval/{i % 3}", "completion": f"x{i}"}) + "\n" for i in range(6)))
    for fmt, path in (("code-cascading", cascading), ("samples-jsonl", jsonl)):
        kept = read_samples(fmt, [str(path)], PROBLEMS, subset=True)
        assert [s.task_id for s in kept] == ["MiniEval/0", "MiniEval/1"] * 2, fmt
        with pytest.raises(InputError, match="MiniEval/2|index 2"):
            read_samples(fmt, [str(path)], PROBLEMS)


def test_counts_of_a_limited_benchmark_are_cut_to_its_problems(tmp_path, capsys):
    """pass-at-k as the pass_at_k rule runs it on a counts CSV of the whole benchmark while the
    benchmark has a limit: only the first problems are counted; without --subset the others are
    refused."""
    problems = tmp_path / "problems.parquet"
    write_problems("humaneval", str(MINIEVAL), None, None, 2, None, None, str(problems))
    counts = write(tmp_path / "counts.csv", "task_id,n,c\nMiniEval/0,4,1\nMiniEval/1,4,4\nMiniEval/2,4,0\n")

    def pass_at_k(*flags):
        return cli(capsys, "pass-at-k", "--sampled", counts, "--problems", problems, *flags,
                   "--out", tmp_path / "p.csv", "--counts-out", tmp_path / "c.csv")

    assert pass_at_k("--subset").returncode == 0
    assert pd.read_csv(tmp_path / "c.csv")["task_id"].tolist() == ["MiniEval/0", "MiniEval/1"]
    table = pd.read_csv(tmp_path / "p.csv").set_index("k")
    assert table.loc[1, "pass_at_k"] == pytest.approx(float((Fraction(1, 4) + 1) / 2))
    refused = pass_at_k()
    assert refused.returncode == 2 and "counts.csv:4: unknown task id 'MiniEval/2'" in refused.stderr


def test_an_n_larger_than_the_files_hold_stops_naming_both(tmp_path, capsys):
    samples = write(tmp_path / "samples.jsonl", "".join(
        json.dumps({"task_id": f"MiniEval/{t}", "completion": f"    return {i}\n"}) + "\n" for t in range(2)
        for i in range(10)))
    run, out = import_run(tmp_path, capsys, "samples-jsonl", [samples], "--n", "20",
                          "--n-key", "benchmarks.humaneval.n.mine")
    assert run.returncode == 2 and not out.exists()
    assert "benchmarks.humaneval.n.mine is 20, but the files hold at most 10 samples per problem" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    run, out = import_run(tmp_path, capsys, "samples-jsonl", [samples])        # no n: what they hold
    assert run.returncode == 0, run.stderr
    assert pd.read_parquet(out).groupby("task_id").size().tolist() == [10, 10]
