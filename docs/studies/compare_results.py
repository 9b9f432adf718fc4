"""Two results/ trees of the same config, compared file by file: is every CSV and Parquet
column the same, timings aside?  For a reshaping of the code that must not change results.

    python -m docs.studies compare_results OLD/results NEW/results [--ignore-axis usd]

Prints one line per file that differs (with its first differing column) and a count.  Timing
columns (measured seconds, which differ run to run) are skipped; rows of an axis given with
--ignore-axis (a ``budget_type`` or ``best`` axis whose meaning changed on purpose) are
dropped before comparing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

TIMING = {"seconds", "cpu_seconds", "wall_seconds", "time_cost_per_sample"}


def read(path: Path) -> pd.DataFrame:
    return pd.read_parquet(path) if path.suffix == ".parquet" else pd.read_csv(path)


def same(old: pd.Series, new: pd.Series) -> bool:
    if pd.api.types.is_numeric_dtype(old) and pd.api.types.is_numeric_dtype(new):
        return bool(np.allclose(old.to_numpy(dtype=float), new.to_numpy(dtype=float), rtol=1e-12, atol=0,
                                equal_nan=True))
    return old.astype(str).equals(new.astype(str))


def compare(old: Path, new: Path, ignored_axes: list[str]) -> tuple[int, list[str]]:
    files = sorted(p.relative_to(old) for p in old.rglob("*") if p.suffix in (".csv", ".parquet")
                   and "logs" not in p.parts and "shards" not in p.parts)
    different = []
    for relative in files:
        if not (new / relative).exists():
            different.append(f"{relative}: missing in the new tree")
            continue
        a, b = (frame[~frame["budget_type"].isin(ignored_axes)] if "budget_type" in frame else frame
                for frame in (read(old / relative), read(new / relative)))
        columns = [c for c in a.columns if c in b.columns and c not in TIMING]
        if len(a) != len(b):
            different.append(f"{relative}: {len(a)} rows, now {len(b)}")
            continue
        a, b = a.reset_index(drop=True), b.reset_index(drop=True)
        wrong = next((c for c in columns if not same(a[c], b[c])), None)
        if wrong:
            different.append(f"{relative}: column {wrong} differs")
    return len(files), different


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("--ignore-axis", action="append", default=[])
    args = parser.parse_args()
    count, different = compare(args.old, args.new, args.ignore_axis)
    for line in different:
        print(line)
    print(f"{count} files compared, {count - len(different)} equal on every column but timings, "
          f"{len(different)} differ")
    sys.exit(1 if different else 0)


if __name__ == "__main__":
    main()
