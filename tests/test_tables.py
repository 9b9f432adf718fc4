"""Tables 2-4: pass@k at the paper's k, "--" where k > n/2, in CSV, Markdown, LaTeX and HTML."""

from __future__ import annotations

import math
from fractions import Fraction
from html.parser import HTMLParser

import pandas as pd
import pytest

from budget_realloc.metrics.curves import pass_at_k_table, task_counts
from budget_realloc.jobs.reports import PasskTable
from budget_realloc.reporting import write_passk_table

# per-problem (n, c) of two runs on one benchmark and one run on another
RUNS = {("MiniEval", "tiny-S"): [(8, 0), (8, 1), (8, 5), (8, 8)],
        ("MiniEval", "tiny-L"): [(2, 0), (2, 1), (2, 1), (2, 2)],
        ("MBPP_x", "tiny-S"): [(4, 3), (4, 0), (4, 1)]}
KS = [1, 2, 4, 8]


def exact_percent(counts, k) -> str:
    """Mean over problems of 1 - C(n-c, k)/C(n, k), in exact rationals, as the table prints it."""
    mean = sum(1 - Fraction(math.comb(n - c, k), math.comb(n, k)) for n, c in counts) / len(counts)
    return f"{float(100 * mean):.1f}"


def executions(counts) -> pd.DataFrame:
    return pd.DataFrame([{"task_id": f"T/{t}", "sample_id": s, "passed": s < c}
                         for t, (n, c) in enumerate(counts) for s in range(n)])


class Cells(HTMLParser):
    """Rows of <td>/<th> text in an HTML table."""

    def __init__(self):
        super().__init__()
        self.rows, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = ""

    def handle_data(self, data):
        if self._cell is not None:
            self._cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th"):
            self.rows[-1].append(self._cell)
            self._cell = None


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("tables")
    rows = []
    for (benchmark, model), counts in RUNS.items():
        path = tmp / f"{benchmark}-{model}.csv"
        pass_at_k_table(task_counts(executions(counts)), resamples=10, seed=0).to_csv(path, index=False)
        rows.append(((benchmark, model), str(path)))
    out = {ext: str(tmp / f"table2.{ext}") for ext in ("csv", "md", "tex", "html")}
    write_passk_table(PasskTable(rows=tuple(r for r, _ in rows), pass_at_k=tuple(p for _, p in rows), ks=tuple(KS),
                                 caption="Table 2: pass@k (%) on MiniEval & MBPP_x; -- where k > n/2.", **out))
    return {ext: open(path).read() for ext, path in out.items()}, tmp / "table2.csv"


def expected_cells(counts) -> list[str]:
    n = counts[0][0]
    return [exact_percent(counts, k) if k <= n // 2 else "--" for k in KS]


def test_csv_has_the_papers_k_and_dashes_beyond_n_over_2(written):
    _, csv = written
    table = pd.read_csv(csv, dtype=str)
    assert list(table.columns) == ["benchmark", "model", *map(str, KS)]
    for row, ((benchmark, model), counts) in zip(table.itertuples(index=False), RUNS.items()):
        assert (row[0], row[1]) == (benchmark, model)
        assert list(row[2:]) == expected_cells(counts)
    assert list(table.iloc[1, 2:]) == ["50.0", "--", "--", "--"]       # n = 2: only k = 1 is reported


def test_latex_is_booktabs_with_escaped_text(written):
    tex = written[0]["tex"]
    lines = tex.splitlines()
    assert r"\toprule" in lines and r"\bottomrule" in lines and r"\hline" not in tex
    assert lines.count(r"\midrule") == 2                                 # under the header, between groups
    assert r"\caption{Table 2: pass@k (\%) on MiniEval \& MBPP\_x; -- where k \textgreater{} n/2.}" in tex
    assert r"\multicolumn{5}{l}{\textit{MBPP\_x}} \\" in lines
    body = [line for line in lines if line.startswith("tiny-")]
    assert body[1] == r"tiny-L & 50.0 & -- & -- & -- \\"
    assert body[0] == " & ".join(["tiny-S", *expected_cells(RUNS[("MiniEval", "tiny-S")])]) + r" \\"


def test_markdown_and_html_show_the_same_cells(written):
    files, _ = written
    md_rows = [[c.strip() for c in line.strip("|").split("|")] for line in files["md"].splitlines()
               if line.startswith("| tiny-")]
    parser = Cells()
    parser.feed(files["html"])
    html_rows = [row for row in parser.rows if row and row[0].startswith("tiny-")]
    expected = [[model, *expected_cells(counts)] for (_, model), counts in RUNS.items()]
    assert md_rows == expected and html_rows == expected
    assert parser.rows[0] == ["model", *map(str, KS)]
    assert "<i>MBPP_x</i>" in files["html"] and "*MBPP_x*" in files["md"]
