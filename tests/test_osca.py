"""OSCA's released counts (policies.osca): the reader, the search against brute force, the
scoring against upstream's own estimator written out, and the table."""

from __future__ import annotations

import itertools
import json
from fractions import Fraction
from math import comb

import numpy as np
import pytest

from budget_realloc.errors import InputError
from budget_realloc.policies.osca import choose_allocation, read_osca, setting_curves, write_policies_osca
from conftest import shared


@pytest.fixture(scope="module")
def counts():
    return read_osca(shared("generations/osca_bigcodebench/bcb_results.json"))


def chen(n: int, c: int, k: int) -> float:
    """Chen et al.'s numerically stable pass@k, as upstream scores the test split."""
    return 1.0 if n - c < k else 1.0 - float(np.prod(1.0 - k / np.arange(n - c + 1, n + 1)))


def test_reader(counts, tmp_path):
    assert counts.settings[0] == "Qwen_0.2" and counts.settings[9] == "Llama_1.4"
    assert counts.train.shape == (10, 70) and counts.test.shape == (10, 78) and set(counts.runs) == {300}
    assert not set(counts.train_ids) & set(counts.test_ids)
    broken = json.loads(shared("generations/osca_bigcodebench/bcb_results.json").read_text())
    del broken["test"]["3"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(broken))
    with pytest.raises(InputError, match=r"test\[3\]"):
        read_osca(path)


def test_allocation_is_the_brute_force_optimum_on_train(counts):
    """Every multiset of k settings, scored with exact binomials: the chosen allocation's train
    estimate is the largest; and the exchange search alone finds it at every k <= 10."""
    train = setting_curves(counts.runs, counts.train)
    n = 300

    def exact(allocation) -> Fraction:
        total = Fraction(0)
        for p in range(counts.train.shape[1]):
            fail = Fraction(1)
            for s, k in enumerate(allocation):
                if k:
                    fail *= Fraction(comb(n - int(counts.train[s, p]), k), comb(n, k))
            total += 1 - fail
        return total / counts.train.shape[1]

    for k in (1, 2, 3):
        every = [np.bincount(ids, minlength=10) for ids in itertools.combinations_with_replacement(range(10), k)]
        best = max(exact(a) for a in every)
        assert exact(choose_allocation(train, k)) == best
    for k in range(1, 11):
        searched, exhaustive = choose_allocation(train, k, exhaustive_limit=0), choose_allocation(train, k)
        assert float(exact(searched)) == pytest.approx(float(exact(exhaustive)), abs=1e-15)


def test_table_scores_the_test_split_as_upstream_does(counts, tmp_path):
    out = tmp_path / "policies-osca.csv"
    table = write_policies_osca(str(shared("generations/osca_bigcodebench/bcb_results.json")), str(out),
                                resamples=200)
    assert table["k"].tolist() == [1, 2, 4, 8, 16, 32, 64, 128]
    assert list(table.columns[:4]) == ["k", "heldout", "best_single", "allocation"] and out.exists()
    index = {name: i for i, name in enumerate(counts.settings)}
    for row in table.itertuples():
        allocation = {index[pair.split(":")[0]]: int(pair.split(":")[1]) for pair in row.allocation.split()}
        assert sum(allocation.values()) == row.k
        upstream = np.mean([1 - np.prod([1 - chen(300, int(counts.test[s, p]), k) for s, k in allocation.items()])
                            for p in range(counts.test.shape[1])])
        assert row.heldout == pytest.approx(100 * upstream, abs=1e-9)
        single = index[row.best_single_setting]
        on_train = [np.mean([chen(300, int(c), row.k) for c in counts.train[s]]) for s in range(10)]
        assert single == int(np.argmax(on_train))
        assert row.best_single == pytest.approx(100 * np.mean([chen(300, int(c), row.k) for c in counts.test[single]]))
    assert (table["heldout"] >= table["best_single"]).all()          # on this data; docs/policies.md

