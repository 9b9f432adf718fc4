"""budget-realloc: sample a small code LLM many times or a large one once, under a fixed budget.

Reproduces Hassid et al., "The Larger the Better? Improved LLM Code-Generation via Budget
Reallocation" (COLM 2024). Each stage of the Snakemake workflow is a subpackage here; the rules
in ``workflow/rules`` only call into it.
"""

__version__ = "0.1.0"
