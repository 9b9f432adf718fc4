"""pass@k for every k <= 1000 over 5000 problems x 2000 samples: ours vs Chen et al.'s estimator.

Baseline: the numerically stable per-(problem, k) estimator published with Codex (Chen et al.,
2021, Figure 3), ``1 - prod(1 - k / arange(n - c + 1, n + 1))``, called in a loop as evaluation
harnesses do.  Both are timed in this run; their answers are compared too.

    python -m perf run pass_at_k_speed [--quick]     (--quick: 200 problems)
    python -m perf.pass_at_k_speed [--problems 5000] [--samples 2000] [--k-max 1000]
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


def compare(problems: int, samples: int, k_max: int) -> dict:
    rng = np.random.default_rng(0)
    c = rng.binomial(samples, rng.beta(0.5, 0.5, problems))

    began = time.perf_counter()
    ours = mean_pass_at_k(samples, c, k_max)
    ours_s = time.perf_counter() - began

    began = time.perf_counter()
    baseline = np.array([[chen_estimator(samples, int(ci), k) for k in range(1, k_max + 1)]
                         for ci in c]).mean(axis=0)
    baseline_s = time.perf_counter() - began
    difference = float(np.abs(ours - baseline).max())

    print(f"{problems} problems x {samples} samples, every k <= {k_max}")
    print(f"budget_realloc.metrics.mean_pass_at_k : {ours_s:8.3f} s")
    print(f"Chen et al. estimator, per (problem, k): {baseline_s:8.3f} s")
    print(f"speed-up: {baseline_s / ours_s:.0f}x;  max |difference|: {difference:.2e}")
    return {"ours": ours_s, "baseline": baseline_s, "ratio": baseline_s / ours_s, "units": "s",
            "problems": problems, "samples": samples, "k_max": k_max, "max_difference": difference}


def measure(quick: bool) -> dict:
    return compare(200 if quick else 5000, 2000, 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=5000)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--k-max", type=int, default=1000)
    compare(**vars(parser.parse_args()))

if __name__ == "__main__":
    main()
