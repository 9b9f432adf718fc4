"""Policies, not just sizes: every sample against the tests its prompt shows (where the config
asks), each family's fixed-k, first-pass, escalate and mix policies under every budget (table
and figure), and OSCA's released counts reproduced."""


rule visible_verdicts:
    input: unpack(inputs("visible"))
    output: layout.VISIBLE
    params: job=serialised("visible")
    threads: config["execution"]["threads"]
    log: f"{LOGS}/{{benchmark}}/{{model}}/sampled/visible.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule visible_counts:
    input: unpack(inputs("visible-counts"))
    output: layout.VISIBLE_COUNTS
    params: job=serialised("visible-counts")
    log: f"{LOGS}/{{benchmark}}/{{model}}/visible_counts.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule policies:
    input: unpack(inputs("policies"))
    output:
        table=layout.POLICIES,
        pdf=layout.POLICIES_FIGURE.replace("{ext}", "pdf"),
        png=report(layout.POLICIES_FIGURE.replace("{ext}", "png"), caption="../report/policies_figure.rst",
                   category="Figures", subcategory="Policies under a budget"),
    params: job=serialised("policies")
    log: f"{LOGS}/{{benchmark}}/policies-{{family}}.log"
    conda: "../../envs/plot.yaml"
    shell: RUN_JOB


rule policies_osca:
    input: unpack(inputs("policies-osca"))
    output: layout.POLICIES_OSCA
    params: job=serialised("policies-osca")
    log: f"{LOGS}/tables/policies-osca.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB
