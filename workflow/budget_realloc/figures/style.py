"""The look shared by every figure: seaborn's white grid, one colour per model, log2 x axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.ticker import FuncFormatter, LogLocator  # noqa: E402

GREEDY_MARKER = dict(marker="*", s=180, edgecolor="black", linewidth=0.6, zorder=5)
# above the (larger) star, so that equal greedy and top-p pass@1 still show both marks
SAMPLED_P1_MARKER = dict(marker="o", s=60, edgecolor="black", linewidth=0.6, zorder=5.5)
# the paper's published points: hollow, in the model's colour, above the run's own curve
PAPER_MARKER = dict(marker="o", s=46, facecolors="none", linewidths=1.4, zorder=6)
BAND_ALPHA = 0.2


def setup() -> None:
    sns.set_theme(style="whitegrid", context="paper", font_scale=1.1)


def colours(names: list[str]) -> dict[str, tuple]:
    return dict(zip(names, sns.color_palette("colorblind", len(names))))


def log2_axis(ax, label: str) -> None:
    """A log2 x axis ticked at powers of two (every other one on wide ranges), written as plain
    numbers: 1, 4, 16, ... 1024 (two digits below 1: dollars)."""
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_locator(LogLocator(base=2, numticks=8))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:g}" if x >= 1 else f"{x:.2g}"))
    ax.set_xlabel(label)


def percent_ylim(ax, values) -> None:
    """y from 0 to just above the largest value drawn, and at least 0-5%: an all-zero curve
    (a model that solves nothing) then lies visibly on the axis, not on an autoscaled sliver."""
    finite = np.asarray([v for v in values if np.isfinite(v)], dtype=np.float64)
    top = max(5.0, float(finite.max()) if finite.size else 0.0)
    ax.set_ylim(-0.02 * top, 1.05 * top)


def save(fig, pdf: str, png: str) -> None:
    from ..io import atomic_path

    for path, kwargs in ((pdf, {}), (png, {"dpi": 150})):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=path.rsplit(".", 1)[1], bbox_inches="tight", **kwargs)
    plt.close(fig)
