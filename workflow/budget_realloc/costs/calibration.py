"""The roofline's efficiency factors fitted to measured throughput, and how well they predict it.

Why: the plain roofline is a lower bound (costs.roofline), and which model size is cheaper per
sample depends on how far each one runs from it.  Measured rows — TensorRT-LLM's and LMDeploy's
published A100 tables (../shared/data/throughput), the WizardCoder authors' HF ``generate``
timings, this machine's wall-time profiles — fix those factors per accelerator: achieved
fractions of peak bandwidth and compute, how grouped keys/values are read, and a fixed overhead
per forward pass (costs.efficiency).  Every measured row is a static batch timed from prefill to
its last token, and is modelled as such (costs.roofline.phase_seconds); the fit minimises the
squared log ratio of predicted to measured seconds.  Leave-one-out errors (each row predicted
by a fit without it) say how well the model predicts a row it has not seen.
"""

from __future__ import annotations

import csv
import gzip
import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..errors import InputError
from .accelerators import accelerator_spec, precision
from .architecture import read_architecture
from .efficiency import Efficiency
from .roofline import ForwardCost, phase_seconds

# The factors a static batch of known size identifies (memory share and batch cap do not act on
# it).  On a GPU the overhead per forward pass is left at 0: on the published A100 rows it trades
# against bandwidth (per engine, fits drift to 100% of peak bandwidth with 4-9 ms per pass) and
# improves the median error by half a point; on a CPU it is most of the time.
FITTED_GPU = ("bandwidth", "compute", "grouped_kv")
FITTED_CPU = (*FITTED_GPU, "step_overhead")
BOUNDS = {"bandwidth": (0.02, 1.0), "compute": (0.02, 1.0), "grouped_kv": (0.0, 1.0), "step_overhead": (0.0, 0.1)}
SCALES = {"bandwidth": 0.3, "compute": 0.3, "grouped_kv": 0.3, "step_overhead": 0.003}
STARTS = ({"bandwidth": 0.7, "compute": 0.6, "grouped_kv": 0.5, "step_overhead": 0.001},
          {"bandwidth": 0.4, "compute": 0.9, "grouped_kv": 0.1, "step_overhead": 0.0},
          {"bandwidth": 0.9, "compute": 0.3, "grouped_kv": 0.9, "step_overhead": 0.01})

# The published rows name models; the architectures we model them with (resources/models).
PUBLISHED_ARCHITECTURES = {"Llama-2-7B": "llama2-7b.json", "Llama-2-13B": "llama2-13b.json",
                           "Llama-2-70B": "llama2-70b.json", "Mistral-7B": "mistral-7b.json",
                           "GPT-J-6B": "gpt-j-6b.json", "Falcon-180B": "falcon-180b.json"}
NOT_MODELLED = {"Mixtral-8x7B": "a mixture of experts: the weights a step reads depend on how the batch is routed"}
PUBLISHED_ACCELERATOR = "a100-80gb"
WIZARDCODER_TIMES = "wizard_he_throughput.csv"   # the README beside the data: NVIDIA's blog and LMDeploy state A100 SXM 80GB


@dataclass(frozen=True)
class MeasuredRow:
    """One measured configuration: static batches of ``shapes`` (sequences, distinct prompts
    among them, prompt tokens, new tokens), timed at ``seconds`` per batch on average."""

    source: str
    group: str                 # engine and version: rows of one group share an implementation
    label: str
    accelerator: str
    architecture: str
    devices: int
    split: str                 # tensor or sequential (costs.roofline.SPLITS)
    precision: str
    shapes: tuple[tuple[float, float, float, float], ...]
    seconds: float

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens per second of the whole device set."""
        return float(np.mean([b * o for b, _, _, o in self.shapes])) / self.seconds


def published_rows(path: str | Path, models: Path) -> tuple[list[MeasuredRow], list[str]]:
    """The throughput rows of ../shared/data/throughput/measured_throughput.csv that we model, and
    a line for each row left out saying why.  Throughput is read per device where its header
    says "/GPU" and as the whole tensor-parallel group otherwise (the data's README)."""
    rows, skipped = [], []
    with open(path, newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            name = row["model_canonical"]
            where = f"{path}:{number} ({name}, {row['engine'].split(' (')[0]} {row['version']})"
            if not row["throughput_tokens_per_s"]:
                skipped.append(f"{where}: first-token latency, not throughput")
                continue
            if name in NOT_MODELLED:
                skipped.append(f"{where}: {NOT_MODELLED[name]}")
                continue
            if name not in PUBLISHED_ARCHITECTURES:
                raise InputError(f"{where}: no architecture for this model (costs.calibration.PUBLISHED_ARCHITECTURES)")
            devices, batch = int(row["tp"]), int(row["batch"])
            tokens = float(row["throughput_tokens_per_s"])
            if "/GPU" in row["throughput_unit_as_published"]:
                tokens *= devices
            new = float(row["output_len"])
            engine = "TensorRT-LLM" if row["engine"].startswith("TensorRT") else "LMDeploy"
            version = row["version"].replace("lmdeploy ", "").replace(" (inferred)", "")
            rows.append(MeasuredRow(
                source=f"{Path(path).name}:{number}", group=f"{engine} {version}",
                label=f"{name} TP{devices} batch {batch} {row['input_len']}/{row['output_len']}",
                accelerator=PUBLISHED_ACCELERATOR, architecture=str(models / PUBLISHED_ARCHITECTURES[name]),
                devices=devices, split="tensor", precision="fp16",
                shapes=((batch, batch, float(row["input_len"]), new),), seconds=batch * new / tokens))
    return rows, skipped


# WizardCoder's answers are 2.96 characters per generated token (their text against `num_ids`,
# 7B greedy outputs); prompts are counted the same way (costs.axes.CHARS_PER_TOKEN).
def wizardcoder_rows(throughput: str | Path, answers: str | Path, models: Path,
                     chars_per_token: float) -> list[MeasuredRow]:
    """The WizardCoder authors' ``generate`` timings (wizard_he_throughput.csv): seconds per batch
    of ``max batch`` HumanEval problems, k samples each (k = 0: greedy), on 2 / 4 / 8 GPUs of a
    type the file does not name (modelled as A100 80GB), layers split sequentially
    (``device_map="auto"``).  Each batch is modelled as ``generate`` runs it: prompts left-padded
    to the batch's longest, every row decoding until the batch's longest output ends (the
    answer files' ``num_ids``), the whole of HumanEval in order; k > 0 averages the ten answer
    files (each a 10-sample run; its first k samples per problem)."""
    answers = Path(answers)
    rows, size, gpus = [], None, None
    with open(throughput, newline="") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            size, gpus = (row["Model"] or size), int(row["Num GPUs Occupied"] or gpus)
            k, problems = int(row["k"]), int(row["max batch"])
            rows.append(MeasuredRow(
                source=f"{Path(throughput).name}:{number}", group="HF generate (WizardCoder authors)",
                label=f"WizardCoder-Python {size} k={k} {problems} problems per batch on {gpus} GPUs",
                accelerator=PUBLISHED_ACCELERATOR, architecture=str(models / f"codellama-{size.lower()}.json"),
                devices=gpus, split="sequential", precision="fp16",
                shapes=tuple(_wizard_batches(answers / size, size, k, problems, chars_per_token)),
                seconds=float(row["time per batch (s)"])))
    return rows


def _wizard_batches(folder: Path, size: str, k: int, problems: int, chars_per_token: float):
    greedy = json.load(gzip.open(folder / f"{size}_p0_l0.json.gz"))
    prompt_tokens = {g["number"]: len(g["prompt"]) / chars_per_token for g in greedy}
    if k == 0:
        runs = [{g["number"]: [g["num_ids"]] for g in greedy}]
    else:
        runs = []
        for file in range(10):
            outputs: dict[int, list[int]] = {}
            for sample in json.load(gzip.open(folder / f"{size}_p10_l{file}.json.gz")):
                if sample["pass"] < k:
                    outputs.setdefault(sample["number"], []).append(sample["num_ids"])
            runs.append(outputs)
    for outputs in runs:
        numbers = sorted(outputs)
        for start in range(0, len(numbers), problems):
            chunk = numbers[start:start + problems]
            sequences = float(sum(len(outputs[n]) for n in chunk))   # generate() prefills every row
            yield (sequences, sequences, max(prompt_tokens[n] for n in chunk),
                   float(max(t for n in chunk for t in outputs[n])))


def profile_rows(paths, architectures: dict[str, str]) -> list[MeasuredRow]:
    """This run's wall-time profiles (costs.walltime) on a CPU: one row per batch size tried, a
    static batch of left-padded prompts (``prompt_tokens_by_batch_size``), each prompt's samples
    prefilled once (``distinct_prompts_by_batch_size``)."""
    rows = []
    for model, path in paths.items():
        profile = json.loads(Path(path).read_text())
        if not profile.get("measured") or "CPU" not in profile["device"] or "prompt_tokens_by_batch_size" not in profile:
            continue
        for batch, rate in profile["samples_per_second_by_batch_size"].items():
            size = int(batch)
            rows.append(MeasuredRow(
                source=str(path), group=f"our HF backend, {profile['device']}", label=f"{model} batch {size}",
                accelerator="cpu", architecture=architectures[model], devices=1, split="tensor",
                precision=profile.get("precision", "fp32"),
                shapes=((size, float(profile["distinct_prompts_by_batch_size"][batch]),
                         float(profile["prompt_tokens_by_batch_size"][batch]), float(profile["new_tokens"])),),
                seconds=size / rate))
    return rows


class _Rows:
    """Measured rows flattened to arrays (one entry per static batch), so one fit evaluates every
    row at once through costs.roofline.phase_seconds."""

    def __init__(self, rows: list[MeasuredRow]):
        costs, peaks, bandwidths, working, shape_rows, shapes = [], [], [], [], [], []
        for index, row in enumerate(rows):
            acc = accelerator_spec(row.accelerator, row.precision)
            cost = ForwardCost.of(read_architecture(row.architecture), precision(row.precision))
            for shape in row.shapes:
                costs.append(cost)
                peaks.append(acc.peak_flops)
                bandwidths.append(acc.bandwidth)
                working.append(row.devices if row.split == "tensor" else 1)
                shape_rows.append(index)
                shapes.append(shape)
        self.cost = ForwardCost(*(np.array([getattr(c, f) for c in costs], dtype=np.float64)
                                  for f in ForwardCost.__dataclass_fields__))
        self.peak, self.bandwidth = np.array(peaks), np.array(bandwidths)
        self.working = np.array(working, dtype=np.float64)
        self.shape_rows = np.array(shape_rows)
        self.batch, self.prompts, self.prompt, self.new = (np.array(c, dtype=np.float64) for c in zip(*shapes))
        self.shapes_per_row = np.bincount(self.shape_rows, minlength=len(rows))
        self.measured = np.array([row.seconds for row in rows])

    def predict(self, efficiency: Efficiency) -> np.ndarray:
        """Predicted seconds per batch of every row (the mean over its batches)."""
        prefill, decode, _, _ = phase_seconds(self.cost, flops=self.working * self.peak * efficiency.compute,
                                              bandwidth=self.working * self.bandwidth * efficiency.bandwidth,
                                              batch=self.batch, prompts=self.prompts, prompt=self.prompt, new=self.new,
                                              efficiency=efficiency)
        return np.bincount(self.shape_rows, weights=prefill + decode) / self.shapes_per_row


def _fit(flat: _Rows, use: np.ndarray, start: Efficiency, fitted: tuple[str, ...], starts=STARTS) -> Efficiency:
    """The factors ``fitted`` that minimise the squared log error of predicted seconds over the
    rows ``use`` (others as in ``start``); the best of a few starting points (``starts``:
    dicts or Efficiency values), as max() makes the objective piecewise."""
    from scipy.optimize import least_squares

    low, high = zip(*(BOUNDS[f] for f in fitted))
    measured = np.log(flat.measured[use])

    def residuals(theta):
        predicted = flat.predict(replace(start, **dict(zip(fitted, theta))))
        return np.log(predicted[use]) - measured

    best = None
    for guess in starts:
        initial = [guess[f] if isinstance(guess, dict) else getattr(guess, f) for f in fitted]
        result = least_squares(residuals, np.clip(initial, low, high), bounds=(low, high),
                               x_scale=[SCALES[f] for f in fitted])
        if best is None or result.cost < best.cost:
            best = result
    return replace(start, **{f: float(v) for f, v in zip(fitted, best.x)})


@dataclass(frozen=True)
class Calibration:
    """A fit and its errors: per row, predicted seconds per batch in the fit and by a fit without the row."""

    efficiency: Efficiency
    rows: tuple[MeasuredRow, ...]
    predicted: tuple[float, ...]
    left_out: tuple[float, ...]

    def errors(self, which: str = "fit") -> np.ndarray:
        """Predicted / measured throughput - 1 per row (``which``: fit or left-out): +10% predicts
        a row 10% faster than it ran."""
        predicted = np.array(self.predicted if which == "fit" else self.left_out)
        return np.array([r.seconds for r in self.rows]) / predicted - 1


def calibrate(rows: list[MeasuredRow], fitted: tuple[str, ...] = FITTED_GPU, start: Efficiency = Efficiency(),
              leave_one_out: bool = True) -> Calibration:
    """Fit the factors ``fitted`` to ``rows`` and predict each row, in the fit and
    (``leave_one_out``) by a fit without it."""
    flat = _Rows(rows)
    everything = np.arange(len(rows))
    efficiency = _fit(flat, everything, start, fitted)
    predicted = flat.predict(efficiency)
    left_out = predicted.copy()
    if leave_one_out:                       # from the full fit, which is near each left-out optimum
        for index in everything:
            left_out[index] = flat.predict(_fit(flat, everything[everything != index], efficiency, fitted,
                                                starts=(efficiency,)))[index]
    return Calibration(efficiency=efficiency, rows=tuple(rows), predicted=tuple(map(float, predicted)),
                       left_out=tuple(map(float, left_out)))


@dataclass(frozen=True)
class CalibrationSet:
    """Rows fitted together: one accelerator, engines whose spread is the efficiency's range."""

    name: str
    accelerator: str
    fitted: tuple[str, ...]
    rows: tuple[MeasuredRow, ...]


def measured_sets(*, models: Path, published: str | None = None, wizardcoder: str | None = None,
                  profiles: dict[str, str] | None = None, architectures: dict[str, str] | None = None,
                  chars_per_token: float = 2.96) -> tuple[list[CalibrationSet], list[str]]:
    """The calibration sets of the measurements at hand, and a line per published row left out.
    ``wizardcoder``: the WizardCoder authors' folder (its wizard_he_throughput.csv and answer/)."""
    sets, skipped = [], []
    if published:
        rows, skipped = published_rows(published, models)
        sets.append(CalibrationSet("published A100 engines (TensorRT-LLM, LMDeploy)", PUBLISHED_ACCELERATOR,
                                   FITTED_GPU, tuple(rows)))
    if wizardcoder:
        sets.append(CalibrationSet("WizardCoder authors' HF generate (GPU not stated; A100 80GB assumed)",
                                   PUBLISHED_ACCELERATOR, FITTED_CPU,
                                   tuple(wizardcoder_rows(Path(wizardcoder) / WIZARDCODER_TIMES,
                                                          Path(wizardcoder) / "answer", models, chars_per_token))))
    rows = profile_rows(profiles or {}, architectures or {})
    if rows:
        sets.append(CalibrationSet("this run's wall-time profiles (our HF backend on this CPU)", "cpu", FITTED_CPU,
                                   tuple(rows)))
    return sets, skipped


CSV_COLUMNS = ["set", "group", "source", "label", "accelerator", "architecture", "devices", "split", "precision",
               "batch", "input_tokens", "output_tokens", "measured_tokens_per_s", "predicted_tokens_per_s", "error",
               "left_out_tokens_per_s", "left_out_error"]


def write_calibration(sets: list[CalibrationSet], skipped: list[str], json_out: str, csv_out: str) -> dict:
    """results/costs/calibration.json (per set: the fitted efficiency, its errors in the fit and
    left out, and the fit of each engine group alone) and results/tables/calibration.csv (every
    row: measured, predicted, predicted left out)."""
    import pandas as pd

    from ..io import write_csv, write_json

    report, table = {"sets": [], "skipped": skipped}, []
    for one in sets:
        calibration = calibrate(list(one.rows), one.fitted)
        fit_errors, left_errors = calibration.errors("fit"), calibration.errors("left-out")
        groups = {}
        for row in one.rows:
            groups.setdefault(row.group, []).append(row)
        report["sets"].append({
            "name": one.name, "accelerator": one.accelerator, "fitted": list(one.fitted), "rows": len(one.rows),
            "efficiency": _factors(calibration.efficiency, one.fitted), **_error_summary(fit_errors, "fit"),
            **_error_summary(left_errors, "left_out"),
            "groups": [{"group": group, "rows": len(rows), **_group_fit(rows, one.fitted)}
                       for group, rows in groups.items() if len(rows) >= len(one.fitted) + 2]})
        for row, predicted, left_out, error, left_error in zip(one.rows, calibration.predicted, calibration.left_out,
                                                              fit_errors, left_errors):
            sequences, _, prompt, new = row.shapes[0] if len(row.shapes) == 1 else (
                np.mean([s[0] for s in row.shapes]), None, np.mean([s[2] for s in row.shapes]),
                np.mean([s[3] for s in row.shapes]))
            tokens = row.tokens_per_second
            table.append({"set": one.name, "group": row.group, "source": row.source, "label": row.label,
                          "accelerator": row.accelerator, "architecture": Path(row.architecture).name,
                          "devices": row.devices, "split": row.split, "precision": row.precision, "batch": sequences,
                          "input_tokens": prompt, "output_tokens": new, "measured_tokens_per_s": tokens,
                          "predicted_tokens_per_s": tokens * row.seconds / predicted, "error": error,
                          "left_out_tokens_per_s": tokens * row.seconds / left_out, "left_out_error": left_error})
    write_json(report, json_out)
    write_csv(pd.DataFrame(table, columns=CSV_COLUMNS), csv_out)
    return report


def _factors(efficiency: Efficiency, fitted) -> dict:
    return {f: round(getattr(efficiency, f), 4) for f in fitted}


def _error_summary(errors: np.ndarray, prefix: str) -> dict:
    """Errors as |predicted / measured - 1|: median, worst, and the share within 25%."""
    size = np.abs(errors)
    return {f"{prefix}_median_error": round(float(np.median(size)), 4), f"{prefix}_worst_error": round(float(size.max()), 4),
            f"{prefix}_within_25_percent": round(float(np.mean(size <= 0.25)), 4)}


def _group_fit(rows: list[MeasuredRow], fitted) -> dict:
    calibration = calibrate(rows, fitted, leave_one_out=False)
    return {"efficiency": _factors(calibration.efficiency, fitted), **_error_summary(calibration.errors(), "fit")}
