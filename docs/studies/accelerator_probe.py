"""Measure this machine's roofline: peak matmul FLOP/s (float32, bfloat16) and memory bandwidth.

The ``cpu`` entry of resources/accelerators.yaml records what this prints.  A roofline needs
the two ceilings a CPU has no datasheet for:
- peak FLOP/s: the best of a few square matmuls, large enough to run at the BLAS kernel's
  steady state (2 n^3 FLOPs each), with ``--threads`` threads (the workflow's generation
  threads);
- memory bandwidth: the best of a few copies of a tensor far larger than the last-level cache,
  counting the bytes read plus the bytes written (STREAM "copy"), and, for comparison, a
  read-only sum of the same tensor (decoding mostly reads: weights and KV cache).
"Best of" because another process may share the cores; the ceiling is the fastest run.

    python -m docs.studies accelerator_probe [--threads 2] [--matmul 2048] [--copy-mib 1024]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import time

import torch


def best_seconds(work, repeats: int) -> float:
    work()                                             # warm-up: allocation, page faults, packing
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times)


def matmul_flops(n: int, dtype: torch.dtype, repeats: int) -> float:
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    return 2 * n ** 3 / best_seconds(lambda: torch.mm(a, b), repeats)


def bandwidths(mib: int, repeats: int) -> tuple[float, float]:
    """(copy: bytes read + written per second, sum: bytes read per second)."""
    src = torch.ones(mib * 2 ** 20 // 4, dtype=torch.float32)
    dst = torch.empty_like(src)
    size = src.numel() * src.element_size()
    copy = 2 * size / best_seconds(lambda: dst.copy_(src), repeats)
    read = size / best_seconds(lambda: src.sum(), repeats)
    return copy, read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--matmul", type=int, default=2048, help="matrix side for float32")
    parser.add_argument("--copy-mib", type=int, default=1024, help="tensor size for the copy")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)

    print(f"date: {datetime.date.today().isoformat()}")
    print(f"machine: {platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads")
    print(f"peak_fp32_flops: {matmul_flops(args.matmul, torch.float32, args.repeats):.4g}")
    # bfloat16 has no native matmul on CPUs without AVX512-BF16/AMX: a smaller matrix keeps
    # the probe short, and the number says how slow the fallback is.
    print(f"peak_bf16_flops: {matmul_flops(args.matmul // 4, torch.bfloat16, args.repeats):.4g}")
    copy, read = bandwidths(args.copy_mib, args.repeats)
    print(f"memory_bandwidth (copy, read + write): {copy:.4g}")
    print(f"memory_bandwidth (sum, read only): {read:.4g}")


if __name__ == "__main__":
    main()
