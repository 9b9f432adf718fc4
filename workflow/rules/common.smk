"""Validate the config, derive the plan, and the input functions every rule file shares.

The logic lives in the package: budget_realloc.plan (runs, shards, targets) and
budget_realloc.specs (what each figure, table and budget job reads); these functions only look
things up for one job's wildcards.
"""

import json
import shlex
import sys
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod

PACKAGE_ROOT = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_ROOT)

from budget_realloc import cluster, layout, paper, specs  # noqa: E402
from budget_realloc.config import ConfigError, validate_config  # noqa: E402
from budget_realloc.plan import Plan  # noqa: E402

try:
    # the schema (config/schema.yaml) with the defaults filled in, and every cross-reference
    _checked = validate_config(config)
    config.clear()
    config.update(_checked)
    PLAN = Plan(config)
except ConfigError as error:
    raise WorkflowError(str(error)) from None
for _name, _why in PLAN.dropped.items():
    logger.warning(f"benchmark {_name} left out: {_why}")

# Rules run the package's CLI, `python3 -m budget_realloc`, from this checkout: with the
# interpreter running Snakemake (whether or not its venv is activated), or a conda
# environment's own python3 under --use-conda.
_PATH = "" if DeploymentMethod.CONDA in workflow.deployment_settings.deployment_method \
    else f"export PATH={shlex.quote(str(Path(sys.executable).parent))}:$PATH; "
shell.prefix(f"export PYTHONPATH={shlex.quote(PACKAGE_ROOT)}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; {_PATH}")  # formatted twice
LOGS = "results/logs"


def _alternatives(names):
    """A wildcard pattern matching exactly these names (and nothing, if there are none)."""
    return "|".join(map(lambda s: s.replace(".", r"\."), names)) or "(?!x)x"


wildcard_constraints:
    benchmark=_alternatives(PLAN.benchmarks),
    model="[A-Za-z0-9][A-Za-z0-9._-]*",
    decoding="|".join(layout.DECODINGS),
    shard=r"\d{4}",


def spec(obj) -> str:
    """A JSON spec for the subcommands that read many files (shell-quoted by {params.spec:q})."""
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
    model_spec = PLAN.model(model)
    return cluster.model_job(model_spec.get("architecture") or model_spec.get("build"), dtype=model_spec["dtype"],
                             device=device, batch=batch, new_tokens=new_tokens, tokens=tokens, threads=threads,
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


# -------------------- generate / import
def generation_params(wildcards):
    return PLAN.sampling(wildcards.benchmark, wildcards.model, wildcards.decoding)


def shard_files(wildcards):
    return [fill(layout.SHARD, wildcards, shard=shard) for shard in PLAN.shards(wildcards.benchmark)]


def sample_source(wildcards):
    return PLAN.source(wildcards.benchmark, wildcards.model)


def sample_files(wildcards):
    """The files a run made elsewhere reads for this decoding (and CodeT's prompt file)."""
    source = sample_source(wildcards)
    read = list(source.files) if wildcards.decoding == "sampled" else [source.greedy]
    return read + ([source.prompts] if source.prompts else [])


def subset_flag(wildcards):
    """--subset where the benchmark is cut to its first problems (a run made elsewhere covers all)."""
    return ["--subset"] if PLAN.benchmark(wildcards.benchmark).get("limit") else []


def import_args(wildcards):
    source = sample_source(wildcards)
    read = list(source.files) if wildcards.decoding == "sampled" else [source.greedy]
    return " ".join([f"--format {source.format}", *(["--truncate"] if source.truncate else []),
                     *subset_flag(wildcards), *([f"--prompts {shlex.quote(source.prompts)}"] if source.prompts else []),
                     *map(shlex.quote, read)])


def shard_generations(wildcards):
    """A shard's samples: its generation shard, or the whole file of a run made elsewhere."""
    if PLAN.source(wildcards.benchmark, wildcards.model) is not None:
        return fill(layout.GENERATIONS, wildcards)
    return fill(layout.GENERATIONS_SHARD, wildcards)


# -------------------- execute
def execution_limits(wildcards):
    bench, limits = PLAN.benchmark(wildcards.benchmark), config["execution"]
    keys = ("memory_mb", "max_output_kb", "max_processes", "reference_factor", "min_timeout_s")
    return {"timeout": bench["timeout_s"], **{k: limits[k] for k in keys}}


# -------------------- costs
def architecture_input(wildcards):
    architecture = PLAN.architecture(wildcards.model)
    return architecture if Path(architecture).is_file() else built_model_input(wildcards.model)


def cost_inputs(wildcards):
    """A model's constant costs read its FLOPs and, for a model with weights here, its wall-time
    profile; a model known only by its generations has its time stated in the config."""
    inputs = {"flops": layout.FLOPS.format(model=wildcards.model)}
    if "samples" not in PLAN.model(wildcards.model):
        inputs["walltime"] = layout.WALLTIME.format(model=wildcards.model)
    return inputs


def cost_args(wildcards, input):
    args = [f"--walltime {input.walltime}"] if "walltime" in input.keys() else []
    name = PLAN.paper_cost_name(wildcards.model)
    if name:
        args.append(f"--paper-name {shlex.quote(name)}")
    return " ".join(args + [stated_costs_args(wildcards)])


def stated_costs_args(wildcards):
    """The time a model known only by its generations is stated to take, and how it is charged."""
    stated = PLAN.model(wildcards.model).get("costs")
    return " ".join(([f"--stated {shlex.quote(spec(stated))}"] if stated else [])
                    + [f"--time-unit {config['costs']['time_unit']}"])


def calibration_inputs(wildcards):
    """The measured throughput the roofline is calibrated on (Plan.calibration_sources)."""
    sources = PLAN.calibration_sources()
    inputs = {"published": sources["published"]} if sources["published"] else {}
    if sources["wizardcoder"]:
        inputs["wizardcoder"] = sources["wizardcoder"]
    for model, architecture in sources["profiles"]:
        inputs[f"profile_{model}"] = layout.WALLTIME.format(model=model)
    return inputs


def calibration_args(wildcards, input):
    sources = PLAN.calibration_sources()
    args = [f"--published {input.published}"] if sources["published"] else []
    if sources["wizardcoder"]:
        args.append(f"--wizardcoder {input.wizardcoder}")
    args += [f"--profile {model} {input[f'profile_{model}']} {shlex.quote(architecture)}"
             for model, architecture in sources["profiles"]]
    return " ".join(args)


# -------------------- metrics
def bootstrap_args(wildcards):
    settings = PLAN.bootstrap(wildcards.benchmark)
    return f"--resamples {settings['resamples']} --seed {settings['seed']}"


def run_outcomes(wildcards):
    """What a run's pass@k is computed from, per decoding: its verdicts, or published counts
    (with the benchmark's problems, where it has them, to check and cut the counts by)."""
    source = PLAN.source(wildcards.benchmark, wildcards.model)
    if source is not None and source.counts:
        problems = {"problems": fill(layout.PROBLEMS, wildcards)} if PLAN.has_problems(wildcards.benchmark) else {}
        return {**problems, **{d: source.files[0] for d in PLAN.decodings(wildcards.benchmark, wildcards.model)}}
    return {d: fill(layout.EXECUTIONS, wildcards, decoding=d)
            for d in PLAN.decodings(wildcards.benchmark, wildcards.model)}


def pass_at_k_args(wildcards, input):
    args = [f"--sampled {input.sampled}"] + ([f"--greedy {input.greedy}"] if "greedy" in input.keys() else [])
    if "problems" in input.keys():
        args += [f"--problems {input.problems}", *subset_flag(wildcards)]
    return " ".join(args + [f"--model {wildcards.model}", bootstrap_args(wildcards)])


# -------------------- tables
def table_outputs(subcategory):
    """A table's files; the HTML one is shown in the report (snakemake --report)."""
    files = {ext: layout.TABLE.replace("{ext}", ext) for ext in layout.TABLE_FORMATS}
    files["html"] = report(files["html"], caption="../report/table.rst", category="Tables",
                           subcategory=subcategory, labels=lambda wc: {"table": f"Table {wc.table[5:]}"})
    return files


BUDGET_FIGURES = [f.figure for f in PLAN.budget_figures()]
