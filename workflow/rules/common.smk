"""Validate the config, derive the plan, and the helpers every rule file shares."""

import json
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod
from snakemake.utils import validate

PACKAGE_ROOT = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_ROOT)

from budget_realloc import cluster, layout, paper  # noqa: E402
from budget_realloc.config import SCHEMA, ConfigError, Plan, validate_config  # noqa: E402

try:
    _checked = validate_config(config, SCHEMA)
except ConfigError as error:
    raise WorkflowError(str(error)) from None
validate(_checked, str(SCHEMA))
config.clear()
config.update(_checked)
PLAN = Plan(config)
for _name, _why in PLAN.dropped.items():
    logger.warning(f"benchmark {_name} left out: {_why}")

# Rules call `budget-realloc`, the package's CLI, run from this checkout: with the interpreter
# running Snakemake (whether or not its venv is activated), or a conda environment's python.
_PYTHON = "python" if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method else sys.executable
_CLI = (f'budget-realloc() {{ PYTHONPATH={shlex.quote(PACKAGE_ROOT)}${{PYTHONPATH:+:$PYTHONPATH}} '
        f'{shlex.quote(_PYTHON)} -m budget_realloc "$@"; }}; ')
shell.prefix(_CLI.replace("{", "{{").replace("}", "}}"))  # Snakemake formats the prefix too
LOGS = "results/logs"


wildcard_constraints:
    benchmark="|".join(map(lambda s: s.replace(".", r"\."), PLAN.benchmarks)) or "^$",
    model="[A-Za-z0-9][A-Za-z0-9._-]*",
    decoding="|".join(layout.DECODINGS),
    shard=r"\d{4}",


def spec(obj) -> str:
    """A JSON spec for the figure/table/budget subcommands (shell-quoted by {params.spec:q})."""
    return json.dumps(obj, sort_keys=True)


def fill(template, wildcards, **extra):
    """A path template filled from a job's wildcards (and ``extra`` values)."""
    return template.format(**{**dict(wildcards.items()), **extra})


def built_model_input(model):
    """The model directory a job needs if the model is built here (hub models: nothing)."""
    return layout.MODEL_DIR.format(model=model) if "build" in PLAN.model(model) else []


# -------------------- cluster resources (budget_realloc.cluster; workflow/profiles/slurm)
def resource(compute, key):
    """One entry of ``compute(wildcards, threads)`` as a rule resource (Snakemake wants one callable per key)."""
    return lambda wildcards, threads: compute(wildcards, threads)[key]


def short_jobs(group, compute, threads):
    """A ``group`` directive for jobs that may be short (greedy shards, small models).  Those
    estimated at most cluster.SHORT_JOB_MIN minutes share SLURM jobs, as many as the profile's
    ``group-components`` of ``group`` allows; long ones get a SLURM job each.  Local runs ignore
    groups.  (A group callable gets no ``threads``, so the job's threads are passed here.)"""
    return lambda wildcards: group if compute(wildcards, threads)["runtime"] <= cluster.SHORT_JOB_MIN else None


def model_job(model, device, *, batch, new_tokens, tokens, threads):
    spec = PLAN.model(model)
    return cluster.model_job(spec.get("architecture") or spec.get("build"), dtype=spec["dtype"], device=device,
                             batch=batch, new_tokens=new_tokens, tokens=tokens, threads=threads,
                             cluster=config["cluster"])


def generation_job(wildcards, threads):
    sampling = PLAN.sampling(wildcards.benchmark, wildcards.model, wildcards.decoding)
    # shard_size bounds a shard's problems; one batch holds samples of several problems
    sequences = PLAN.benchmark(wildcards.benchmark)["shard_size"] * sampling["n"]
    return model_job(wildcards.model, config["device"], batch=min(PLAN.model(wildcards.model)["batch_size"], sequences),
                     new_tokens=sampling["max_new_tokens"], tokens=sequences * sampling["max_new_tokens"],
                     threads=threads)


def scoring_job(scorer):
    """A ranker's or verifier's forward passes over every sample of the generator on the benchmark.
    A ranker runs a problem's prompt once for all its samples (budget_realloc.ranking.nll); the
    verifier reads prompt and program together, sample by sample."""

    def job(wildcards, threads):
        sampling = PLAN.sampling(wildcards.benchmark, wildcards.model)
        n, new_tokens = sampling["n"], sampling["max_new_tokens"]
        per_problem = (cluster.PROMPT_TOKENS + n * new_tokens if scorer == "ranker"
                       else n * (cluster.PROMPT_TOKENS + new_tokens))
        tokens = PLAN.num_problems(wildcards.benchmark) * per_problem
        return model_job(wildcards[scorer], config["device"], batch=config["ranking"]["batch_size"],
                         new_tokens=new_tokens, tokens=tokens, threads=threads)

    return job


def walltime_job(wildcards, threads):
    costs = config["costs"]
    tokens = costs["walltime_samples"] * costs["walltime_new_tokens"] * len(costs["walltime_batch_sizes"])
    return model_job(wildcards.model, costs["walltime_device"], batch=max(costs["walltime_batch_sizes"]),
                     new_tokens=costs["walltime_new_tokens"], tokens=tokens, threads=threads)


def execution_job(wildcards, threads):
    bench = PLAN.benchmark(wildcards.benchmark)
    programs = bench["shard_size"] * PLAN.sampling(wildcards.benchmark, wildcards.model, wildcards.decoding)["n"]
    return cluster.execution_job(programs=programs, workers=threads, timeout_s=bench["timeout_s"],
                                 memory_mb=config["execution"]["memory_mb"])


# -------------------- data
def benchmark_files(wildcards):
    source = PLAN.problem_source(wildcards.benchmark)
    return [f for f in (source["path"], source["fewshot"]) if f]


def prepare_args(wildcards):
    source = PLAN.problem_source(wildcards.benchmark)
    return " ".join(f"--{key} {shlex.quote(str(value))}" for key, value in source.items() if value)


# -------------------- generate
def generation_params(wildcards):
    return PLAN.sampling(wildcards.benchmark, wildcards.model, wildcards.decoding)


def shard_files(wildcards):
    return [fill(layout.SHARD, wildcards, shard=shard) for shard in PLAN.shards(wildcards.benchmark)]


# -------------------- execute
def execution_limits(wildcards):
    bench, limits = PLAN.benchmark(wildcards.benchmark), config["execution"]
    keys = ("memory_mb", "max_output_kb", "max_processes", "reference_factor", "min_timeout_s")
    return {"timeout": bench["timeout_s"], **{k: limits[k] for k in keys}}


# -------------------- costs
def architecture_input(wildcards):
    architecture = PLAN.architecture(wildcards.model)
    return architecture if Path(architecture).is_file() else built_model_input(wildcards.model)


def paper_costs_arg(wildcards):
    name = PLAN.paper_cost_name(wildcards.model)
    return f"--paper-name {shlex.quote(name)}" if name else ""


# -------------------- metrics
def bootstrap_args(wildcards):
    settings = PLAN.bootstrap(wildcards.benchmark)
    return f"--resamples {settings['resamples']} --seed {settings['seed']}"


def greedy_executions(wildcards):
    if "greedy" not in PLAN.decodings():
        return []
    return fill(layout.EXECUTIONS, wildcards, decoding="greedy")


def family_pass_at_k(wildcards):
    models = PLAN.family_on(wildcards.benchmark, wildcards.family)
    return {m: layout.PASS_AT_K.format(benchmark=wildcards.benchmark, model=m) for m in models}


def family_costs(wildcards):
    return {m: PLAN.cost_file(wildcards.benchmark, m) for m in PLAN.family_on(wildcards.benchmark, wildcards.family)}


# -------------------- rank
def ranking_entry(wildcards):
    for entry in PLAN.rankings():
        if entry["benchmark"] == wildcards.benchmark and entry["generator"] == wildcards.model:
            return entry
    raise WorkflowError(f"no ranking of {wildcards.model} on {wildcards.benchmark} is configured")


def rank_score_files(wildcards, with_verifier):
    entry = ranking_entry(wildcards)
    files = {
        "generations": fill(layout.GENERATIONS, wildcards, decoding="sampled"),
        "executions": fill(layout.EXECUTIONS, wildcards, decoding="sampled"),
        "generator": entry["generator"],
        "nll": {r: fill(layout.NLL, wildcards, ranker=r) for r in entry["rankers"]},
        "costs": {m: PLAN.cost_file(wildcards.benchmark, m) for m in [entry["generator"], *entry["rankers"]]},
    }
    if with_verifier:
        files["verifier"] = {"file": fill(layout.VERIFIER_SCORES, wildcards, verifier=entry["verifier"]),
                             "flops": layout.FLOPS.format(model=entry["verifier"]),
                             "nll_weight": config["ranking"]["verifier"]["nll_weight"]}
    return files


def rank_score_inputs(wildcards):
    files = rank_score_files(wildcards, wildcards.variant == "verifier")
    return [files["generations"], files["executions"], *files["nll"].values(), *files["costs"].values(),
            *([files["verifier"]["file"], files["verifier"]["flops"]] if "verifier" in files else [])]


# -------------------- figures
BUDGET_FIGURES = {f.figure: f for f in PLAN.budget_figures()}


NEVER = "(?!x)x"


def budget_figure_inputs(wildcards):
    files = PLAN.budget_figure_spec(wildcards.figure)
    figure = BUDGET_FIGURES[wildcards.figure]
    return [*files["pass_at_k"].values(), *files["costs"].values(),
            layout.BUDGET.format(benchmark=figure.benchmark, family=figure.family),
            *(map(str, paper.FILES) if files["paper"] else [])]


RANKING_FIGURES = {"fig8": "nll", "fig9": "verifier"}


def ranking_figure_spec(wildcards):
    variant = RANKING_FIGURES[wildcards.figure]
    entries = [e for e in PLAN.rankings() if variant == "nll" or e["verifier"]]
    models = list(dict.fromkeys(m for e in entries for m in [e["generator"], *e["rankers"]]))
    generator = entries[0]["generator"]
    return {
        "title": f"Figure {wildcards.figure[3:]}: ranking {PLAN.label(generator)}'s samples without unit tests"
        + (" (NLL combined with a verifier)" if variant == "verifier" else " (mean NLL)"),
        "models": models,          # the config's order (the JSON spec sorts dict keys)
        "labels": {m: PLAN.label(m) for m in models},
        "panels": [{
            "title": PLAN.benchmark_title(e["benchmark"]),
            "rank_score": layout.RANK_SCORE.format(benchmark=e["benchmark"], model=e["generator"], variant=variant),
            "pass_at_k": {m: layout.PASS_AT_K.format(benchmark=e["benchmark"], model=m)
                          for m in [e["generator"], *e["rankers"]] if m in PLAN.benchmark(e["benchmark"])["n"]},
            "costs": {m: PLAN.cost_file(e["benchmark"], m) for m in [e["generator"], *e["rankers"]]},
        } for e in entries],
    }


def ranking_figure_inputs(wildcards):
    files = ranking_figure_spec(wildcards)
    return [f for panel in files["panels"]
            for f in [panel["rank_score"], *panel["pass_at_k"].values(), *panel["costs"].values()]]


# -------------------- tables
def table_outputs(subcategory):
    """A table's files; the HTML one is shown in the report (snakemake --report)."""
    files = {ext: layout.TABLE.replace("{ext}", ext) for ext in layout.TABLE_FORMATS}
    files["html"] = report(files["html"], caption="../report/table.rst", category="Tables",
                           subcategory=subcategory, labels=lambda wc: {"table": f"Table {wc.table[5:]}"})
    return files


def cost_table_spec(wildcards):
    families = {f: config["families"][f] for f in config["tables"]["table1"]["families"]}
    models = [m for members in families.values() for m in members]
    return {"families": families, "labels": {m: PLAN.label(m) for m in models},
            "costs": {m: layout.COSTS.format(model=m) for m in models},
            "walltime": {m: layout.WALLTIME.format(model=m) for m in models}}


def passk_table_spec(wildcards):
    table = config["tables"][wildcards.table]
    benchmarks = PLAN.passk_tables()[wildcards.table]
    rows = [(PLAN.benchmark(b).get("label", b), PLAN.label(m), layout.PASS_AT_K.format(benchmark=b, model=m))
            for b in benchmarks for family in table["families"] for m in PLAN.family_on(b, family)]
    names = ", ".join(PLAN.benchmark(b).get("label", b) for b in benchmarks)
    return {"rows": rows, "ks": table["ks"],
            "caption": f"Table {wildcards.table[5:]}: pass@k (%) on {names}; -- where k > n/2."}


def crossover_spec(wildcards):
    return {"curves": [{"benchmark": b, "family": f, "file": layout.BUDGET.format(benchmark=b, family=f),
                        "models": PLAN.family_on(b, f)} for b, f in PLAN.budget_curves()]}


# -------------------- report
def figure_report_labels(wildcards):
    """What the report's list of figures shows beside each one."""
    if wildcards.figure in BUDGET_FIGURES:
        figure = BUDGET_FIGURES[wildcards.figure]
        shows = f"{PLAN.benchmark_title(figure.benchmark)}; {', '.join(PLAN.label(m) for m in figure.models)}"
    else:
        shows = ", ".join(PLAN.benchmark_title(e["benchmark"]) for e in PLAN.rankings())
    return {"figure": f"Figure {wildcards.figure[3:]}", "shows": shows}
