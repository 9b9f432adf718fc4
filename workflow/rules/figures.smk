"""Figures 2-6, 10-11 (budget curves) and 8-9 (rankers), as PDF and PNG."""

rule budget_figure:
    input:
        budget_figure_inputs,
    output:
        pdf=layout.FIGURE.replace("{ext}", "pdf"),
        png=report(layout.FIGURE.replace("{ext}", "png"), caption="../report/budget_figure.rst",
                   category="Figures", subcategory="Budget: pass@k, pass_flops@f, pass_time@t",
                   labels=figure_report_labels),
    params:
        spec=lambda wc: spec(PLAN.budget_figure_spec(wc.figure)),
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
        png=report(layout.FIGURE.replace("{ext}", "png"), caption="../report/ranking_figure.rst",
                   category="Figures", subcategory="Ranking without unit tests", labels=figure_report_labels),
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
