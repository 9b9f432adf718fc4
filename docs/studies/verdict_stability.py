"""Are verdicts the same on a busy machine?  Released samples (CodeGen-16B's by default), judged twice.

The first run has the machine to itself; during the second, a busy loop holds one core.  Time
limits count CPU time, so the verdicts should not move; any sample that changes is listed.

    python -m docs.studies verdict_stability [--samples codegen-mono-16b] [--limit N] [--workers W]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

from budget_realloc.execution.evaluate import evaluate
from budget_realloc.execution.job import Limits, TimePolicy
from perf.released_samples import RUNS, released_run


def busy_loop() -> None:
    while True:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", choices=RUNS, default="codegen-mono-16b")
    parser.add_argument("--limit", type=int)
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    frame, problems = released_run(args.samples)
    frame = frame.iloc[:args.limit]
    limits, policy = Limits(timeout_s=3.0), TimePolicy()

    began = time.perf_counter()
    idle = evaluate(frame, problems, limits, policy, args.workers)
    idle_s = time.perf_counter() - began
    hog = multiprocessing.Process(target=busy_loop, daemon=True)
    hog.start()
    try:
        began = time.perf_counter()
        loaded = evaluate(frame, problems, limits, policy, args.workers)
        loaded_s = time.perf_counter() - began
    finally:
        hog.terminate()
    changed = (idle["status"] != loaded["status"]) | (idle["passed"] != loaded["passed"])
    print(f"{len(frame)} samples: idle {idle_s:.1f} s, with a busy loop on one core {loaded_s:.1f} s")
    print(f"verdicts (status) that changed: {int(changed.sum())}; pass@1 {idle['passed'].mean():.4f} "
          f"vs {loaded['passed'].mean():.4f}")
    for _, row in idle[changed].iterrows():
        other = loaded.loc[row.name]
        print(f"  {row['task_id']} #{row['sample_id']}: {row['status']}/{row['error_type']} -> "
              f"{other['status']}/{other['error_type']}")


if __name__ == "__main__":
    main()
