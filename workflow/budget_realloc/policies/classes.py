"""The candidates of each policy class: every configuration a budget may choose among.

- ``fixed``: k samples of one model (the paper's curves);
- ``mix``: k_m samples of each model, every integer allocation whose cost fits the largest budget
  (fixed is the allocations with one model);
- ``first-pass``: one model up to a cap K, stopping at the first pass;
- ``escalate``: the models in the family's order, each up to its own cap from a grid (0 skips a
  model), stopping at the first pass (first-pass is the rows with one model);
- ``first-pass-visible`` / ``escalate-visible``: the same, stopping at the first sample that passes
  the tests the prompt shows, judged by the benchmark's.

No model gets more than its cap of n/2 samples (metrics.curves: beyond it pass@k leans on too few
subsets).  Candidates are listed cheapest worst case first, so an exact tie goes to the cheaper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UserError
from .estimators import Outcome, StopCurves, escalate, mix

STOPPING = ("first-pass", "escalate", "first-pass-visible", "escalate-visible")
# A mix of many models under a large budget has too many allocations to enumerate: say so
MAX_CANDIDATES = 2_000_000


@dataclass(frozen=True)
class PolicyClass:
    """``settings`` [rows, models]: samples per model (fixed, mix) or caps (the stopping policies)."""
    policy: str
    scope: str                      # "family", or the one model the class may use
    models: tuple[str, ...]
    curves: tuple[StopCurves, ...]
    unit_costs: np.ndarray          # [models], normalised
    settings: np.ndarray

    @property
    def stops_early(self) -> bool:
        return self.policy in STOPPING

    @property
    def caps(self) -> np.ndarray:
        return np.array([c.cap for c in self.curves])

    @property
    def worst(self) -> np.ndarray:
        return self.settings @ self.unit_costs

    def outcome(self, rows: np.ndarray) -> Outcome:
        """Per-problem success and expected cost of the candidates ``rows``.  A fixed allocation
        costs what it draws, and one more sample of a model costs exactly its price: ``left`` 1."""
        settings = self.settings[rows]
        if self.stops_early:
            return escalate(list(self.curves), self.unit_costs, settings)
        success = mix(list(self.curves), settings)
        worst = np.broadcast_to((settings @ self.unit_costs)[:, None], success.shape)
        return Outcome(success, worst, np.ones((len(self.models), *success.shape)))

    def label(self, row: int) -> str:
        """``model:count`` (or ``model:cap``) pairs of one candidate, in the family's order."""
        return " ".join(f"{m}:{k}" for m, k in zip(self.models, self.settings[row]) if k)


def cap_grid(cap: int) -> np.ndarray:
    """Caps an escalation may give a model: 0, then about two per doubling (1, 2, 3, 4, 6, 8, 11,
    16, 23, 32, 45, ...) up to ``cap``, and ``cap`` itself."""
    values = {0, cap, *np.round(np.exp2(np.arange(0, 2 * np.log2(max(cap, 1)) + 1) / 2)).astype(int)}
    return np.array(sorted(v for v in values if v <= cap))


def allocations_within(values: list[np.ndarray], unit_costs: np.ndarray, limit: float | None) -> np.ndarray:
    """Every combination of one value per model (rows [count, models]) whose cost
    sum_m value_m * cost_m is at most ``limit`` (None: all), built model by model so that
    combinations already over the limit are never extended."""
    rows = np.zeros((1, 0), dtype=np.int64)
    spent = np.zeros(1)
    for choices, cost in zip(values, unit_costs):
        rows = np.hstack([np.repeat(rows, len(choices), axis=0), np.tile(choices, len(rows))[:, None]])
        spent = np.repeat(spent, len(choices)) + np.tile(choices, len(spent)) * cost
        if limit is not None:
            keep = spent <= limit * (1 + 1e-9)
            rows, spent = rows[keep], spent[keep]
        if len(rows) > MAX_CANDIDATES:
            raise UserError(f"policies: more than {MAX_CANDIDATES:,} allocations of {len(values)} models fit the "
                            "largest budget; use fewer models in the family or a smaller budget grid")
    rows = rows[rows.sum(axis=1) > 0]
    return rows[np.argsort(rows @ unit_costs, kind="stable")]


def one_model(values: np.ndarray, model: int, models: int) -> np.ndarray:
    rows = np.zeros((len(values), models), dtype=np.int64)
    rows[:, model] = values
    return rows


def family_classes(models: list[str], curves: list[StopCurves], unit_costs, max_budget: float,
                   visible: list[StopCurves | None] | None = None) -> list[PolicyClass]:
    """Every policy class over a family (smallest model first): the family-wide classes, then the
    single-model fixed and first-pass curves drawn for reference.  ``visible``: each model's curves
    when stopping is decided by the visible tests (None for a model without visible verdicts: it
    gets no visible curve, and the family no visible classes)."""
    unit_costs = np.asarray(unit_costs, dtype=np.float64)
    M = len(models)
    every_k = [np.arange(1, c.cap + 1) for c in curves]
    singles = np.vstack([one_model(k, m, M) for m, k in enumerate(every_k)])
    singles = singles[np.argsort(singles @ unit_costs, kind="stable")]
    family = [("fixed", curves, singles[singles @ unit_costs <= max_budget * (1 + 1e-9)]),
              ("first-pass", curves, singles)]
    everyone_visible = visible is not None and all(v is not None for v in visible)
    if everyone_visible:
        family.append(("first-pass-visible", visible, singles))
    if M > 1:
        every = allocations_within([np.arange(c.cap + 1) for c in curves], unit_costs, max_budget)
        family.append(("mix", curves, every))
        caps = allocations_within([cap_grid(c.cap) for c in curves], unit_costs, None)
        family.append(("escalate", curves, caps))
        if everyone_visible:
            family.append(("escalate-visible", visible, caps))
    classes = [PolicyClass(policy, "family", tuple(models), tuple(c), unit_costs, rows)
               for policy, c, rows in family]
    for m, model in enumerate(models):
        own = [("fixed", curves[m]), ("first-pass", curves[m])]
        if visible is not None and visible[m] is not None:
            own.append(("first-pass-visible", visible[m]))
        for policy, curve in own:
            classes.append(PolicyClass(policy, model, (model,), (curve,), unit_costs[m:m + 1], every_k[m][:, None]))
    return classes
