"""Figures 2-6, 10-11 and ours (budget curves) and 8-9 (rankers); Tables 1-4; which model wins
at each budget (crossover.csv, claims.csv, match.csv)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import layout
from .base import Job, reads, setting, writes


@dataclass(frozen=True)
class BudgetFigure(Job):
    KIND = "figure-budget"
    HELP = "Draw a budget figure (Figures 2-6, 10-11 and ours)."
    ENV = "plot"

    title: str = setting()
    models: tuple[str, ...] = setting(help="the family's models, in its order")
    labels: dict = setting()
    pass_at_k: dict = reads()
    budget: str = reads(help="the family's budget-<family>.csv: each axis's cost per sample, per scenario")
    pdf: str = writes()
    png: str = writes()
    extrapolated: dict = reads(default_factory=dict)
    costs: dict = reads(default_factory=dict, help="model -> its costs JSON: which models an axis left out lacks")
    paper: dict = setting({}, help="model -> {benchmark, model, table1_row}: the paper's points overlaid")
    notes: tuple[str, ...] = setting(())

    @classmethod
    def of(cls, plan, figure: str):
        """The runs' pass@k tables and budget curves, the paper's published points of every model
        the paper also ran, and a note for runs read from published counts."""
        spec = plan.budget_figure(figure)
        models, benchmark = spec.models, spec.benchmark
        paper_benchmark = plan.benchmark(benchmark).paper
        shows = f"{plan.benchmark_title(benchmark)}; {', '.join(plan.label(m) for m in models)}"
        own_title = plan.config["figures"][figure].get("title")
        number = re.fullmatch(r"fig(\d+)", figure)
        title = f"{own_title}: {shows}" if own_title else f"Figure {number[1]}: {shows}" if number else shows
        counted = [m for m in models if plan.run(benchmark, m).counts]
        notes = (f"{', '.join(plan.label(m) for m in counted)}: per-problem pass counts read from "
                 f"{plan.source(benchmark, counted[0]).files[0]} (nothing executed)",) if counted else ()
        bench = plan.benchmark(benchmark)
        if bench.counts_only_kind:
            n = min(bench.n[m] for m in models)
            notes += (f"n = {n} samples per problem at T = {bench.temperature:g}, as published: k stops at {n // 2}; "
                      "no time axis (the counts carry no timings or lengths)",)
        return cls(title=title, notes=notes, models=models, labels={m: plan.label(m) for m in models},
                   pass_at_k={m: layout.PASS_AT_K.format(benchmark=benchmark, model=m) for m in models},
                   extrapolated={m: layout.EXTRAPOLATED.format(benchmark=benchmark, model=m) for m in models},
                   budget=layout.BUDGET.format(benchmark=benchmark, family=spec.family),
                   costs={m: plan.cost_file(benchmark, m) for m in models},
                   paper={m: {"benchmark": paper_benchmark, "model": plan.model(m).paper,
                              "table1_row": plan.model(m).paper_cost_name}
                          for m in models if paper_benchmark and plan.model(m).paper},
                   pdf=layout.FIGURE.format(figure=figure, ext="pdf"), png=layout.FIGURE.format(figure=figure, ext="png"))

    def run(self):
        from ..reporting import draw_budget_figure

        draw_budget_figure(self)


def report_labels(plan, figure: str) -> dict:
    """What the report's list of figures shows beside each one."""
    figures = {f.figure: f for f in plan.budget_figures()}
    if figure in figures:
        spec = figures[figure]
        shows = f"{plan.benchmark_title(spec.benchmark)}; {', '.join(plan.label(m) for m in spec.models)}"
    else:
        shows = ", ".join(plan.benchmark_title(e.benchmark) for e in plan.rankings())
    number = re.fullmatch(r"fig(\d+)", figure)
    return {"figure": f"Figure {number[1]}" if number else figure, "shows": shows}


RANKING_FIGURES = {"fig8": "nll", "fig9": "verifier"}


@dataclass(frozen=True)
class RankingFigure(Job):
    KIND = "figure-ranking"
    HELP = "Draw a ranking figure (Figures 8-9)."
    ENV = "plot"

    title: str = setting()
    models: tuple[str, ...] = setting(help="the config's order")
    labels: dict = setting()
    panels: dict = setting(help="benchmark -> the panel's title")
    rank_score: dict = reads(help="benchmark -> rank_score-<variant>.csv")
    pass_at_k: dict = reads(help="benchmark -> model -> pass_at_k.csv")
    costs: dict = reads(help="benchmark -> model -> costs.json")
    pdf: str = writes()
    png: str = writes()

    @classmethod
    def of(cls, plan, figure: str):
        variant = RANKING_FIGURES[figure]
        entries = [e for e in plan.rankings() if variant == "nll" or e.verifier]
        models = tuple(dict.fromkeys(m for e in entries for m in [e.generator, *e.rankers]))
        generator = entries[0].generator
        return cls(title=f"Figure {figure[3:]}: ranking {plan.label(generator)}'s samples without unit tests"
                         + (" (NLL combined with a verifier)" if variant == "verifier" else " (mean NLL)"),
                   models=models, labels={m: plan.label(m) for m in models},
                   panels={e.benchmark: plan.benchmark_title(e.benchmark) for e in entries},
                   rank_score={e.benchmark: layout.RANK_SCORE.format(benchmark=e.benchmark, model=e.generator,
                                                                     variant=variant) for e in entries},
                   pass_at_k={e.benchmark: {m: layout.PASS_AT_K.format(benchmark=e.benchmark, model=m)
                                            for m in [e.generator, *e.rankers] if m in plan.benchmark(e.benchmark).n}
                              for e in entries},
                   costs={e.benchmark: {m: plan.cost_file(e.benchmark, m) for m in [e.generator, *e.rankers]}
                          for e in entries},
                   pdf=layout.FIGURE.format(figure=figure, ext="pdf"), png=layout.FIGURE.format(figure=figure, ext="png"))

    def run(self):
        from ..reporting import draw_ranking_figure

        draw_ranking_figure(self)


def _table_files(table: str) -> dict[str, str]:
    return {ext: layout.TABLE.format(table=table, ext=ext) for ext in layout.TABLE_FORMATS}


@dataclass(frozen=True)
class CostTable(Job):
    KIND = "table-costs"
    HELP = "Write Table 1 (costs per sample)."
    ENV = "plot"

    families: dict = setting(help="family -> its models")
    labels: dict = setting()
    costs: dict = reads(help="model -> its costs.json")
    csv: str = writes()
    md: str = writes()
    tex: str = writes()
    html: str = writes()

    @classmethod
    def of(cls, plan, table: str = "table1"):
        families = {f: plan.config["families"][f] for f in plan.config["tables"]["table1"]["families"]}
        models = [m for members in families.values() for m in members]
        return cls(families=families, labels={m: plan.label(m) for m in models},
                   costs={m: layout.COSTS.format(model=m) for m in models}, **_table_files(table))

    def run(self):
        from ..reporting import write_cost_table

        write_cost_table(self)


@dataclass(frozen=True)
class PasskTable(Job):
    KIND = "table-passk"
    HELP = "Write a pass@k table (Tables 2-4)."
    ENV = "plot"

    rows: tuple[tuple[str, str], ...] = setting(help="(benchmark label, model label) of each row")
    pass_at_k: tuple[str, ...] = reads(help="each row's pass_at_k.csv")
    ks: tuple[int, ...] = setting()
    caption: str = setting()
    csv: str = writes()
    md: str = writes()
    tex: str = writes()
    html: str = writes()

    @classmethod
    def of(cls, plan, table: str):
        settings = plan.config["tables"][table]
        benchmarks = plan.passk_tables()[table]
        runs = [(b, m) for b in benchmarks for family in settings["families"] for m in plan.family_on(b, family)]
        names = ", ".join(plan.benchmark(b).label for b in benchmarks)
        return cls(rows=tuple((plan.benchmark(b).label, plan.label(m)) for b, m in runs),
                   pass_at_k=tuple(layout.PASS_AT_K.format(benchmark=b, model=m) for b, m in runs),
                   ks=tuple(settings["ks"]), caption=f"Table {table[5:]}: pass@k (%) on {names}; -- where k > n/2.",
                   **_table_files(table))

    def run(self):
        from ..reporting import write_passk_table

        write_passk_table(self)


@dataclass(frozen=True)
class Crossover(Job):
    KIND = "crossover"
    HELP = "The best model at each budget and its margin; the paper's claim checked; cost to match."
    ENV = "plot"

    families: tuple[tuple[str, str], ...] = setting(help="(benchmark, family) of each family drawn")
    models: tuple[tuple[str, ...], ...] = setting(help="each family's models, in its order (it breaks exact ties)")
    budget: tuple[str, ...] = reads(help="each family's budget-<family>.csv")
    pairs: tuple[str, ...] = reads()
    match: tuple[str, ...] = reads()
    out: str = writes()
    claims_out: str = writes()
    match_out: str = writes()
    summary_out: str = writes()
    policies: dict = reads(default_factory=dict, help="benchmark/family -> its policies-<family>.csv: its best "
                                                           "policy per budget, where it has one")

    @classmethod
    def of(cls, plan):
        pairs = plan.budget_curves()
        return cls(families=tuple(pairs), models=tuple(tuple(plan.family_on(b, f)) for b, f in pairs),
                   budget=tuple(layout.BUDGET.format(benchmark=b, family=f) for b, f in pairs),
                   pairs=tuple(layout.PAIRS.format(benchmark=b, family=f) for b, f in pairs),
                   match=tuple(layout.MATCH.format(benchmark=b, family=f) for b, f in pairs),
                   policies={f"{b}/{f}": layout.POLICIES.format(benchmark=b, family=f) for b, f in plan.policy_families()},
                   out=layout.CROSSOVER, claims_out=layout.CLAIMS, match_out=layout.MATCHES,
                   summary_out=layout.CROSSOVER_SUMMARY)

    def run(self):
        from ..reporting import write_crossover

        write_crossover(self)


@dataclass(frozen=True)
class FamilyVerdicts(Job):
    KIND = "families"
    HELP = "Per family and budget type: does the paper's claim hold, fail, or stay undetermined (families.csv)."

    pairs: tuple[str, ...] = reads(help="each family's pairs-<family>.csv")
    families: tuple[tuple[str, str, str], ...] = setting(help="(benchmark, its title, family) of each")
    out: str = writes()

    @classmethod
    def of(cls, plan):
        chosen = plan.verdict_families()
        return cls(pairs=tuple(layout.PAIRS.format(benchmark=b, family=f) for b, f in chosen),
                   families=tuple((b, plan.benchmark_title(b), f) for b, f in chosen), out=layout.FAMILIES)

    def run(self):
        from ..metrics.verdicts import write_family_verdicts

        table = write_family_verdicts(dict(zip(self.pairs, self.families)), self.out)
        return table[["benchmark", "family", "budget_type", "verdict"]].to_string()
