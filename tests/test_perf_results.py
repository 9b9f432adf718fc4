"""Every number README.md and docs/ cite from a perf result file is in that file.

The convention: a cited number is the text of a markdown link to its result file,
``[11.1x](perf/results/executor_throughput.json "ratio")`` (from docs/: ``../perf/results/...``).
The link's title, when given, names the key of each number of the text in order (dotted, into
nested objects); without one, each number must be somewhere in the file.  A number matches a
value when the value, rounded to the digits shown, is that number.  Any other mention of a file
under perf/results/ must name a file that exists.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest

from conftest import REPO
from perf import suite

DOCS = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
CITATION = re.compile(r"\[([^\]]+)\]\(((?:\.\./)*perf/results/[\w.-]+\.json)(?: \"([^\"]*)\")?\)")
NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?(?:e[-+]?\d+)?")
MENTION = re.compile(r"perf/results/[\w.-]+")


def numbers_in(value) -> list[float]:
    """Every number of a JSON value, those written inside its strings included."""
    if isinstance(value, bool):
        return []
    if isinstance(value, (int, float)):
        return [float(value)]
    if isinstance(value, str):
        return [float(n.replace(",", "")) for n in NUMBER.findall(value)]
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
    return [n for item in items for n in numbers_in(item)]


def lookup(record, key: str):
    for part in key.split("."):
        record = record[int(part)] if isinstance(record, list) else record[part]
    return record


def shows(cited: str, value: float) -> bool:
    """Is ``cited`` (as written: 16,400, 11.1, 2.2e-16) ``value`` rounded to the digits shown?"""
    plain = cited.replace(",", "")
    if "e" in plain:
        mantissa = plain.split("e")[0]
        digits = len(mantissa.split(".")[1]) if "." in mantissa else 0
        return f"{value:.{digits}e}" == f"{float(plain):.{digits}e}"
    digits = len(plain.split(".")[1]) if "." in plain else 0
    return f"{value:.{digits}f}" == plain


def problems_of(doc: Path) -> list[str]:
    """What is wrong with the citations of one markdown file, one line each."""
    text, wrong = doc.read_text(), []
    for match in CITATION.finditer(text):
        shown, target, keys = match.groups()
        where = f"{doc.name}: [{shown}]({target})"
        path = (doc.parent / target).resolve()
        if not path.exists():
            wrong.append(f"{where}: no such file")
            continue
        record = json.loads(path.read_text())
        cited = NUMBER.findall(shown)
        if not cited:
            wrong.append(f"{where}: the link's text holds no number")
        if keys:
            names = keys.split()
            if len(names) != len(cited):
                wrong.append(f"{where}: {len(cited)} numbers but {len(names)} keys")
                continue
            for number, key in zip(cited, names):
                try:
                    value = lookup(record, key)
                except (KeyError, IndexError, ValueError, TypeError):
                    wrong.append(f"{where}: no key {key}")
                    continue
                if not any(shows(number, v) for v in numbers_in(value)):
                    wrong.append(f"{where}: {number} is not {key} = {value}")
        else:
            values = numbers_in(record)
            wrong += [f"{where}: {number} is nowhere in the file" for number in cited
                      if not any(shows(number, v) for v in values)]
    for mention in MENTION.findall(text):
        if not (REPO / mention.rstrip(".")).exists():
            wrong.append(f"{doc.name}: {mention} does not exist")
    return wrong


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(REPO)))
def test_every_cited_number_is_in_its_result_file(doc):
    assert problems_of(doc) == []


def test_the_docs_cite_result_files():
    assert sum(len(CITATION.findall(doc.read_text())) for doc in DOCS) >= 10


def test_every_result_file_is_a_benchmark_run_with_its_provenance():
    names = suite.benchmarks()
    files = sorted(suite.RESULTS.glob("*.json"))
    assert files
    for path in files:
        record = json.loads(path.read_text())
        assert path.stem in names and record["benchmark"] == path.stem
        for key, kind in suite.REQUIRED.items():
            assert isinstance(record[key], kind), (path.name, key)
        assert re.fullmatch(r"[0-9a-f]{40}", record["commit"]) and isinstance(record["quick"], bool)
        assert record["machine"]["cores"] >= 1 and record["measured_at"]


def test_a_wrong_number_a_wrong_key_and_a_missing_file_are_caught(tmp_path, monkeypatch):
    results = tmp_path / "perf" / "results"
    results.mkdir(parents=True)
    (results / "x.json").write_text(json.dumps({"ratio": 11.13, "detail": {"n": 16400, "pass": "pass@1 22.17"}}))
    docs = tmp_path / "docs"
    docs.mkdir()
    monkeypatch.setattr(sys.modules[__name__], "REPO", tmp_path)

    def check(line: str) -> list[str]:
        (docs / "page.md").write_text(line + "\n")
        return problems_of(docs / "page.md")

    assert check('[11.1x](../perf/results/x.json "ratio") and [16,400 samples](../perf/results/x.json)') == []
    assert check('[22.17](../perf/results/x.json "detail.pass"), [2.2e-16](../perf/results/x.json)') != []
    assert check('[22.17](../perf/results/x.json "detail.pass")') == []
    assert check('[11.2x](../perf/results/x.json "ratio")') != []
    assert check('[16400](../perf/results/x.json "ratio")') != []
    assert check('[11.1x](../perf/results/x.json "speedup")') != []
    assert check('[11.1x](../perf/results/y.json)') != []
    assert check('see perf/results/gone.csv') != []


def test_a_run_writes_its_result_file_with_the_machine_and_commit(tmp_path, monkeypatch):
    monkeypatch.setattr(suite, "RESULTS", tmp_path)
    record = suite.run("bootstrap_speed", quick=True)
    written = json.loads((tmp_path / "bootstrap_speed.json").read_text())
    assert written == record and written["quick"] is True and written["benchmark"] == "bootstrap_speed"
    assert written["ratio"] == pytest.approx(written["baseline"] / written["ours"])
    assert written["commit"] == suite._git("rev-parse", "HEAD") and written["machine"]["cores"] >= 1


def test_the_suite_lists_every_module_with_a_measure_entry():
    names = suite.benchmarks()
    assert {"executor_throughput", "sandbox_cost", "pass_at_k_speed", "generation_throughput"} <= set(names)
    assert not {"suite", "tiny_bench", "released_samples", "human_eval_baseline"} & set(names)
    assert all(names.values())
