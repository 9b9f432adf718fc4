"""Tables 1-4 as CSV, Markdown, LaTeX and HTML; which model wins at each budget (crossover.csv)."""

rule cost_table:
    input:
        lambda wc: [f for group in ("costs", "walltime") for f in cost_table_spec(wc)[group].values()],
    output:
        **table_outputs("Costs per sample (Table 1)"),
    params:
        spec=lambda wc: spec(cost_table_spec(wc)),
    wildcard_constraints:
        table="table1",
    log:
        f"{LOGS}/tables/{{table}}.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "budget-realloc table-costs --spec {params.spec:q} --csv {output.csv} --md {output.md} --tex {output.tex}"
        " --html {output.html} > {log} 2>&1"


rule passk_table:
    input:
        lambda wc: [row[2] for row in passk_table_spec(wc)["rows"]],
    output:
        **table_outputs("pass@k at the paper's k (Tables 2-4)"),
    params:
        spec=lambda wc: spec(passk_table_spec(wc)),
    wildcard_constraints:
        table="table2|table3|table4",
    log:
        f"{LOGS}/tables/{{table}}.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "budget-realloc table-passk --spec {params.spec:q} --csv {output.csv} --md {output.md} --tex {output.tex}"
        " --html {output.html} > {log} 2>&1"


rule crossover:
    input:
        lambda wc: [entry["file"] for entry in crossover_spec(wc)["curves"]],
    output:
        report(layout.CROSSOVER, caption="../report/crossover.rst", category="Tables",
               subcategory="Best model per budget, with 95% bands"),
    params:
        spec=lambda wc: spec(crossover_spec(wc)),
    log:
        f"{LOGS}/tables/crossover.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "budget-realloc crossover --spec {params.spec:q} --out {output} > {log} 2>&1"
