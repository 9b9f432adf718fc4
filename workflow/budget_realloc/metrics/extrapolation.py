"""pass@k beyond the measured samples: two scaling laws fitted to coverage.

The paper stops at k = n/2 because the unbiased estimator leans on too few subsets beyond it.
Going further needs a model of how coverage grows; two published ones are fitted here.

* Beta-Binomial (Schaeffer et al., ICML 2025, "How Do Large Language Monkeys Get Their Power
  (Laws)?").  Each problem's single-sample success probability is p_i ~ Beta(alpha, beta), and
  its c_i passes of n_i samples are Binomial(n_i, p_i); (alpha, beta) maximise the Beta-Binomial
  likelihood of the per-problem counts.  A problem's k fresh samples all fail with probability
  E[(1-p)^k] = B(a, b+k)/B(a, b) under its posterior Beta(a, b) = Beta(alpha + c_i,
  beta + n_i - c_i): a problem already solved stays near 1, an unsolved one gets the
  population's tail, and the mean over problems is pass@k.  For large k the miss rate falls as
  k^-alpha: the aggregate power law comes out of the spread of difficulty.
* Exponentiated power law (Brown et al. 2024, "Large Language Monkeys", arXiv 2407.21787):
  coverage c(k) = exp(a·k^b) with a, b < 0, fitted to aggregate pass@k points.

Both fits weigh a point by the relative error of its miss rate (log(1-c) for the Beta curve,
log(-log c) ~ log(1-c) as c -> 1 for the power law), not its absolute error: extrapolation
continues the tail, where the miss rate is small and its decay is what the fit must pin down;
in absolute units the low-k points, far from the tail, would dominate.

Intervals: with per-problem counts, the bootstrap over problems (metrics.bootstrap) refits both
laws on every resample.  Aggregate points alone (a published table) carry no sampling
information: their errors are neither independent nor known (the points share one set of
problems and samples), so a residual-based interval would be a guess dressed as an interval.
Those predictions carry none (low = high = NaN); docs/extrapolation.md measures instead how far
such predictions land from the paper's own larger-k points.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import least_squares, minimize
from scipy.special import betaln, digamma

from .bootstrap import LEVEL, percentile_band, resample_counts, resampled_means
from .pass_at_k import _check_counts, pass_at_k_curve

COLUMNS = ["method", "k", "predicted", "low", "high", "extrapolated"]
BETA_BINOMIAL, POWER_LAW, BETA_CURVE = "beta-binomial", "power-law", "beta-curve"

# alpha, beta are searched in [e^-12, e^12]: where the likelihood keeps rising towards a limit
# (every problem equally hard: alpha, beta -> inf; nothing ever solved: alpha -> 0) the fit
# stops at the bound, whose predictions are those of the limit to within the bound.
_LOG_BOUND = 12.0


@dataclass(frozen=True)
class BetaFit:
    """Per-problem success probabilities p ~ Beta(alpha, beta)."""
    alpha: float
    beta: float


@dataclass(frozen=True)
class PowerLawFit:
    """Coverage c(k) = exp(a·k^b)."""
    a: float
    b: float


def _counts(n, c) -> tuple[np.ndarray, np.ndarray]:
    n, c = np.broadcast_arrays(np.atleast_1d(np.asarray(n, dtype=np.int64)),
                               np.atleast_1d(np.asarray(c, dtype=np.int64)))
    if n.size == 0:
        raise ValueError("no problems: the fit needs per-problem counts n, c")
    _check_counts(n, c)
    return n, c


def _weights(weights, size: int) -> np.ndarray:
    w = np.ones(size) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (size,) or np.any(w < 0) or w.sum() <= 0:
        raise ValueError("weights need one non-negative value per problem and a positive sum")
    return w


def _ks(ks) -> np.ndarray:
    ks = np.atleast_1d(np.asarray(ks, dtype=np.float64))
    if ks.size == 0 or np.any(ks < 1) or np.any(ks != np.round(ks)):
        raise ValueError(f"k must be whole numbers >= 1, got {ks.tolist()}")
    return ks


def _coverage(coverage) -> np.ndarray:
    coverage = np.asarray(coverage, dtype=np.float64)
    if np.any((coverage <= 0) | (coverage >= 1)):
        raise ValueError("coverage must lie strictly between 0 and 1 (fractions, not percent): "
                         f"got {coverage.tolist()}")
    return coverage


def _log_miss(a, b, ks: np.ndarray) -> np.ndarray:
    """log E[(1-p)^k] for p ~ Beta(a, b): log B(a, b+k) - log B(a, b), [len(a), len(ks)]."""
    a, b = np.asarray(a, dtype=np.float64)[..., None], np.asarray(b, dtype=np.float64)[..., None]
    return betaln(a, b + ks) - betaln(a, b)


def _fit_pairs(n: np.ndarray, c: np.ndarray, w: np.ndarray) -> BetaFit:
    """Weighted Beta-Binomial maximum likelihood over (log alpha, log beta), with its gradient."""
    def negative(theta):
        alpha, beta = np.exp(theta)
        loglik = w @ (betaln(c + alpha, n - c + beta) - betaln(alpha, beta))
        common = digamma(alpha + beta) - digamma(n + alpha + beta)
        d_alpha = w @ (digamma(c + alpha) - digamma(alpha) + common)
        d_beta = w @ (digamma(n - c + beta) - digamma(beta) + common)
        return -loglik, -np.array([d_alpha * alpha, d_beta * beta])

    # TNC, not L-BFGS-B: the same optimum on these fits, but scipy's L-BFGS-B calls into BLAS,
    # whose threads made this two-parameter fit ~15x slower on a machine busy with other work.
    # TNC may end on "linear search failed" once at the optimum to machine precision (checked on
    # bootstrap fits of real counts against a tight L-BFGS-B: parameters within 1e-6), so its
    # success flag is not a verdict on the fit.
    result = minimize(negative, np.zeros(2), jac=True, method="TNC", bounds=[(-_LOG_BOUND, _LOG_BOUND)] * 2)
    alpha, beta = np.exp(result.x)
    return BetaFit(float(alpha), float(beta))


def _pairs(n: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct (n, c) of the problems and each problem's index among them: the likelihood
    and the predictions depend on a problem only through its (n, c)."""
    unique, inverse = np.unique(np.stack([n, c], axis=1), axis=0, return_inverse=True)
    return unique[:, 0], unique[:, 1], inverse.ravel()


def _check_spread(n: np.ndarray) -> None:
    if n.max() < 2:
        raise ValueError("one sample per problem cannot tell a spread of difficulty from its mean: "
                         "the Beta-Binomial fit needs n >= 2 on some problem")


def fit_beta_binomial(n, c, weights=None) -> BetaFit:
    """Maximum-likelihood Beta(alpha, beta) of per-problem success probabilities from per-problem
    sample and pass counts (``weights``: how often each problem counts, e.g. a bootstrap draw)."""
    n, c = _counts(n, c)
    w = _weights(weights, n.size)
    _check_spread(n[w > 0])
    pair_n, pair_c, inverse = _pairs(n, c)
    return _fit_pairs(pair_n, pair_c, np.bincount(inverse, weights=w))


def beta_binomial_pass_at_k(fit: BetaFit, n, c, ks, weights=None) -> np.ndarray:
    """pass@k predicted for each k of ``ks``: the (weighted) mean over problems of
    1 - B(alpha + c, beta + n - c + k) / B(alpha + c, beta + n - c), each problem's posterior
    chance that k fresh samples hold a pass.  Exact in betaln; stable for k up to 10^4 and beyond."""
    n, c = _counts(n, c)
    w = _weights(weights, n.size)
    per_problem = -np.expm1(_log_miss(fit.alpha + c, fit.beta + n - c, _ks(ks)))
    return w @ per_problem / w.sum()


def beta_pass_at_k(fit: BetaFit, ks) -> np.ndarray:
    """pass@k of the population itself, 1 - B(alpha, beta + k)/B(alpha, beta): a problem drawn
    afresh, nothing known of it (the Beta curve fitted to aggregate points)."""
    return -np.expm1(_log_miss(fit.alpha, fit.beta, _ks(ks)))


def fit_beta_curve(ks, coverage) -> BetaFit:
    """Beta(alpha, beta) whose population pass@k (beta_pass_at_k) best fits aggregate coverage
    points, by least squares of log miss rates (module docstring: why)."""
    ks, coverage = _ks(ks), _coverage(coverage)
    if ks.shape != coverage.shape or np.unique(ks).size < 2:
        raise ValueError("the Beta curve needs coverage at >= 2 distinct k, one value per k")
    target = np.log1p(-coverage)
    result = least_squares(lambda theta: _log_miss(*np.exp(theta), ks) - target, np.zeros(2),
                           bounds=(-_LOG_BOUND, _LOG_BOUND))
    alpha, beta = np.exp(result.x)
    return BetaFit(float(alpha), float(beta))


def fit_power_law(ks, coverage) -> PowerLawFit:
    """c(k) = exp(a·k^b) through aggregate coverage points: least squares of log(-log c) on log k,
    where the law is the line log(-a) + b·log k (module docstring: why this scale)."""
    ks, coverage = _ks(ks), _coverage(coverage)
    if ks.shape != coverage.shape or np.unique(ks).size < 2:
        raise ValueError("the power law needs coverage at >= 2 distinct k, one value per k")
    slope, intercept = np.polyfit(np.log(ks), np.log(-np.log(coverage)), 1)
    return PowerLawFit(a=float(-np.exp(intercept)), b=float(slope))


def power_law_pass_at_k(fit: PowerLawFit, ks) -> np.ndarray:
    """exp(a·k^b) at each k of ``ks``."""
    return np.exp(fit.a * _ks(ks) ** fit.b)


def fit_ks(n: int) -> np.ndarray:
    """The k at which a curve measured up to k = n is fitted: about four per doubling, 1..n, so a
    fit on a log-k axis is not dominated by the many k near n."""
    steps = int(np.floor(4 * np.log2(n))) + 1
    return np.unique(np.round(np.geomspace(1, n, steps)).astype(np.int64))


def _laws(n, c, ks) -> dict:
    """method -> its pass@k at ``ks`` as a function of problem weights (a bootstrap draw; all ones
    for the problems as they are), refitting the law on every call, for one model's counts."""
    n, c = _counts(n, c)
    _check_spread(n)
    ks = _ks(ks)
    pair_n, pair_c, inverse = _pairs(n, c)
    curve_ks = fit_ks(int(n.min()))
    per_problem = pass_at_k_curve(n, c, int(curve_ks[-1]))[:, curve_ks - 1]

    def beta_binomial(weights):
        pair_w = np.bincount(inverse, weights=weights, minlength=pair_n.size)
        return beta_binomial_pass_at_k(_fit_pairs(pair_n, pair_c, pair_w), pair_n, pair_c, ks, pair_w)

    def power_law(weights):
        curve = resampled_means(per_problem, weights[None, :])[0]
        # Once every (drawn) problem has a pass, pass@k is 1: a miss rate of 0 that the law,
        # which only approaches 1, cannot pass through.  The points below 1 are fitted.
        below = curve < 1.0
        return power_law_pass_at_k(fit_power_law(curve_ks[below], curve[below]), ks)

    return {BETA_BINOMIAL: beta_binomial, POWER_LAW: power_law}


def predict(n, c, ks) -> dict[str, np.ndarray]:
    """method -> pass@k at ``ks`` of both laws fitted to per-problem counts, without intervals
    (the point values of :func:`extrapolate`)."""
    problems = np.atleast_1d(np.asarray(n)).size
    return {method: law(np.ones(problems)) for method, law in _laws(n, c, ks).items()}


def extrapolate(counts: pd.DataFrame, ks, resamples: int, seed: int, level: float = LEVEL) -> pd.DataFrame:
    """Both laws' pass@k at ``ks`` from per-problem counts, with bootstrap intervals.

    ``counts``: columns n, c per problem (metrics.curves.task_counts), and optionally ``model``
    (one fit per model; each model's problems are resampled from ``seed`` alike, as in
    metrics.bootstrap).  The power law is fitted to the unbiased pass@k at fit_ks(min n), those
    below 1.
    Returns a tidy table, [model,] method, k, predicted, low, high, extrapolated (True on every
    row: these are model values, to be kept apart from measured points).
    """
    groups = counts.groupby("model", sort=False) if "model" in counts.columns else [(None, counts)]
    ks = _ks(ks)
    frames = []
    for model, group in groups:
        draws = resample_counts(len(group), resamples, seed)
        for method, law in _laws(group["n"], group["c"], ks).items():
            low, high = percentile_band(np.array([law(row) for row in draws]), level)
            frame = pd.DataFrame({"method": method, "k": ks.astype(np.int64), "predicted": law(np.ones(len(group))),
                                  "low": low, "high": high, "extrapolated": True})
            frames.append(frame if model is None else frame.assign(model=model)[["model"] + COLUMNS])
    return pd.concat(frames, ignore_index=True)


def extrapolate_points(ks, coverage, ks_out) -> pd.DataFrame:
    """Both laws' pass@k at ``ks_out`` from aggregate coverage points alone (e.g. a published
    table): the power law, and the Beta curve fitted to the points.  No interval (module
    docstring: why), so low and high are NaN.  Columns: COLUMNS."""
    ks_out = _ks(ks_out)
    predictions = {POWER_LAW: power_law_pass_at_k(fit_power_law(ks, coverage), ks_out),
                   BETA_CURVE: beta_pass_at_k(fit_beta_curve(ks, coverage), ks_out)}
    return pd.concat([pd.DataFrame({"method": method, "k": ks_out.astype(np.int64), "predicted": predicted,
                                    "low": np.nan, "high": np.nan, "extrapolated": True})
                      for method, predicted in predictions.items()], ignore_index=True)


def extrapolation_ks(n: int, factor: float) -> np.ndarray:
    """k = n/2 (the last measured) and the powers of two beyond it up to factor x n/2."""
    start = max(1, n // 2)
    stop = max(start, int(factor * start))
    powers = 2 ** np.arange(int(np.ceil(np.log2(start + 1))), int(np.floor(np.log2(stop))) + 1)
    return np.unique(np.concatenate([[start], powers, [stop]])).astype(np.int64)


def write_extrapolation(counts_path: str, out: str, *, factor: float, resamples: int, seed: int) -> pd.DataFrame:
    """results/<benchmark>/<model>/extrapolated.csv from the run's task_counts.csv (sampled rows)."""
    from ..io import write_csv

    counts = pd.read_csv(counts_path)
    counts = counts[counts["decoding"] == "sampled"].sort_values("task_id", kind="stable")
    ks = extrapolation_ks(int(counts["n"].min()), factor)
    try:
        frame = extrapolate(counts[["n", "c"]], ks, resamples, seed).assign(note="")
    except ValueError as error:     # nothing solved, one sample per problem: no law to fit
        frame = pd.DataFrame([{"method": method, "k": k, "predicted": np.nan, "low": np.nan, "high": np.nan,
                               "extrapolated": True, "note": f"not fitted: {error}"}
                              for method in (BETA_BINOMIAL, POWER_LAW) for k in ks])
    write_csv(frame, out)
    return frame
