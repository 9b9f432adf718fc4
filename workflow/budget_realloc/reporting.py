"""Figures and tables from the files a rule names in its JSON spec."""

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


def budget_figure_from_spec(spec: dict, pdf: str, png: str):
    """Figures 2-6, 10-11 (config.Plan.budget_figure_spec); returns the figure drawn."""
    costs = {m: Costs.read(f) for m, f in spec["costs"].items()}
    tables = _tables({m: spec["pass_at_k"][m] for m in spec["models"]})
    extrapolated = _tables(spec.get("extrapolated", {}))
    return budget_figure(tables=tables, costs=costs, labels=spec["labels"], title=spec["title"],
                         notes=spec.get("notes", []), pdf=pdf, png=png, paper=published(spec.get("paper", {})),
                         extrapolated=extrapolated)


def published(names: dict[str, dict]) -> dict[str, dict]:
    """The paper's points and normalised costs for models named in a spec's ``paper`` entry.

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


def ranking_figure_from_spec(spec: dict, pdf: str, png: str):
    """Figures 8-9 (specs.ranking_figure); returns the figure drawn."""
    panels = []
    for panel in spec["panels"]:
        costs = {m: Costs.read(f) for m, f in panel["costs"].items()}
        scores = pd.read_csv(panel["rank_score"])
        # the paper's axis is wall-time; where a model has no time cost, FLOPs (and the label says so)
        budget_type = "time" if normalised(costs, "time") is not None else "flops"
        scores["cost_per_sample"] = scores[f"{budget_type}_cost_per_sample"]
        panels.append({"title": panel["title"], "rank_scores": scores, "tables": _tables(panel["pass_at_k"]),
                       "costs": normalised(costs, budget_type), "budget_type": budget_type})
    return ranking_figure(panels=panels, models=spec["models"], labels=spec["labels"], title=spec["title"],
                          pdf=pdf, png=png)


def cost_table_from_spec(spec: dict, csv: str, md: str, tex: str, html: str) -> None:
    costs = {m: Costs.read(f) for m, f in spec["costs"].items()}
    frame = cost_table(spec["families"], costs, spec["labels"])
    write_table(frame, csv, md, tex, html, "Table 1: FLOPs and wall-time per sample, normalised to each "
                "family's smallest model.", group="family")


def passk_table_from_spec(spec: dict, csv: str, md: str, tex: str, html: str) -> None:
    rows = [(row["benchmark"], row["model"], pd.read_csv(row["pass_at_k"])) for row in spec["rows"]]
    frame = passk_table(rows, spec["ks"])
    write_table(frame, csv, md, tex, html, spec["caption"], group="benchmark")


def crossover_from_spec(spec: dict, out: str, claims_out: str, match_out: str, summary_out: str) -> None:
    """results/tables/{crossover,claims,match,crossover-summary}.csv from every (benchmark,
    family) drawn; each entry lists its family's models in order, which breaks exact ties."""
    curves, pairs, matches = [], [], []
    for entry in spec["curves"]:
        where = {"benchmark": entry["benchmark"], "family": entry["family"]}
        order = {model: index for index, model in enumerate(entry["models"])}
        frame = pd.read_csv(entry["file"]).assign(**where)
        curves.append(frame.sort_values("model", key=lambda m: m.map(order), kind="stable"))
        pairs.append(pd.read_csv(entry["pairs"]).assign(**where))
        match = pd.read_csv(entry["match"]) if Path(entry["match"]).stat().st_size > 1 else pd.DataFrame()
        matches.append(match.assign(**where) if len(match) else match)
    pairs_all = pd.concat(pairs, ignore_index=True)
    curves_all = pd.concat(curves, ignore_index=True)
    table = crossover(curves_all, pairs_all)
    write_csv(table, out)
    write_csv(summary(table, curves_all), summary_out)
    write_csv(pd.concat([claims(p).assign(benchmark=e["benchmark"], family=e["family"])
                         for p, e in zip(pairs, spec["curves"])], ignore_index=True), claims_out)
    matched = pd.concat(matches, ignore_index=True)
    write_csv(matched[["benchmark", "family", *[c for c in matched.columns if c not in ("benchmark", "family")]]]
              if len(matched) else matched, match_out)


def counts_from_spec(spec: dict, out: str) -> None:
    """results/<benchmark>/counts.csv: per-problem (n, c) of every run executed on a benchmark,
    the summary that stands in for the samples where they cannot be shipped."""
    from .metrics.curves import run_counts

    frames = [run_counts(run["executions"]).assign(model=run["model"], decoding=run["decoding"])
              for run in spec["runs"]]
    write_csv(pd.concat(frames, ignore_index=True)[["model", "decoding", "task_id", "n", "c"]], out)
