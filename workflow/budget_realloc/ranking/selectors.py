"""Picking one of a problem's samples without its unit tests, and scoring the pick.

A selector gives every sample of a *pool* a key, higher is better; the pick is the best key,
ties going to the lowest sample index (indices are exchangeable draws, so this is one fixed
random tie-break).  Samples that did not finish, or that the selector cannot score, are
never picked: they go last and count as failing, as in ``scores``.

``rank_score`` turns picks into a number by ordering all n samples once and reading Eq. 4 off
the order: exact when a sample's key does not depend on the other samples (NLL, a verifier, the
oracle).  For selectors whose keys depend on the pool, see ranking.subsets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Mapping, Sequence

import numpy as np

from ..metrics import rank_score_curve
from .generated_tests import ProblemTests

CODET_FORMS = ("sqrt", "product")
# what becomes of a generation that did not finish (config ranking.unfinished; ranking.rankings)
UNFINISHED = ("discard", "last")
# how a self-test cascade judges its pick (config selection.confidence; ranking.cascade)
CONFIDENCES = ("tests_passed", "agreement")


@dataclass(frozen=True, eq=False)
class Evidence:
    """What is known of one problem's n samples.

    ``test_passed`` [n, T]: sample i passes generated test j (hung, crashed or unparsed: False);
    ``outputs`` [n, I]: each sample's output signature on each call input (an exception is one
    too).  Both are aligned with ``tests`` (``ProblemTests.tests`` and ``.inputs``); without
    ``tests`` every column counts once and all are always in hand.  ``scores``: per-sample
    numbers such as ``nll`` (lower is better) and ``log_p_correct``.  ``passed`` holds the
    benchmark verdicts: only the oracle may look at them.
    """

    passed: np.ndarray
    finished: np.ndarray
    scores: Mapping[str, np.ndarray] = field(default_factory=dict)
    test_passed: np.ndarray | None = None
    outputs: np.ndarray | None = None
    tests: ProblemTests | None = None

    def __post_init__(self):
        set_ = lambda name, value: object.__setattr__(self, name, value)   # noqa: E731 (frozen)
        set_("passed", np.asarray(self.passed, dtype=bool))
        set_("finished", np.asarray(self.finished, dtype=bool))
        n = self.passed.shape[0]
        if self.passed.ndim != 1 or self.finished.shape != (n,):
            raise ValueError(f"passed and finished must be [n] alike, got {self.passed.shape} "
                             f"and {self.finished.shape}")
        set_("scores", {name: np.asarray(v, dtype=float) for name, v in self.scores.items()})
        for name, values in self.scores.items():
            if values.shape != (n,):
                raise ValueError(f"score {name!r} has shape {values.shape}, expected ({n},)")
        for name, dtype in (("test_passed", bool), ("outputs", object)):
            if getattr(self, name) is not None:
                set_(name, np.asarray(getattr(self, name), dtype=dtype))
                if getattr(self, name).ndim != 2 or getattr(self, name).shape[0] != n:
                    raise ValueError(f"{name} must be [n = {n}, columns], got shape {getattr(self, name).shape}")
        if self.tests is not None:
            for name, columns, width in (("test_passed", self.test_passed, len(self.tests.tests)),
                                         ("outputs", self.outputs, len(self.tests.inputs))):
                if columns is not None and columns.shape[1] != width:
                    raise ValueError(f"{name} has {columns.shape[1]} columns but the problem has {width}")

    @property
    def n(self) -> int:
        return self.passed.shape[0]

    @property
    def n_blocks(self) -> int:
        """Generated test blocks that can be drawn; 0 when the tests are not in blocks."""
        return len(self.tests.blocks) if self.tests is not None else 0

    @cached_property
    def _block_counts(self) -> np.ndarray:
        """[B, T]: how often each block generated each test."""
        counts = np.zeros((self.n_blocks, len(self.tests.tests)), dtype=np.int64)
        for b, block in enumerate(self.tests.blocks):
            np.add.at(counts[b], list(block.tests), 1)
        return counts

    @cached_property
    def output_codes(self) -> np.ndarray:
        """[n, I]: outputs as integers, equal where the signatures are equal."""
        codes = np.empty(self.outputs.shape, dtype=np.int32)
        for column in range(self.outputs.shape[1]):
            codes[:, column] = np.unique(self.outputs[:, column].astype(str), return_inverse=True)[1].ravel()
        return codes

    @cached_property
    def _input_uses(self) -> np.ndarray:
        """[T, I]: the call inputs each test makes."""
        uses = np.zeros((len(self.tests.tests), len(self.tests.inputs)))
        for test, inputs in enumerate(self.tests.test_inputs):
            uses[test, list(inputs)] = 1
        return uses

    def require(self, name: str, user: str) -> np.ndarray:
        """The array ``name`` (test_passed, outputs, or a score), or a clear error for ``user``."""
        values = self.scores.get(name) if name not in ("test_passed", "outputs") else getattr(self, name)
        if values is None:
            raise ValueError(f"{user} needs {name!r}, which this problem's evidence lacks")
        return values

    def test_weights(self, blocks: np.ndarray | None) -> np.ndarray:
        """[D, T] (or [1, T] for all blocks): how often each test was generated by the blocks in hand."""
        if self.tests is None:
            return np.ones((1, self.require("test_passed", "test weights").shape[1]), dtype=np.int64)
        if blocks is None:
            return self._block_counts.sum(axis=0, keepdims=True)
        chosen = np.zeros((blocks.shape[0], self.n_blocks))
        np.add.at(chosen, (np.arange(blocks.shape[0])[:, None], blocks), 1)
        return np.rint(chosen @ self._block_counts).astype(np.int64)     # float: BLAS, exact here

    def unusable(self, blocks: np.ndarray | None) -> np.ndarray:
        """[D] (or [1]): asserts in the blocks in hand that could not be tests."""
        if self.tests is None:
            return np.zeros(1, dtype=np.int64)
        per_block = np.array([block.unusable for block in self.tests.blocks], dtype=np.int64)
        return per_block.sum(keepdims=True) if blocks is None else per_block[blocks].sum(axis=1)

    def inputs_in_hand(self, blocks: np.ndarray | None) -> np.ndarray:
        """[D, I] (or [1, I]): call inputs taken from the tests of the blocks in hand."""
        if self.tests is None:
            return np.ones((1, self.require("outputs", "call inputs").shape[1]), dtype=bool)
        return (self.test_weights(blocks) > 0).astype(float) @ self._input_uses > 0


Key = Callable[[Evidence, np.ndarray, "np.ndarray | None"], np.ndarray]


@dataclass(frozen=True)
class Selector:
    """``key(evidence, samples [D, k], blocks [D, b] or None = all)`` → [D, k], higher is
    better, NaN where the sample cannot be ranked.  ``uses_tests``: it reads generated tests,
    so a k-sample budget also draws k test blocks."""

    name: str
    key: Key
    uses_tests: bool = False


def _group_sizes(signatures: np.ndarray, member: np.ndarray) -> np.ndarray:
    """[D, k]: how many members of the same pool share this sample's signature row (0 for
    non-members).  ``signatures`` [D, k, L]; each row's bytes, led by its pool, are one key."""
    pools, k = member.shape
    rows = np.concatenate([np.repeat(np.arange(pools, dtype=np.int64), k).view(np.uint8).reshape(-1, 8),
                           member.reshape(-1, 1).view(np.uint8),
                           np.ascontiguousarray(signatures).reshape(pools * k, -1).view(np.uint8)], axis=1)
    keys = rows.view(np.dtype((np.void, rows.shape[1]))).ravel()
    inverse = np.unique(keys, return_inverse=True)[1].ravel()
    counts = np.bincount(inverse, weights=member.ravel())
    return counts[inverse].reshape(pools, k) * member


def _pool_values(matrix: np.ndarray, samples: np.ndarray) -> np.ndarray:
    """[D, k] from ``matrix`` [n, D'] (D' = D, or 1 for one shared column): matrix[sample, pool]."""
    pools = np.arange(samples.shape[0]) if matrix.shape[1] > 1 else np.zeros(samples.shape[0], dtype=int)
    return matrix[samples, pools[:, None]]


def passes_in_hand(evidence: Evidence, samples: np.ndarray, blocks: np.ndarray | None):
    """The generated tests a pool can use: test weights [D, T] (or [1, T]), the tests each
    sample passes weighted by them [D, k], and which tests each finished sample passes [D, k, T]."""
    test_passed = evidence.require("test_passed", "generated tests")
    weights = evidence.test_weights(blocks)
    passed_weight = _pool_values(np.rint(test_passed.astype(float) @ weights.T).astype(np.int64), samples)
    in_hand = test_passed[samples] & (weights > 0)[:, None, :] & evidence.finished[samples][..., None]
    return weights, passed_weight, in_hand


def codet(form: str = "sqrt") -> Selector:
    """CodeT (Chen et al., 2023): consensus sets are samples passing exactly the same tests; a
    sample scores (tests its set passes, counted as often as generated) × g(set size), with
    g = sqrt in CodeT's released code (``agreement.py``) and g = identity in the paper's
    f(S) = |S_x|·|S_y|.  Keys are squared for ``sqrt`` so equal scores compare exactly."""
    if form not in CODET_FORMS:
        raise ValueError(f"CodeT form must be one of {CODET_FORMS}, got {form!r}")

    def key(evidence, samples, blocks):
        _, tests_passed, in_hand = passes_in_hand(evidence, samples, blocks)
        size = _group_sizes(np.packbits(in_hand, axis=-1), evidence.finished[samples])
        return (tests_passed ** 2 * size if form == "sqrt" else tests_passed * size).astype(float)

    return Selector(f"codet-{form}" if form != "sqrt" else "codet", key, uses_tests=True)


def _mbr_exec_key(evidence, samples, blocks):
    """MBR-exec / AlphaCode clustering: samples with equal outputs on every input in hand form
    a cluster; a sample's key is its cluster's size."""
    evidence.require("outputs", "mbr-exec")
    used = evidence.inputs_in_hand(blocks)
    signatures = np.where(used[:, None, :], evidence.output_codes[samples], np.int32(-1))
    return _group_sizes(signatures, evidence.finished[samples]).astype(float)


def random_selector(rng: np.random.Generator) -> Selector:
    return Selector("random", lambda evidence, samples, blocks: rng.random(samples.shape))


def nll(column: str = "nll") -> Selector:
    """The paper's ranker (Section 5.2): lowest mean NLL first."""
    return Selector(column, lambda evidence, samples, blocks: -evidence.require(column, column)[samples])


def nll_verifier(nll_weight: float = 1.0) -> Selector:
    """LEVER-style, as ``report``: P_LM(y|x)·P_verifier(correct|x, y) in logs, lower is better."""
    return Selector("nll+verifier", lambda evidence, samples, blocks: (
        evidence.require("log_p_correct", "nll+verifier")[samples]
        - nll_weight * evidence.require("nll", "nll+verifier")[samples]))


ORACLE = Selector("oracle", lambda evidence, samples, blocks: evidence.passed[samples].astype(float))
MBR_EXEC = Selector("mbr-exec", _mbr_exec_key, uses_tests=True)

SELECTORS: dict[str, Callable[..., Selector]] = {
    "oracle": lambda: ORACLE,
    "random": random_selector,
    "nll": nll,
    "nll+verifier": nll_verifier,
    "codet": codet,
    "mbr-exec": lambda: MBR_EXEC,
}
# those a selection study without the benchmark's tests runs (config selection.selectors): they
# need no verdicts and no scoring model
TEST_FREE = ("random", "codet", "mbr-exec")


def selector(name: str, **options) -> Selector:
    """A selector by name; ``random`` needs ``rng``, the others take their factory's options."""
    if name not in SELECTORS:
        raise ValueError(f"unknown selector {name!r}; known: {', '.join(SELECTORS)}")
    return SELECTORS[name](**options)


def pool_keys(chosen: Selector, evidence: Evidence, samples: np.ndarray, blocks: np.ndarray | None):
    """Keys [D, k] and which samples may be picked [D, k]."""
    keys = np.asarray(chosen.key(evidence, samples, blocks), dtype=float)
    return keys, evidence.finished[samples] & ~np.isnan(keys)


def ranking(chosen: Selector, evidence: Evidence) -> tuple[np.ndarray, np.ndarray]:
    """All n samples, best first: by key, ties by index, then the unpickable ones by index;
    and which of them, in that order, may be picked."""
    everyone = np.arange(evidence.n)
    keys, pickable = pool_keys(chosen, evidence, everyone[None, :], None)
    keys, pickable = keys[0], pickable[0]
    ranked = np.lexsort((everyone, -np.where(pickable, keys, 0), ~pickable))
    return ranked, pickable[ranked]


def order(chosen: Selector, evidence: Evidence) -> np.ndarray:
    """The selector's order over one problem's samples, best first (indices)."""
    return ranking(chosen, evidence)[0]


def rank_score(chosen: Selector, evidences: Sequence[Evidence], k_max: int | None = None) -> np.ndarray:
    """Mean over problems of rank-score@k (Eq. 4) of each problem's ``order``, k = 1..k_max;
    unpickable samples count as failing.  Every problem needs the same n."""
    sizes = {evidence.n for evidence in evidences}
    if len(sizes) != 1:
        raise ValueError(f"every problem needs the same number of samples; got {sorted(sizes)}")
    rows = []
    for evidence in evidences:
        ranked, pickable = ranking(chosen, evidence)
        rows.append(evidence.passed[ranked] & pickable)
    return rank_score_curve(np.stack(rows), k_max).mean(axis=0)


def top_pick_accuracy(chosen: Selector, evidences: Sequence[Evidence]) -> float:
    """Mean over problems of the chance that the pick passes when ties for the best key are
    broken at random — the pass@1 that CodeT reports (``evaluation.py``: a tied top group
    counts its passing share; a problem with no pickable sample counts its pass rate)."""
    rates = []
    for evidence in evidences:
        everyone = np.arange(evidence.n)
        keys, pickable = pool_keys(chosen, evidence, everyone[None, :], None)
        keys, pickable = keys[0], pickable[0]
        if not pickable.any():
            rates.append(evidence.passed.mean())
            continue
        top = pickable & (keys == keys[pickable].max())
        rates.append(evidence.passed[top].mean())
    return float(np.mean(rates))
