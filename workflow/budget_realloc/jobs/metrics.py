"""Metrics: pass@k per run with its bootstrap band, the budget curves of each family on each
benchmark, extrapolation beyond n/2, every executed run's per-problem counts, and the paper's
claims on its own numbers."""

from __future__ import annotations

from dataclasses import dataclass

from .. import layout
from ..config import default
from ..generation.sample_files import CountsFilter
from .base import Job, reads, setting, writes


@dataclass(frozen=True)
class PassAtK(Job):
    KIND = "pass-at-k"
    HELP = "pass@k for every k from execution verdicts or per-problem counts, with 95% bootstrap bands."

    sampled: str = reads(help="executions.parquet, or a counts CSV (task_id, n, c)")
    out: str = writes()
    counts_out: str = writes(help="the run's per-problem counts (task_counts.csv)")
    greedy: str | None = reads(default=None, help="the greedy run's executions.parquet or counts CSV")
    model: str | None = setting(None, help="a counts CSV with a model column: this model's rows")
    problems: str | None = reads(default=None, help="the benchmark's problems.parquet: a counts CSV must count each "
                                                  "of them")
    subset: bool = setting(False, help="the benchmark is limited to its first problems: counts of the others are "
                                       "left out, not refused")
    keep: CountsFilter = setting(CountsFilter(), help="a counts CSV's problems kept by difficulty and release date")
    resamples: int = setting(default("bootstrap", "resamples"), help="bootstrap resamples")
    seed: int = setting(default("seed"), help="seed of the bootstrap")

    @classmethod
    def of(cls, plan, benchmark: str, model: str):
        """What a run's pass@k is computed from, per decoding: its verdicts, or published counts
        (with the benchmark's problems, where it has them, to check and cut the counts by)."""
        run, bootstrap = plan.run(benchmark, model), plan.bootstrap(benchmark)
        if run.counts:
            outcomes = {d: run.source.files[0] for d in run.decodings}
            problems = layout.PROBLEMS.format(benchmark=benchmark) if plan.has_problems(benchmark) else None
        else:
            outcomes = {d: layout.EXECUTIONS.format(benchmark=benchmark, model=model, decoding=d) for d in run.decodings}
            problems = None
        return cls(sampled=outcomes["sampled"], greedy=outcomes.get("greedy"), model=model, problems=problems,
                   subset=bool(problems and plan.benchmark(benchmark).limit), keep=plan.benchmark(benchmark).keep,
                   resamples=bootstrap["resamples"],
                   seed=bootstrap["seed"], out=layout.PASS_AT_K.format(benchmark=benchmark, model=model),
                   counts_out=layout.TASK_COUNTS.format(benchmark=benchmark, model=model))

    def run(self):
        from ..metrics.curves import write_pass_at_k

        table = write_pass_at_k(self.sampled, self.greedy, self.model, resamples=self.resamples, seed=self.seed,
                                out=self.out, counts_out=self.counts_out, problems=self.problems, subset=self.subset,
                                keep=self.keep)
        return table.head(5).to_string()


@dataclass(frozen=True)
class BudgetGrid:
    """The log2 budget grid every family is compared on (config key ``budgets``)."""

    log2_min: float = default("budgets", "log2_min")
    log2_max: float = default("budgets", "log2_max")
    steps_per_octave: int = default("budgets", "steps_per_octave")

    def values(self):
        from ..metrics.grid import log2_budget_grid

        return log2_budget_grid(self.log2_min, self.log2_max, self.steps_per_octave)


@dataclass(frozen=True)
class BudgetCurves(Job):
    KIND = "budget"
    HELP = "Budget curves, paired comparisons and cost to match of a family on one benchmark."

    models: tuple[str, ...] = setting(help="the family's models, smallest first")
    pass_at_k: dict = reads()
    counts: dict = reads()
    costs: dict = reads()
    out: str = writes()
    pairs_out: str = writes()
    match_out: str = writes()
    resamples: int = setting(default("bootstrap", "resamples"))
    seed: int = setting(default("seed"))
    grid: BudgetGrid = setting(BudgetGrid())

    @classmethod
    def of(cls, plan, benchmark: str, family: str):
        models = plan.family_on(benchmark, family)
        bootstrap = plan.bootstrap(benchmark)
        return cls(models=tuple(models),
                   pass_at_k={m: layout.PASS_AT_K.format(benchmark=benchmark, model=m) for m in models},
                   counts={m: layout.TASK_COUNTS.format(benchmark=benchmark, model=m) for m in models},
                   costs={m: plan.cost_file(benchmark, m) for m in models}, resamples=bootstrap["resamples"],
                   seed=bootstrap["seed"], grid=BudgetGrid(**plan.config["budgets"]),
                   out=layout.BUDGET.format(benchmark=benchmark, family=family),
                   pairs_out=layout.PAIRS.format(benchmark=benchmark, family=family),
                   match_out=layout.MATCH.format(benchmark=benchmark, family=family))

    def run(self):
        from ..metrics.family import write_family

        write_family(self)


@dataclass(frozen=True)
class Extrapolate(Job):
    KIND = "extrapolate"
    HELP = "pass@k beyond n/2 from a run's per-problem counts, with bootstrap intervals."

    counts: str = reads(help="task_counts.csv")
    out: str = writes()
    factor: float = setting(default("extrapolation", "factor"), help="up to k = factor x n/2")
    resamples: int = setting(default("extrapolation", "resamples"))
    seed: int = setting(default("seed"))

    @classmethod
    def of(cls, plan, benchmark: str, model: str):
        settings = plan.config["extrapolation"]
        return cls(counts=layout.TASK_COUNTS.format(benchmark=benchmark, model=model), factor=settings["factor"],
                   resamples=settings["resamples"], seed=plan.bootstrap(benchmark)["seed"],
                   out=layout.EXTRAPOLATED.format(benchmark=benchmark, model=model))

    def run(self):
        from ..metrics.extrapolation import write_extrapolation

        write_extrapolation(self.counts, self.out, factor=self.factor, resamples=self.resamples, seed=self.seed)


@dataclass(frozen=True)
class RunCounts(Job):
    KIND = "counts"
    HELP = "Per-problem sample and pass counts of every run on a benchmark (of its published counts: the rows kept)."

    executions: dict = reads(help="model -> decoding -> its executions.parquet")
    out: str = writes()
    published: dict = reads(default_factory=dict, help="model -> its counts CSV, for a benchmark known only by counts")
    keep: CountsFilter = setting(CountsFilter(), help="the published problems kept")

    @classmethod
    def of(cls, plan, benchmark: str):
        """Executed runs' counts; for a benchmark known only by counts, the rows it reads (what
        resources/released/ ships, regenerated from ../shared)."""
        if plan.counts_only(benchmark):
            return cls(executions={}, published={m: plan.source(benchmark, m).files[0]
                                                 for m in plan.benchmark(benchmark).models},
                       keep=plan.benchmark(benchmark).keep, out=layout.COUNTS.format(benchmark=benchmark))
        return cls(executions={r.model: {d: layout.EXECUTIONS.format(benchmark=benchmark, model=r.model, decoding=d)
                                         for d in r.decodings}
                               for r in plan.executed() if r.benchmark == benchmark},
                   out=layout.COUNTS.format(benchmark=benchmark))

    def run(self):
        from ..metrics.curves import write_counts

        write_counts(self.executions, self.out, self.published, self.keep)


@dataclass(frozen=True)
class PaperClaims(Job):
    KIND = "paper-claims"
    HELP = "The claims table on the paper's own published numbers (Tables 1-4)."

    out: str = writes()
    grid: BudgetGrid = setting(BudgetGrid())

    @classmethod
    def of(cls, plan):
        return cls(grid=BudgetGrid(**plan.config["budgets"]), out=layout.PAPER_CLAIMS)

    def run(self):
        from ..io import write_csv
        from ..metrics.comparisons import paper_claims

        write_csv(paper_claims(self.grid.values()), self.out)
