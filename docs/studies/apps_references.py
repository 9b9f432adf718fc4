"""How many APPS reference solutions pass their own tests in our executor, and why the rest fail.

The original APPS references are known not to all pass (wrong or platform-specific outputs,
slow solutions, Python 2 code).  For each difficulty of ../shared/data/apps/apps_test_1800.jsonl
the first reference solution of every problem that has one is run against all its test cases
(4 s of CPU per case, the APPS evaluation's limit); the pass rate and the failure causes are
printed and written to docs/studies/results/apps_references.md.

    python -m docs.studies apps_references [--workers W]
"""

from __future__ import annotations

import argparse
import collections
import os
import time
from pathlib import Path

from budget_realloc.benchmarks import load_problems
from budget_realloc.execution.executor import Executor
from budget_realloc.execution.job import Limits
from budget_realloc.execution.shard import job_for
from budget_realloc.io import write_text

DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "apps" / "apps_test_1800.jsonl"
OUT = Path(__file__).resolve().parent / "results" / "apps_references.md"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=os.cpu_count())
    args = parser.parse_args()
    lines = ["# APPS reference solutions in the budget-realloc executor", "",
             f"Data: `{DATA.name}` (600 test problems per difficulty); the first reference solution of "
             "each problem that has one, run as a whole program (no import header) against all its test "
             "cases, 4 s CPU per case.", "",
             "| difficulty | problems with a reference | passed | pass rate | failure causes |",
             "|---|---:|---:|---:|---|"]
    with Executor(workers=args.workers) as executor:
        for difficulty in ("introductory", "interview", "competition"):
            problems = [p for p in load_problems("apps", str(DATA), difficulty=difficulty) if p.reference]
            began = time.perf_counter()
            verdicts = executor.run([job_for(p, p.reference, Limits(timeout_s=4.0), whole_program=True)
                                     for p in problems], desc=difficulty)
            causes = collections.Counter(f"{v.status}: {v.error_type}" for v in verdicts if not v.passed)
            passed = sum(v.passed for v in verdicts)
            rate = passed / len(problems)
            listed = ", ".join(f"{cause} {count}" for cause, count in causes.most_common())
            print(f"{difficulty}: {passed}/{len(problems)} passed ({100 * rate:.1f}%) in "
                  f"{time.perf_counter() - began:.0f} s; {listed}")
            lines.append(f"| {difficulty} | {len(problems)} | {passed} | {100 * rate:.1f}% | {listed} |")
    write_text("\n".join(lines) + "\n", OUT)
    print(f"-> {OUT}")


if __name__ == "__main__":
    main()
