"""The paper's claims checked by the claims table: on constructed pairs, and on the paper's own numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from budget_realloc.costs import Costs
from budget_realloc.metrics.grid import log2_budget_grid
from budget_realloc.metrics.comparisons import claims, pairs_table, paper_claims


def test_pairs_decide_only_what_bounds_can_decide():
    # aggregate curves (one row each): small k<=2 at cost 1, large k<=1 at cost 2
    curves = {"small": np.array([[0.5, 0.7]]), "large": np.array([[0.6]])}
    costs = {"small": Costs(flops=1.0), "large": Costs(flops=2.0)}
    pairs = pairs_table(curves, costs, [1.0, 2.0, 4.0, 8.0], draws=None).set_index("budget")
    # 1: large cannot pay.  2: small k=2 0.7 vs large k=1 0.6 -> smaller.  4: small k=4 > 2 (bound 0.7)
    # vs large k=2 > 1 (bound 0.6): both bounds -> undetermined.  8: the same.
    assert pairs.loc[1.0, "ahead"] == ""
    assert pairs.loc[2.0, "ahead"] == "smaller" and pairs.loc[2.0, "difference"] == pytest.approx(0.1)
    assert pairs.loc[4.0, "ahead"] == "undetermined" and pairs.loc[4.0, "censored_smaller"]
    assert np.isnan(pairs.loc[2.0, "low"]) and not pairs.loc[2.0, "significant"]      # no problems: no interval
    table = claims(pairs.reset_index()).set_index("pair")
    assert table.loc["small < large", "supported"] and table.loc["small < large", "holds_up_to"] == 2.0
    assert table.loc["small < large", "undetermined_from"] == 4.0


def test_a_larger_model_ahead_breaks_the_claim_where_it_is():
    curves = {"small": np.array([[0.5, 0.55, 0.6, 0.62]]), "large": np.array([[0.52, 0.7]])}
    pairs = pairs_table(curves, {"small": Costs(flops=1.0), "large": Costs(flops=1.0)}, [1.0, 2.0], draws=None)
    row = claims(pairs).set_index("pair").loc["small < large"]
    assert not row["supported"] and np.isnan(row["holds_up_to"])       # behind from the first budget
    assert row["fails_at"] == "1: small vs large larger; 2: small vs large larger"


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return paper_claims(log2_budget_grid(0, 12, 4)).set_index(["benchmark", "family", "budget_type", "pair"])


@pytest.mark.parametrize("benchmark", ["humaneval", "mbpp"])
@pytest.mark.parametrize("budget_type", ["flops", "time"])
def test_the_papers_claim_holds_on_its_own_numbers(published, benchmark, budget_type):
    """Section 4: "the 7B/8B/13B models outperform the larger models across all compute budgets"."""
    for small in ("Code Llama 7B", "Code Llama 13B"):
        for large in ("Code Llama 34B", "Code Llama 70B"):
            row = published.loc[(benchmark, "Code Llama", budget_type, f"{small} < {large}")]
            assert row["supported"] and row["holds_up_to"] >= 512, (small, large, row.to_dict())
    assert published.loc[(benchmark, "Llama-3", budget_type, "Llama-3 8B < Llama-3 70B"), "supported"]


def test_apps_is_reported_as_the_paper_describes_it(published):
    """Section 4, APPS: the 13B model is superior to the 34B under both budgets and to the 70B
    under wall-time (on the competition split under FLOPs too); the 7B falls behind the larger
    models as budgets grow."""
    for split in ("apps-introductory", "apps-interview", "apps-competition"):
        for budget_type in ("flops", "time"):
            assert published.loc[(split, "Code Llama", budget_type, "Code Llama 13B < Code Llama 34B"), "supported"]
            assert not published.loc[(split, "Code Llama", budget_type, "every pair"), "supported"]
            seven = published.loc[(split, "Code Llama", budget_type, "Code Llama 7B < Code Llama 70B")]
            assert not seven["supported"] and "Code Llama 7B vs Code Llama 70B larger" in seven["fails_at"]
        assert published.loc[(split, "Code Llama", "time", "Code Llama 13B < Code Llama 70B"), "supported"]
    assert published.loc[("apps-competition", "Code Llama", "flops", "Code Llama 13B < Code Llama 70B"), "supported"]
    assert not published.loc[("apps-introductory", "Code Llama", "flops", "Code Llama 13B < Code Llama 70B"),
                             "supported"]
