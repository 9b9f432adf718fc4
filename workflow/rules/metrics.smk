"""Metrics: pass@k per run with its bootstrap band, the budget curves of each family on each
benchmark, and every executed run's per-problem counts."""


rule pass_at_k:
    input:
        unpack(run_outcomes),
    output:
        table=layout.PASS_AT_K,
        counts=layout.TASK_COUNTS,
    params:
        args=pass_at_k_args,
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/pass_at_k.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc pass-at-k {params.args} --out {output.table} --counts-out {output.counts} > {log} 2>&1"


rule budget_curves:
    input:
        lambda wc: specs.files(specs.budget_curves(PLAN, wc.benchmark, wc.family)),
    output:
        curves=layout.BUDGET,
        pairs=layout.PAIRS,
        match=layout.MATCH,
    params:
        spec=lambda wc: spec(specs.budget_curves(PLAN, wc.benchmark, wc.family)),
    log:
        f"{LOGS}/{{benchmark}}/budget-{{family}}.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc budget --spec {params.spec:q} --out {output.curves} --pairs-out {output.pairs}"
        " --match-out {output.match} > {log} 2>&1"


rule extrapolate:
    input:
        layout.TASK_COUNTS,
    output:
        layout.EXTRAPOLATED,
    params:
        factor=config["extrapolation"]["factor"],
        resamples=config["extrapolation"]["resamples"],
        seed=lambda wc: PLAN.bootstrap(wc.benchmark)["seed"],
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/extrapolate.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc extrapolate --counts {input} --factor {params.factor} --resamples {params.resamples}"
        " --seed {params.seed} --out {output} > {log} 2>&1"


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
        "python3 -m budget_realloc counts --spec {params.spec:q} --out {output} > {log} 2>&1"
