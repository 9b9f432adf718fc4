"""Generations made elsewhere, read from the files people already hold them in.

One reader per format turns a file into :class:`Sample` records; everything after that (which
samples a run takes, sample ids, the generation columns) is shared, so a new format is one
function and one line of :data:`READERS`.  The formats (two-line examples in docs/data.md):

- ``samples-jsonl``: OpenAI human-eval / evalplus ``samples.jsonl``, one object per line with
  ``task_id`` and ``completion`` (appended to the prompt) or ``solution`` (a whole program);
- ``paper-json``: the paper's release, ``{task_id: {"task_id", "prompt", "samples":
  [{"generation", ...}]}}``, generations being completions;
- ``bigcode-json``: the bigcode evaluation harness's ``generations.json``, a list (one per
  problem, in the benchmark's order) of lists of whole programs;
- ``codet-jsonl``: CodeT's release, one ``{"prompt", "samples": [...]}`` line per problem, matched
  to its task by its prompt (CodeT rewrote the prompts, so a file of ``{task_id, prompt}`` records
  may say which prompt is which task);
- ``code-cascading``: the "Model Cascading for Code" release, a JSON array of ``{"number":
  problem index, "pass": index in the file, "answer": the whole function, "num_ids": generated
  tokens}``, the answer appended to the prompt after a newline, as its authors ran it.

Per-problem ``counts`` (task id, n, c: published results, nothing to execute) are read by
:func:`read_counts`.  Every error names the file, the line where there is one, and the field;
gzipped files are read as they are.  pandas is imported only where frames are built: the CLI
imports this module to parse its arguments.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..benchmarks import Problem, truncate_at_stop
from ..benchmarks.records import json_lines
from ..errors import InputError

COUNTS = "counts"


@dataclass(frozen=True)
class Sample:
    task_id: str
    code: str
    where: str                       # file:line, for messages
    whole_program: bool = False      # the code is the whole program, not a completion of the prompt
    n_new_tokens: int | None = None  # generated tokens, where the file says
    key: object = None               # the sample's identity in the file, where it has one


def read_text(path: str | Path) -> str:
    """A file's text (gunzipped if it ends in .gz), or an InputError saying why it cannot be read."""
    path = Path(path)
    try:
        data = gzip.decompress(path.read_bytes()) if path.name.endswith(".gz") else path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except (EOFError, gzip.BadGzipFile, OSError) as error:
        raise InputError(f"{path}: truncated or corrupt gzip file ({error})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text (byte {error.start}: {data[error.start:error.start + 1]!r})") \
            from None


def _document(path: Path, kind: type, expected: str):
    """The file's JSON document, which must be a ``kind`` (``expected`` says what the format holds)."""
    text = read_text(path)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}:{error.lineno}:{error.colno}: not valid JSON ({error.msg}); "
                         "is the file truncated?") from None
    if not isinstance(document, kind):
        raise InputError(f"{path}: expected {expected}, got {type(document).__name__}")
    return document


def array_items(path: Path, expected: str, label: str, kind: type, item: str):
    """(index, where, item) for each item of a file holding one JSON array; every item must be a
    ``kind`` (``item`` says what it should be)."""
    for index, value in enumerate(_document(path, list, expected)):
        where = f"{path}: {label} {index}"
        if not isinstance(value, kind):
            raise InputError(f"{where}: expected {item}, got {type(value).__name__}")
        yield index, where, value


def _string(value, where: str, field: str) -> str:
    if not isinstance(value, str):
        raise InputError(f"{where}: field {field!r} must be a string, got {type(value).__name__}")
    return value


def _integer(value, where: str, field: str) -> int:
    """An integer field; digit strings count (some releases store numbers as text)."""
    if isinstance(value, bool) or not isinstance(value, (int, str)) \
            or (isinstance(value, str) and not re.fullmatch(r"\s*\d+\s*", value)):
        raise InputError(f"{where}: field {field!r} must be a whole number, got {value!r}")
    return int(value)


class TaskIds:
    """The benchmark's task ids, looked up as written (``HumanEval/3``) or by bare number (``3``).

    ``subset``: the problems are the first ones of the benchmark (a ``limit``), so a sample of a
    task past them is skipped (looked up as None) instead of refused as foreign."""

    def __init__(self, problems: list[Problem], subset: bool = False):
        self.subset = subset
        self.ordered = [p.task_id for p in problems]
        self._known = set(self.ordered)
        self._by_number = {t.rsplit("/", 1)[-1]: t for t in self.ordered}

    def __call__(self, raw, where: str) -> str:
        text = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else None
        if text is None:
            raise InputError(f"{where}: field 'task_id' must be a string or number, got {type(raw).__name__}")
        if text in self._known:
            return text
        task_id = self._by_number.get(text.rsplit("/", 1)[-1])
        if task_id is None and not self.subset:
            raise InputError(f"{where}: unknown task id {raw!r} for this benchmark")
        return task_id

    def at(self, index: int, where: str) -> str | None:
        if self.subset and index >= len(self.ordered):
            return None
        if not 0 <= index < len(self.ordered):
            raise InputError(f"{where}: problem index {index} is outside the benchmark's "
                             f"0..{len(self.ordered) - 1}")
        return self.ordered[index]


# --------------------------------------------------------------------------- readers
def read_samples_jsonl(path: Path, tasks: TaskIds, **_) -> list[Sample]:
    out = []
    for number, record in json_lines(read_text(path).splitlines(), path):
        where = f"{path}:{number}"
        if "task_id" not in record:
            raise InputError(f"{where}: missing field 'task_id'")
        task_id = tasks(record["task_id"], where)
        if "solution" in record:
            out.append(Sample(task_id, _string(record["solution"], where, "solution"), where, whole_program=True))
        elif "completion" in record:
            out.append(Sample(task_id, _string(record["completion"], where, "completion"), where))
        else:
            raise InputError(f"{where}: needs a 'completion' or 'solution' string")
    return out


def read_paper_json(path: Path, tasks: TaskIds, **_) -> list[Sample]:
    document = _document(path, dict, "a JSON object {task_id: {samples: [...]}}")
    out = []
    for key, entry in document.items():
        where = f"{path}: entry {key!r}"
        if not isinstance(entry, dict) or not isinstance(entry.get("samples"), list):
            raise InputError(f"{where}: expected an object with a 'samples' list")
        task_id = tasks(entry.get("task_id", key), where)
        for index, sample in enumerate(entry["samples"]):
            at = f"{where}, sample {index}"
            generation = sample.get("generation") if isinstance(sample, dict) else sample
            out.append(Sample(task_id, _string(generation, at, "generation"), at))
    return out


def read_bigcode_json(path: Path, tasks: TaskIds, **_) -> list[Sample]:
    out = []
    for index, where, programs in array_items(path, "a JSON list (one list of programs per problem)", "problem",
                                               list, "a list of programs"):
        task_id = tasks.at(index, where)
        out += [Sample(task_id, _string(p, f"{where}, sample {i}", "program"), f"{where}, sample {i}",
                       whole_program=True) for i, p in enumerate(programs)]
    return out


def read_codet_jsonl(path: Path, tasks: TaskIds, prompts: dict[str, str] | None = None, **_) -> list[Sample]:
    """``prompts`` maps a prompt to its task id; without it the benchmark's own prompts do."""
    out = []
    for number, record in json_lines(read_text(path).splitlines(), path):
        where = f"{path}:{number}"
        prompt = _string(record.get("prompt"), where, "prompt")
        if prompts is None or prompt not in prompts:
            raise InputError(f"{where}: its prompt matches no task (give the file of CodeT's prompts "
                             "with `prompts:` in the config)")
        task_id = tasks(prompts[prompt], where)
        if not isinstance(record.get("samples"), list):
            raise InputError(f"{where}: field 'samples' must be a list")
        out += [Sample(task_id, _string(s, f"{where}, sample {i}", "samples"), f"{where}, sample {i}")
                for i, s in enumerate(record["samples"])]
    return out


def read_code_cascading(path: Path, tasks: TaskIds, **_) -> list[Sample]:
    out = []
    for _, where, record in array_items(path, "a JSON array of samples", "item", dict, "an object"):
        for field in ("number", "answer"):
            if field not in record:
                raise InputError(f"{where}: missing field {field!r}")
        task_id = tasks.at(_integer(record["number"], where, "number"), where)
        tokens = _integer(record["num_ids"], where, "num_ids") if "num_ids" in record else None
        answer = _string(record["answer"], where, "answer")
        key = (task_id, _integer(record["pass"], where, "pass")) if "pass" in record else None
        out.append(Sample(task_id, "\n" + answer, where, n_new_tokens=tokens, key=key))
    return out


READERS = {
    "samples-jsonl": read_samples_jsonl,
    "paper-json": read_paper_json,
    "bigcode-json": read_bigcode_json,
    "codet-jsonl": read_codet_jsonl,
    "code-cascading": read_code_cascading,
}
FORMATS = (*READERS, COUNTS)


def guess_format(path: str | Path) -> str:
    """``samples-jsonl`` or ``paper-json``, by the file's name and first character (``evaluate``
    takes either without being told)."""
    if Path(path).name.endswith((".jsonl", ".jsonl.gz")):
        return "samples-jsonl"
    return "paper-json" if read_text(path).lstrip().startswith("{") else "samples-jsonl"


def read_prompt_index(path: str | Path) -> dict[str, str]:
    """prompt -> task id from a JSON Lines file of ``{task_id, prompt}`` records."""
    index = {}
    for number, record in json_lines(read_text(Path(path)).splitlines(), path):
        where = f"{path}:{number}"
        index[_string(record.get("prompt"), where, "prompt")] = _string(record.get("task_id"), where, "task_id")
    return index


def read_samples(fmt: str, paths: list[str], problems: list[Problem], prompts: str | None = None,
                 subset: bool = False) -> list[Sample]:
    """Every sample of ``paths`` (in the order given, then file order), duplicates refused;
    with ``subset`` (TaskIds), those of tasks past ``problems`` are left out."""
    if fmt not in READERS:
        raise InputError(f"unknown samples format {fmt!r} (one of {', '.join(FORMATS)})")
    tasks = TaskIds(problems, subset)
    index = read_prompt_index(prompts) if prompts else None
    samples = []
    for path in paths:
        read = [s for s in READERS[fmt](Path(path), tasks, prompts=index) if s.task_id is not None]
        seen: dict = {}
        for sample in read:
            if sample.key is not None:
                if sample.key in seen:
                    raise InputError(f"{sample.where}: duplicated sample {sample.key!r} (also at {seen[sample.key]})")
                seen[sample.key] = sample.where
        samples += read
    return samples


# --------------------------------------------------------------------------- the generation columns
def samples_frame(samples: list[Sample], problems: list[Problem], n: int | None, truncate: bool = False,
                  where: str = "the sample files", n_key: str = "n"):
    """The first ``n`` samples of each problem (file order; all of them if ``n`` is None) in the
    columns of generated samples.

    A problem with fewer samples keeps what it has (its own n); one with none is an error, as is
    an ``n`` (the setting ``n_key``) larger than any problem holds, and a sample of a task the
    benchmark does not have (caught by the readers).
    """
    import pandas as pd

    by_task: dict[str, list[Sample]] = {}
    for sample in samples:
        by_task.setdefault(sample.task_id, []).append(sample)
    missing = [p.task_id for p in problems if p.task_id not in by_task]
    if missing:
        raise InputError(f"{where}: no samples for {len(missing)} of {len(problems)} tasks "
                         f"({', '.join(missing[:5])}{', ...' if len(missing) > 5 else ''})")
    held = max((len(by_task[p.task_id]) for p in problems), default=0)
    if n is not None and held < n:
        raise InputError(f"{where}: {n_key} is {n}, but the files hold at most {held} samples per problem "
                         f"(state {held}, or null to take what they hold)")
    rows = []
    for problem in problems:
        for sample_id, sample in enumerate(by_task[problem.task_id][:n]):
            code = sample.code
            stopped = False
            if truncate and not sample.whole_program:
                code, stopped = truncate_at_stop(code, problem.stop)
            rows.append({"task_id": problem.task_id, "sample_id": sample_id, "completion": code,
                         "n_prompt_tokens": None, "n_new_tokens": sample.n_new_tokens, "finished": True,
                         "stop_reason": "stop" if stopped else "imported", "seconds": None,
                         "whole_program": sample.whole_program})
    frame = pd.DataFrame(rows)
    for column in ("n_prompt_tokens", "n_new_tokens"):
        frame[column] = frame[column].astype("Int64")
    frame["seconds"] = frame["seconds"].astype("float64")
    return frame


# --------------------------------------------------------------------------- per-problem counts
COUNT_COLUMNS = ("task_id", "n", "c")


@dataclass(frozen=True)
class CountsFilter:
    """Which problems of a counts file a benchmark keeps, by the columns that describe them
    where the file has them (LiveCodeBench's counts do): ``difficulty`` equal to this one, and a
    ``contest_date`` after ``released_after`` (ISO dates; problems released after a model's
    training cutoff cannot have been seen in training).  Both None: every row."""

    difficulty: str | None = None
    released_after: str | None = None

    def columns(self) -> list[str]:
        return [c for c, v in (("difficulty", self.difficulty), ("contest_date", self.released_after)) if v]

    def keeps(self, record: dict, where: str) -> bool:
        if self.difficulty and record["difficulty"] != self.difficulty:
            return False
        if self.released_after:
            try:
                released = date.fromisoformat(record["contest_date"])
            except (TypeError, ValueError):
                raise InputError(f"{where}: contest_date {record['contest_date']!r} is not an ISO date") from None
            return released > date.fromisoformat(self.released_after)
        return True

    def describe(self) -> str:
        """What it keeps, as titles say it ("" for everything)."""
        parts = ([self.difficulty] if self.difficulty else []) + (
            [f"released after {self.released_after}"] if self.released_after else [])
        return ", ".join(parts)


def counts_records(path: str | Path, model: str | None = None, decoding: str = "sampled",
                   keep: CountsFilter = CountsFilter()):
    """(line number, record) of a counts CSV's rows of one model and decoding that ``keep``
    keeps: the one reader of the format.  Required columns task_id, n, c; optional ``model`` and
    ``decoding`` (sampled | greedy) select rows when one file holds several runs, and
    ``difficulty`` and ``contest_date`` are required where ``keep`` selects by them."""
    path = Path(path)
    reader = csv.DictReader(io.StringIO(read_text(path)))
    absent = [c for c in COUNT_COLUMNS if c not in (reader.fieldnames or [])]
    if absent:
        raise InputError(f"{path}:1: missing column(s) {', '.join(absent)} (a counts file has task_id, n, c)")
    absent = [c for c in keep.columns() if c not in reader.fieldnames]
    if absent:
        raise InputError(f"{path}:1: no column {', '.join(absent)} to keep problems {keep.describe()} by")
    for number, record in enumerate(reader, start=2):
        if model is not None and "model" in record and record["model"] != model:
            continue
        if record.get("decoding", "sampled") == decoding and keep.keeps(record, f"{path}:{number}"):
            yield number, record


def read_counts(path: str | Path, problems: list[Problem] | None = None, model: str | None = None,
                decoding: str = "sampled", subset: bool = False, keep: CountsFilter = CountsFilter()):
    """Columns task_id, n, c of one model and decoding from a counts CSV, the problems ``keep``
    keeps (:func:`counts_records`).
    With ``problems`` the task ids are checked (and written as the benchmark writes them), and
    every problem must be counted; with ``subset`` too (TaskIds), rows of tasks past
    ``problems`` are left out.
    """
    import pandas as pd

    path = Path(path)
    tasks = TaskIds(problems, subset) if problems is not None else None
    rows, seen = [], {}
    for number, record in counts_records(path, model, decoding, keep):
        where = f"{path}:{number}"
        task_id = tasks(record["task_id"], where) if tasks else record["task_id"]
        if task_id is None:
            continue
        n, c = _integer(record["n"], where, "n"), _integer(record["c"], where, "c")
        if n < 1 or c > n:
            raise InputError(f"{where}: needs 1 <= n and 0 <= c <= n, got n={n}, c={c}")
        if task_id in seen:
            raise InputError(f"{where}: task {task_id} is counted twice (also at line {seen[task_id]})")
        seen[task_id] = number
        rows.append((task_id, n, c))
    if not rows:
        raise InputError(f"{path}: no {decoding} counts" + (f" for model {model!r}" if model else "")
                         + (f" of problems {keep.describe()}" if keep.describe() else ""))
    if tasks is not None:
        missing = [t for t in tasks.ordered if t not in seen]
        if missing:
            raise InputError(f"{path}: no counts for {len(missing)} tasks ({', '.join(missing[:5])})")
    return pd.DataFrame(rows, columns=list(COUNT_COLUMNS))
