"""Raw benchmark records from a local file or the Hugging Face hub, as plain dicts.

Local files come in the forms the benchmarks are distributed in: JSON Lines (optionally
gzipped, as OpenAI ships HumanEval), a JSON list or {id: record} mapping, or Parquet (as
``datasets`` exports them).  Both sources give the same dicts, so the benchmark modules never
see where their records came from.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from ..errors import InputError


class RecordError(InputError):
    """A benchmark file that cannot be read; the message names the file and line."""


def read_local(path: str | Path) -> list[dict]:
    path = Path(path)
    if not path.is_file():
        raise RecordError(f"benchmark file not found: {path}")
    name = path.name.lower()
    if name.endswith(".parquet"):
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        if name.endswith((".jsonl", ".jsonl.gz")):
            return [record for _, record in json_lines(handle, path)]
        if name.endswith((".json", ".json.gz")):
            return _json_document(handle, path)
    raise RecordError(f"{path}: unknown benchmark file type (use .jsonl, .jsonl.gz, .json or .parquet)")


def json_lines(lines, path: Path):
    """(line number, object) for every non-blank line of a JSON Lines file; a line that is not
    a JSON object stops with its file and line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise RecordError(f"{path}:{number}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise RecordError(f"{path}:{number}: expected a JSON object, got {type(record).__name__}")
        yield number, record


def _json_document(handle, path: Path) -> list[dict]:
    try:
        document = json.load(handle)
    except json.JSONDecodeError as error:
        raise RecordError(f"{path}:{error.lineno}: not valid JSON ({error.msg})") from None
    if isinstance(document, dict):
        document = list(document.values())
    if not isinstance(document, list) or not all(isinstance(r, dict) for r in document):
        raise RecordError(f"{path}: expected a list of records or a mapping of id to record")
    return document


def read_hub(dataset: str, split: str, name: str | None = None, data_files=None) -> list[dict]:
    """Records of one split through ``datasets`` (imported here: it is slow to import)."""
    from datasets import load_dataset

    try:
        data = load_dataset(dataset, name, split=split, data_files=data_files)
    except Exception as error:  # network, auth, renamed sets: all end the same way for the user
        raise RecordError(
            f"could not load {dataset!r} (split {split!r}) from the Hugging Face hub: {error}. "
            "Offline? Point the benchmark's `path:` at a local copy instead."
        ) from error
    return [dict(row) for row in data]
