"""One generation job: every sample of one shard of problems, written as one Parquet file.

A shard is the unit of resumption: Snakemake keeps the shards that were written, a killed job
loses only its own, and seeds derived per sample make a re-run of a shard draw the same tokens.
Samples generated elsewhere enter as the same kind of file (:func:`import_generations`), so
every later stage reads one kind of file.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import pandas as pd
from tqdm import tqdm

from ..benchmarks import Problem, read_problems
from ..io import read_parquet, write_parquet
from ..seeds import derive_seed
from .backend import Request, make_backend
from .sampling import Sampling

COLUMNS = ["task_id", "sample_id", "completion", "n_prompt_tokens", "n_new_tokens", "finished",
           "stop_reason", "seconds", "whole_program"]


def shard_problems(problems_path: str, shard: int, shard_size: int) -> list[Problem]:
    return read_problems(problems_path)[shard * shard_size:(shard + 1) * shard_size]


def generate_shard(*, problems_path: str, shard: int, shard_size: int, out: str, model: str,
                   source: str, benchmark: str, n: int, sampling: Sampling, seed: int,
                   backend: str = "hf", dtype: str = "auto", device: str = "auto",
                   batch_size: int = 64) -> pd.DataFrame:
    problems = shard_problems(problems_path, shard, shard_size)
    requests = [Request(p.task_id, i, p.prompt, derive_seed(seed, model, benchmark, p.task_id, i), p.stop)
                for p in problems for i in range(n)]
    engine = make_backend(backend, source, dtype, device, batch_size)
    began = time.perf_counter()
    with tqdm(total=len(requests), unit="sample", mininterval=5, desc=f"{model} {benchmark}") as bar:
        tokens = 0

        def progress(batch, results):
            nonlocal tokens
            tokens += sum(r.n_new_tokens for r in results)
            elapsed = time.perf_counter() - began
            bar.update(len(batch))
            bar.set_postfix(tokens_per_s=f"{tokens / elapsed:.0f}", refresh=False)

        results = engine.generate(requests, sampling, progress) if requests else []
    frame = pd.DataFrame([{"task_id": q.task_id, "sample_id": q.sample_id, **asdict(r), "whole_program": False}
                          for q, r in zip(requests, results)], columns=COLUMNS)
    wall = time.perf_counter() - began
    write_parquet(frame, out, metadata={
        "model": model, "source": source, "benchmark": benchmark, "shard": shard, "n": n,
        "sampling": asdict(sampling), "seed": seed, "backend": backend, "dtype": dtype,
        "device": device, "wall_seconds": wall, "new_tokens": int(frame["n_new_tokens"].sum()),
    })
    return frame


def import_generations(*, problems_path: str, out: str, fmt: str, files: list[str], n: int,
                       truncate: bool = False, prompts: str | None = None, subset: bool = False) -> pd.DataFrame:
    """The first ``n`` samples per problem of a run made elsewhere, read from files in format
    ``fmt``, as one generations file (execution takes it shard by shard); ``subset``: the
    benchmark is limited to its first problems, and the files' other problems are left out."""
    from .sample_files import read_samples, samples_frame

    problems = read_problems(problems_path)
    frame = samples_frame(read_samples(fmt, files, problems, prompts, subset), problems, n, truncate,
                          where=", ".join(files[:3]) + (", ..." if len(files) > 3 else ""))[COLUMNS]
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
