"""Figures 2-6 and 10-11: (a) pass@k vs k, (b) pass_flops@f, (c) pass_time@t.

Each model is drawn at the budgets where its k-th sample is paid for (budget = k x its
normalised cost per sample), which is exactly where pass_flops@f and pass_time@t change value;
greedy pass@1 is a star at the cost of one sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..metrics import normalised_costs
from ..metrics.curves import BUDGET_TYPES, sampled_curve
from .style import GREEDY_MARKER, colours, log2_axis, save, setup

PANELS = (("flops", "(b) normalised FLOPs"), ("time", "(c) normalised wall-time"))


def budget_figure(*, tables: dict[str, pd.DataFrame], costs: dict[str, dict], labels: dict[str, str],
                  title: str, pdf: str, png: str) -> None:
    """``tables``: model -> pass_at_k table (metrics.curves); ``costs``: model -> per-sample costs."""
    import matplotlib.pyplot as plt

    setup()
    models = list(tables)
    colour = colours(models)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    ax = axes[0]
    for model in models:
        curve = 100 * sampled_curve(tables[model])
        ax.plot(np.arange(1, curve.size + 1), curve, color=colour[model], label=labels[model], lw=2)
        greedy = greedy_pass(tables[model])
        if greedy is not None:
            ax.scatter([1], [100 * greedy], color=colour[model], **GREEDY_MARKER)
    log2_axis(ax, "(a) k")
    ax.set_ylabel("pass@k (%)")
    for ax, (budget_type, xlabel) in zip(axes[1:], PANELS):
        key = BUDGET_TYPES[budget_type]
        raw = {m: costs[m][key] for m in models}
        if any(v is None for v in raw.values()):
            ax.text(0.5, 0.5, "wall-time not measured\n(no profile on the configured device)",
                    ha="center", va="center", transform=ax.transAxes)
            ax.set_xlabel(xlabel)
            continue
        unit = normalised_costs(raw)
        for model in models:
            cost = unit[model]
            curve = 100 * sampled_curve(tables[model])
            ax.plot(cost * np.arange(1, curve.size + 1), curve, color=colour[model], lw=2)
            greedy = greedy_pass(tables[model])
            if greedy is not None:
                ax.scatter([cost], [100 * greedy], color=colour[model], **GREEDY_MARKER)
        log2_axis(ax, xlabel)
        ax.set_ylabel(f"pass_{budget_type}@budget (%)")
    for ax in axes:
        ax.set_ylim(bottom=0)
    handles, names = axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="lower center", ncol=len(models), bbox_to_anchor=(0.5, -0.08),
               title="model (star: greedy pass@1)")
    fig.suptitle(title)
    save(fig, pdf, png)


def greedy_pass(table: pd.DataFrame) -> float | None:
    greedy = table[table["decoding"] == "greedy"]
    return float(greedy["pass_at_k"].iloc[0]) if len(greedy) else None
