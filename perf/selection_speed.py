"""Selection without the benchmark's tests: our stage against CodeT's own implementation, on
the same data and machine, measured in one run.

Data: CodeGen-Mono-16B's 100 samples and 100 generated test samples per HumanEval problem, as
CodeT released them (../shared/data/generations/codet_codegen16B_humaneval).

- ours: the workflow on config/released.yaml with the selection family set to ``codegen``, in a
  scratch directory (the inputs it shares with CodeT's run — problems, imported samples, costs
  — are built first, untimed).  Timed: every sample judged by HumanEval's tests (the verdicts),
  then the generated tests parsed, every distinct program probed against them in the sandbox,
  and the selection table and figure;
- CodeT: microsoft/CodeT's ``main.py`` at its defaults (0.1 s per test, the first 5 tests of
  each generated sample, a ProcessPoolExecutor with a worker per core): ground-truth
  execution, dual execution, agreement and pass@k.

Prints both times and the ratio, and the numbers CodeT reports beside ours: the baseline
pass@1 and CodeT's pass@1 (the top-scored sample, ties averaged).

    CODET=PATH/TO/CodeT python -m perf run selection_speed     (no smaller --quick: the same run)
    python -m perf.selection_speed --codet PATH/TO/CodeT [--cores 2]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

from budget_realloc import layout
from budget_realloc.ranking.selection import evidence_of
from budget_realloc.ranking.selectors import codet, top_pick_accuracy
from perf.suite import Unavailable

REPO = Path(__file__).resolve().parents[1]
PASS_AT = re.compile(r"'pass@(\d+)': (?:np\.float64\()?([0-9.]+)")
MODEL, BENCHMARK = "codegen-mono-16b", "humaneval"
DATA = "generations/codet_codegen16B_humaneval"
CODET_FILES = {"--source_path_for_solution": "HumanEval_for_code_generation.jsonl",
               "--predict_path_for_solution": "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_code_solution.jsonl",
               "--source_path_for_test": "HumanEval_for_test_case_generation.jsonl",
               "--predict_path_for_test": "HumanEval_codegen16B_temp0.8_topp0.95_num100_max300_test_case.jsonl"}


def scratch_run(shared: Path) -> Path:
    """A run directory whose relative paths (config/, resources/, ../shared) mean what they
    mean in the checkout, so the released config works unchanged."""
    root = Path(tempfile.mkdtemp(prefix="selection-speed-"))
    (root / "shared").symlink_to(shared)
    run = root / "run"
    run.mkdir()
    for name in ("config", "resources"):
        (run / name).symlink_to(REPO / name)
    (run / "selection-codegen.yaml").write_text(yaml.safe_dump({"selection": {"family": "codegen",
                                                                              "benchmarks": [BENCHMARK]}}))
    return run


def snakemake(run: Path, cores: int, targets: list[str], *extra: str) -> float:
    command = [str(Path(sys.executable).with_name("snakemake")), "-s", str(REPO / "Snakefile"), "-d", str(run),
               "--cores", str(cores), "--configfile", "config/released.yaml", "selection-codegen.yaml",
               "--quiet", "all", *extra, "--", *targets]
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - began


def run_codet(codet_dir: Path, data: Path, cache: Path) -> tuple[float, list[dict]]:
    """CodeT's wall time and the pass@k dicts it logs (ranked first, then random)."""
    cache.mkdir()
    command = [sys.executable, "main.py", "--cache_dir", str(cache)]
    for flag, name in CODET_FILES.items():
        command += [flag, str(data / name)]
    began = time.perf_counter()
    done = subprocess.run(command, cwd=codet_dir, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - began
    # e.g. {'pass@1': np.float64(0.3672), 'pass@2': ...} (numpy 2 reprs), or plain floats
    logged = [{f"pass@{k}": float(v) for k, v in PASS_AT.findall(line)}
              for line in (done.stdout + done.stderr).splitlines() if "{'pass@" in line]
    return seconds, logged


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codet", type=Path, required=True, help="a checkout of microsoft/CodeT's CodeT/ folder")
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    parser.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    a = parser.parse_args(argv)
    shared = a.shared.resolve()
    run = scratch_run(shared)
    os.chdir(run)
    fill = dict(benchmark=BENCHMARK, model=MODEL, decoding="sampled")
    files = {"generations": layout.GENERATIONS.format(**fill), "executions": layout.EXECUTIONS.format(**fill),
             "probes": layout.PROBES.format(**fill), "tests": layout.GENERATED_TESTS.format(**fill)}
    executions = layout.EXECUTIONS.format(**fill)
    table = layout.SELECTION.format(benchmark=BENCHMARK)

    print(f"scratch run: {run}", flush=True)
    snakemake(run, a.cores, [table], "--omit-from", "execute_shard", "generated_tests")
    verdicts = snakemake(run, a.cores, [executions])
    selection = snakemake(run, a.cores, [table])
    ours = verdicts + selection
    print(f"ours: verdicts {verdicts:.1f} s, selection {selection:.1f} s", flush=True)
    theirs, logged = run_codet(a.codet.resolve(), shared / "data" / DATA, run.parent / "codet-cache")
    print(f"CodeT: {theirs:.1f} s", flush=True)

    evidence = list(evidence_of(files).values())
    baseline = sum(e.passed.mean() for e in evidence) / len(evidence)
    print(f"\n{'':34}{'ours':>10}{'CodeT':>10}")
    print(f"{'seconds (verdicts + selection)':34}{ours:10.1f}{theirs:10.1f}   "
          f"ratio CodeT/ours {theirs / ours:.2f}x  (ours: verdicts {verdicts:.1f} s, selection {selection:.1f} s)")
    ranked, random_ = (logged + [{}, {}])[:2]
    print(f"{'baseline pass@1 (%)':34}{100 * baseline:10.2f}{100 * random_.get('pass@1', float('nan')):10.2f}")
    print(f"{'CodeT pass@1 (%)':34}{100 * top_pick_accuracy(codet(), evidence):10.2f}"
          f"{100 * ranked.get('pass@1', float('nan')):10.2f}")
    print(f"cores {a.cores}; CodeT's own log: ranked {ranked}, random {random_}")
    return {"ours": ours, "baseline": theirs, "ratio": theirs / ours, "units": "s (verdicts + selection)",
            "ours_verdicts_s": verdicts, "ours_selection_s": selection, "cores": a.cores,
            "baseline_pass_at_1": {"ours": 100 * baseline, "codet": 100 * random_.get("pass@1", float("nan"))},
            "codet_pass_at_1": {"ours": 100 * top_pick_accuracy(codet(), evidence),
                                "codet": 100 * ranked.get("pass@1", float("nan"))}}


def measure(quick: bool) -> dict:
    """Needs a checkout of microsoft/CodeT's CodeT/ folder, named by $CODET; quick or not, the same run."""
    codet_dir = os.environ.get("CODET")
    if not codet_dir or not (Path(codet_dir) / "main.py").exists():
        raise Unavailable("set CODET to a checkout of microsoft/CodeT's CodeT/ folder (the baseline's main.py)")
    if not (REPO.parent / "shared" / "data" / DATA).exists():
        raise Unavailable(f"CodeT's released samples are not here (../shared/data/{DATA})")
    return main(["--codet", codet_dir])


if __name__ == "__main__":
    main()
