"""The look shared by every figure: seaborn's white grid, one colour per model, log2 x axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import seaborn as sns  # noqa: E402

GREEDY_MARKER = dict(marker="*", s=180, edgecolor="black", linewidth=0.6, zorder=5)
SAMPLED_P1_MARKER = dict(marker="o", s=60, edgecolor="black", linewidth=0.6, zorder=5)


def setup() -> None:
    sns.set_theme(style="whitegrid", context="paper", font_scale=1.1)


def colours(names: list[str]) -> dict[str, tuple]:
    return dict(zip(names, sns.color_palette("colorblind", len(names))))


def log2_axis(ax, label: str) -> None:
    ax.set_xscale("log", base=2)
    ax.set_xlabel(label)


def save(fig, pdf: str, png: str) -> None:
    from ..io import atomic_path

    for path, kwargs in ((pdf, {}), (png, {"dpi": 150})):
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=path.rsplit(".", 1)[1], bbox_inches="tight", **kwargs)
    plt.close(fig)
