"""Generations as one file per run: shards gathered, or samples made elsewhere imported.

Only pandas and the readers of sample files are imported here (no torch): gathering a run's
shards and importing files made elsewhere are light jobs, and they run in envs/execute.yaml.
"""

from __future__ import annotations

import pandas as pd

from ..benchmarks import read_problems
from ..io import read_parquet, write_parquet

COLUMNS = ["task_id", "sample_id", "completion", "n_prompt_tokens", "n_new_tokens", "finished",
           "stop_reason", "seconds", "whole_program"]


def import_generations(*, problems_path: str, out: str, fmt: str, files: list[str], n: int,
                       truncate: bool = False, prompts: str | None = None, subset: bool = False,
                       n_key: str = "n") -> pd.DataFrame:
    """The first ``n`` samples per problem of a run made elsewhere, read from files in format
    ``fmt``, as one generations file (execution takes it shard by shard); ``subset``: the
    benchmark is limited to its first problems, and the files' other problems are left out.
    ``n_key``: the setting ``n`` came from, named if the files hold fewer."""
    from .sample_files import read_samples, samples_frame

    problems = read_problems(problems_path)
    frame = samples_frame(read_samples(fmt, files, problems, prompts, subset), problems, n, truncate,
                          where=", ".join(files[:3]) + (", ..." if len(files) > 3 else ""), n_key=n_key)[COLUMNS]
    write_parquet(frame, out, metadata={"imported": files, "format": fmt, "n": n, "truncate": truncate})
    return frame


# Provenance fields that add up over shards (the rest are the same in every shard).
SUMMED_METADATA = ("wall_seconds", "new_tokens")


def gather_shards(inputs: list[str], out: str, problems_path: str | None = None, n: int | None = None,
                  exact: bool = True) -> pd.DataFrame:
    """Concatenate shard files (generations or executions) into one.

    With ``problems_path`` and ``n``, prove that no (task, sample) is missing or doubled: every
    task has samples 0..n-1 (``exact``) or 0..n_t-1 for some 1 <= n_t <= n (samples made
    elsewhere, where a problem may have fewer).
    """
    from ..errors import InputError
    from ..io import parquet_metadata

    frame = pd.concat([read_parquet(p) for p in inputs], ignore_index=True)
    shards = [parquet_metadata(p) for p in inputs]
    metadata = {k: v for k, v in shards[0].items() if k != "shard"}
    for key in SUMMED_METADATA:
        if all(key in m for m in shards):
            metadata[key] = sum(m[key] for m in shards)
    if problems_path and n:
        tasks = read_parquet(problems_path)["task_id"]
        sizes = frame.groupby("task_id").size().reindex(tasks, fill_value=0)
        expected = pd.MultiIndex.from_tuples([(t, i) for t, size in sizes.items() for i in range(size)],
                                             names=["task_id", "sample_id"])
        got = pd.MultiIndex.from_frame(frame[["task_id", "sample_id"]])
        wrong = (sizes != n) if exact else ((sizes < 1) | (sizes > n))
        if wrong.any() or got.has_duplicates or not got.sort_values().equals(expected.sort_values()) \
                or len(frame) != sizes.sum():
            want = f"exactly {n}" if exact else f"1 to {n}"
            raise InputError(f"shards do not hold {want} samples (ids 0, 1, ...) for each of {len(tasks)} tasks")
    write_parquet(frame, out, metadata=metadata)
    return frame
