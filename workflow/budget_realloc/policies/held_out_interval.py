"""How sure a held-out score is: the corrected resampled t interval over the folds.

A k-fold score is not a mean of independent problems: each problem's score comes from a choice
made on the others, so the problems' errors are correlated and the bootstrap over problems —
which keeps the choices fixed — is too narrow: on pure-noise models its 95% interval of a mix's
held-out gain covered the true 0 in 68-95% of replicates, the less the more problems and seeds
(docs/studies/held_out_coverage.py; this interval: in all).  No unbiased estimate
of a k-fold score's variance exists (Bengio & Grandvalet 2004); the standard remedy is Nadeau &
Bengio's (2003) correction for repeated splits, as in Bouckaert & Frank's (2004) corrected
repeated k-fold t test: with J = folds x seeds per-fold scores of variance s^2, the estimate's
variance is taken as (1/J + n_test/n_train) s^2 and the interval from Student's t with J - 1
degrees of freedom.  It errs wide.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from ..metrics.bootstrap import LEVEL


def corrected_interval(estimate: np.ndarray, by_fold: np.ndarray, test_share: float,
                       level: float = LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """(low, high) around ``estimate`` [columns] from per-fold scores ``by_fold`` [folds x seeds,
    columns]; ``test_share`` = n_test / n_train of a fold."""
    folds = by_fold.shape[0]
    spread = np.sqrt((1.0 / folds + test_share) * by_fold.var(axis=0, ddof=1))
    half = stats.t.ppf(0.5 + level / 2, folds - 1) * spread
    return estimate - half, estimate + half
