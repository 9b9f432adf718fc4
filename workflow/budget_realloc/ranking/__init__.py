"""Ranking without unit tests (Section 5): NLL rankers (``nll``), a verifier (``verifier``),
rank-score@k of the resulting rankings (``scores``, ``report``)."""
