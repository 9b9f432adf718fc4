"""Figures and tables from the files a job names (budget_realloc.jobs.reports)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .costs import Costs, normalised
from .errors import InputError
from .figures import budget_figure, ranking_figure
from .io import write_csv
from .metrics.comparisons import claims
from .metrics.crossover import crossover, summary
from .paper import paper_costs
from .paper import published_pass_at_k as paper_pass_at_k
from .tables import cost_table, passk_table, write_table


def _tables(files: dict[str, str]) -> dict[str, pd.DataFrame]:
    return {model: pd.read_csv(path) for model, path in files.items()}


def draw_budget_figure(job):
    """Figures 2-6, 10-11 and ours (jobs.reports.BudgetFigure); returns the figure drawn."""
    tables = _tables({m: job.pass_at_k[m] for m in job.models})
    return budget_figure(tables=tables, budget=pd.read_csv(job.budget), labels=job.labels, title=job.title,
                         notes=list(job.notes), pdf=job.pdf, png=job.png, paper=published(job.paper),
                         extrapolated=_tables(job.extrapolated),
                         costs={m: Costs.read(path) for m, path in job.costs.items()})


def published(names: dict[str, dict]) -> dict[str, dict]:
    """The paper's points and normalised costs for models named in a figure's ``paper`` entry.

    A model is left out where the paper has no pass@k for it on that benchmark; a figure needs
    the paper's cost of every overlaid model, so a missing Table 1 row is an error.
    """
    out = {}
    for model, name in names.items():
        points = paper_pass_at_k(name["benchmark"], name["model"])
        if not points:
            continue
        row = paper_costs(name["table1_row"])
        if row is None:
            raise InputError(f"the paper's Table 1 has no row {name['table1_row']!r} for {model} "
                             "(set paper_costs: to the model whose cost stands in)")
        out[model] = {"pass_at_k": points,
                      "costs": {"flops": float(row["flops_norm"]), "time": float(row["walltime_norm"])}}
    return out


def draw_ranking_figure(job):
    """Figures 8-9 (jobs.reports.RankingFigure); returns the figure drawn."""
    panels = []
    for benchmark, title in job.panels.items():
        costs = {m: Costs.read(f) for m, f in job.costs[benchmark].items()}
        scores = pd.read_csv(job.rank_score[benchmark])
        # the paper's axis is wall-time; where a model has no time cost, FLOPs (and the label says so)
        budget_type = "time" if normalised(costs, "time") is not None else "flops"
        scores["cost_per_sample"] = scores[f"{budget_type}_cost_per_sample"]
        panels.append({"title": title, "rank_scores": scores, "tables": _tables(job.pass_at_k[benchmark]),
                       "costs": normalised(costs, budget_type), "budget_type": budget_type})
    return ranking_figure(panels=panels, models=list(job.models), labels=job.labels, title=job.title,
                          pdf=job.pdf, png=job.png)


def write_cost_table(job) -> None:
    costs = {m: Costs.read(f) for m, f in job.costs.items()}
    frame = cost_table(job.families, costs, job.labels)
    write_table(frame, job.csv, job.md, job.tex, job.html, "Table 1: FLOPs and wall-time per sample, normalised "
                "to each family's smallest model.", group="family")


def write_passk_table(job) -> None:
    rows = [(benchmark, model, pd.read_csv(path)) for (benchmark, model), path in zip(job.rows, job.pass_at_k)]
    write_table(passk_table(rows, list(job.ks)), job.csv, job.md, job.tex, job.html, job.caption, group="benchmark")


def _best_policies(job) -> pd.DataFrame:
    """Each family's best policy at each budget, held out, under an expected-cost budget
    (policies.best_policies): the ``best_policy`` columns of crossover.csv."""
    from .policies import best_policies

    return pd.concat([best_policies(pd.read_csv(path, keep_default_na=False, na_values=[""]))
                      .assign(benchmark=key.split("/")[0], family=key.split("/")[1])
                      for key, path in job.policies.items()], ignore_index=True)


def write_crossover(job) -> None:
    """results/tables/{crossover,claims,match,crossover-summary}.csv from every (benchmark,
    family) drawn; each lists its family's models in order, which breaks exact ties."""
    curves, pairs, matches = [], [], []
    for (benchmark, family), models, budget, pair, match_file in zip(job.families, job.models, job.budget, job.pairs,
                                                                     job.match):
        where = {"benchmark": benchmark, "family": family}
        order = {model: index for index, model in enumerate(models)}
        frame = pd.read_csv(budget).assign(**where)
        curves.append(frame.sort_values("model", key=lambda m: m.map(order), kind="stable"))
        pairs.append(pd.read_csv(pair).assign(**where))
        match = pd.read_csv(match_file) if Path(match_file).stat().st_size > 1 else pd.DataFrame()
        matches.append(match.assign(**where) if len(match) else match)
    pairs_all = pd.concat(pairs, ignore_index=True)
    curves_all = pd.concat(curves, ignore_index=True)
    table = crossover(curves_all, pairs_all)
    if job.policies:
        table = table.merge(_best_policies(job), on=["benchmark", "family", "budget_type", "budget"], how="left")
    write_csv(table, job.out)
    write_csv(summary(table, curves_all), job.summary_out)
    write_csv(pd.concat([claims(p).assign(benchmark=b, family=f) for p, (b, f) in zip(pairs, job.families)],
                        ignore_index=True), job.claims_out)
    matched = pd.concat(matches, ignore_index=True)
    write_csv(matched[["benchmark", "family", *[c for c in matched.columns if c not in ("benchmark", "family")]]]
              if len(matched) else matched, job.match_out)
