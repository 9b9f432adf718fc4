"""Tables 1-4 of the paper, each as CSV, Markdown and LaTeX."""

from __future__ import annotations

import pandas as pd

from ..costs import Costs, normalised
from ..metrics.curves import reported_k_max
from .render import write_table

__all__ = ["cost_table", "passk_table", "write_table"]

NOT_MEASURED = "not measured"
# where a time cost is this run's own (a profile measured here, or stated with its source)
OWN_TIMES = ("measured", "stated")   # of costs.SECONDS_KINDS


def cost_table(families: dict[str, list[str]], costs: dict[str, Costs], labels: dict[str, str]) -> pd.DataFrame:
    """Table 1: FLOPs and time per sample, raw and normalised to each family's smallest.

    The time columns show only a time of this run's own — measured here, or stated for
    generations made elsewhere — never the paper's stand-in; the last column says where each
    came from (or why there is none).
    """
    rows = []
    for family, models in families.items():
        flops = normalised({m: costs[m] for m in models}, "flops")
        own = {m: costs[m] for m in models if costs[m].seconds_kind in OWN_TIMES}
        times = normalised(own, "time") if own else {}
        for model in models:
            rows.append({
                "family": family, "model": labels[model],
                "FLOPs (T)": f"{costs[model].flops / 1e12:.4g}",
                "FLOPs (norm.)": f"{flops[model]:.2f}",
                "time per sample (s)": f"{costs[model].seconds:.3g}" if model in own else NOT_MEASURED,
                "time (norm.)": f"{times[model]:.2f}" if model in own else NOT_MEASURED,
                "time source": costs[model].seconds_source,
            })
    return pd.DataFrame(rows)


def passk_table(rows: list[tuple[str, str, pd.DataFrame]], ks: list[int]) -> pd.DataFrame:
    """Tables 2-4: pass@k (%) at the given k; "--" where k > n/2, as in the paper.

    ``rows``: (benchmark label, model label, pass_at_k table) in display order.
    """
    out = []
    for benchmark, model, table in rows:
        sampled = table[table["decoding"] == "sampled"].set_index("k")["pass_at_k"]
        k_max = reported_k_max(int(table.loc[table["decoding"] == "sampled", "n"].iloc[0]))
        record = {"benchmark": benchmark, "model": model}
        record.update({str(k): f"{100 * sampled[k]:.1f}" if k <= k_max else "--" for k in ks})
        out.append(record)
    return pd.DataFrame(out)
