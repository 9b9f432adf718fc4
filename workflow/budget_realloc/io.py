"""Atomic output: every file and directory appears whole or not at all.

A job killed mid-write leaves a hidden temp file beside the target, never a truncated target
that a resumed run would take for finished work.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# mkstemp/mkdtemp create private (0600/0700) files; outputs get the modes the user's umask gives
# any new file, as a plain open() would, so that collaborators on a cluster can read them.
FILE_MODE = 0o666 & ~_umask()
DIRECTORY_MODE = 0o777 & ~_umask()


@contextlib.contextmanager
def atomic_path(path: str | Path):
    """Yield a temp path in the target's directory; rename it onto ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_directory(path: str | Path):
    """Yield a temp directory beside ``path``; it replaces ``path`` on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield tmp
        os.chmod(tmp, DIRECTORY_MODE)
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def write_text(text: str, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text)


def write_json(obj, path: str | Path) -> None:
    write_text(json.dumps(obj, indent=2, sort_keys=True) + "\n", path)


def read_json(path: str | Path):
    return json.loads(Path(path).read_text())


def write_parquet(frame, path: str | Path, metadata: dict | None = None) -> None:
    """Write a DataFrame (or Arrow table) as Parquet; ``metadata`` is kept as JSON in the schema."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    if metadata:
        merged = dict(table.schema.metadata or {})
        merged[b"budget_realloc"] = json.dumps(metadata).encode()
        table = table.replace_schema_metadata(merged)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp)


def read_parquet(path: str | Path):
    import pandas as pd

    return pd.read_parquet(path)


def parquet_metadata(path: str | Path) -> dict:
    import pyarrow.parquet as pq

    raw = (pq.read_schema(path).metadata or {}).get(b"budget_realloc")
    return json.loads(raw) if raw else {}


def write_csv(frame, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=False)
