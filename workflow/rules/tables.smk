"""Tables 1-4 as CSV, Markdown and LaTeX."""

rule cost_table:
    input:
        lambda wc: [f for group in ("costs", "walltime") for f in cost_table_spec(wc)[group].values()],
    output:
        **TABLE_OUTPUTS,
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
        " > {log} 2>&1"


rule passk_table:
    input:
        lambda wc: [row[2] for row in passk_table_spec(wc)["rows"]],
    output:
        **TABLE_OUTPUTS,
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
        " > {log} 2>&1"
