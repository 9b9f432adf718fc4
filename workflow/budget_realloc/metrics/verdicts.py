"""Where the paper's claim holds, per family and budget type: one word from its paired comparisons.

The paper's claim is that each smaller model of a family beats each larger one at every budget
(metrics.comparisons.claims checks it pair by pair).  With few samples per problem (LiveCodeBench's
n = 10) most differences sit inside their 95% band and budgets past n/2 samples leave the
smaller model's score a lower bound, so a family's answer is one of three:

- ``holds``: at every budget some comparison decides, the smaller model is ahead in every pair;
- ``fails``: at some budget the larger model of a pair is ahead with its interval excluding 0;
- ``undetermined``: neither — larger models ahead only within the band, or nothing decided.
"""

from __future__ import annotations

import pandas as pd

from .comparisons import claims

VERDICT_COLUMNS = ["benchmark", "problems", "family", "budget_type", "verdict", "holds_up_to", "significant_up_to",
                   "larger_significant_from", "larger_significant_at", "undetermined_from", "budgets_compared",
                   "fails_at"]


def family_verdicts(pairs: pd.DataFrame, listed: int = 5) -> pd.DataFrame:
    """One row per budget type of a family's pairs (metrics.comparisons.pairs_table): its verdict
    (module docstring), the budgets up to which the claim holds and holds significantly, the
    first budget where a larger model leads significantly and the first ``listed`` such leads
    (budget: smaller vs larger), and the rest of its "every pair" claim row."""
    whole = claims(pairs)
    whole = whole[whole["pair"] == "every pair"]
    rows = []
    for claim in whole.itertuples():
        frame = pairs[pairs["budget_type"] == claim.budget_type]
        beaten = frame[(frame["ahead"] == "larger") & frame["significant"].astype(bool)]
        verdict = "fails" if len(beaten) else "holds" if claim.supported else "undetermined"
        rows.append({"budget_type": claim.budget_type, "verdict": verdict, "holds_up_to": claim.holds_up_to,
                     "significant_up_to": claim.significant_up_to,
                     "larger_significant_from": float(beaten["budget"].min()) if len(beaten) else float("nan"),
                     "larger_significant_at": "; ".join(f"{r.budget:g}: {r.smaller} vs {r.larger}" for r in
                                                        beaten.sort_values("budget").head(listed).itertuples()),
                     "undetermined_from": claim.undetermined_from, "budgets_compared": claim.budgets_compared,
                     "fails_at": claim.fails_at})
    return pd.DataFrame(rows, columns=[c for c in VERDICT_COLUMNS if c not in ("benchmark", "problems", "family")])


def write_family_verdicts(families: dict[str, tuple[str, str, str]], out: str) -> pd.DataFrame:
    """results/tables/families.csv: ``families`` maps each family's pairs-<family>.csv to
    (benchmark, its title with the problems it holds, family)."""
    from ..io import write_csv

    frames = [family_verdicts(pd.read_csv(path)).assign(benchmark=benchmark, problems=title, family=family)
              for path, (benchmark, title, family) in families.items()]
    table = pd.concat(frames, ignore_index=True)[VERDICT_COLUMNS] if frames else pd.DataFrame(columns=VERDICT_COLUMNS)
    write_csv(table, out)
    return table
