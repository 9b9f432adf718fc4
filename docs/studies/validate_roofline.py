"""The roofline cost model (costs/roofline.py), ideal and calibrated, against every measurement we
have; prints the markdown tables of docs/idealized_costs.md.

    python -m docs.studies validate_roofline calibration   # the fit to measured throughput, in-fit and left-out errors
    python -m docs.studies validate_roofline table1        # the paper's Table 1 wall-time ratios (A100s)
    python -m docs.studies validate_roofline released      # WizardCoder-Python 34B/7B and 13B/7B per accelerator
    python -m docs.studies validate_roofline accelerators  # Code Llama's cost per sample on every accelerator

Two ways a model is split over several GPUs are costed here (costs.roofline.SPLITS): tensor
parallel (FLOP/s and bandwidth add up) and sequential layers (transformers' device_map="auto":
one device works at a time).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
from pathlib import Path

import numpy as np

from budget_realloc.costs.accelerators import accelerator_spec, accelerators, precision
from budget_realloc.costs.architecture import read_architecture
from budget_realloc.costs.axes import CHARS_PER_TOKEN
from budget_realloc.costs.calibration import measured_sets, write_calibration
from budget_realloc.costs.efficiency import ENGINES, IDEAL, EfficiencyRange
from budget_realloc.costs.roofline import Workload, fewest_devices, sample_cost

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "resources" / "models"
SHARED = REPO.parent / "shared"
TABLE1 = SHARED / "paper" / "tables" / "table1_costs.csv"
WIZARD = SHARED / "data" / "generations" / "wizardcoder_python_humaneval"
SIZES = ("7b", "13b", "34b", "70b")

# HumanEval 0-shot prompts are 130-200 Code Llama tokens; the paper caps HumanEval at 512 new tokens.
TABLE1_PROMPT, TABLE1_NEW, TABLE1_SAMPLES = 150, 512, 100


def error(predicted: float, measured: float) -> str:
    return f"{predicted:.3g} ({100 * (predicted / measured - 1):+.0f}%)"


def scenario_costs(architecture: Path, accelerator: str, work: Workload, box: EfficiencyRange, split="tensor",
                   devices=None) -> dict[str, float]:
    """Device-seconds per sample under every scenario of ``box``."""
    arch, acc, dtype = read_architecture(architecture), accelerator_spec(accelerator), precision("bf16")
    return {name: sample_cost(arch, acc, work, dtype=dtype, efficiency=e, split=split,
                              devices=devices or fewest_devices(arch, acc, work, dtype, e)).seconds_per_sample
            for name, e in box.scenarios().items()}


def ratio_range(costs: dict[str, dict[str, float]], size: str) -> tuple[float, float, float]:
    """(lowest, central, highest) ratio of ``size``'s cost to 7B's over the scenarios."""
    ratios = [costs[size][s] / costs["7b"][s] for s in costs["7b"]]
    return min(ratios), costs[size]["central"] / costs["7b"]["central"], max(ratios)


def calibration() -> None:
    import tempfile

    sets, skipped = measured_sets(models=MODELS, published=str(SHARED / "data" / "throughput" / "measured_throughput.csv"),
                                  wizardcoder=str(WIZARD),
                                  chars_per_token=CHARS_PER_TOKEN)
    out = Path(tempfile.mkdtemp(prefix="calibration-"))
    report = write_calibration(sets, skipped, out / "calibration.json", out / "calibration.csv")
    print(f"{len(skipped)} published rows left out (first-token latency, or Mixtral); per-row errors in {out}\n")
    print("| measured rows | rows | fitted factors | median error (fit) | worst (fit) | within 25% (fit) "
          "| median error (left out) | worst (left out) | within 25% (left out) |")
    print("|---" * 9 + "|")
    for one in report["sets"]:
        print(f"| {one['name']} | {one['rows']} | " + ", ".join(f"{k} {v:g}" for k, v in one["efficiency"].items())
              + f" | {one['fit_median_error']:.1%} | {one['fit_worst_error']:.1%} | {one['fit_within_25_percent']:.0%} "
              f"| {one['left_out_median_error']:.1%} | {one['left_out_worst_error']:.1%} "
              f"| {one['left_out_within_25_percent']:.0%} |")
    print("\nEach engine version fitted alone (the spread the efficiency range of resources/accelerators.yaml is):\n")
    print("| engine | rows | bandwidth | compute | grouped K/V | median error |")
    print("|---" * 6 + "|")
    for group in report["sets"][0]["groups"]:
        e = group["efficiency"]
        print(f"| {group['group']} | {group['rows']} | {e['bandwidth']:g} | {e['compute']:g} | {e['grouped_kv']:g} "
              f"| {group['fit_median_error']:.1%} |")
    import pandas as pd

    rows = pd.read_csv(out / "calibration.csv")
    published = rows[rows["set"] == report["sets"][0]["name"]].copy()
    published["size"] = published["left_out_error"].abs()
    print("\nThe worst left-out predictions of the published rows:\n")
    print("| engine | row | measured tok/s | predicted left out (error) |")
    print("|---" * 4 + "|")
    for _, row in published.sort_values("size", ascending=False).head(8).iterrows():
        print(f"| {row['group']} | {row['label']} | {row['measured_tokens_per_s']:.0f} | "
              f"{row['left_out_tokens_per_s']:.0f} ({100 * row['left_out_error']:+.0f}%) |")


def table1() -> None:
    rows = {r["model"].split("-")[-1].lower(): r for r in csv.DictReader(TABLE1.open())}
    work = Workload.of(TABLE1_PROMPT, TABLE1_NEW, TABLE1_SAMPLES)
    box = accelerator_spec("a100-80gb").efficiency
    ideal = EfficiencyRange(IDEAL, IDEAL, IDEAL)
    scenarios = {
        "ideal": lambda m: scenario_costs(MODELS / f"codellama-{m}.json", "a100-80gb", work, ideal),
        "calibrated": lambda m: scenario_costs(MODELS / f"codellama-{m}.json", "a100-80gb", work, box),
        "calibrated, K/V at query width": lambda m: scenario_costs(
            MODELS / f"codellama-{m}.json", "a100-80gb", work, box.pinned(**ENGINES["as-written"])),
        "calibrated, sequential layers": lambda m: scenario_costs(
            MODELS / f"codellama-{m}.json", "a100-80gb", work, box, split="sequential"),
    }
    costs = {name: {m: f(m) for m in SIZES} for name, f in scenarios.items()}
    print("| model | FLOPs ratio (paper) | measured wall-time ratio | "
          + " | ".join(f"{name}: central (error) [range]" for name in scenarios) + " |")
    print("|---" * (3 + len(scenarios)) + "|")
    for m in SIZES:
        cells = []
        for name in scenarios:
            low, central, high = ratio_range(costs[name], m)
            cells.append(error(central, float(rows[m]["walltime_norm"])) + (f" [{low:.2f}-{high:.2f}]" if high > low else ""))
        print(f"| Code Llama {m.upper()} | {rows[m]['flops_norm']} | {rows[m]['walltime_norm']} | " + " | ".join(cells) + " |")


def released_lengths(size: str) -> tuple[np.ndarray, np.ndarray]:
    """Prompt and new tokens of every released WizardCoder-Python sample of one size (the ten
    files of 10 samples per problem): prompts at CHARS_PER_TOKEN, outputs their ``num_ids``."""
    prompts = {int(r["task_id"].split("/")[1]): len(r["prompt"]) / CHARS_PER_TOKEN
               for r in map(json.loads, gzip.open(SHARED / "data" / "HumanEval.jsonl.gz", "rt"))}
    prompt, new = [], []
    for file in sorted((WIZARD / "answer" / size.upper()).glob(f"{size.upper()}_p10_l*.json.gz")):
        for sample in json.load(gzip.open(file)):
            prompt.append(prompts[sample["number"]])
            new.append(max(sample["num_ids"], 1))
    return np.array(prompt), np.array(new)


def released() -> None:
    works = {m: Workload.of(*released_lengths(m), 100) for m in ("7b", "13b", "34b")}
    print("| accelerator | engine | 13B / 7B: low, central, high | 34B / 7B: low, central, high | ideal 34B / 7B |")
    print("|---" * 5 + "|")
    for name in ("a100-80gb", "h200"):
        box = accelerator_spec(name).efficiency
        ideal = {m: scenario_costs(MODELS / f"codellama-{m}.json", name, w, EfficiencyRange(IDEAL, IDEAL, IDEAL))
                 for m, w in works.items()}
        for engine, pins in ENGINES.items():
            costs = {m: scenario_costs(MODELS / f"codellama-{m}.json", name, w, box.pinned(**pins))
                     for m, w in works.items()}
            cells = [", ".join(f"{v:.2f}" for v in ratio_range(costs, size)) for size in ("13b", "34b")]
            print(f"| {accelerators()[name]['label']} | {engine} | " + " | ".join(cells)
                  + f" | {ideal['34b']['central'] / ideal['7b']['central']:.2f} |")


def accelerator_costs() -> None:
    work = Workload.of(TABLE1_PROMPT, TABLE1_NEW, TABLE1_SAMPLES)
    print("| accelerator | " + " | ".join(f"Code Llama {m.upper()}" for m in SIZES) + " |")
    print("|---" * (1 + len(SIZES)) + "|")
    for name, entry in accelerators().items():
        if name == "cpu":
            continue
        acc, dtype = accelerator_spec(name), precision("bf16")
        costs = []
        for m in SIZES:
            arch = read_architecture(MODELS / f"codellama-{m}.json")
            central = sample_cost(arch, acc, work, dtype=dtype, efficiency=acc.efficiency.central)
            ideal = sample_cost(arch, acc, work, dtype=dtype, efficiency=IDEAL)
            costs.append((central, ideal))
        print(f"| {entry['label']} | " + " | ".join(
            f"{c.seconds_per_sample:.3f} s ({c.seconds_per_sample / costs[0][0].seconds_per_sample:.2f}; {c.devices} x "
            f"{c.batch_size}, {c.bound}; ideal {i.seconds_per_sample / costs[0][1].seconds_per_sample:.2f})"
            for c, i in costs) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("calibration", "table1", "released", "accelerators"))
    args = parser.parse_args()
    {"calibration": calibration, "table1": table1, "released": released, "accelerators": accelerator_costs}[args.which]()


if __name__ == "__main__":
    main()
