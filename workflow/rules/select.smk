"""Selection without the benchmark's tests: each model's own generated tests parsed, every
distinct program probed against them in the sandbox (shard by shard), and per benchmark the
selectors, cascades and single samples compared at the same budget (table and figure).

Probing is the longest stage of a released run (every program against ~250 model-written tests
and calls); its jobs yield to every other job (priority), so the budget figures, tables and
crossover of the same run come first."""

PROBE_PRIORITY = -10


rule generated_tests:
    input:
        lambda wc: specs.files(specs.generated_tests(PLAN, wc.benchmark, wc.model)),
    output:
        layout.GENERATED_TESTS,
    params:
        spec=lambda wc: spec(specs.generated_tests(PLAN, wc.benchmark, wc.model)),
    priority: PROBE_PRIORITY
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/selection/tests.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc generated-tests --spec {params.spec:q} --out {output} > {log} 2>&1"


rule probe_shard:
    input:
        problems=layout.PROBLEMS,
        generations=lambda wc: fill(layout.GENERATIONS, wc),
        tests=layout.GENERATED_TESTS,
    output:
        layout.PROBES_SHARD,
    params:
        shard_size=lambda wc: PLAN.benchmark(wc.benchmark)["shard_size"],
        limits=execution_limits,
        test_timeout=lambda wc: config["selection"]["test_timeout_s"],
        probe_timeout=lambda wc: config["selection"]["probe_timeout_s"],
    wildcard_constraints:
        decoding="sampled",
    priority: PROBE_PRIORITY
    threads: config["execution"]["threads"]
    resources:
        mem_mb=resource(execution_job, "mem_mb"),
        runtime=resource(execution_job, "runtime"),
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/probe-{{shard}}.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc probe --problems {input.problems} --generations {input.generations} --tests {input.tests}"
        " --shard {wildcards.shard} --shard-size {params.shard_size} --test-timeout {params.test_timeout}"
        " --timeout {params.probe_timeout} --memory-mb {params.limits[memory_mb]}"
        " --max-output-kb {params.limits[max_output_kb]} --max-processes {params.limits[max_processes]}"
        " --workers {threads} --out {output} > {log} 2>&1"


rule selection:
    input:
        lambda wc: specs.files(specs.selection(PLAN, wc.benchmark)),
    output:
        table=layout.SELECTION,
        pdf=layout.SELECTION_FIGURE.replace("{ext}", "pdf"),
        png=report(layout.SELECTION_FIGURE.replace("{ext}", "png"), caption="../report/selection_figure.rst",
                   category="Figures", subcategory="Selection without the benchmark's tests"),
    params:
        spec=lambda wc: spec(specs.selection(PLAN, wc.benchmark)),
    log:
        f"{LOGS}/{{benchmark}}/selection.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "python3 -m budget_realloc select --spec {params.spec:q} --out {output.table} --pdf {output.pdf} --png {output.png}"
        " > {log} 2>&1"
