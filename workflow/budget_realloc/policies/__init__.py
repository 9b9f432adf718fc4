"""Policies, not just sizes: what to run under a budget when programs can be tested.

Beside the paper's "k samples of one model" (``fixed``), a family's per-problem results answer
for the policies people deploy: stop at the first sample that passes (``first-pass``), try the
small model first and escalate (``escalate``), or split the budget across sizes (``mix``) —
each scored exactly from counts (policies.estimators), chosen under a budget in-sample and held
out (policies.choose), tabulated with paired intervals against the best single model
(policies.table).  Stopping on the tests a prompt shows rather than the judge's needs per-sample
verdicts (policies.visible); OSCA's released counts are reproduced in policies.osca.
"""

from .table import best_policies, policies_table, write_policies

__all__ = ["best_policies", "policies_table", "write_policies"]
