"""``budget-realloc``: one subcommand per workflow step, each usable by hand as well.

The Snakemake rules are one line each: they call these subcommands with the paths and settings
of one job.  Subcommands that combine many files (figures, tables) take a JSON ``--spec``.
Errors a user can fix (a bad file, a bad setting) end with one line naming the cause.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import InputError, UserError
from .generation.sample_files import READERS
from .io import read_json, read_parquet, write_json, write_parquet


def _spec(text: str) -> dict:
    return json.loads(text)


# --------------------------------------------------------------------------- data
def cmd_train_tokenizer(a):
    from .tiny_models import train_tokenizer

    train_tokenizer(a.out, a.vocab_size, a.corpus_bytes)


def cmd_build_model(a):
    from .tiny_models import build_model

    build_model(a.architecture, a.tokenizer, a.out, a.seed, a.name)


def cmd_prepare(a):
    import pandas as pd

    from .benchmarks import load_problems

    problems = load_problems(a.kind, a.path, a.hub, a.difficulty, a.limit, a.fewshot)
    if a.expect is not None and len(problems) != a.expect:
        raise InputError(f"the benchmark has {len(problems)} problems where the workflow planned "
                         f"{a.expect}; its source changed since planning — run again to re-plan")
    write_parquet(pd.DataFrame([p.to_row() for p in problems]), a.out,
                  metadata={"kind": a.kind, "source": a.path or a.hub, "difficulty": a.difficulty})
    print(f"{len(problems)} problems -> {a.out}")


# --------------------------------------------------------------------------- generation
def cmd_generate(a):
    from .generation.sampling import Sampling
    from .generation.shard import generate_shard

    sampling = Sampling(a.temperature, a.top_p, a.max_new_tokens)
    frame = generate_shard(problems_path=a.problems, shard=a.shard, shard_size=a.shard_size, out=a.out,
                           model=a.model, source=a.source, benchmark=a.benchmark, n=a.n, sampling=sampling,
                           seed=a.seed, backend=a.backend, dtype=a.dtype, device=a.device,
                           batch_size=a.batch_size)
    print(f"{len(frame)} samples, {int(frame['finished'].sum())} finished -> {a.out}")


def cmd_import(a):
    from .generation.shard import import_generations

    frame = import_generations(problems_path=a.problems, out=a.out, fmt=a.format, files=a.files, n=a.n,
                               truncate=a.truncate, prompts=a.prompts)
    print(f"{len(frame)} samples of {frame['task_id'].nunique()} tasks -> {a.out}")


def cmd_gather(a):
    from .generation.shard import gather_shards

    frame = gather_shards(a.inputs, a.out, a.problems, a.n, exact=not a.at_most)
    print(f"{len(frame)} rows from {len(a.inputs)} shards -> {a.out}")


# --------------------------------------------------------------------------- execution
def _time_policy(a):
    from .execution.job import TimePolicy

    return TimePolicy(factor=a.reference_factor, floor_s=a.min_timeout)


def cmd_execute(a):
    from .execution.job import Limits
    from .execution.shard import execute_shard

    limits = Limits(timeout_s=a.timeout, memory_mb=a.memory_mb, max_output_kb=a.max_output_kb,
                    max_processes=a.max_processes)
    frame = execute_shard(problems_path=a.problems, generations_path=a.generations, out=a.out,
                          limits=limits, policy=_time_policy(a), workers=a.workers, shard=a.shard,
                          shard_size=a.shard_size)
    print(frame["status"].value_counts().to_string())


def cmd_evaluate(a):
    from .benchmarks import load_problems
    from .config import KIND_DEFAULTS
    from .execution.job import Limits
    from .execution.evaluate import BENCHMARKS, evaluate, pass_at_k_report, read_samples_file
    from .io import write_text

    kind, difficulty = BENCHMARKS[a.benchmark]
    problems = {p.task_id: p for p in load_problems(kind, a.data, difficulty=difficulty)}
    samples = read_samples_file(a.samples, problems, a.format, a.prompts, a.truncate)
    timeout = a.timeout or KIND_DEFAULTS[kind].get("timeout_s", 10.0)
    verdicts = evaluate(samples, problems, Limits(timeout_s=timeout), _time_policy(a), a.workers)
    write_text("".join(json.dumps(row) + "\n" for row in verdicts.to_dict("records")), a.out)
    tasks = verdicts["task_id"].nunique()
    print(f"{len(verdicts)} samples of {tasks}/{len(problems)} {a.benchmark} problems -> {a.out}")
    print(verdicts["status"].value_counts().to_string())
    for k, value in pass_at_k_report(verdicts).items():
        print(f"pass@{k}: {100 * value:.2f}%")


# --------------------------------------------------------------------------- costs
def cmd_flops(a):
    from .costs.flops import count_flops

    result = count_flops(a.architecture, a.input_length)
    write_json(result, a.out)
    print(f"{result['flops'] / 1e12:.4f} TFLOPs per forward of {a.input_length} tokens -> {a.out}")


def cmd_walltime(a):
    from .costs.walltime import profile_walltime

    from .benchmarks.records import read_local

    prompts = [record["prompt"] for record in read_local(a.prompts)]
    result = profile_walltime(source=a.source, prompts=prompts, samples=a.samples, new_tokens=a.new_tokens,
                              batch_sizes=a.batch_sizes, required_device=a.device, dtype=a.dtype, seed=a.seed)
    write_json(result, a.out)
    print(result if not result["measured"] else f"{result['seconds']:.2f} s for {a.samples} samples")


def cmd_costs(a):
    from .costs import measured_costs, model_costs

    stated = _spec(a.stated) if a.stated else None
    if a.generations:
        costs = measured_costs(a.generations, read_json(a.flops), stated)
    else:
        costs = model_costs(read_json(a.flops), read_json(a.walltime) if a.walltime else None, a.paper_name, stated)
    costs.write(a.out)


# --------------------------------------------------------------------------- metrics
def cmd_pass_at_k(a):
    from .io import write_csv
    from .metrics.curves import pass_at_k_table, run_counts

    table = pass_at_k_table(run_counts(a.sampled, "sampled", a.model),
                            run_counts(a.greedy, "greedy", a.model) if a.greedy else None,
                            resamples=a.resamples, seed=a.seed)
    write_csv(table, a.out)
    print(table.head(5).to_string())


def cmd_budget(a):
    import pandas as pd

    from .io import write_csv
    from .metrics import log2_budget_grid
    from .metrics.curves import budget_curves

    from .costs import Costs

    spec = _spec(a.spec)
    tables = {m: pd.read_csv(f) for m, f in spec["pass_at_k"].items()}
    costs = {m: Costs.read(f) for m, f in spec["costs"].items()}
    grid = log2_budget_grid(spec["log2_min"], spec["log2_max"], spec["steps_per_octave"])
    write_csv(budget_curves(tables, costs, grid), a.out)


# --------------------------------------------------------------------------- ranking
def _score_samples(a, load_model, score) -> None:
    """Score every sample of a generations file with one model, timed; the scores of ``score``
    (a dict of columns) are written beside task_id and sample_id."""
    import time

    import pandas as pd
    from tqdm import tqdm

    from .execution.shard import load_problem_index
    from .hf import load_tokenizer

    problems = load_problem_index(a.problems)
    generations = read_parquet(a.generations)
    tokenizer = load_tokenizer(a.source)
    model, device = load_model(a.source, a.dtype, a.device)
    prompts = [problems[t].prompt for t in generations["task_id"]]
    began = time.perf_counter()
    with tqdm(total=len(prompts), unit="sample", mininterval=5, desc="score") as bar:
        columns = score(model, tokenizer, device, prompts, generations["completion"].tolist(), a.batch_size,
                        bar.update)
    seconds = time.perf_counter() - began
    frame = pd.DataFrame({"task_id": generations["task_id"], "sample_id": generations["sample_id"], **columns})
    write_parquet(frame, a.out, metadata={"source": a.source, "seconds": seconds,
                                          "seconds_per_sample": seconds / max(1, len(frame))})


def cmd_rank_nll(a):
    from .hf import load_causal_lm
    from .ranking.nll import mean_nll

    def score(*args):
        nll, tokens = mean_nll(*args)
        return {"nll": nll, "n_tokens": tokens}

    _score_samples(a, load_causal_lm, score)


def cmd_verify(a):
    from .hf import load_classifier
    from .ranking.verifier import verifier_log_probs

    _score_samples(a, load_classifier, lambda *args: {"log_p_correct": verifier_log_probs(*args)})


def cmd_rank_score(a):
    from .io import write_csv
    from .ranking.report import rank_score_report

    write_csv(rank_score_report(_spec(a.spec)), a.out)


# --------------------------------------------------------------------------- figures and tables
def cmd_figure_budget(a):
    from .reporting import budget_figure_from_spec

    budget_figure_from_spec(_spec(a.spec), a.pdf, a.png)


def cmd_figure_ranking(a):
    from .reporting import ranking_figure_from_spec

    ranking_figure_from_spec(_spec(a.spec), a.pdf, a.png)


def cmd_table_costs(a):
    from .reporting import cost_table_from_spec

    cost_table_from_spec(_spec(a.spec), a.csv, a.md, a.tex, a.html)


def cmd_table_passk(a):
    from .reporting import passk_table_from_spec

    passk_table_from_spec(_spec(a.spec), a.csv, a.md, a.tex, a.html)


def cmd_counts(a):
    from .reporting import counts_from_spec

    counts_from_spec(_spec(a.spec), a.out)


def cmd_crossover(a):
    from .reporting import crossover_from_spec

    crossover_from_spec(_spec(a.spec), a.out)


# --------------------------------------------------------------------------- parser
def add_time_policy(parser) -> None:
    parser.add_argument("--reference-factor", type=float, default=50.0,
                        help="time limit = this x the reference solution's CPU time (0: always --timeout)")
    parser.add_argument("--min-timeout", type=float, default=0.25, help="never less CPU seconds than this")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="budget-realloc", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name, func, help_text):
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        return p

    p = command("train-tokenizer", cmd_train_tokenizer, "Train the byte-level BPE tokenizer of the tiny models.")
    p.add_argument("--out", required=True)
    p.add_argument("--vocab-size", type=int, default=4096)
    p.add_argument("--corpus-bytes", type=int, default=4_000_000)

    p = command("build-model", cmd_build_model, "Build a model with random weights from an architecture JSON.")
    p.add_argument("--name", required=True)
    p.add_argument("--architecture", required=True)
    p.add_argument("--tokenizer", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)

    p = command("prepare", cmd_prepare, "Load a benchmark and write its problems as Parquet.")
    p.add_argument("--kind", required=True, choices=["humaneval", "mbpp", "apps"])
    p.add_argument("--path")
    p.add_argument("--hub")
    p.add_argument("--difficulty")
    p.add_argument("--limit", type=int)
    p.add_argument("--fewshot")
    p.add_argument("--expect", type=int)
    p.add_argument("--out", required=True)

    p = command("generate", cmd_generate, "Generate the samples of one shard of problems.")
    for flag in ("--problems", "--benchmark", "--model", "--source", "--out"):
        p.add_argument(flag, required=True)
    for flag in ("--shard", "--shard-size", "--n", "--max-new-tokens"):
        p.add_argument(flag, type=int, required=True)
    p.add_argument("--temperature", type=float, required=True)
    p.add_argument("--top-p", type=float, default=0.95)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--backend", default="hf", choices=["hf", "vllm"])
    p.add_argument("--dtype", default="auto")
    p.add_argument("--device", default="auto")
    p.add_argument("--batch-size", type=int, default=64)

    p = command("import", cmd_import, "Generations made elsewhere, read from their files.")
    for flag in ("--problems", "--out"):
        p.add_argument(flag, required=True)
    p.add_argument("--n", type=int, required=True, help="samples per problem: the first n in file order")
    p.add_argument("--format", required=True, choices=sorted(READERS))
    p.add_argument("--truncate", action="store_true", help="cut completions at the benchmark's stop sequences")
    p.add_argument("--prompts", help="codet-jsonl: JSON Lines of {task_id, prompt} naming each prompt's task")
    p.add_argument("files", nargs="+")

    p = command("gather", cmd_gather, "Concatenate shard files into one Parquet file.")
    p.add_argument("--out", required=True)
    p.add_argument("--problems", help="with --n: check that every task has its samples, each once")
    p.add_argument("--n", type=int, help="samples per task")
    p.add_argument("--at-most", action="store_true", help="tasks may have fewer than --n samples (made elsewhere)")
    p.add_argument("inputs", nargs="+")

    p = command("execute", cmd_execute, "Run every sample of a generations file against its tests.")
    for flag in ("--problems", "--generations", "--out"):
        p.add_argument(flag, required=True)
    p.add_argument("--timeout", type=float, default=10.0, help="most CPU seconds per program")
    add_time_policy(p)
    p.add_argument("--memory-mb", type=int, default=2048)
    p.add_argument("--max-output-kb", type=int, default=1024)
    p.add_argument("--max-processes", type=int, default=16)
    p.add_argument("--workers", type=int, default=1)
    p.add_argument("--shard", type=int, help="only the samples of this shard of problems (with --shard-size)")
    p.add_argument("--shard-size", type=int)

    p = command("evaluate", cmd_evaluate, "Verdicts and pass@k for samples generated elsewhere.")
    p.add_argument("--benchmark", required=True, choices=["humaneval", "mbpp", "apps-introductory",
                                                          "apps-interview", "apps-competition"])
    p.add_argument("--samples", required=True, help="samples.jsonl (task_id + completion or solution), "
                                                    "or the paper's JSON ({task_id: {samples: [{generation}]}})")
    p.add_argument("--format", choices=sorted(READERS), help="the samples file's format (default: samples-jsonl "
                                                             "or paper-json, told apart by the file)")
    p.add_argument("--prompts", help="codet-jsonl: JSON Lines of {task_id, prompt} naming each prompt's task")
    p.add_argument("--out", required=True, help="verdicts, one JSON object per line")
    p.add_argument("--data", help="local benchmark file (default: the Hugging Face hub)")
    p.add_argument("--truncate", action="store_true", help="cut completions at the benchmark's stop sequences")
    p.add_argument("--timeout", type=float, help="most CPU seconds per program (APPS: per test case)")
    p.add_argument("--workers", type=int, default=max(1, os.cpu_count() or 1))
    add_time_policy(p)

    p = command("flops", cmd_flops, "FLOPs of one forward pass (calflops, meta device).")
    p.add_argument("--architecture", required=True)
    p.add_argument("--input-length", type=int, default=128)
    p.add_argument("--out", required=True)

    p = command("walltime", cmd_walltime, "Wall-time profile: best batch size, then a timed run.")
    for flag in ("--source", "--prompts", "--out"):
        p.add_argument(flag, required=True)
    p.add_argument("--samples", type=int, default=1000)
    p.add_argument("--new-tokens", type=int, default=256)
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32, 64, 128])
    p.add_argument("--device", default="cuda")
    p.add_argument("--dtype", default="auto")
    p.add_argument("--seed", type=int, default=0)

    p = command("costs", cmd_costs, "A model's per-sample costs: from its profiles (--walltime), "
                                    "or as measured in a generation run (--generations).")
    for flag in ("--flops", "--out"):
        p.add_argument(flag, required=True)
    source = p.add_mutually_exclusive_group()
    source.add_argument("--walltime", help="the wall-time profile (the paper's constant cost)")
    source.add_argument("--generations", help="a gathered generations file (measured costs)")
    p.add_argument("--paper-name", help="whose Table 1 time stands in where nothing better is known")
    p.add_argument("--stated", help="JSON: seconds_per_sample, devices, source of generations made elsewhere")

    p = command("pass-at-k", cmd_pass_at_k, "pass@k for every k from execution verdicts or per-problem counts, "
                                            "with 95% bootstrap bands.")
    p.add_argument("--sampled", required=True, help="executions.parquet, or a counts CSV (task_id, n, c)")
    p.add_argument("--greedy", help="the greedy run's executions.parquet or counts CSV")
    p.add_argument("--model", help="a counts CSV with a model column: this model's rows")
    p.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples of the problems")
    p.add_argument("--seed", type=int, default=0, help="seed of the bootstrap")
    p.add_argument("--out", required=True)

    for name, func, text in (("budget", cmd_budget, "Budget curves of a family on one benchmark."),
                             ("rank-score", cmd_rank_score, "rank-score@k and its budget form per ranker."),
                             ("crossover", cmd_crossover, "The best model at each budget, its margin and "
                                                          "whether the bands overlap."),
                             ("counts", cmd_counts, "Per-problem sample and pass counts of every run on a benchmark.")):
        p = command(name, func, text)
        p.add_argument("--spec", required=True, help="JSON")
        p.add_argument("--out", required=True)

    for name, func, text in (("rank-nll", cmd_rank_nll, "Mean NLL of each sample under a ranker model."),
                             ("verify", cmd_verify, "A verifier's log P(correct) for each sample.")):
        p = command(name, func, text)
        for flag in ("--problems", "--generations", "--source", "--out"):
            p.add_argument(flag, required=True)
        p.add_argument("--dtype", default="auto")
        p.add_argument("--device", default="auto")
        p.add_argument("--batch-size", type=int, default=16)

    for name, func in (("figure-budget", cmd_figure_budget), ("figure-ranking", cmd_figure_ranking)):
        p = command(name, func, f"Draw a {name.split('-')[1]} figure.")
        p.add_argument("--spec", required=True, help="JSON")
        p.add_argument("--pdf", required=True)
        p.add_argument("--png", required=True)

    for name, func in (("table-costs", cmd_table_costs), ("table-passk", cmd_table_passk)):
        p = command(name, func, f"Write a {name.split('-')[1]} table.")
        p.add_argument("--spec", required=True, help="JSON")
        for flag in ("--csv", "--md", "--tex", "--html"):
            p.add_argument(flag, required=True)
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
