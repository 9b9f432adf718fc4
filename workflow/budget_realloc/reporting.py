"""Figures and tables from the files a rule names in its JSON spec."""

from __future__ import annotations

import pandas as pd

from .figures import budget_figure, ranking_figure
from .io import read_json
from .metrics import normalised_costs
from .tables import cost_table, pass_at_k_table, write_table


def _tables(files: dict[str, str]) -> dict[str, pd.DataFrame]:
    return {model: pd.read_csv(path) for model, path in files.items()}


def budget_figure_from_spec(spec: dict, pdf: str, png: str) -> None:
    costs = {m: read_json(f) for m, f in spec["costs"].items()}
    budget_figure(tables=_tables(spec["pass_at_k"]), costs=costs, labels=spec["labels"],
                  title=spec["title"], pdf=pdf, png=png)


def ranking_figure_from_spec(spec: dict, pdf: str, png: str) -> None:
    panels = []
    for panel in spec["panels"]:
        costs = {m: read_json(f) for m, f in panel["costs"].items()}
        scores = pd.read_csv(panel["rank_score"])
        use_time = all(c["walltime_per_sample_s"] is not None for c in costs.values())
        key = "walltime_per_sample_s" if use_time else "flops_per_sample"
        scores["cost_per_sample"] = scores["time_cost_per_sample" if use_time else "flops_cost_per_sample"]
        panels.append({"title": panel["title"], "rank_scores": scores, "tables": _tables(panel["pass_at_k"]),
                       "costs": normalised_costs({m: c[key] for m, c in costs.items()})})
    ranking_figure(panels=panels, labels=spec["labels"], title=spec["title"], pdf=pdf, png=png)


def cost_table_from_spec(spec: dict, csv: str, md: str, tex: str) -> None:
    costs = {m: read_json(f) for m, f in spec["costs"].items()}
    walltimes = {m: read_json(f) for m, f in spec["walltime"].items()}
    frame = cost_table(spec["families"], costs, walltimes, spec["labels"])
    write_table(frame, csv, md, tex, "Table 1: FLOPs and wall-time per sample, normalised to each "
                "family's smallest model.", group="family")


def passk_table_from_spec(spec: dict, csv: str, md: str, tex: str) -> None:
    rows = [(benchmark, model, pd.read_csv(path)) for benchmark, model, path in spec["rows"]]
    frame = pass_at_k_table(rows, spec["ks"])
    write_table(frame, csv, md, tex, spec["caption"], group="benchmark")
