"""Model-written tests → a problem's test statements and the call inputs MBR-exec runs.

Test-free selectors (CodeT, MBR-exec, self-test cascades) need tests the *model* wrote.  Its
text is free-form: a run of ``assert`` lines, often cut mid-statement by the token limit and
mixed with prose, fences or unrelated code.  Each block (one generated test sample) is split
where a line starts with ``assert``; each piece keeps its shortest run of lines that parses
as Python (``ast``, never executed), so trailing junk is shed and a statement cut short
fails to parse.  An assert is a usable test when it calls the problem's entry point, as
CodeT keeps only test cases that name it.  Nothing here raises on bad text: what cannot be
parsed is dropped and counted, so a report can say how much of the text was unusable.

Distinct tests are kept once per problem (in ``ast.unparse`` form, so formatting variants
merge) and each block lists its tests in order, repeats included: CodeT and the cascade
count a test as often as it was generated.
"""

from __future__ import annotations

import ast
import functools
import gzip
import json
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import numpy as np

from ..errors import InputError, UserError

# CodeT's main.py takes the first ``--test_case_limit`` = 5 usable test cases of each generated
# test sample; the cascade's released code keeps the first 2 or 4 lines of each block.
DEFAULT_LIMIT = 5

_ASSERT_LINE = re.compile(r"[ \t]*assert\b")


@dataclass(frozen=True)
class TestBlock:
    """One generated test sample, as the tests it contributes."""

    __test__ = False            # a data class, not a pytest test class

    tests: tuple[int, ...]      # its usable asserts (indices into ProblemTests.tests), at most the limit
    unusable: int               # asserts met before the limit that cannot test the function
    unparseable: int            # asserts anywhere in it that could not be parsed


@dataclass(frozen=True)
class ProblemTests:
    """A problem's generated tests: what the executor runs and what selectors count."""

    entry_point: str
    tests: tuple[str, ...]                    # distinct ``assert`` statements, each compiles alone
    inputs: tuple[str, ...]                   # distinct calls of the entry point found in them
    test_inputs: tuple[tuple[int, ...], ...]  # per test, the inputs (indices) its calls are
    blocks: tuple[TestBlock, ...]             # per generated sample, in generation order

    @property
    def unparseable_blocks(self) -> int:
        """Blocks with at least one assert that could not be parsed."""
        return sum(block.unparseable > 0 for block in self.blocks)

    @property
    def empty_blocks(self) -> int:
        """Blocks that contribute no usable test."""
        return sum(not block.tests for block in self.blocks)


def _assert_pieces(text: str) -> list[str]:
    """Each line that starts an assert, with the lines up to the next such line."""
    lines = text.split("\n")
    starts = [i for i, line in enumerate(lines) if _ASSERT_LINE.match(line)]
    return ["\n".join([lines[start].lstrip(), *lines[start + 1:end]])
            for start, end in zip(starts, starts[1:] + [len(lines)])]


def _first_statement(piece: str) -> ast.stmt | None:
    """The statement of the shortest line prefix that parses, or None when none does."""
    lines = piece.split("\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")            # invalid escapes in model text are not our concern
        for end in range(1, len(lines) + 1):
            try:
                return ast.parse("\n".join(lines[:end])).body[0]
            except (SyntaxError, ValueError, RecursionError):   # ValueError: null bytes
                continue
    return None


@functools.lru_cache(maxsize=1 << 16)
def _read_assert(piece: str, entry_point: str) -> tuple[str, tuple[str, ...]] | None:
    """An assert piece as (statement, calls of the entry point in it, outermost first), or None
    when it cannot be parsed (or is too deep to write back).  Cached: models repeat the same
    asserts across samples."""
    node = _first_statement(piece)
    if node is None:
        return None
    try:
        calls = [ast.unparse(call) for call in ast.walk(node)
                 if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == entry_point]
        return ast.unparse(node), tuple(dict.fromkeys(calls))
    except RecursionError:
        return None


def parse_block(text, entry_point: str, limit: int = DEFAULT_LIMIT) -> tuple[list[tuple[str, tuple[str, ...]]],
                                                                             int, int]:
    """One block's usable tests (statement, calls) up to ``limit``, then the unusable and
    unparseable counts of :class:`TestBlock`.  Text that is not a string is an empty block."""
    if limit < 1:
        raise ValueError(f"the per-block test limit must be at least 1, got {limit}")
    usable, unusable, unparseable = [], 0, 0
    for piece in _assert_pieces(text if isinstance(text, str) else ""):
        parsed = _read_assert(piece, entry_point)
        unparseable += parsed is None
        if len(usable) == limit:
            continue
        if parsed is not None and parsed[1]:
            usable.append(parsed)
        else:
            unusable += 1
    return usable, unusable, unparseable


def problem_tests(texts: Iterable, entry_point: str, limit: int = DEFAULT_LIMIT) -> ProblemTests:
    """A problem's generated test blocks, in generation order, as :class:`ProblemTests`."""
    if not entry_point.isidentifier():
        raise InputError(f"entry point {entry_point!r} is not a Python name")
    tests: dict[str, int] = {}
    inputs: dict[str, int] = {}
    test_inputs, blocks = [], []
    for text in texts:
        usable, unusable, unparseable = parse_block(text, entry_point, limit)
        for statement, calls in usable:
            if statement not in tests:
                tests[statement] = len(tests)
                test_inputs.append(tuple(inputs.setdefault(call, len(inputs)) for call in calls))
        blocks.append(TestBlock(tuple(tests[s] for s, _ in usable), unusable, unparseable))
    return ProblemTests(entry_point, tuple(tests), tuple(inputs), tuple(test_inputs), tuple(blocks))


def _open_text(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else open(path, encoding="utf-8")


def read_wizardcoder_tests(paths: Sequence[str | Path], records: Sequence[Mapping],
                           limit: int = DEFAULT_LIMIT) -> dict[str, ProblemTests]:
    """The cascade data's test files (JSON arrays, maybe gzipped, of {"number", "answer"}):
    blocks in file order, then record order.  ``records`` are the HumanEval problems in order
    ("number" indexes them); each gives task_id and entry_point."""
    from ..generation.sample_files import array_items

    texts: dict[int, list] = {}
    for path in map(Path, paths):
        for _, where, row in array_items(path, "a JSON array of {number, answer}", "item", dict, "an object"):
            if "answer" not in row or not str(row.get("number", "")).strip().isdigit():
                raise InputError(f"{where}: needs 'answer' and a whole 'number', got {sorted(row)}")
            texts.setdefault(int(row["number"]), []).append(row["answer"])
    unknown = sorted(set(texts) - set(range(len(records))))
    if unknown:
        raise InputError(f"{', '.join(map(str, paths))}: test files name problem numbers {unknown[:5]} beyond "
                         f"the {len(records)} problems given")
    return {records[number]["task_id"]: problem_tests(blocks, records[number]["entry_point"], limit)
            for number, blocks in sorted(texts.items())}


def read_codet_tests(test_case_path: str | Path, prompts_path: str | Path,
                     limit: int = DEFAULT_LIMIT) -> dict[str, ProblemTests]:
    """CodeT's generated test cases (JSON lines {"prompt", "samples"}).  Each prompt ends in
    ``assert `` so a sample is a run of asserts missing its first keyword; the prompts file
    (task_id, prompt, entry_point) maps each line to its task."""
    from ..benchmarks.records import json_lines
    from ..generation.sample_files import read_text

    tasks = {}
    for number, row in json_lines(read_text(prompts_path).splitlines(), prompts_path):
        if not all(isinstance(row.get(field), str) for field in ("prompt", "task_id", "entry_point")):
            raise InputError(f"{prompts_path}:{number}: needs 'prompt', 'task_id' and 'entry_point' strings")
        tasks[row["prompt"]] = row
    out = {}
    for number, row in json_lines(read_text(test_case_path).splitlines(), test_case_path):
        task = tasks.get(row.get("prompt"))
        if task is None:
            raise InputError(f"{test_case_path} line {number}: its prompt is not in {prompts_path}")
        if not isinstance(row.get("samples"), list):
            raise InputError(f"{test_case_path} line {number}: field 'samples' must be a list")
        out[task["task_id"]] = problem_tests(
            ("assert " + s if isinstance(s, str) else s for s in row["samples"]), task["entry_point"], limit)
    return out


def to_json(problems: Mapping[str, ProblemTests]) -> dict:
    """task -> its tests as plain JSON (results/<benchmark>/<model>/selection/tests.json)."""
    return {task: {"entry_point": p.entry_point, "tests": list(p.tests), "inputs": list(p.inputs),
                   "test_inputs": [list(i) for i in p.test_inputs],
                   "blocks": [[list(b.tests), b.unusable, b.unparseable] for b in p.blocks]}
            for task, p in problems.items()}


def from_json(document: Mapping) -> dict[str, ProblemTests]:
    return {task: ProblemTests(p["entry_point"], tuple(p["tests"]), tuple(p["inputs"]),
                               tuple(tuple(i) for i in p["test_inputs"]),
                               tuple(TestBlock(tuple(t), unusable, unparseable) for t, unusable, unparseable in p["blocks"]))
            for task, p in document.items()}


TEST_FORMATS = ("code-cascading", "codet-jsonl")


def write_tests(*, fmt: str, files: Sequence[str], prompts: str | None, records_path: str, generations_path: str,
                limit: int, out: str) -> dict[str, ProblemTests]:
    """results/<benchmark>/<model>/selection/tests.json: a model's generated tests per problem,
    and what a test block and a program cost in tokens (the released counts where the files have
    them: ``num_ids_4``, tokens to the 4th assert, scaled to ``limit`` asserts; else characters
    over costs.axes.CHARS_PER_TOKEN — the estimate is said in the file)."""
    from ..benchmarks.records import read_local
    from ..costs.axes import CHARS_PER_TOKEN
    from ..io import read_parquet, write_json

    records = read_local(records_path)
    if fmt == "code-cascading":
        problems = read_wizardcoder_tests(files, records, limit)
        counted = [int(row["num_ids_4"]) for path in map(Path, files) for row in json.load(_open_text(path))
                   if str(row.get("num_ids_4", "")).strip().isdigit()]
        block, block_source = float(np.mean(counted)) * limit / 4, "num_ids_4 x limit / 4"
    elif fmt == "codet-jsonl":
        problems = read_codet_tests(files[0], prompts, limit)
        texts = [s for row in map(json.loads, filter(str.strip, _open_text(Path(files[0])))) for s in row["samples"]]
        block, block_source = float(np.mean([len(t) for t in texts])) / CHARS_PER_TOKEN, "characters / CHARS_PER_TOKEN"
    else:
        raise UserError(f"unknown generated-tests format {fmt!r} (one of {', '.join(TEST_FORMATS)})")
    generations = read_parquet(generations_path)
    if generations["n_new_tokens"].notna().all():
        program, program_source = float(generations["n_new_tokens"].mean()), "the samples' token counts"
    else:
        program = float(generations["completion"].str.len().mean()) / CHARS_PER_TOKEN
        program_source = "characters / CHARS_PER_TOKEN"
    write_json({"tokens": {"block": block, "program": program, "block_source": block_source,
                           "program_source": program_source}, "limit": limit, "problems": to_json(problems)}, out)
    return problems
