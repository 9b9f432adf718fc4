"""``budget-realloc``: one subcommand per workflow step, each usable by hand as well.

Each subcommand is a handler with its arguments declared right above it; the handler only
calls into the stage module that does the work.  The Snakemake rules call these with the paths
and settings of one job; subcommands that combine many files (figures, tables, budgets) take a
JSON ``--spec`` (budget_realloc.specs).  Settings left out take the config schema's defaults
(config/schema.yaml), so running a step by hand and running it in the workflow agree.  Errors
a user can fix (a bad file, a bad setting) end with one line naming the cause.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .benchmarks import KINDS, NAMED
from .config import default
from .errors import UserError
from .generation.sample_files import READERS
from .io import read_json, write_json

COMMANDS: dict[str, tuple[str, object, tuple]] = {}


def command(name: str, help_text: str, *arguments):
    """Register a handler under ``name`` with its arguments (:func:`arg` tuples)."""
    def register(handler):
        COMMANDS[name] = (help_text, handler, arguments)
        return handler
    return register


def arg(*flags, **options):
    return flags, options


OUT = arg("--out", required=True)
SPEC = arg("--spec", required=True, type=json.loads, help="JSON (budget_realloc.specs)")
SUBSET = arg("--subset", action="store_true", help="the benchmark is limited to its first problems: "
             "samples or counts of the others are left out, not refused")
TABLE_FILES = [arg(f"--{ext}", required=True) for ext in ("csv", "md", "tex", "html")]
FIGURE_FILES = [arg("--pdf", required=True), arg("--png", required=True)]
TIME_POLICY = [
    arg("--reference-factor", type=float, default=default("execution", "reference_factor"),
        help="time limit = this x the reference solution's CPU time (0: always --timeout)"),
    arg("--min-timeout", type=float, default=default("execution", "min_timeout_s"),
        help="never less CPU seconds than this"),
]


def _time_policy(a):
    from .execution.job import TimePolicy

    return TimePolicy(factor=a.reference_factor, floor_s=a.min_timeout)


# --------------------------------------------------------------------------- data
@command("train-tokenizer", "Train the byte-level BPE tokenizer of the tiny models.", OUT,
         arg("--vocab-size", type=int, default=default("tokenizer", "vocab_size")),
         arg("--corpus-bytes", type=int, default=default("tokenizer", "corpus_bytes")))
def train_tokenizer(a):
    from .tiny_models import train_tokenizer

    train_tokenizer(a.out, a.vocab_size, a.corpus_bytes)


@command("build-model", "Build a model with random weights from an architecture JSON.",
         arg("--name", required=True), arg("--architecture", required=True), arg("--tokenizer", required=True),
         arg("--seed", type=int, default=default("seed")), OUT)
def build_model(a):
    from .tiny_models import build_model

    build_model(a.architecture, a.tokenizer, a.out, a.seed, a.name)


@command("prepare", "Load a benchmark and write its problems as Parquet.",
         arg("--kind", required=True, choices=sorted(KINDS)), arg("--path"), arg("--hub"), arg("--difficulty"),
         arg("--limit", type=int), arg("--fewshot"), arg("--expect", type=int, help="the problems planned"), OUT)
def prepare(a):
    from .benchmarks import write_problems

    count = write_problems(a.kind, a.path, a.hub, a.difficulty, a.limit, a.fewshot, a.expect, a.out)
    print(f"{count} problems -> {a.out}")


# --------------------------------------------------------------------------- generation
@command("generate", "Generate the samples of one shard of problems.",
         *[arg(flag, required=True) for flag in ("--problems", "--benchmark", "--model", "--source")], OUT,
         *[arg(flag, type=int, required=True) for flag in ("--shard", "--shard-size", "--n", "--max-new-tokens")],
         arg("--temperature", type=float, required=True),
         arg("--top-p", type=float, default=default("benchmarks", "*", "top_p")),
         arg("--seed", type=int, default=default("seed")),
         arg("--backend", default=default("generation", "backend"), choices=["hf", "vllm"]),
         arg("--dtype", default=default("models", "*", "dtype")), arg("--device", default=default("device")),
         arg("--batch-size", type=int, default=default("models", "*", "batch_size")))
def generate(a):
    from .generation.sampling import Sampling
    from .generation.shard import generate_shard

    frame = generate_shard(problems_path=a.problems, shard=a.shard, shard_size=a.shard_size, out=a.out,
                           model=a.model, source=a.source, benchmark=a.benchmark, n=a.n,
                           sampling=Sampling(a.temperature, a.top_p, a.max_new_tokens), seed=a.seed,
                           backend=a.backend, dtype=a.dtype, device=a.device, batch_size=a.batch_size)
    print(f"{len(frame)} samples, {int(frame['finished'].sum())} finished -> {a.out}")


@command("import", "Generations made elsewhere, read from their files.",
         arg("--problems", required=True), OUT,
         arg("--n", type=int, required=True, help="samples per problem: the first n in file order"),
         arg("--format", required=True, choices=sorted(READERS)),
         arg("--truncate", action="store_true", help="cut completions at the benchmark's stop sequences"),
         arg("--prompts", help="codet-jsonl: JSON Lines of {task_id, prompt} naming each prompt's task"),
         SUBSET,
         arg("files", nargs="+"))
def import_generations(a):
    from .generation.shard import import_generations

    frame = import_generations(problems_path=a.problems, out=a.out, fmt=a.format, files=a.files, n=a.n,
                               truncate=a.truncate, prompts=a.prompts, subset=a.subset)
    print(f"{len(frame)} samples of {frame['task_id'].nunique()} tasks -> {a.out}")


@command("gather", "Concatenate shard files into one Parquet file.", OUT,
         arg("--problems", help="with --n: check that every task has its samples, each once"),
         arg("--n", type=int, help="samples per task"),
         arg("--at-most", action="store_true", help="tasks may have fewer than --n samples (made elsewhere)"),
         arg("inputs", nargs="+"))
def gather(a):
    from .generation.shard import gather_shards

    frame = gather_shards(a.inputs, a.out, a.problems, a.n, exact=not a.at_most)
    print(f"{len(frame)} rows from {len(a.inputs)} shards -> {a.out}")


# --------------------------------------------------------------------------- execution
@command("execute", "Run every sample of a generations file against its tests.",
         arg("--problems", required=True), arg("--generations", required=True), OUT,
         arg("--timeout", type=float, default=default("execution", "timeout_s"), help="most CPU seconds per program"),
         *TIME_POLICY,
         arg("--memory-mb", type=int, default=default("execution", "memory_mb")),
         arg("--max-output-kb", type=int, default=default("execution", "max_output_kb")),
         arg("--max-processes", type=int, default=default("execution", "max_processes")),
         arg("--workers", type=int, default=1),
         arg("--shard", type=int, help="only the samples of this shard of problems (with --shard-size)"),
         arg("--shard-size", type=int))
def execute(a):
    from .execution.job import Limits
    from .execution.shard import execute_shard

    limits = Limits(timeout_s=a.timeout, memory_mb=a.memory_mb, max_output_kb=a.max_output_kb,
                    max_processes=a.max_processes)
    frame = execute_shard(problems_path=a.problems, generations_path=a.generations, out=a.out, limits=limits,
                          policy=_time_policy(a), workers=a.workers, shard=a.shard, shard_size=a.shard_size)
    print(frame["status"].value_counts().to_string())


@command("evaluate", "Verdicts and pass@k for samples generated elsewhere.",
         arg("--benchmark", required=True, choices=sorted(NAMED)),
         arg("--samples", required=True, help="samples.jsonl (task_id + completion or solution), or any format "
                                              "of --format"),
         arg("--format", choices=sorted(READERS), help="the samples file's format (default: samples-jsonl or "
                                                       "paper-json, told apart by the file)"),
         arg("--prompts", help="codet-jsonl: JSON Lines of {task_id, prompt} naming each prompt's task"),
         arg("--out", required=True, help="verdicts, one JSON object per line"),
         arg("--data", help="local benchmark file (default: the Hugging Face hub)"),
         arg("--truncate", action="store_true", help="cut completions at the benchmark's stop sequences"),
         arg("--timeout", type=float, help="most CPU seconds per program (APPS: per test case)"),
         arg("--workers", type=int, default=max(1, os.cpu_count() or 1)), *TIME_POLICY)
def evaluate(a):
    from .execution.evaluate import evaluate_file, pass_at_k_report

    verdicts, problems = evaluate_file(a.benchmark, a.samples, a.out, data=a.data, fmt=a.format, prompts=a.prompts,
                                       truncate=a.truncate, timeout=a.timeout, policy=_time_policy(a),
                                       workers=a.workers)
    print(f"{len(verdicts)} samples of {verdicts['task_id'].nunique()}/{problems} {a.benchmark} problems -> {a.out}")
    print(verdicts["status"].value_counts().to_string())
    for k, value in pass_at_k_report(verdicts).items():
        print(f"pass@{k}: {100 * value:.2f}%")


# --------------------------------------------------------------------------- costs
@command("flops", "FLOPs of one forward pass (calflops, meta device).", arg("--architecture", required=True),
         arg("--input-length", type=int, default=default("costs", "flops_input_length")), OUT)
def flops(a):
    from .costs.flops import count_flops

    result = count_flops(a.architecture, a.input_length)
    write_json(result, a.out)
    print(f"{result['flops'] / 1e12:.4f} TFLOPs per forward of {a.input_length} tokens -> {a.out}")


@command("walltime", "Wall-time profile: best batch size, then a timed run.",
         arg("--source", required=True), arg("--prompts", required=True), OUT,
         arg("--samples", type=int, default=default("costs", "walltime_samples")),
         arg("--new-tokens", type=int, default=default("costs", "walltime_new_tokens")),
         arg("--batch-sizes", type=int, nargs="+", default=default("costs", "walltime_batch_sizes")),
         arg("--device", default=default("costs", "walltime_device")),
         arg("--dtype", default=default("models", "*", "dtype")), arg("--seed", type=int, default=default("seed")))
def walltime(a):
    from .costs.walltime import profile_file

    result = profile_file(source=a.source, prompts_path=a.prompts, samples=a.samples, new_tokens=a.new_tokens,
                          batch_sizes=a.batch_sizes, required_device=a.device, dtype=a.dtype, seed=a.seed, out=a.out)
    print(result if not result["measured"] else f"{result['seconds']:.2f} s for {a.samples} samples")


@command("costs", "A model's per-sample costs: from its profiles, or as measured in a generation run "
                  "(--generations).",
         arg("--flops", required=True), OUT,
         arg("--walltime", help="the wall-time profile (the paper's constant cost)"),
         arg("--generations", help="a gathered generations file (measured costs)"),
         arg("--paper-name", help="whose Table 1 time stands in where nothing better is known"),
         arg("--stated", type=json.loads, help="JSON: seconds_per_sample, devices, source of generations made elsewhere"),
         arg("--time-unit", default=default("costs", "time_unit"), choices=["device-seconds", "seconds"]))
def costs(a):
    from .costs import measured_costs, model_costs

    if a.generations:
        result = measured_costs(a.generations, read_json(a.flops), a.stated, a.time_unit)
    else:
        result = model_costs(read_json(a.flops), read_json(a.walltime) if a.walltime else None, a.paper_name, a.stated,
                             a.time_unit)
    result.write(a.out)


@command("run-costs", "A run's budget axes: the model's costs, idealized times on accelerators, dollars.", SPEC, OUT)
def run_costs(a):
    from .costs.axes import write_run_costs

    write_run_costs(a.spec, a.out)


@command("predict-throughput", "The roofline's generated tokens/s for a static batch, as JSON (to hold against "
         "a measurement of your own).",
         arg("--architecture", required=True, help="a config.json (resources/models/*.json)"),
         arg("--accelerator", required=True, help="a name of resources/accelerators.yaml"),
         arg("--batch", type=int, required=True), arg("--input-tokens", type=int, required=True),
         arg("--output-tokens", type=int, required=True), arg("--devices", type=int, default=1),
         arg("--dtype", default="bf16", choices=["fp8", "fp16", "bf16", "fp32"]),
         arg("--calibrated", action="store_true", help="at the accelerator's calibrated efficiency, not the ideal"),
         arg("--engine", default=default("costs", "engine"), choices=["calibrated", "efficient", "as-written"]))
def predict_throughput(a):
    from .costs.axes import ENGINES
    from .costs.roofline import predict_throughput

    print(json.dumps(predict_throughput(a.architecture, a.accelerator, batch=a.batch, input_tokens=a.input_tokens,
                                        output_tokens=a.output_tokens, devices=a.devices, dtype=a.dtype,
                                        calibrated=a.calibrated, engine=ENGINES[a.engine]), indent=1))


@command("calibrate", "Fit the roofline's efficiency to measured throughput; every row's error, in the fit and "
         "left out.",
         arg("--models", default="resources/models", help="the architectures the measured rows name"),
         arg("--published", help="measured_throughput.csv (../shared/data/throughput)"),
         arg("--wizardcoder", help="the WizardCoder authors' folder: wizard_he_throughput.csv and answer/"),
         arg("--profile", nargs=3, action="append", default=[], metavar=("MODEL", "WALLTIME_JSON", "ARCHITECTURE"),
             help="a wall-time profile of this run (costs.walltime) and the model's architecture"),
         arg("--json-out", required=True), arg("--csv-out", required=True))
def calibrate(a):
    from pathlib import Path

    from .costs.axes import CHARS_PER_TOKEN
    from .costs.calibration import measured_sets, write_calibration

    sets, skipped = measured_sets(models=Path(a.models), published=a.published,
                                  wizardcoder=a.wizardcoder,
                                  profiles={m: p for m, p, _ in a.profile}, architectures={m: f for m, _, f in a.profile},
                                  chars_per_token=CHARS_PER_TOKEN)
    report = write_calibration(sets, skipped, a.json_out, a.csv_out)
    for one in report["sets"]:
        print(f"{one['name']}: {one['rows']} rows, {one['efficiency']}; |error| median {one['fit_median_error']:.1%}, "
              f"worst {one['fit_worst_error']:.1%}; left out: median {one['left_out_median_error']:.1%}, "
              f"worst {one['left_out_worst_error']:.1%}")


# --------------------------------------------------------------------------- metrics
@command("pass-at-k", "pass@k for every k from execution verdicts or per-problem counts, with 95%% bootstrap bands.",
         arg("--sampled", required=True, help="executions.parquet, or a counts CSV (task_id, n, c)"),
         arg("--greedy", help="the greedy run's executions.parquet or counts CSV"),
         arg("--model", help="a counts CSV with a model column: this model's rows"),
         arg("--problems", help="the benchmark's problems.parquet: a counts CSV must count each of them"),
         SUBSET,
         arg("--resamples", type=int, default=default("bootstrap", "resamples"), help="bootstrap resamples"),
         arg("--seed", type=int, default=default("seed"), help="seed of the bootstrap"), OUT,
         arg("--counts-out", required=True, help="the run's per-problem counts (task_counts.csv)"))
def pass_at_k(a):
    from .metrics.curves import write_pass_at_k

    table = write_pass_at_k(a.sampled, a.greedy, a.model, resamples=a.resamples, seed=a.seed, out=a.out,
                            counts_out=a.counts_out, problems=a.problems, subset=a.subset)
    print(table.head(5).to_string())


@command("budget", "Budget curves, paired comparisons and cost to match of a family on one benchmark.", SPEC, OUT,
         arg("--pairs-out", required=True), arg("--match-out", required=True))
def budget(a):
    from .metrics.family import write_family

    write_family(a.spec, a.out, a.pairs_out, a.match_out)


@command("extrapolate", "pass@k beyond n/2 from a run's per-problem counts, with bootstrap intervals.",
         arg("--counts", required=True, help="task_counts.csv"), OUT,
         arg("--factor", type=float, default=default("extrapolation", "factor"), help="up to k = factor x n/2"),
         arg("--resamples", type=int, default=default("extrapolation", "resamples")),
         arg("--seed", type=int, default=default("seed")))
def extrapolate(a):
    from .metrics.extrapolation import write_extrapolation

    write_extrapolation(a.counts, a.out, factor=a.factor, resamples=a.resamples, seed=a.seed)


@command("counts", "Per-problem sample and pass counts of every run on a benchmark.", SPEC, OUT)
def counts(a):
    from .reporting import counts_from_spec

    counts_from_spec(a.spec, a.out)


@command("paper-claims", "The claims table on the paper's own published numbers (Tables 1-4).", OUT,
         *[arg(f"--{key.replace('_', '-')}", type=float, default=default("budgets", key))
           for key in ("log2_min", "log2_max")],
         arg("--steps-per-octave", type=int, default=default("budgets", "steps_per_octave")))
def paper_claims(a):
    from .io import write_csv
    from .metrics.budget import log2_budget_grid
    from .metrics.comparisons import paper_claims

    write_csv(paper_claims(log2_budget_grid(a.log2_min, a.log2_max, a.steps_per_octave)), a.out)


# --------------------------------------------------------------------------- ranking
SCORING = [arg("--problems", required=True), arg("--generations", required=True), arg("--source", required=True),
           OUT, arg("--dtype", default=default("models", "*", "dtype")), arg("--device", default=default("device")),
           arg("--batch-size", type=int, default=default("ranking", "batch_size"))]


def _score(a, scorer: str) -> None:
    from .ranking.scoring import score_samples

    score_samples(scorer=scorer, problems_path=a.problems, generations_path=a.generations, source=a.source,
                  dtype=a.dtype, device=a.device, batch_size=a.batch_size, out=a.out)


@command("rank-nll", "Mean NLL of each sample under a ranker model.", *SCORING)
def rank_nll(a):
    _score(a, "nll")


@command("verify", "A verifier's log P(correct) for each sample.", *SCORING)
def verify(a):
    _score(a, "verifier")


@command("rank-score", "rank-score@k and its budget form per ranker.", SPEC, OUT)
def rank_score(a):
    from .io import write_csv
    from .ranking.report import rank_score_report

    write_csv(rank_score_report(a.spec), a.out)


# --------------------------------------------------------------------------- selection without tests
@command("generated-tests", "A model's own generated tests per problem, parsed.", SPEC, OUT)
def generated_tests(a):
    from .ranking.generated_tests import write_tests

    spec = a.spec
    write_tests(fmt=spec["format"], files=spec["test_files"], prompts=spec.get("prompts_file"),
                records_path=spec["records"], generations_path=spec["generations"], limit=spec["limit"], out=a.out)


@command("probe", "Every distinct program of a shard run against its model's own tests (in the sandbox).",
         arg("--problems", required=True), arg("--generations", required=True), arg("--tests", required=True), OUT,
         arg("--shard", type=int, required=True), arg("--shard-size", type=int, required=True),
         arg("--test-timeout", type=float, default=default("selection", "test_timeout_s")),
         arg("--timeout", type=float, default=default("selection", "probe_timeout_s"),
             help="most CPU seconds for all the tests of one program"),
         arg("--memory-mb", type=int, default=default("execution", "memory_mb")),
         arg("--max-output-kb", type=int, default=default("execution", "max_output_kb")),
         arg("--max-processes", type=int, default=default("execution", "max_processes")),
         arg("--workers", type=int, default=1))
def probe(a):
    from .execution.job import Limits
    from .execution.probe import probe_shard

    limits = Limits(timeout_s=a.timeout, memory_mb=a.memory_mb, max_output_kb=a.max_output_kb,
                    max_processes=a.max_processes)
    frame = probe_shard(problems_path=a.problems, generations_path=a.generations, tests_path=a.tests, out=a.out,
                        limits=limits, test_timeout_s=a.test_timeout, workers=a.workers, shard=a.shard,
                        shard_size=a.shard_size)
    print(frame["status"].value_counts().to_string())


@command("select", "Selection without the benchmark's tests at the same budget: table and figure.", SPEC, OUT,
         *FIGURE_FILES)
def select(a):
    from .figures.selection import selection_figure
    from .ranking.selection import write_selection

    table = write_selection(a.spec, a.out)
    selection_figure(table, a.spec["labels"], a.spec["title"], a.pdf, a.png)


# --------------------------------------------------------------------------- figures and tables
@command("figure-budget", "Draw a budget figure (Figures 2-6, 10-11 and ours).", SPEC, *FIGURE_FILES)
def figure_budget(a):
    from .reporting import budget_figure_from_spec

    budget_figure_from_spec(a.spec, a.pdf, a.png)


@command("figure-ranking", "Draw a ranking figure (Figures 8-9).", SPEC, *FIGURE_FILES)
def figure_ranking(a):
    from .reporting import ranking_figure_from_spec

    ranking_figure_from_spec(a.spec, a.pdf, a.png)


@command("table-costs", "Write Table 1 (costs per sample).", SPEC, *TABLE_FILES)
def table_costs(a):
    from .reporting import cost_table_from_spec

    cost_table_from_spec(a.spec, a.csv, a.md, a.tex, a.html)


@command("table-passk", "Write a pass@k table (Tables 2-4).", SPEC, *TABLE_FILES)
def table_passk(a):
    from .reporting import passk_table_from_spec

    passk_table_from_spec(a.spec, a.csv, a.md, a.tex, a.html)


@command("crossover", "The best model at each budget and its margin; the paper's claim checked; cost to match.",
         SPEC, OUT, arg("--claims-out", required=True), arg("--match-out", required=True),
         arg("--summary-out", required=True))
def crossover(a):
    from .reporting import crossover_from_spec

    crossover_from_spec(a.spec, a.out, a.claims_out, a.match_out, a.summary_out)


# --------------------------------------------------------------------------- entry point
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="budget-realloc", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, handler, arguments) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=handler)
        for flags, options in arguments:
            p.add_argument(*flags, **options)
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (UserError, FileNotFoundError) as error:
        print(f"budget-realloc {args.command}: error: {error}", file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
