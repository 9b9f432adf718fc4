"""One generation job: every sample of one shard of problems, written as one Parquet file.

A shard is the unit of resumption: Snakemake keeps the shards that were written, a killed job
loses only its own, and seeds derived per sample make a re-run of a shard draw the same tokens.
Samples generated elsewhere enter as the same kind of file (generation.gather), so every later
stage reads one kind of file.
"""

from __future__ import annotations

import time
from dataclasses import asdict

import pandas as pd
from tqdm import tqdm

from ..benchmarks import shard_problems
from ..io import write_parquet
from ..seeds import derive_seed
from .backend import Request, Sampling, make_backend
from .gather import COLUMNS


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


