"""Selection without the benchmark's tests: each model's own generated tests parsed, every
distinct program probed against them in the sandbox (shard by shard), and per benchmark the
selectors, cascades and single samples compared at the same budget (table and figure).

Probing is the longest stage of a released run (every program against ~250 model-written tests
and calls); its jobs yield to every other job (priority), so the budget figures, tables and
crossover of the same run come first."""

PROBE_PRIORITY = -10


rule generated_tests:
    input: unpack(inputs("generated-tests"))
    output: layout.GENERATED_TESTS
    params: job=serialised("generated-tests")
    priority: PROBE_PRIORITY
    log: f"{LOGS}/{{benchmark}}/{{model}}/selection/tests.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule probe_shard:
    input: unpack(inputs("probe"))
    output: layout.PROBES_SHARD
    params: job=serialised("probe")
    wildcard_constraints: decoding="sampled"
    priority: PROBE_PRIORITY
    threads: config["execution"]["threads"]
    resources:
        mem_mb=resource("probe", "mem_mb"),
        runtime=resource("probe", "runtime"),
    log: f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/probe-{{shard}}.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule selection:
    input: unpack(inputs("select"))
    output:
        table=layout.SELECTION,
        pdf=layout.SELECTION_FIGURE.replace("{ext}", "pdf"),
        png=report(layout.SELECTION_FIGURE.replace("{ext}", "png"), caption="../report/selection_figure.rst",
                   category="Figures", subcategory="Selection without the benchmark's tests"),
    params: job=serialised("select")
    log: f"{LOGS}/{{benchmark}}/selection.log"
    conda: "../../envs/plot.yaml"
    shell: RUN_JOB
