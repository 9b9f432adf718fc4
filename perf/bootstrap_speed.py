"""The bootstrap band of one run at the paper's scale: 164 problems x 2000 samples, 1000 resamples.

Times budget_realloc.metrics.curves.pass_at_k_table (exact pass@k for every k <= n, plus the
95% band from resampling the problems), against the same table without the band (1 resample)
and against a per-resample loop that recomputes the mean curve from each resample's problems
(timed on a few resamples, extrapolated, and compared with the matrix product on the same draws).

    python -m perf run bootstrap_speed [--quick]     (--quick: 4 loop resamples)
    python -m perf.bootstrap_speed [--problems 164] [--samples 2000] [--resamples 1000]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from budget_realloc.metrics import mean_pass_at_k, pass_at_k_curve
from budget_realloc.metrics.bootstrap import resample_counts, resampled_means
from budget_realloc.metrics.curves import pass_at_k_table, task_counts


def compare(problems: int, samples: int, resamples: int, loop_resamples: int) -> dict:
    rng = np.random.default_rng(0)
    c = rng.binomial(samples, rng.beta(0.5, 0.5, problems))
    executions = pd.DataFrame({"task_id": np.repeat([f"T/{i:04d}" for i in range(problems)], samples),
                               "passed": (np.arange(samples)[None, :] < c[:, None]).ravel()})

    timings = {}
    for label, count in (("without band (1 resample)", 1), (f"with band ({resamples} resamples)", resamples)):
        began = time.perf_counter()
        table = pass_at_k_table(task_counts(executions), resamples=count, seed=0)
        timings[label] = time.perf_counter() - began
    draws = resample_counts(problems, loop_resamples, seed=0)
    began = time.perf_counter()
    looped = np.array([mean_pass_at_k(samples, np.repeat(c, row)) for row in draws])
    loop_s = (time.perf_counter() - began) / loop_resamples * resamples
    vectorised = resampled_means(pass_at_k_curve(samples, c), draws)
    difference = float(np.abs(looped - vectorised).max())

    print(f"{problems} problems x {samples} samples, every k <= {samples}")
    for label, seconds in timings.items():
        print(f"pass_at_k_table {label:32s}: {seconds:7.3f} s")
    print(f"per-resample loop, {resamples} resamples (extrapolated from {loop_resamples}): {loop_s:7.1f} s;"
          f" max |difference| on those {loop_resamples}: {difference:.1e}")
    widest = int(np.argmax(table["ci_high"] - table["ci_low"]))
    print(f"widest band: k = {widest + 1}, [{table['ci_low'][widest]:.4f}, {table['ci_high'][widest]:.4f}]"
          f" around {table['pass_at_k'][widest]:.4f}")
    with_band, without_band = list(timings.values())[1], list(timings.values())[0]
    return {"ours": with_band, "baseline": loop_s, "ratio": loop_s / with_band, "units": "s",
            "without_band_s": without_band, "problems": problems, "samples": samples, "resamples": resamples,
            "loop_resamples_timed": loop_resamples, "max_difference": difference}


def measure(quick: bool) -> dict:
    return compare(164, 2000, 1000, 4 if quick else 20)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=164)
    parser.add_argument("--samples", type=int, default=2000)
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--loop-resamples", type=int, default=20, help="resamples timed in the loop baseline")
    compare(**vars(parser.parse_args()))

if __name__ == "__main__":
    main()
