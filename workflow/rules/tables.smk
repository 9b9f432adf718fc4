"""Tables 1-4 as CSV, Markdown, LaTeX and HTML; which model wins at each budget (crossover.csv),
the claims and cost-to-match tables, the claim's verdict per family (families.csv), and the paper's
claims on its own numbers."""


rule cost_table:
    input: unpack(inputs("table-costs"))
    output: **table_outputs("Costs per sample (Table 1)")
    params: job=serialised("table-costs")
    wildcard_constraints: table="table1"
    log: f"{LOGS}/tables/{{table}}.log"
    conda: "../../envs/plot.yaml"
    shell: RUN_JOB


rule passk_table:
    input: unpack(inputs("table-passk"))
    output: **table_outputs("pass@k at the paper's k (Tables 2-4)")
    params: job=serialised("table-passk")
    wildcard_constraints: table="table2|table3|table4"
    log: f"{LOGS}/tables/{{table}}.log"
    conda: "../../envs/plot.yaml"
    shell: RUN_JOB


rule crossover:
    input: unpack(inputs("crossover"))
    output:
        crossover=report(layout.CROSSOVER, caption="../report/crossover.rst", category="Tables",
                         subcategory="Best model per budget, with 95% bands"),
        claims=layout.CLAIMS,
        match=layout.MATCHES,
        summary=layout.CROSSOVER_SUMMARY,
    params: job=serialised("crossover")
    log: f"{LOGS}/tables/crossover.log"
    conda: "../../envs/plot.yaml"
    shell: RUN_JOB


rule families:
    input: unpack(inputs("families"))
    output:
        report(layout.FAMILIES, caption="../report/families.rst", category="Tables",
               subcategory="Does the paper's claim hold, per family"),
    params: job=serialised("families")
    log: f"{LOGS}/tables/families.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule paper_claims:
    output: layout.PAPER_CLAIMS
    params: job=serialised("paper-claims")
    log: f"{LOGS}/tables/claims-paper.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB
