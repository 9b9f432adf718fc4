"""One table, four files: CSV for programs, Markdown for reading, LaTeX (booktabs) for papers,
HTML for the Snakemake report."""

from __future__ import annotations

from html import escape

import pandas as pd

from ..io import write_csv, write_text

# Characters LaTeX would read as markup, or (< and > in text mode, with the default OT1 font
# encoding) print as other glyphs.
_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
                  "<": r"\textless{}", ">": r"\textgreater{}", "~": r"\textasciitilde{}",
                  "^": r"\textasciicircum{}", "\\": r"\textbackslash{}"}


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


def html(frame: pd.DataFrame, caption: str, group: str | None = None) -> str:
    """A standalone page with booktabs-like rules: the table as the report shows it."""
    columns = [c for c in frame.columns if c != group]
    lines = ["<!DOCTYPE html>", f'<html><head><meta charset="utf-8"><title>{escape(str(caption))}</title>',
             f"<style>{_HTML_STYLE}</style></head><body><table>", f"<caption>{escape(str(caption))}</caption>",
             "<thead><tr>" + "".join(f"<th>{escape(str(c))}</th>" for c in columns) + "</tr></thead><tbody>"]
    for key, rows in _groups(frame, group):
        if key is not None:
            lines.append(f'<tr class="group"><td colspan="{len(columns)}"><i>{escape(str(key))}</i></td></tr>')
        lines += ["<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>"
                  for row in rows[columns].itertuples(index=False)]
    lines.append("</tbody></table></body></html>")
    return "\n".join(lines) + "\n"


_HTML_STYLE = ("body{font-family:sans-serif;margin:1.5em} table{border-collapse:collapse;"
               "border-top:2px solid #000;border-bottom:2px solid #000} thead th{border-bottom:1px solid #000}"
               " th,td{padding:.25em .8em;text-align:right} th:first-child,td:first-child{text-align:left}"
               " caption{font-weight:bold;padding-bottom:.5em;text-align:left} tr.group td{padding-top:.6em}")


def _groups(frame: pd.DataFrame, group: str | None):
    if group is None:
        return [(None, frame)]
    return [(key, frame[frame[group] == key]) for key in pd.unique(frame[group])]


def write_table(frame: pd.DataFrame, csv: str, md: str, tex: str, html_path: str, caption: str,
                group: str | None = None) -> None:
    write_csv(frame, csv)
    write_text(markdown(frame, caption, group), md)
    write_text(latex(frame, caption, group), tex)
    write_text(html(frame, caption, group), html_path)
