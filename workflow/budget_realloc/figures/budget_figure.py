"""Figures 2-6 and 10-11: (a) pass@k vs k, (b) pass_flops@f, (c) pass_time@t.

An axis no cost was given for (a model without FLOPs or time) is left out, and a line under the
title says which and for which models.
Each model is drawn at the budgets where its k-th sample is paid for (budget = k x its
normalised cost per sample, as the family's budget curves charge it: budget-<family>.csv),
which is exactly where pass_flops@f and pass_time@t change value; the three panels are one
curve on three x scales (1, the FLOPs and the wall-time per sample).
Around each curve, its 95% bootstrap band over problems; greedy pass@1 is a star at the cost
of one sample, with its band as a vertical bar.  On a modelled hardware axis, hatching spans the
curve from its cheapest to its dearest cost per sample over the efficiency range
(costs.efficiency): where two models' hatchings overlap, the winner depends on efficiency.
Where the paper ran the same model on the same benchmark, its published points are hollow circles in the model's colour at (k x the paper's
normalised cost, pass@k): a faithful reproduction's curve runs through them.

Every artist carries a ``gid`` (``run:``, ``band:``, ``greedy:``, ``paper:`` + model) so that
tests read what was plotted rather than pixels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..costs import BUDGET_TYPES, Costs, normalised
from ..costs.efficiency import CENTRAL
from ..metrics.curves import greedy_row, sampled_rows
from .style import BAND_ALPHA, GREEDY_MARKER, PAPER_MARKER, colours, log2_axis, percent_ylim, save, setup

PANELS = (("samples", "k", "pass@k (%)"),
          ("flops", "normalised FLOPs", "pass_flops@f (%)"),
          ("time", "normalised time (device-seconds)", "pass_time@t (%)"))


def panels(budget: pd.DataFrame, models: list[str], costs: dict[str, Costs] | None = None,
           labels: dict[str, str] | None = None) -> tuple[list[tuple[str, str, str]], list[str]]:
    """The panels to draw and a note for each of the paper's axes left out.

    pass@k always; FLOPs and time where the family's budget curves have them (they leave out an
    axis some model has no cost for: ``costs`` says which, for the note); then one per extra
    axis of the curves: modelled time on an accelerator, dollars — both in units of the
    family's cheapest model.  Panels are lettered in the order drawn.
    """
    from ..costs.accelerators import accelerators

    present = set(budget["budget_type"])
    shown, notes = [PANELS[0]], []
    for panel in PANELS[1:]:
        if panel[0] in present:
            shown.append(panel)
            continue
        lacking = [m for m in models if costs is None or m not in costs or costs[m].of(panel[0]) is None]
        named = ", ".join((labels or {}).get(m, m) for m in lacking) if lacking else "a model of the family"
        notes.append(f"no {panel[0]} panel: no {panel[0]} cost for {named}")
    for budget_type in [t for t in dict.fromkeys(budget["budget_type"]) if t not in BUDGET_TYPES]:
        if budget_type == "usd":
            shown.append((budget_type, "normalised dollars", "pass_usd@d (%)"))
        else:
            label = accelerators()[budget_type.split("@", 1)[1]]["label"]
            shown.append((budget_type, f"normalised time, {label} (roofline, calibrated)", "pass_time@t (%)"))
    lettered = [(t, f"({'abcdefghij'[i]}) {xlabel}", ylabel) for i, (t, xlabel, ylabel) in enumerate(shown)]
    return lettered, notes


def budget_figure(*, tables: dict[str, pd.DataFrame], budget: pd.DataFrame, labels: dict[str, str],
                  title: str, pdf: str, png: str, paper: dict[str, dict] | None = None, notes: list[str] = (),
                  extrapolated: dict[str, pd.DataFrame] | None = None, costs: dict[str, Costs] | None = None):
    """Draw, save as PDF and PNG, and return the (closed) figure.

    ``tables``: model -> pass_at_k table (metrics.curves); ``budget``: the family's budget curves
    (metrics.curves.budget_curves: each axis's normalised cost per sample, per scenario);
    ``paper``: model -> {"pass_at_k": {k: fraction}, "costs": {"flops": ..., "time": ...}} with
    the paper's published pass@k and Table 1 normalised costs, for the models the paper ran;
    ``notes``: lines printed under the title (where counts came from).  Runs whose problems
    have different numbers of samples say so there too.  ``extrapolated``: model -> its
    metrics.extrapolation table; the Beta-Binomial's pass@k beyond n/2 is drawn dotted with its
    band, apart from the measured curve.  Past its last sample a model's curve continues dashed
    at pass@(n/2): the lower bound a budget it cannot spend still guarantees (censored).
    ``costs``: model -> its costs, to name the models an axis left out has no cost for.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    setup()
    paper = paper or {}
    models = list(tables)
    colour = colours(models)
    shown, missing = panels(budget, models, costs, labels)
    rows = (len(shown) + 2) // 3
    fig, axes = plt.subplots(rows, 3, figsize=(15, 4.4 * rows), squeeze=False)
    for ax in axes.flat[len(shown):]:
        ax.set_visible(False)
    for ax, (budget_type, xlabel, ylabel) in zip(axes.flat, shown):
        unit, paper_unit = _unit_costs(budget_type, models, budget, paper)
        drawn = [value for model in models
                 for value in _draw_model(ax, model, tables[model], unit[model], colour[model], labels[model])]
        ranges = _cost_ranges(budget_type, models, budget)
        for model, (low, high) in ranges.items():
            _draw_cost_range(ax, model, tables[model], low, high, colour[model])
        ends = {m: unit[m] * float(sampled_rows(tables[m])["k"].iloc[-1]) for m in models}
        for model in models:
            if extrapolated and model in extrapolated:
                drawn += _draw_extrapolation(ax, model, extrapolated[model], unit[model], colour[model])
        right = max([*ends.values(), *[unit[m] * float(t["k"].max()) for m, t in (extrapolated or {}).items()
                                       if m in unit and len(t)]])
        for model in models:        # out of samples: the curve's last value, a lower bound, to the right edge
            if ends[model] < right:
                ax.hlines(100 * sampled_rows(tables[model])["pass_at_k"].iloc[-1], ends[model], right,
                          colors=[colour[model]], linestyles="--", lw=1.2, gid=f"censored:{model}")
        for model, cost in paper_unit.items():
            points = paper[model]["pass_at_k"]
            ys = 100 * np.array(list(points.values()))
            ax.scatter(cost * np.array(list(points), dtype=np.float64), ys, edgecolors=[colour[model]],
                       gid=f"paper:{model}", **PAPER_MARKER)
            drawn += list(ys)
        log2_axis(ax, xlabel)
        ax.set_ylabel(ylabel)
        percent_ylim(ax, drawn)
        if not np.any(np.asarray(drawn) > 0):
            ax.text(0.5, 0.55, "every score is 0", ha="center", va="center", transform=ax.transAxes,
                    color="dimgray")
    handles = [Line2D([], [], color=colour[m], lw=2, label=labels[m]) for m in models]
    handles += [Line2D([], [], ls="none", color="gray", markeredgecolor="black", marker="*", markersize=12,
                       label="greedy pass@1"),
                Patch(color="gray", alpha=BAND_ALPHA * 2, label="95% bootstrap band (problems)"),
                Line2D([], [], color="gray", ls="--", lw=1.2, label="out of samples: pass@(n/2), a lower bound")]
    if extrapolated:
        handles.append(Line2D([], [], color="gray", ls=":", lw=2, label="extrapolated (Beta-Binomial fit)"))
    if (budget["scenario"] != CENTRAL).any():
        handles.append(Patch(facecolor="none", edgecolor="gray", hatch="////",
                             label="the curve over the efficiency range (dash-dot: its ends)"))
    if paper:
        handles.append(Line2D([], [], ls="none", marker="o", markerfacecolor="none", markeredgecolor="gray",
                              markeredgewidth=1.4, label="published (Hassid et al.)"))
    notes = list(notes) + missing + [f"{labels[m]}: {int(t['n'].iloc[0])} to {int(t['n_max'].iloc[0])} samples per problem, "
                           f"so k stops at {int(t['n'].iloc[0]) // 2}" for m, t in tables.items()
                           if "n_max" in t and (t["decoding"] == "sampled").any()
                           and int(t["n_max"].iloc[0]) > int(t["n"].iloc[0])]
    fig.suptitle(title + "".join(f"\n{note}" for note in notes), fontsize=12 if notes else None)
    fig.tight_layout()
    fig.legend(handles=handles, loc="upper center", ncol=min(len(handles), 7), bbox_to_anchor=(0.5, 0.0),
               frameon=False)
    save(fig, pdf, png)
    return fig


def _unit_costs(budget_type: str, models: list[str], budget: pd.DataFrame, paper: dict[str, dict]):
    """Cost of one sample per model on this panel's x axis, for the run and for the paper.

    The paper's normalised costs are renormalised to the cheapest model the paper ran among
    those shown, as the run's are to the cheapest shown: one unit on both.  Only axes the
    family's budget curves have are drawn (:func:`panels`).
    """
    if budget_type == "samples":
        return {m: 1.0 for m in models}, {m: 1.0 for m in paper}
    rows = budget[(budget["budget_type"] == budget_type) & (budget["scenario"] == CENTRAL)]
    unit = rows.groupby("model")["cost_per_sample"].first().to_dict()
    if budget_type not in BUDGET_TYPES:
        return unit, {}
    published = {m: Costs(flops=entry["costs"]["flops"], seconds=entry["costs"]["time"]) for m, entry in paper.items()}
    return unit, normalised(published, budget_type) if published else {}


def _cost_ranges(budget_type: str, models: list[str], budget: pd.DataFrame) -> dict[str, tuple[float, float]]:
    """Each model's cheapest and dearest normalised cost per sample over the efficiency
    scenarios of a modelled axis (each scenario normalised to its own cheapest model); {} on
    an axis with the central costs only."""
    rows = budget[budget["budget_type"] == budget_type]
    if rows["scenario"].nunique() < 2:
        return {}
    costs = rows.groupby(["model", "scenario"])["cost_per_sample"].first().groupby("model")
    return {m: (float(low), float(high)) for m, low, high in zip(costs.min().index, costs.min(), costs.max())
            if m in models}


def _draw_cost_range(ax, model: str, table: pd.DataFrame, low: float, high: float, colour) -> None:
    rows = sampled_rows(table)
    k, y = rows["k"].to_numpy(dtype=np.float64), 100 * rows["pass_at_k"].to_numpy()
    ax.fill_betweenx(y, low * k, high * k, facecolor="none", edgecolor=colour, hatch="////", lw=0,
                     alpha=0.6, gid=f"range:{model}")
    for cost in (low, high):                   # the curve at the range's cheapest and dearest cost per sample
        ax.plot(cost * k, y, color=colour, ls="-.", lw=0.9, alpha=0.8, gid=f"range-edge:{model}")


def _draw_extrapolation(ax, model: str, table: pd.DataFrame, cost: float, colour) -> list[float]:
    """The Beta-Binomial's pass@k beyond n/2, dotted, with its bootstrap band; values drawn."""
    rows = table[(table["method"] == "beta-binomial")].dropna(subset=["predicted"]).sort_values("k")
    if rows.empty:
        return []
    x = cost * rows["k"].to_numpy(dtype=np.float64)
    y, low, high = (100 * rows[c].to_numpy(dtype=np.float64) for c in ("predicted", "low", "high"))
    ax.fill_between(x, low, high, color=colour, alpha=BAND_ALPHA / 2, lw=0, gid=f"extrapolated-band:{model}")
    ax.plot(x, y, color=colour, ls=":", lw=2, gid=f"extrapolated:{model}")
    return [*y, *low, *high]


def _draw_model(ax, model: str, table: pd.DataFrame, cost: float, colour, label: str) -> list[float]:
    """One model's curve, band and greedy star at ``cost`` per sample; returns the values drawn."""
    rows = sampled_rows(table)
    x = cost * rows["k"].to_numpy(dtype=np.float64)
    y, low, high = (100 * rows[c].to_numpy() for c in ("pass_at_k", "ci_low", "ci_high"))
    if x.size == 1:             # n = 2: one point, so a marker and a bar rather than a line and a band
        ax.vlines(x, low, high, color=colour, alpha=2 * BAND_ALPHA, lw=6, gid=f"band:{model}")
    else:
        ax.fill_between(x, low, high, color=colour, alpha=BAND_ALPHA, lw=0, gid=f"band:{model}")
    ax.plot(x, y, color=colour, lw=2, marker="o" if x.size == 1 else None, label=label, gid=f"run:{model}")
    drawn = [*y, *low, *high]
    greedy = greedy_row(table)
    if greedy is not None:
        g = 100 * greedy[["pass_at_k", "ci_low", "ci_high"]].to_numpy(dtype=np.float64)
        ax.vlines([cost], g[1], g[2], color=colour, lw=1.2, zorder=4, gid=f"greedy-band:{model}")
        ax.scatter([cost], [g[0]], color=colour, gid=f"greedy:{model}", **GREEDY_MARKER)
        drawn += list(g)
    return drawn
