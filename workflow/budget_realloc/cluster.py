"""What one job asks a cluster for: memory, GPUs and run time, from the model's size and the work.

The rules' ``resources:`` come from here, so a SLURM run (workflow/profiles/slurm) requests
what each job needs: a 70B model in bf16 spans several GPUs of one node, a 7B one fits on one,
a tiny CPU model asks for no GPU at all; an execution shard asks for its sandbox workers' CPUs
and memory.  Local runs schedule on threads alone and are unaffected.

A model's size is counted from its architecture JSON (hub ``config.json`` format: the config's
``architecture`` or ``build`` file), so no weights are read.  The estimates are deliberately
generous, because a job that runs out of memory or time is lost while one that asks a little
too much only waits a little longer; every constant is below, and ``cluster`` in
config/schema.yaml sets the hardware they are measured against.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

MB = 1 << 20
BASE_MEM_MB = 2048          # interpreter, torch, transformers, a shard's data: one job's floor
PROMPT_TOKENS = 1024        # prompt length the KV cache is sized for (3-shot MBPP, 2-shot APPS)
OVERHEAD = 1.2              # activations, allocator slack and CUDA context on top of weights + cache
MIN_RUNTIME_MIN = 10        # start-up, imports, reading inputs and writing outputs
SHORT_JOB_MIN = 20          # a job estimated at most this long shares a SLURM job with others
RUNTIME_MARGIN = 2.0        # the compute estimate is doubled: a job killed for time is redone whole
LOAD_BYTES_PER_S = 200e6    # reading weights from a shared file system
# A model whose architecture is unknown (a bare hub id): the request of a 7B-class model.
UNKNOWN_MODEL = {"gpu": 1, "mem_mb": 32 * 1024, "runtime": 24 * 60}


@dataclass(frozen=True)
class Size:
    """What a decoder costs: parameters, and KV-cache elements per token of one sequence."""

    params: int
    kv_per_token: int


@lru_cache(maxsize=None)
def model_size(architecture: str) -> Size:
    """Count a decoder (or a verifier's sequence classifier) from its config.json, as the roofline
    does (costs.architecture)."""
    from .costs.architecture import read_architecture

    arch = read_architecture(architecture, classifier=True)
    return Size(params=arch.params, kv_per_token=int(arch.kv_bytes_per_token(1)))


def uses_gpu(device: str) -> bool:
    """``auto`` asks for a GPU: on a cluster, that is what makes one visible to the job."""
    return device != "cpu"


def dtype_bytes(dtype: str, device: str) -> int:
    """Bytes per weight.  ``auto`` is bf16 on a GPU, as budget_realloc.pretrained.resolve_dtype chooses;
    on a CPU it is float32 unless the node has bf16 instructions, which planning cannot see, so
    the larger is assumed."""
    if dtype == "auto":
        return 2 if uses_gpu(device) else 4
    return {"float32": 4, "bfloat16": 2, "float16": 2}[dtype]


def model_job(architecture: str | None, *, dtype: str, device: str, batch: int, new_tokens: int,
              tokens: int, threads: int, cluster: dict) -> dict:
    """Resources of a job that runs one model over ``tokens`` tokens, ``batch`` sequences at a time,
    each of up to PROMPT_TOKENS + ``new_tokens`` tokens: ``gpu`` (0 on a CPU), ``mem_mb`` (host
    memory) and ``runtime`` (minutes)."""
    if architecture is None or not Path(architecture).is_file():
        return {**UNKNOWN_MODEL, "gpu": UNKNOWN_MODEL["gpu"] if uses_gpu(device) else 0}
    size, width = model_size(architecture), dtype_bytes(dtype, device)
    weights = size.params * width
    cache = size.kv_per_token * width * batch * (PROMPT_TOKENS + new_tokens)
    need = (weights + cache) * OVERHEAD
    compute_s = 2 * size.params * tokens / (
        cluster["gpu_tflops"] * 1e12 if uses_gpu(device) else cluster["cpu_gflops"] * 1e9 * threads)
    runtime = MIN_RUNTIME_MIN + (RUNTIME_MARGIN * compute_s + weights / LOAD_BYTES_PER_S) / 60
    if uses_gpu(device):
        # device_map="auto" spreads the layers over every GPU the job sees; the host holds the
        # weights once while they load
        gpus = math.ceil(need / (cluster["gpu_memory_gb"] * 1e9))
        return {"gpu": gpus, "mem_mb": BASE_MEM_MB + math.ceil(weights / MB), "runtime": math.ceil(runtime)}
    return {"gpu": 0, "mem_mb": BASE_MEM_MB + math.ceil(need / MB), "runtime": math.ceil(runtime)}


def execution_job(*, programs: int, workers: int, timeout_s: float, memory_mb: int) -> dict:
    """Resources of an execution shard: its workers' CPUs are its threads; memory for every worker's
    program at its limit; time as if every program used its whole time limit."""
    compute_s = programs * timeout_s / workers
    return {"mem_mb": BASE_MEM_MB + workers * memory_mb,
            "runtime": math.ceil(MIN_RUNTIME_MIN + RUNTIME_MARGIN * compute_s / 60)}
