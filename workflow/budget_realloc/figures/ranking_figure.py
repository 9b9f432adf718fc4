"""Figures 8 and 9: rank-score_time@t of one model's samples under each ranker.

Each line is a ranker choosing among the generator's samples; a sample costs the generator's
time plus the ranker's scoring time.  Every model's greedy pass@1 is a star and its top-p
pass@1 a circle, at the cost of one of its own samples.
"""

from __future__ import annotations

import pandas as pd

from ..metrics.curves import greedy_row, sampled_rows
from .style import GREEDY_MARKER, SAMPLED_P1_MARKER, colours, log2_axis, percent_ylim, save, setup


def ranking_figure(*, panels: list[dict], models: list[str], labels: dict[str, str], title: str, pdf: str,
                   png: str):
    """``panels``: one dict per benchmark with ``title``, ``rank_scores`` (ranker, k, rank_score,
    cost_per_sample), ``tables`` (model -> pass_at_k table) and ``costs`` (model -> normalised
    wall-time per sample); ``models`` sets the order of colours and legends (smallest first)."""
    import matplotlib.pyplot as plt

    setup()
    colour = colours(models)            # a ranker's line has its model's colour, as do its stars
    fig, axes = plt.subplots(1, len(panels), figsize=(6.5 * len(panels), 4.4), squeeze=False)
    for ax, panel in zip(axes[0], panels):
        scores: pd.DataFrame = panel["rank_scores"]
        drawn = list(100 * scores["rank_score"])
        rankers = sorted(set(scores["ranker"]), key=lambda r: models.index(r.partition("+")[0]))
        for ranker in rankers:
            rows = scores[scores["ranker"] == ranker]
            model, _, verifier = ranker.partition("+")
            ax.plot(rows["k"] * rows["cost_per_sample"], 100 * rows["rank_score"], lw=2,
                    color=colour[model], label=f"ranked by {labels[model]}" + (" + verifier" if verifier else ""))
        for model, table in panel["tables"].items():
            cost = panel["costs"][model]
            marks = [(sampled_rows(table)["pass_at_k"].iloc[0], SAMPLED_P1_MARKER)]
            greedy = greedy_row(table)
            if greedy is not None:
                marks.append((greedy["pass_at_k"], GREEDY_MARKER))
            for value, marker in marks:
                ax.scatter([cost], [100 * value], color=colour[model], **marker)
                drawn.append(100 * value)
        timed = panel["budget_type"] == "time"
        log2_axis(ax, "normalised wall-time" if timed else "normalised FLOPs")
        ax.set_ylabel("rank-score_time@t (%)" if timed else "rank-score_flops@f (%)")
        percent_ylim(ax, drawn)
        ax.set_title(panel["title"])
        ax.legend(fontsize=8, title="star: greedy, circle: top-p pass@1", title_fontsize=8)
    fig.suptitle(title)
    save(fig, pdf, png)
    return fig
