"""Policies, not just sizes (budget_realloc.policies): every sample against the tests its prompt
shows, a run's visible and hidden counts side by side, each family's policies under every
budget with their figure, and OSCA's released counts reproduced."""

from __future__ import annotations

from dataclasses import dataclass

from .. import layout
from ..config import default
from ..execution.job import Limits, TimePolicy
from .base import Job, reads, setting, writes
from .execution import SandboxRun
from .metrics import BudgetGrid

# benchmark kinds whose prompts show tests of their own (MBPP's prompt shows its three asserts:
# there visible = hidden, and nothing is run)
VISIBLE_KINDS = ("humaneval", "apps")


def visible_runs(plan, benchmark: str, models) -> list[str]:
    """The models of a family whose samples on a benchmark are run against its visible tests."""
    if not plan.config["policies"]["visible"] or plan.benchmark(benchmark).kind not in VISIBLE_KINDS:
        return []
    return [m for m in models if not plan.run(benchmark, m).counts]


@dataclass(frozen=True)
class VisibleVerdicts(SandboxRun):
    KIND = "visible"
    HELP = "Every sample of a run against the tests its prompt shows (in the sandbox)."

    @classmethod
    def of(cls, plan, benchmark: str, model: str):
        return cls(problems=layout.PROBLEMS.format(benchmark=benchmark),
                   generations=layout.GENERATIONS.format(benchmark=benchmark, model=model, decoding="sampled"),
                   limits=Limits.of(plan.config, plan.benchmark(benchmark).timeout_s),
                   policy=TimePolicy.of(plan.config), workers=plan.config["execution"]["threads"],
                   out=layout.VISIBLE.format(benchmark=benchmark, model=model))

    def run(self):
        from ..execution.visible import write_visible_verdicts

        frame = write_visible_verdicts(problems_path=self.problems, generations_path=self.generations, out=self.out,
                                       limits=self.limits, policy=self.policy, workers=self.workers)
        return f"{int(frame['passed'].sum())} of {len(frame)} samples pass the visible tests -> {self.out}"


@dataclass(frozen=True)
class VisibleCounts(Job):
    KIND = "visible-counts"
    HELP = "Per problem: samples passing the visible tests, the hidden ones, and both."

    executions: str = reads()
    visible: str = reads()
    out: str = writes()

    @classmethod
    def of(cls, plan, benchmark: str, model: str):
        return cls(executions=layout.EXECUTIONS.format(benchmark=benchmark, model=model, decoding="sampled"),
                   visible=layout.VISIBLE.format(benchmark=benchmark, model=model),
                   out=layout.VISIBLE_COUNTS.format(benchmark=benchmark, model=model))

    def run(self):
        from ..policies.visible import write_visible_counts

        write_visible_counts(self.executions, self.visible, self.out)


@dataclass(frozen=True)
class Policies(Job):
    KIND = "policies"
    HELP = "A family's policies (fixed, first-pass, escalate, mix) under every budget: table and figure."
    ENV = "plot"

    models: tuple[str, ...] = setting(help="the family's models, smallest first")
    labels: dict = setting()
    title: str = setting()
    counts: dict = reads(help="model -> its task_counts.csv")
    costs: dict = reads(help="model -> its costs")
    out: str = writes()
    pdf: str = writes()
    png: str = writes()
    visible: dict = reads(default_factory=dict, help="model -> its visible_counts.csv, where it has one")
    grid: BudgetGrid = setting(BudgetGrid())
    folds: int = setting(default("policies", "folds"))
    seeds: tuple[int, ...] = setting(tuple(default("policies", "seeds")))
    resamples: int = setting(default("bootstrap", "resamples"))
    seed: int = setting(default("seed"))

    @classmethod
    def of(cls, plan, benchmark: str, family: str):
        models = plan.family_on(benchmark, family)
        settings, bootstrap = plan.config["policies"], plan.bootstrap(benchmark)
        return cls(models=tuple(models), labels={m: plan.label(m) for m in models},
                   title=f"Policies under a budget: {plan.benchmark_title(benchmark)}; "
                         f"{', '.join(plan.label(m) for m in models)}",
                   counts={m: layout.TASK_COUNTS.format(benchmark=benchmark, model=m) for m in models},
                   costs={m: plan.cost_file(benchmark, m) for m in models},
                   visible={m: layout.VISIBLE_COUNTS.format(benchmark=benchmark, model=m)
                            for m in visible_runs(plan, benchmark, models)},
                   grid=BudgetGrid(**plan.config["budgets"]), folds=settings["folds"], seeds=tuple(settings["seeds"]),
                   resamples=bootstrap["resamples"], seed=bootstrap["seed"],
                   out=layout.POLICIES.format(benchmark=benchmark, family=family),
                   pdf=layout.POLICIES_FIGURE.format(benchmark=benchmark, family=family, ext="pdf"),
                   png=layout.POLICIES_FIGURE.format(benchmark=benchmark, family=family, ext="png"))

    def run(self):
        from ..figures.policies_figure import policies_figure
        from ..policies import write_policies

        table = write_policies(counts=self.counts, costs=self.costs, models=list(self.models), grid=self.grid.values(),
                               folds=self.folds, seeds=list(self.seeds), resamples=self.resamples, seed=self.seed,
                               out=self.out, visible=self.visible or None)
        policies_figure(table, self.title, self.pdf, self.png, self.labels)


@dataclass(frozen=True)
class PoliciesOsca(Job):
    KIND = "policies-osca"
    HELP = "OSCA's released BigCodeBench counts: allocations chosen on its train split, scored on its test split."

    counts: str = reads(help="bcb_results.json")
    out: str = writes()
    resamples: int = setting(default("bootstrap", "resamples"))
    seed: int = setting(default("seed"))

    @classmethod
    def of(cls, plan):
        return cls(counts=plan.config["policies"]["osca"], resamples=plan.config["bootstrap"]["resamples"],
                   seed=plan.config["seed"], out=layout.POLICIES_OSCA)

    def run(self):
        from ..policies.osca import write_policies_osca

        write_policies_osca(self.counts, self.out, resamples=self.resamples, seed=self.seed)
