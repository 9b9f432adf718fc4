"""Validate the config, derive the plan, and the few functions every rule file shares.

Each rule reads one job (budget_realloc.jobs), which the plan builds from the wildcards; the
rule declares the job's inputs and passes the job, serialised, as its one parameter to
``budget-realloc job``.  Nothing about a job is restated here.
"""

import shlex
import sys
from functools import lru_cache
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.settings.types import DeploymentMethod

PACKAGE_ROOT = str(Path(workflow.basedir) / "workflow")
sys.path.insert(0, PACKAGE_ROOT)

from budget_realloc import layout  # noqa: E402
from budget_realloc.config import ConfigError, validate_config  # noqa: E402
from budget_realloc.jobs import KINDS  # noqa: E402
from budget_realloc.jobs.reports import report_labels  # noqa: E402
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
# the one shell line of every rule, running its job with the threads Snakemake gives it
RUN_JOB = "python3 -m budget_realloc job {params.job:q} --threads {threads} > {log} 2>&1"


def _alternatives(names):
    """A wildcard pattern matching exactly these names (and nothing, if there are none)."""
    return "|".join(map(lambda s: s.replace(".", r"\."), names)) or "(?!x)x"


wildcard_constraints:
    benchmark=_alternatives(PLAN.benchmarks),
    model="[A-Za-z0-9][A-Za-z0-9._-]*",
    decoding="|".join(layout.DECODINGS),
    shard=r"\d{4}",


@lru_cache(maxsize=None)
def _job(kind, build, items):
    cls = KINDS[kind]
    return getattr(cls, build)(PLAN, **dict(items))


def job(kind, build="of", only=None):
    """The job of a rule's wildcards (``only``: the wildcards its builder takes)."""
    def of(wildcards):
        items = tuple((k, v) for k, v in wildcards.items() if only is None or k in only)
        return _job(kind, build, items)
    return of


def inputs(kind, build="of", only=None):
    """A rule's ``input:`` (with ``unpack``): its job's input files."""
    return lambda wildcards: job(kind, build, only)(wildcards).inputs()


def serialised(kind, build="of", only=None):
    """A rule's ``params: job=``."""
    return lambda wildcards: job(kind, build, only)(wildcards).to_json()


# -------------------- cluster resources (budget_realloc.cluster; workflow/profiles/slurm)
def resource(kind, key, only=None):
    """One entry of the job's cluster request (Snakemake wants one callable per key)."""
    return lambda wildcards, threads: job(kind, only=only)(wildcards).resources(threads, config["cluster"])[key]


def short_jobs(group, kind, threads, only=None):
    """A ``group`` directive for jobs that may be short (greedy shards, small models).  Those
    estimated at most cluster.SHORT_JOB_MIN minutes share SLURM jobs, as many as the profile's
    ``group-components`` of ``group`` allows; long ones get a SLURM job each.  Local runs ignore
    groups.  (A group callable gets no ``threads``, so the job's threads are passed here.)"""
    from budget_realloc import cluster

    return lambda wc: group if resource(kind, "runtime", only)(wc, threads) <= cluster.SHORT_JOB_MIN else None


def built_model(model):
    """The model directory a job needs if the model is built here (hub models: nothing)."""
    return layout.MODEL_DIR.format(model=model) if PLAN.model(model).build else []


def table_outputs(subcategory):
    """A table's files; the HTML one is shown in the report (snakemake --report)."""
    files = {ext: layout.TABLE.replace("{ext}", ext) for ext in layout.TABLE_FORMATS}
    files["html"] = report(files["html"], caption="../report/table.rst", category="Tables",
                           subcategory=subcategory, labels=lambda wc: {"table": f"Table {wc.table[5:]}"})
    return files


BUDGET_FIGURES = [f.figure for f in PLAN.budget_figures()]
