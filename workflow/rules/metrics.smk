"""Metrics: pass@k per run with its bootstrap band, the budget curves of each family on each
benchmark, extrapolation beyond n/2, and every executed run's per-problem counts."""


rule pass_at_k:
    input: unpack(inputs("pass-at-k"))
    output:
        table=layout.PASS_AT_K,
        counts=layout.TASK_COUNTS,
    params: job=serialised("pass-at-k")
    log: f"{LOGS}/{{benchmark}}/{{model}}/pass_at_k.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule budget_curves:
    input: unpack(inputs("budget"))
    output:
        curves=layout.BUDGET,
        pairs=layout.PAIRS,
        match=layout.MATCH,
    params: job=serialised("budget")
    log: f"{LOGS}/{{benchmark}}/budget-{{family}}.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule extrapolate:
    input: unpack(inputs("extrapolate"))
    output: layout.EXTRAPOLATED
    params: job=serialised("extrapolate")
    log: f"{LOGS}/{{benchmark}}/{{model}}/extrapolate.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule run_counts:
    input: unpack(inputs("counts"))
    output: layout.COUNTS
    params: job=serialised("counts")
    log: f"{LOGS}/{{benchmark}}/counts.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB
