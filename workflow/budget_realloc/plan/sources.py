"""Where a run made elsewhere finds its files: ``models.<m>.samples.<b>`` resolved, checked once.

A missing file stops the plan at once with the file and where it is published named; a model
whose sample files are absent but which names a ``fallback`` counts CSV reads that instead.
"""

from __future__ import annotations

import glob
import re
from pathlib import Path

from ..config import ConfigError
from ..generation.sample_files import COUNTS, CountsFilter, counts_records
from .values import SampleSource, TestFiles


def natural(path: str):
    """Sort key that puts part_l10 after part_l9."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path)]


def published(entry: dict) -> str:
    return f" (published at {entry['published']})" if entry.get("published") else ""


def counts_rows(path: str, model: str, decoding: str, keep: CountsFilter = CountsFilter()) -> int:
    """How many rows of ``model`` and ``decoding`` a counts CSV holds of the problems ``keep``
    keeps (rows of a file without those columns are everyone's sampled counts)."""
    return sum(1 for _ in counts_records(path, model, decoding, keep))


def _matches(patterns) -> list[str]:
    patterns = [patterns] if isinstance(patterns, str) else patterns
    return sorted({f for p in patterns for f in glob.glob(p)}, key=natural)


def sample_source(model: str, benchmark: str, entry: dict | None) -> SampleSource:
    key = f"models.{model}.samples.{benchmark}"
    if entry is None:
        raise ConfigError(f"config: benchmarks.{benchmark}.n names {model}, whose generations are made elsewhere, "
                          f"but {key} does not say where they are")
    patterns = [entry["files"]] if isinstance(entry["files"], str) else entry["files"]
    files = _matches(patterns)
    fmt = entry["format"]
    if not files and entry.get("fallback"):
        if not Path(entry["fallback"]).is_file():
            raise ConfigError(f"config: {key}: no file matches {', '.join(patterns)}{published(entry)}, "
                              f"and the fallback {entry['fallback']} is not there either")
        files, fmt = [entry["fallback"]], COUNTS
    elif not files:
        raise ConfigError(f"config: {key}.files: no file matches {', '.join(patterns)}{published(entry)}")
    for field in ("greedy", "prompts"):
        if fmt != COUNTS and entry.get(field) and not Path(entry[field]).is_file():
            raise ConfigError(f"config: {key}.{field}: file not found: {entry[field]}{published(entry)}")
    if fmt == COUNTS:
        if len(files) != 1:
            raise ConfigError(f"config: {key}.files: counts come from one CSV, but {len(files)} files match")
        greedy = files[0] if counts_rows(files[0], model, "greedy") else None
        return SampleSource(COUNTS, tuple(files), greedy)
    return SampleSource(fmt, tuple(files), entry.get("greedy"), entry.get("prompts"), entry["truncate"])


def test_files(model: str, benchmark: str, entry: dict | None) -> TestFiles | None:
    """The generated tests of a model on a benchmark (files resolved), or None."""
    tests = (entry or {}).get("tests")
    if not tests:
        return None
    files = _matches(tests["files"])
    if not files:
        patterns = [tests["files"]] if isinstance(tests["files"], str) else tests["files"]
        raise ConfigError(f"config: models.{model}.samples.{benchmark}.tests.files: no file matches "
                          f"{', '.join(patterns)}")
    return TestFiles(tests["format"], tuple(files), tests.get("prompts"))
