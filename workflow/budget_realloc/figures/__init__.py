"""Figures laid out as in the paper, as PDF and PNG."""

from .budget import budget_figure
from .ranking import ranking_figure

__all__ = ["budget_figure", "ranking_figure"]
