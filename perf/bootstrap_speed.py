"""The bootstrap band of one run at the paper's scale: 164 problems x 2000 samples, 1000 resamples.

Times budget_realloc.metrics.curves.pass_at_k_table (exact pass@k for every k <= n, plus the
95% band from resampling the problems), against the same table without the band (1 resample)
and against a per-resample loop that recomputes the mean curve from each resample's problems
(timed on a few resamples, extrapolated, and compared with the matrix product on the same draws).

    python perf/bootstrap_speed.py [--problems 164] [--samples 2000] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from budget_realloc.metrics import mean_pass_at_k, pass_at_k_curve
from budget_realloc.metrics.bootstrap import resample_counts, resampled_means
from budget_realloc.metrics.curves import pass_at_k_table, task_counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=164)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--loop-resamples", type=int, default=20, help="resamples timed in the loop baseline")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    c = rng.binomial(args.samples, rng.beta(0.5, 0.5, args.problems))
    executions = pd.DataFrame({"task_id": np.repeat([f"T/{i:04d}" for i in range(args.problems)], args.samples),
                               "passed": (np.arange(args.samples)[None, :] < c[:, None]).ravel()})

    timings = {}
    for label, resamples in (("without band (1 resample)", 1), (f"with band ({args.resamples} resamples)",
                                                                args.resamples)):
        began = time.perf_counter()
        table = pass_at_k_table(task_counts(executions), resamples=resamples, seed=0)
        timings[label] = time.perf_counter() - began
    draws = resample_counts(args.problems, args.loop_resamples, seed=0)
    began = time.perf_counter()
    looped = np.array([mean_pass_at_k(args.samples, np.repeat(c, row)) for row in draws])
    loop_s = (time.perf_counter() - began) / args.loop_resamples * args.resamples
    vectorised = resampled_means(pass_at_k_curve(args.samples, c), draws)

    print(f"{args.problems} problems x {args.samples} samples, every k <= {args.samples}")
    for label, seconds in timings.items():
        print(f"pass_at_k_table {label:32s}: {seconds:7.3f} s")
    print(f"per-resample loop, {args.resamples} resamples (extrapolated from {args.loop_resamples}): {loop_s:7.1f} s;"
          f" max |difference| on those {args.loop_resamples}: {np.abs(looped - vectorised).max():.1e}")
    widest = int(np.argmax(table["ci_high"] - table["ci_low"]))
    print(f"widest band: k = {widest + 1}, [{table['ci_low'][widest]:.4f}, {table['ci_high'][widest]:.4f}]"
          f" around {table['pass_at_k'][widest]:.4f}")


if __name__ == "__main__":
    main()
