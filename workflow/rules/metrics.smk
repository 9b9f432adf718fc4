"""Metrics: pass@k per run with its bootstrap band, the budget curves of each family on each
benchmark, and every executed run's per-problem counts."""


rule pass_at_k:
    input:
        unpack(run_outcomes),
    output:
        layout.PASS_AT_K,
    params:
        args=pass_at_k_args,
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/pass_at_k.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "{BUDGET_REALLOC} pass-at-k {params.args} --out {output} > {log} 2>&1"


rule budget_curves:
    input:
        lambda wc: specs.files(specs.budget_curves(PLAN, wc.benchmark, wc.family)),
    output:
        layout.BUDGET,
    params:
        spec=lambda wc: spec(specs.budget_curves(PLAN, wc.benchmark, wc.family)),
    log:
        f"{LOGS}/{{benchmark}}/budget-{{family}}.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "{BUDGET_REALLOC} budget --spec {params.spec:q} --out {output} > {log} 2>&1"


rule run_counts:
    input:
        lambda wc: specs.files(specs.counts(PLAN, wc.benchmark)),
    output:
        layout.COUNTS,
    params:
        spec=lambda wc: spec(specs.counts(PLAN, wc.benchmark)),
    log:
        f"{LOGS}/{{benchmark}}/counts.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "{BUDGET_REALLOC} counts --spec {params.spec:q} --out {output} > {log} 2>&1"
