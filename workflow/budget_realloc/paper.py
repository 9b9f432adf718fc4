"""The paper's published numbers (resources/paper/): the facts a reproduction is compared to.

Tables 2-4 give pass@k in percent at selected k per benchmark and model; Table 1 gives each
Code Llama size's FLOPs and wall-time per sample, also normalised to 7B.  A configured model
names its row with ``paper:`` (and ``paper_costs:`` where another model's cost row stands in,
as Code Llama 7B/70B do for Llama-3 8B/70B), a benchmark with ``paper:``.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from importlib import resources

PAPER_DIR = resources.files("budget_realloc") / "data" / "paper"      # resources/paper links here
PASS_AT_K = PAPER_DIR / "pass_at_k.csv"
TABLE1 = PAPER_DIR / "table1_costs.csv"
FILES = (PASS_AT_K, TABLE1)


@lru_cache(maxsize=None)
def _rows(path) -> tuple[dict, ...]:
    with open(path) as handle:
        return tuple(csv.DictReader(handle))


def paper_costs(name: str) -> dict | None:
    """The paper's Table 1 row for a model name such as "Code Llama 7B", if it has one."""
    return next((row for row in _rows(TABLE1) if row["model"] == name), None)


def published_pass_at_k(benchmark: str, model: str) -> dict[int, float]:
    """k -> pass@k (a fraction) the paper reports for a model on a benchmark; empty if none."""
    return {int(row["k"]): float(row["pass_at_k"]) / 100 for row in _rows(PASS_AT_K)
            if row["benchmark"] == benchmark and row["model"] == model}


def benchmark_names() -> list[str]:
    """Every benchmark the paper reports pass@k on (Tables 2-4)."""
    return list(dict.fromkeys(row["benchmark"] for row in _rows(PASS_AT_K)))


def model_names() -> list[str]:
    """Every model the paper reports pass@k for (Tables 2-4)."""
    return list(dict.fromkeys(row["model"] for row in _rows(PASS_AT_K)))


def cost_names() -> list[str]:
    """Every model with a row in the paper's Table 1."""
    return [row["model"] for row in _rows(TABLE1)]


def published_curve(benchmark: str, model: str):
    """The paper's pass@k of a model for every k = 1 .. its largest published k (a fraction),
    read between the published k by linear interpolation in log k (pass@k rises smoothly and
    concavely in log k there, so this errs slightly low); empty where the paper has none."""
    import numpy as np

    points = published_pass_at_k(benchmark, model)
    if not points:
        return np.empty(0)
    ks = np.array(sorted(points), dtype=np.float64)
    return np.interp(np.log(np.arange(1, int(ks[-1]) + 1)), np.log(ks), [points[int(k)] for k in ks])
