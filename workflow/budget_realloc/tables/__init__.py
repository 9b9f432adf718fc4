"""Tables 1-4 of the paper, each as CSV, Markdown and LaTeX."""

from __future__ import annotations

import pandas as pd

from ..metrics import normalised_costs
from ..metrics.curves import reported_k_max
from .render import write_table

__all__ = ["cost_table", "pass_at_k_table", "write_table"]

NOT_MEASURED = "not measured"


def cost_table(families: dict[str, list[str]], costs: dict[str, dict], walltimes: dict[str, dict],
               labels: dict[str, str]) -> pd.DataFrame:
    """Table 1: FLOPs and wall-time per sample, raw and normalised to each family's smallest.

    The wall-time columns show only a profile measured on this run's configured device; where
    there is none they say so rather than borrowing a number.
    """
    rows = []
    for family, models in families.items():
        flops = normalised_costs({m: costs[m]["flops_per_sample"] for m in models})
        measured = {m: walltimes[m] for m in models if walltimes[m].get("measured")}
        times = normalised_costs({m: w["seconds"] for m, w in measured.items()}) if measured else {}
        for model in models:
            profile = measured.get(model)
            rows.append({
                "family": family, "model": labels[model],
                "FLOPs (T)": f"{costs[model]['flops_per_sample'] / 1e12:.4g}",
                "FLOPs (norm.)": f"{flops[model]:.2f}",
                "wall-time (s)": f"{profile['seconds']:.3g}" if profile else NOT_MEASURED,
                "wall-time (norm.)": f"{times[model]:.2f}" if profile else NOT_MEASURED,
                "timed on": f"{profile['samples']} samples, {profile['device']}, batch {profile['batch_size']}"
                            if profile else walltimes[model].get("reason", ""),
            })
    return pd.DataFrame(rows)


def pass_at_k_table(rows: list[tuple[str, str, pd.DataFrame]], ks: list[int]) -> pd.DataFrame:
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
