"""Tables 1-4 as CSV, Markdown, LaTeX and HTML; which model wins at each budget (crossover.csv)."""

rule cost_table:
    input:
        lambda wc: specs.files(specs.cost_table(PLAN)),
    output:
        **table_outputs("Costs per sample (Table 1)"),
    params:
        spec=lambda wc: spec(specs.cost_table(PLAN)),
    wildcard_constraints:
        table="table1",
    log:
        f"{LOGS}/tables/{{table}}.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "python3 -m budget_realloc table-costs --spec {params.spec:q} --csv {output.csv} --md {output.md} --tex {output.tex}"
        " --html {output.html} > {log} 2>&1"


rule passk_table:
    input:
        lambda wc: specs.files(specs.passk_table(PLAN, wc.table)),
    output:
        **table_outputs("pass@k at the paper's k (Tables 2-4)"),
    params:
        spec=lambda wc: spec(specs.passk_table(PLAN, wc.table)),
    wildcard_constraints:
        table="table2|table3|table4",
    log:
        f"{LOGS}/tables/{{table}}.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "python3 -m budget_realloc table-passk --spec {params.spec:q} --csv {output.csv} --md {output.md} --tex {output.tex}"
        " --html {output.html} > {log} 2>&1"


rule crossover:
    input:
        lambda wc: specs.files(specs.crossover(PLAN)),
    output:
        crossover=report(layout.CROSSOVER, caption="../report/crossover.rst", category="Tables",
                         subcategory="Best model per budget, with 95% bands"),
        claims=layout.CLAIMS,
        match=layout.MATCHES,
        summary=layout.CROSSOVER_SUMMARY,
    params:
        spec=lambda wc: spec(specs.crossover(PLAN)),
    log:
        f"{LOGS}/tables/crossover.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "python3 -m budget_realloc crossover --spec {params.spec:q} --out {output.crossover} --claims-out {output.claims}"
        " --match-out {output.match} --summary-out {output.summary} > {log} 2>&1"


rule paper_claims:
    output:
        layout.PAPER_CLAIMS,
    params:
        grid=" ".join(f"--{key.replace('_', '-')} {value}" for key, value in config["budgets"].items()),
    log:
        f"{LOGS}/tables/claims-paper.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc paper-claims {params.grid} --out {output} > {log} 2>&1"
