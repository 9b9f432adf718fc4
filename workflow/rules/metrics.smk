"""Metrics: pass@k per run with its bootstrap band, and the budget curves of each family on each benchmark."""


rule pass_at_k:
    input:
        sampled=lambda wc: fill(layout.EXECUTIONS, wc, decoding="sampled"),
        greedy=greedy_executions,
    output:
        layout.PASS_AT_K,
    params:
        greedy=lambda wc, input: f"--greedy {input.greedy}" if input.greedy else "",
        bootstrap=bootstrap_args,
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/pass_at_k.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "budget-realloc pass-at-k --sampled {input.sampled} {params.greedy} {params.bootstrap} --out {output}"
        " > {log} 2>&1"


rule budget_curves:
    input:
        pass_at_k=lambda wc: list(family_pass_at_k(wc).values()),
        costs=lambda wc: list(family_costs(wc).values()),
    output:
        layout.BUDGET,
    params:
        spec=lambda wc: spec({"pass_at_k": family_pass_at_k(wc), "costs": family_costs(wc), **config["budgets"]}),
    log:
        f"{LOGS}/{{benchmark}}/budget-{{family}}.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "budget-realloc budget --spec {params.spec:q} --out {output} > {log} 2>&1"
