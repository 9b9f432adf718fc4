"""The roofline cost model (costs/roofline.py) against every measurement we have; prints the
markdown tables of docs/idealized_costs.md.

    python perf/validate_roofline.py table1        # the paper's Table 1 wall-time ratios (A100s)
    python perf/validate_roofline.py wizardcoder   # Chen et al.'s WizardCoder-Python throughput
    python perf/validate_roofline.py accelerators  # Code Llama's predicted costs on every accelerator
    python perf/validate_roofline.py cpu [--threads 1]   # our walltime profile of tiny-s/m/l on this CPU (minutes)

Two ways a model is split over several GPUs, both costed here:
- tensor-parallel (the model's own assumption): FLOP/s and bandwidth add up, so the wall time
  falls by the device count;
- sequential layers (Hugging Face ``device_map="auto"``, what a plain ``generate`` script does):
  one GPU works at a time, so the wall time is one GPU's, with the memory of all of them.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import gzip
import json
import tempfile
from pathlib import Path

from budget_realloc.costs.roofline import (Workload, accelerator_spec, accelerators, batch_seconds, fewest_devices,
                                           idealized_cost, max_batch_size, read_architecture)

REPO = Path(__file__).resolve().parents[1]
MODELS = REPO / "resources" / "models"
SHARED = REPO.parent / "shared"
TABLE1 = SHARED / "paper" / "tables" / "table1_costs.csv"
WIZARD = SHARED / "data" / "generations" / "wizardcoder_python_humaneval"
SIZES = ("7b", "13b", "34b", "70b")

# HumanEval 0-shot prompts are 130-200 Code Llama tokens; the paper caps HumanEval at 512 new tokens.
TABLE1_PROMPT, TABLE1_NEW, TABLE1_SAMPLES = 150, 512, 100

# The Code Llama tokenizer is not on this machine: WizardCoder's answers are 2.96 characters per
# generated token (median over the 7B greedy outputs), and the prompts are counted the same way.
CHARS_PER_TOKEN = 2.96


def error(predicted: float, measured: float) -> str:
    return f"{predicted:.3g} ({100 * (predicted / measured - 1):+.0f}%)"


def sequential_seconds(architecture: Path, acc: str, work: Workload, devices: int | None = None) -> dict:
    """Device-seconds per sample for layers split sequentially over the fewest devices (or
    ``devices``) at the largest batch their memory holds: one device's speed, all their memory."""
    arch, spec = read_architecture(architecture), accelerator_spec(acc)
    devices = devices or fewest_devices(arch, spec, work, 2)
    batch = max_batch_size(arch, spec, devices, work, 2)
    prefill, decode, compute_bound = batch_seconds(arch, spec, 1, batch, work, 2)
    return {"seconds_per_sample": devices * (prefill + decode) / batch, "devices": devices,
            "batch_size": batch, "bound": "compute" if compute_bound > decode / 2 else "memory"}


def accelerator_costs() -> None:
    work = dict(prompt_tokens=TABLE1_PROMPT, new_tokens=TABLE1_NEW, samples_per_prompt=TABLE1_SAMPLES)
    print("| accelerator | " + " | ".join(f"Code Llama {m.upper()}" for m in SIZES) + " |")
    print("|---" * (1 + len(SIZES)) + "|")
    for name, entry in accelerators().items():
        if name == "cpu":
            continue
        costs = [idealized_cost(MODELS / f"codellama-{m}.json", name, **work) for m in SIZES]
        print(f"| {entry['label']} | " + " | ".join(
            f"{c['seconds_per_sample']:.3f} s ({c['seconds_per_sample'] / costs[0]['seconds_per_sample']:.2f}; "
            f"{c['devices']} x {c['batch_size']})" for c in costs) + " |")


def expanded_kv_seconds(architecture: Path, acc: str, work: Workload) -> dict:
    """Tensor-parallel device-seconds per sample with grouped-query attention's memory saving
    kept but its bandwidth saving lost: the batch that fits the grouped cache, each step reading
    K/V as wide as the query heads (eager attention's ``repeat_kv`` materialises them)."""
    arch, spec = read_architecture(architecture), accelerator_spec(acc)
    devices = fewest_devices(arch, spec, work, 2)
    batch = max_batch_size(arch, spec, devices, work, 2)
    prefill, decode, _ = batch_seconds(dataclasses.replace(arch, kv_heads=arch.heads), spec, devices, batch, work, 2)
    return {"seconds_per_sample": devices * (prefill + decode) / batch, "devices": devices,
            "batch_size": batch, "bound": "memory"}


def table1() -> None:
    rows = {r["model"].split("-")[-1].lower(): r for r in csv.DictReader(TABLE1.open())}
    work = Workload(TABLE1_PROMPT, TABLE1_NEW, TABLE1_SAMPLES)
    kwargs = dict(prompt_tokens=work.prompt, new_tokens=work.new, samples_per_prompt=work.samples)
    scenarios = {
        "TP, A100 80GB": lambda m: idealized_cost(MODELS / f"codellama-{m}.json", "a100-80gb", **kwargs),
        "TP, A100 40GB": lambda m: idealized_cost(MODELS / f"codellama-{m}.json", "a100-40gb", **kwargs),
        "sequential, A100 80GB": lambda m: sequential_seconds(MODELS / f"codellama-{m}.json", "a100-80gb", work),
        "sequential over all 8, A100 80GB": lambda m: sequential_seconds(
            MODELS / f"codellama-{m}.json", "a100-80gb", work, devices=8),
        "TP, A100 80GB, 256 new tokens": lambda m: idealized_cost(
            MODELS / f"codellama-{m}.json", "a100-80gb", **{**kwargs, "new_tokens": 256}),
        "TP, A100 80GB, K/V read as wide as the queries": lambda m: expanded_kv_seconds(
            MODELS / f"codellama-{m}.json", "a100-80gb", work),
    }
    costs = {name: {m: f(m) for m in SIZES} for name, f in scenarios.items()}
    print("| model | FLOPs ratio (paper) | measured wall-time ratio | "
          + " | ".join(f"{name}: predicted (error)" for name in scenarios) + " |")
    print("|---" * (3 + len(scenarios)) + "|")
    for m in SIZES:
        cells = [error(costs[n][m]["seconds_per_sample"] / costs[n]["7b"]["seconds_per_sample"],
                       float(rows[m]["walltime_norm"])) for n in scenarios]
        print(f"| Code Llama {m.upper()} | {rows[m]['flops_norm']} | {rows[m]['walltime_norm']} | "
              + " | ".join(cells) + " |")
    print("\nDevices x batch size per scenario, and device-seconds per sample (7B; paper: 395 s / ~1k "
          "samples = 0.395 s of the whole 8-GPU node):\n")
    print("| scenario | " + " | ".join(f"{m.upper()}" for m in SIZES) + " | 7B device-s per sample |")
    print("|---" * (2 + len(SIZES)) + "|")
    for n in scenarios:
        print(f"| {n} | " + " | ".join(f"{c['devices']} x {c['batch_size']} ({c['bound']})"
                                       for c in costs[n].values())
              + f" | {costs[n]['7b']['seconds_per_sample']:.4f} |")


def wizard_batches(size: str, k: int, problems_per_batch: int) -> list[tuple[float, float, int]]:
    """(padded prompt tokens, longest output, sequences) of each batch of the whole of HumanEval in
    order: ``generate`` left-pads prompts to the longest and runs until the longest output ends.
    Sampled runs (k > 0): each of the ten files of 10 samples per problem is one realisation of
    the timed run (its first k samples per problem); greedy (k = 0): the one greedy output."""
    greedy = json.load(gzip.open(WIZARD / "answer" / size / f"{size}_p0_l0.json.gz"))
    prompt_tokens = {g["number"]: len(g["prompt"]) / CHARS_PER_TOKEN for g in greedy}
    if k == 0:
        runs = [{g["number"]: [g["num_ids"]] for g in greedy}]
    else:
        runs = []
        for file in range(10):
            outputs = {}
            for s in json.load(gzip.open(WIZARD / "answer" / size / f"{size}_p10_l{file}.json.gz")):
                if s["pass"] < k:
                    outputs.setdefault(s["number"], []).append(s["num_ids"])
            runs.append(outputs)
    batches = []
    for outputs in runs:
        numbers = sorted(outputs)
        for start in range(0, len(numbers), problems_per_batch):
            chunk = numbers[start:start + problems_per_batch]
            batches.append((max(prompt_tokens[n] for n in chunk), max(t for n in chunk for t in outputs[n]),
                            sum(len(outputs[n]) for n in chunk)))
    return batches


def wizardcoder() -> None:
    reader = csv.DictReader((WIZARD / "wizard_he_throughput.csv").open())
    spec = accelerator_spec("a100-80gb")
    results, size, gpus = [], None, None
    for row in reader:
        size, gpus = (row["Model"] or size), int(row["Num GPUs Occupied"] or gpus)
        arch = read_architecture(MODELS / f"codellama-{size.lower()}.json")
        k, problems = int(row["k"]), int(row["max batch"])
        sequential = tensor = 0.0
        batches = wizard_batches(size, k, problems)
        for prompt, longest, sequences in batches:
            work = Workload(prompt, longest, 1)        # generate() prefills every row: nothing shared
            sequential += sum(batch_seconds(arch, spec, 1, sequences, work, 2)[:2])
            tensor += sum(batch_seconds(arch, spec, gpus, sequences, work, 2)[:2])
        measured = float(row["time per batch (s)"])
        results.append({"size": size, "gpus": gpus, "k": k, "problems": problems, "measured": measured,
                        "sequential": sequential / len(batches), "tensor": tensor / len(batches),
                        "relative": float(row["Relative Cost"])})
    base = results[0]

    def relative(r: dict, key: str) -> float:
        return (r["gpus"] * r[key] / r["problems"]) / (base["gpus"] * base[key] / base["problems"])

    print("| model | GPUs | k | problems per batch | measured s per batch | predicted s per batch, sequential"
          " (A100 80GB) | implied bandwidth, sequential (GB/s) | measured relative cost | predicted relative"
          " cost, sequential (error) | predicted relative cost, TP (error) |")
    print("|---" * 10 + "|")
    for r in results:
        bandwidth = spec.bandwidth * r["sequential"] / r["measured"] / 1e9
        print(f"| {r['size']} | {r['gpus']} | {r['k']} | {r['problems']} | {r['measured']} | {r['sequential']:.2f} | "
              f"{bandwidth:.0f} | {r['relative']} | {error(relative(r, 'sequential'), r['relative'])} | "
              f"{error(relative(r, 'tensor'), r['relative'])} |")

    print("\nThe same, each size against 7B at the same k (device-seconds per problem), sequential split:\n")
    print("| k | 13B / 7B measured | 13B / 7B predicted (error) | 34B / 7B measured | 34B / 7B predicted (error) |")
    print("|---" * 5 + "|")
    by = {(r["size"], r["k"]): r for r in results}
    for k in sorted({r["k"] for r in results}):
        seven = by["7B", k]
        cells = []
        for size in ("13B", "34B"):
            r = by[size, k]
            measured = r["gpus"] * r["measured"] / r["problems"] / (seven["gpus"] * seven["measured"] / seven["problems"])
            predicted = (r["gpus"] * r["sequential"] / r["problems"]
                         / (seven["gpus"] * seven["sequential"] / seven["problems"]))
            cells += [f"{measured:.2f}", error(predicted, measured)]
        print(f"| {k} | " + " | ".join(cells) + " |")


def cpu(threads: int | None, models=("tiny-s", "tiny-m", "tiny-l"), prompts_count=8) -> None:
    """The workflow's walltime profile (torch's threads: all cores, unless ``threads``) against the
    roofline of the ``cpu`` entry, which was measured with all (2) cores."""
    import torch

    from budget_realloc.benchmarks import load_problems
    from budget_realloc.costs.walltime import profile_walltime
    from budget_realloc.pretrained import load_tokenizer
    from budget_realloc.tiny_models import build_model, train_tokenizer

    if threads:
        torch.set_num_threads(threads)
    prompts = [p.prompt for p in load_problems("humaneval", str(SHARED / "data" / "HumanEval.jsonl.gz"))[:prompts_count]]
    work_dir = Path(tempfile.mkdtemp(prefix="roofline-cpu-"))
    train_tokenizer(work_dir / "tokenizer", 4096, 2_000_000)
    lengths = [len(ids) for ids in load_tokenizer(str(work_dir / "tokenizer"))(prompts)["input_ids"]]
    padded = max(lengths)
    print(f"prompts: the first {prompts_count} HumanEval prompts, {min(lengths)}-{padded} tokens "
          f"(mean {sum(lengths) / len(lengths):.0f}, padded to {padded} in every batch); 32 new tokens, float32, "
          f"{torch.get_num_threads()} torch threads\n")
    print("| model | params | batch | measured s per sample | predicted s per sample (error) | predicted bound "
          "| measured ms per forward pass |")
    print("|---" * 7 + "|")
    spec = accelerator_spec("cpu", 4)
    for name in models:
        model_dir = work_dir / name
        build_model(MODELS / f"{name}.json", work_dir / "tokenizer", model_dir, seed=0, name=name)
        arch = read_architecture(model_dir)
        profile = profile_walltime(source=str(model_dir), prompts=prompts, samples=64, new_tokens=32,
                                   batch_sizes=[8, 32, 64], required_device="cpu", dtype="float32")
        for batch, rate in profile["samples_per_second_by_batch_size"].items():
            work = Workload(padded, 32, int(batch) // prompts_count)
            prefill, decode, compute_bound = batch_seconds(arch, spec, 1, int(batch), work, 4)
            bound = "compute" if compute_bound > decode / 2 else "memory"
            forward_ms = 1e3 * int(batch) / rate / 32        # one prefill and 31 decode steps
            print(f"| {name} | {arch.params:,} | {batch} | {1 / rate:.4f} | "
                  f"{error((prefill + decode) / int(batch), 1 / rate)} | {bound} | {forward_ms:.1f} |")
        best = idealized_cost(model_dir, "cpu", prompt_tokens=padded, new_tokens=32,
                              samples_per_prompt=64 // prompts_count, dtype_bytes=4, max_batch=64)
        print(f"| {name} | | best {profile['batch_size']} (model: {best['batch_size']}) | "
              f"{profile['seconds_per_sample']:.4f} | {error(best['seconds_per_sample'], profile['seconds_per_sample'])}"
              f" | {best['bound']} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("table1", "wizardcoder", "accelerators", "cpu"))
    parser.add_argument("--threads", type=int, help="cpu: torch threads (default: torch's, all cores)")
    args = parser.parse_args()
    if args.which == "cpu":
        cpu(args.threads)
    else:
        {"table1": table1, "wizardcoder": wizardcoder, "accelerators": accelerator_costs}[args.which]()


if __name__ == "__main__":
    main()
