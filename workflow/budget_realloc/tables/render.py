"""One table, three files: CSV for programs, Markdown for reading, LaTeX (booktabs) for papers."""

from __future__ import annotations

import pandas as pd

from ..io import write_csv, write_text

_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}"}


def _latex(text) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def markdown(frame: pd.DataFrame, caption: str, group: str | None = None) -> str:
    columns = [c for c in frame.columns if c != group]
    lines = [f"**{caption}**", "", "| " + " | ".join(map(str, columns)) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(columns) - 1)) + "|"]
    for key, rows in _groups(frame, group):
        if key is not None:
            lines.append(f"| *{key}* |" + " |" * (len(columns) - 1))
        lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows[columns].itertuples(index=False)]
    return "\n".join(lines) + "\n"


def latex(frame: pd.DataFrame, caption: str, group: str | None = None) -> str:
    columns = [c for c in frame.columns if c != group]
    lines = [r"\begin{table}[t]", r"\centering", rf"\caption{{{_latex(caption)}}}",
             r"\begin{tabular}{l" + "r" * (len(columns) - 1) + "}", r"\toprule",
             " & ".join(_latex(c) for c in columns) + r" \\", r"\midrule"]
    for index, (key, rows) in enumerate(_groups(frame, group)):
        if key is not None:
            if index:
                lines.append(r"\midrule")
            lines.append(rf"\multicolumn{{{len(columns)}}}{{l}}{{\textit{{{_latex(key)}}}}} \\")
        lines += [" & ".join(_latex(v) for v in row) + r" \\" for row in rows[columns].itertuples(index=False)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _groups(frame: pd.DataFrame, group: str | None):
    if group is None:
        return [(None, frame)]
    return [(key, frame[frame[group] == key]) for key in pd.unique(frame[group])]


def write_table(frame: pd.DataFrame, csv: str, md: str, tex: str, caption: str,
                group: str | None = None) -> None:
    write_csv(frame, csv)
    write_text(markdown(frame, caption, group), md)
    write_text(latex(frame, caption, group), tex)
