"""pass@k for every k <= 1000 over 5000 problems x 2000 samples: ours vs Chen et al.'s estimator.

Baseline: the numerically stable per-(problem, k) estimator published with Codex (Chen et al.,
2021, Figure 3), ``1 - prod(1 - k / arange(n - c + 1, n + 1))``, called in a loop as evaluation
harnesses do.  Both are timed in this run; their answers are compared too.

    python perf/pass_at_k_speed.py [--problems 5000] [--samples 2000] [--k-max 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from budget_realloc.metrics import mean_pass_at_k


def chen_estimator(n: int, c: int, k: int) -> float:
    if n - c < k:
        return 1.0
    return 1.0 - np.prod(1.0 - k / np.arange(n - c + 1, n + 1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--k-max", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    c = rng.binomial(args.samples, rng.beta(0.5, 0.5, args.problems))

    began = time.perf_counter()
    ours = mean_pass_at_k(args.samples, c, args.k_max)
    ours_s = time.perf_counter() - began

    began = time.perf_counter()
    baseline = np.array([[chen_estimator(args.samples, int(ci), k) for k in range(1, args.k_max + 1)]
                         for ci in c]).mean(axis=0)
    baseline_s = time.perf_counter() - began

    print(f"{args.problems} problems x {args.samples} samples, every k <= {args.k_max}")
    print(f"budget_realloc.metrics.mean_pass_at_k : {ours_s:8.3f} s")
    print(f"Chen et al. estimator, per (problem, k): {baseline_s:8.3f} s")
    print(f"speed-up: {baseline_s / ours_s:.0f}x;  max |difference|: {np.abs(ours - baseline).max():.2e}")


if __name__ == "__main__":
    main()
