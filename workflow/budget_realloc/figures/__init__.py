"""Figures laid out as in the paper, as PDF and PNG."""

from .budget_figure import budget_figure
from .ranking_figure import ranking_figure

__all__ = ["budget_figure", "ranking_figure"]
