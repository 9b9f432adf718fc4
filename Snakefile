"""budget-realloc: under a fixed compute budget, sample a small code LLM many times or a large one once?

Reproduces every table and figure of Hassid et al., "The Larger the Better? Improved LLM
Code-Generation via Budget Reallocation" (COLM 2024).  Without --configfile the embedded
default (config/offline.yaml) runs: tiny random models, offline, on a CPU, in minutes.
"""

from snakemake.utils import min_version

min_version("9.0")


report: "workflow/report/workflow.rst"


if not config:

    configfile: "config/offline.yaml"


include: "workflow/rules/common.smk"
include: "workflow/rules/data.smk"
include: "workflow/rules/generate.smk"
include: "workflow/rules/execute.smk"
include: "workflow/rules/costs.smk"
include: "workflow/rules/metrics.smk"
include: "workflow/rules/rank.smk"
include: "workflow/rules/select.smk"
include: "workflow/rules/policies.smk"
include: "workflow/rules/figures.smk"
include: "workflow/rules/tables.smk"


rule all:
    default_target: True
    input:
        PLAN.targets(),
