"""The policy figure: the best accuracy each policy class reaches at each budget.

One row of panels per budget type of ``policies-<family>.csv`` (policies.table), two columns:
budgets that cap the *expected* cost, and budgets that cap the *worst* case.  Each class's
frontier is a coloured line, held out (solid) and in-sample (dotted, an upper bound); each
model's own fixed-k curve (the paper's) is a thin grey line for reference, darker for larger; points where a class
is censored (a model at its n/2 samples: a lower bound) are hollow circles.  Every artist
carries a ``gid`` (``policy:<class>:<split>``, ``censored:<class>``, ``fixed:<model>``) so tests
read what was drawn.
"""

from __future__ import annotations

import pandas as pd

from .style import log2_axis, percent_ylim, save, setup

# a colour of matplotlib's tab10 per class, the same in every figure: blue, orange, olive, green, purple, red
CLASSES = {"fixed": "#1f77b4", "first-pass": "#ff7f0e", "first-pass-visible": "#bcbd22", "escalate": "#2ca02c",
           "escalate-visible": "#9467bd", "mix": "#d62728"}
AXES = {"flops": "normalised FLOPs", "time": "normalised time (device-seconds)"}
CONSTRAINT = {"expected": "expected cost", "worst": "worst case"}


def policies_figure(table: pd.DataFrame, title: str, pdf: str, png: str, labels: dict[str, str] | None = None):
    """Draw, save as PDF and PNG, and return the (closed) figure."""
    import matplotlib.pyplot as plt

    setup()
    types = list(dict.fromkeys(table["budget_type"]))
    present = [c for c in CLASSES if c in set(table["policy"])]
    colour = CLASSES
    labels = labels or {}
    fig, axes = plt.subplots(len(types), 2, figsize=(13, 4.6 * len(types)), squeeze=False, layout="constrained")
    for row, budget_type in zip(axes, types):
        for ax, constraint in zip(row, CONSTRAINT):
            rows = table[(table["budget_type"] == budget_type) & (table["constraint"] == constraint)]
            drawn = []
            singles = rows[(rows["scope"] != "family") & (rows["policy"] == "fixed")]
            for shade, (model, curve) in zip(_greys(singles["scope"].nunique()), singles.groupby("scope", sort=False)):
                curve = curve.sort_values("budget")
                ax.plot(curve["budget"], curve["accuracy"], color=shade, lw=1,
                        label=f"{labels.get(model, model)}, fixed k", gid=f"fixed:{model}")
                drawn += list(curve["accuracy"])
            family = rows[rows["scope"] == "family"]
            for policy in present:
                for split, style in (("held-out", "-"), ("in-sample", ":")):
                    curve = family[(family["policy"] == policy) & (family["split"] == split)].sort_values("budget")
                    ax.plot(curve["budget"], curve["accuracy"], ls=style, lw=2 if split == "held-out" else 1.2,
                            color=colour[policy], label=policy if split == "held-out" else None,
                            gid=f"policy:{policy}:{split}")
                    drawn += list(curve["accuracy"])
                censored = family[(family["policy"] == policy) & (family["split"] == "held-out") & family["censored"]]
                ax.scatter(censored["budget"], censored["accuracy"], facecolors="none", edgecolors=[colour[policy]],
                           s=28, zorder=5, gid=f"censored:{policy}")
            log2_axis(ax, f"budget: {CONSTRAINT[constraint]}, {AXES.get(budget_type, budget_type)}")
            ax.set_ylabel("accuracy (%)")
            percent_ylim(ax, drawn)
            ax.legend(fontsize=7, loc="lower right")
    fig.suptitle(f"{title}\nsolid: chosen on other problems (held out); dotted: chosen on the scored problems "
                 "(in-sample); hollow: censored (a model at n/2 samples)", fontsize=11)
    save(fig, pdf, png)
    return fig


def _greys(count: int) -> list[str]:
    return [str(0.45 + 0.35 * i / max(count - 1, 1)) for i in range(count)][::-1]


def write_policies_figure(policies: str, title: str, pdf: str, png: str, labels: dict[str, str] | None = None):
    """``results/figures/policies-<benchmark>-<family>.{pdf,png}`` from ``policies-<family>.csv``."""
    table = pd.read_csv(policies, keep_default_na=False, na_values=[""])
    return policies_figure(table, title, pdf, png, labels)
