"""Figures 8 and 9: rank-score_time@t of one model's samples under each ranker.

Each line is a ranker choosing among the generator's samples; a sample costs the generator's
time plus the ranker's scoring time.  Every model's greedy pass@1 is a star and its top-p
pass@1 a circle, at the cost of one of its own samples.
"""

from __future__ import annotations

import pandas as pd

from .budget import greedy_pass
from .style import GREEDY_MARKER, SAMPLED_P1_MARKER, colours, log2_axis, save, setup


def ranking_figure(*, panels: list[dict], labels: dict[str, str], title: str, pdf: str, png: str) -> None:
    """``panels``: one dict per benchmark with ``title``, ``rank_scores`` (ranker, k, rank_score,
    cost_per_sample), ``tables`` (model -> pass_at_k table) and ``costs`` (model -> normalised
    wall-time per sample)."""
    import matplotlib.pyplot as plt

    setup()
    names = list(dict.fromkeys(m for p in panels for m in [*p["tables"], *p["rank_scores"]["ranker"]]))
    colour = colours(names)
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.4), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        scores: pd.DataFrame = panel["rank_scores"]
        for ranker, rows in scores.groupby("ranker", sort=False):
            model, _, verifier = ranker.partition("+")
            ax.plot(rows["k"] * rows["cost_per_sample"], 100 * rows["rank_score"], lw=2,
                    color=colour[ranker], label=f"ranked by {labels[model]}" + (" + verifier" if verifier else ""))
        for model, table in panel["tables"].items():
            cost = panel["costs"][model]
            sampled = table[(table["decoding"] == "sampled") & (table["k"] == 1)]["pass_at_k"]
            ax.scatter([cost], [100 * float(sampled.iloc[0])], color=colour[model], **SAMPLED_P1_MARKER)
            greedy = greedy_pass(table)
            if greedy is not None:
                ax.scatter([cost], [100 * greedy], color=colour[model], **GREEDY_MARKER)
        log2_axis(ax, "normalised wall-time")
        ax.set_ylabel("rank-score_time@t (%)")
        ax.set_ylim(bottom=0)
        ax.set_title(panel["title"])
        ax.legend(fontsize=8, title="star: greedy, circle: top-p pass@1", title_fontsize=8)
    fig.suptitle(title)
    save(fig, pdf, png)
