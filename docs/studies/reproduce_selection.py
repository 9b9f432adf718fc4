"""Published numbers of test-free selection, reproduced from a released run's results.

- Model Cascading for Code (Chen et al., arXiv 2405.15842) on WizardCoder-Python 7B/13B/34B,
  HumanEval: each size's greedy accuracy; each size alone picking from k samples by its own
  tests, l test lines per block (k = 3, 5, 10; l = 2, 4); two cascades at θ = 1.  Beside them
  the authors' released results (BoyuanJackChen/code_cascading_shared @f13952b,
  code/cascade_results/full_threshold1.0.csv: all 164 problems, 10 loops of k samples).
  Their pick and confidence rule is ranking.cascade's ``agreement``; their l lines are the
  first l asserts of a block, ours the first l usable tests (an assert that does not call the
  function is kept in the count only where fewer than l usable ones precede it).
- CodeT (Chen et al., ICLR 2023) on CodeGen-Mono-16B: the baseline pass@1 and CodeT's pass@1
  (the top-scored sample, ties averaged) from a run whose selection family is codegen
  (``--codegen``: the scratch run `python -m perf run selection_speed` leaves, which also prints what
  CodeT's own main.py reports on the same samples).

    python -m docs.studies reproduce_selection [--released RUN] [--codegen RUN] [--draws 400]

``--released``: a directory where config/released.yaml ran, selection included (its results/
hold the WizardCoder probes).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import numpy as np

from budget_realloc import layout
from budget_realloc.io import read_parquet
from budget_realloc.ranking.cascade import self_test
from budget_realloc.ranking.generated_tests import TestBlock
from budget_realloc.ranking.selection import evidence_of
from budget_realloc.ranking.selectors import codet, top_pick_accuracy

SIZES = ("7b", "13b", "34b")
# full_threshold1.0.csv: accuracy (%) of each size alone — greedy, then (k, l) — and two cascades
PUBLISHED_SINGLE = {
    "7b": {"greedy": 56.707, (3, 2): 64.268, (3, 4): 66.585, (5, 2): 67.744, (5, 4): 70.610,
           (10, 2): 70.549, (10, 4): 73.780},
    "13b": {"greedy": 64.634, (3, 2): 69.634, (3, 4): 72.073, (5, 2): 72.195, (5, 4): 75.427,
            (10, 2): 75.305, (10, 4): 78.780},
    "34b": {"greedy": 72.561, (3, 2): 77.073, (3, 4): 78.171, (5, 2): 78.659, (5, 4): 80.427,
            (10, 2): 80.549, (10, 4): 82.256},
}
PUBLISHED_CASCADES = {"7B k=1 l=4 -> 34B greedy": 72.561, "7B k=3 l=4 -> 34B k=10 l=4": 82.256}


def run_files(run: Path, benchmark: str, model: str) -> dict:
    fill = dict(benchmark=benchmark, model=model, decoding="sampled")
    return {"generations": run / layout.GENERATIONS.format(**fill), "executions": run / layout.EXECUTIONS.format(**fill),
            "probes": run / layout.PROBES.format(**fill), "tests": run / layout.GENERATED_TESTS.format(**fill)}


def with_lines(evidence: dict, lines: int) -> dict:
    """Each block cut to its first ``lines`` tests (the columns probed stay as they are)."""
    def cut(block: TestBlock) -> TestBlock:
        kept = block.tests[:lines]
        return TestBlock(kept, min(block.unusable, lines - len(kept)), block.unparseable)
    return {task: replace(e, tests=replace(e.tests, blocks=tuple(map(cut, e.tests.blocks))))
            for task, e in evidence.items()}


def picks(evidence: dict, k: int, draws: int, rng) -> dict:
    """task -> ModelDraws of one size picking from k samples with k blocks (agreement rule)."""
    return {task: self_test(e, k, draws, rng, "agreement") for task, e in sorted(evidence.items())}


def their_standard_error(drawn: dict, loops: int = 10) -> float:
    """The sampling error (points) of an accuracy averaged over ``loops`` random draws per problem,
    as the authors' 10 loops are: how far their number may sit from the expectation we estimate."""
    won = np.array([d.won.mean() for d in drawn.values()])
    return 100 * float(np.sqrt(np.sum(won * (1 - won)) / loops) / len(won))


def cascade_accuracy(first: dict, last: dict) -> float:
    """The first stage's pick where its confidence reaches θ = 1, else the last stage's."""
    return 100 * float(np.mean([np.where(first[t].confidence >= 1 - 1e-12, first[t].won, last[t]).mean()
                                for t in first]))


def cascading(run: Path, draws: int, rng) -> None:
    evidence = {size: evidence_of(run_files(run, "humaneval", f"wizardcoder-python-{size}")) for size in SIZES}
    greedy = {}
    print("Model Cascading for Code, WizardCoder-Python on HumanEval (accuracy %: ours / theirs "
          "(± the standard error of their 10-loop average))")
    for size in SIZES:
        path = run / layout.EXECUTIONS.format(benchmark="humaneval", model=f"wizardcoder-python-{size}",
                                              decoding="greedy")
        greedy[size] = read_parquet(path).set_index("task_id")["passed"]
        cells = [f"greedy {100 * greedy[size].mean():6.2f} / {PUBLISHED_SINGLE[size]['greedy']:6.2f}"]
        for k in (3, 5, 10):
            for lines in (2, 4):
                drawn = picks(with_lines(evidence[size], lines), k, draws, rng)
                ours = 100 * np.mean([d.won.mean() for d in drawn.values()])
                cells.append(f"k={k} l={lines} {ours:6.2f} / {PUBLISHED_SINGLE[size][(k, lines)]:6.2f}"
                             f" (±{their_standard_error(drawn):.2f})")
        print(f"  {size:>4}: " + "   ".join(cells))
    first = picks(with_lines(evidence["7b"], 4), 1, draws, rng)
    ours = cascade_accuracy(first, {t: np.full(draws, bool(greedy["34b"][t])) for t in first})
    print(f"  cascade 7B k=1 l=4 -> 34B greedy:   {ours:6.2f} / {PUBLISHED_CASCADES['7B k=1 l=4 -> 34B greedy']:6.2f}")
    first = picks(with_lines(evidence["7b"], 4), 3, draws, rng)
    last = {t: d.won for t, d in picks(with_lines(evidence["34b"], 4), 10, draws, rng).items()}
    print(f"  cascade 7B k=3 l=4 -> 34B k=10 l=4: {cascade_accuracy(first, last):6.2f} / "
          f"{PUBLISHED_CASCADES['7B k=3 l=4 -> 34B k=10 l=4']:6.2f}")


def codet_numbers(run: Path) -> None:
    evidence = list(evidence_of(run_files(run, "humaneval", "codegen-mono-16b")).values())
    baseline = 100 * np.mean([e.passed.mean() for e in evidence])
    print("CodeT, CodeGen-Mono-16B on HumanEval (pass@1 %, ours):")
    print(f"  baseline (sampled, T = 0.8) {baseline:6.2f}   CodeT {100 * top_pick_accuracy(codet(), evidence):6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--released", type=Path, help="where config/released.yaml ran")
    parser.add_argument("--codegen", type=Path, help="a run whose selection family is codegen")
    parser.add_argument("--draws", type=int, default=400, help="random pools of k samples per problem")
    parser.add_argument("--seed", type=int, default=0)
    a = parser.parse_args()
    rng = np.random.default_rng(a.seed)
    if a.released:
        cascading(a.released, a.draws, rng)
    if a.codegen:
        codet_numbers(a.codegen)


if __name__ == "__main__":
    main()
