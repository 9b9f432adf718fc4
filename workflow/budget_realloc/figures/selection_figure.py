"""The selection figure: the best accuracy reachable at each budget without the benchmark's tests.

One panel per budget type (normalised FLOPs, normalised time): each selector's accuracy on the
smallest model's samples against what it spends, the cascades as small dots, every size's single
sample (circle) and greedy decode (star), and the Pareto frontier of all of them as a black step
line; each size's pass@k *with* the benchmark's tests is drawn thin and grey for reference.
Every artist carries a ``gid`` so tests read what was drawn.
"""

from __future__ import annotations

import pandas as pd

from .style import GREEDY_MARKER, SAMPLED_P1_MARKER, colours, log2_axis, percent_ylim, save, setup

AXES = {"flops": "normalised FLOPs", "time": "normalised time (device-seconds)"}


def selection_figure(table: pd.DataFrame, labels: dict[str, str], title: str, pdf: str, png: str):
    import matplotlib.pyplot as plt

    setup()
    types = [t for t in AXES if t in set(table["budget_type"])]
    models = list(dict.fromkeys(table.loc[table["kind"].isin(["single", "greedy"]), "model"]))
    colour = colours(models)
    methods = list(dict.fromkeys(table.loc[table["kind"] == "selector", "method"]))
    method_colour = dict(zip(methods, plt.get_cmap("Dark2").colors))
    fig, axes = plt.subplots(1, len(types), figsize=(7.5 * len(types), 5), squeeze=False)
    for ax, budget_type in zip(axes[0], types):
        rows = table[table["budget_type"] == budget_type]
        drawn = []
        for model in models:
            reference = rows[(rows["kind"] == "with tests") & (rows["model"] == model)].sort_values("cost")
            ax.plot(reference["cost"], 100 * reference["accuracy"], color="lightgray", lw=1,
                    gid=f"with-tests:{model}")
            drawn += list(100 * reference["accuracy"])
        cascades = rows[rows["kind"] == "cascade"]
        ax.scatter(cascades["cost"], 100 * cascades["accuracy"], s=8, color="gray", alpha=0.5, gid="cascades")
        for method in methods:
            curve = rows[(rows["kind"] == "selector") & (rows["method"] == method)].sort_values("cost")
            ax.plot(curve["cost"], 100 * curve["accuracy"], marker=".", lw=1.8, color=method_colour[method],
                    label=f"{method} on {labels[curve['model'].iloc[0]]}", gid=f"selector:{method}")
        for kind, marker in (("single", SAMPLED_P1_MARKER), ("greedy", GREEDY_MARKER)):
            for row in rows[rows["kind"] == kind].itertuples():
                ax.scatter([row.cost], [100 * row.accuracy], color=colour[row.model], gid=f"{kind}:{row.model}",
                           **marker)
        frontier = rows[rows["frontier"]].sort_values("cost")
        ax.step(frontier["cost"], 100 * frontier["accuracy"], where="post", color="black", lw=1.2,
                label="best without tests (Pareto frontier)", gid="frontier")
        drawn += list(100 * rows["accuracy"].dropna())
        log2_axis(ax, AXES[budget_type])
        ax.set_ylabel("accuracy without the benchmark's tests (%)")
        percent_ylim(ax, drawn)
        ax.legend(fontsize=7, loc="lower right",
                  title="circle: one sample, star: greedy; grey: pass@k with tests; dots: cascades", title_fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    save(fig, pdf, png)
    return fig


def figure_from_table(table_path: str, labels: dict[str, str], title: str, pdf: str, png: str):
    return selection_figure(pd.read_csv(table_path, dtype={"k": str}), labels, title, pdf, png)
