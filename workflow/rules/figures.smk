"""Figures 2-6, 10-11 (budget curves) and 8-9 (rankers), as PDF and PNG."""

rule budget_figure:
    input:
        budget_figure_inputs,
    output:
        pdf=layout.FIGURE.replace("{ext}", "pdf"),
        png=layout.FIGURE.replace("{ext}", "png"),
    params:
        spec=lambda wc: spec(budget_figure_spec(wc)),
    wildcard_constraints:
        figure="|".join(BUDGET_FIGURES) or NEVER,
    log:
        f"{LOGS}/figures/{{figure}}.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "budget-realloc figure-budget --spec {params.spec:q} --pdf {output.pdf} --png {output.png} > {log} 2>&1"


rule ranking_figure:
    input:
        ranking_figure_inputs,
    output:
        pdf=layout.FIGURE.replace("{ext}", "pdf"),
        png=layout.FIGURE.replace("{ext}", "png"),
    params:
        spec=lambda wc: spec(ranking_figure_spec(wc)),
    wildcard_constraints:
        figure="fig8|fig9",
    log:
        f"{LOGS}/figures/{{figure}}.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "budget-realloc figure-ranking --spec {params.spec:q} --pdf {output.pdf} --png {output.png} > {log} 2>&1"
