"""Figures 2-6, 10-11 and ours (budget curves) and 8-9 (rankers), as PDF and PNG."""

rule budget_figure:
    input:
        lambda wc: specs.files(specs.budget_figure(PLAN, wc.figure)),
    output:
        pdf=layout.FIGURE.replace("{ext}", "pdf"),
        png=report(layout.FIGURE.replace("{ext}", "png"), caption="../report/budget_figure.rst",
                   category="Figures", subcategory="Budget: pass@k, pass_flops@f, pass_time@t",
                   labels=lambda wc: specs.figure_report_labels(PLAN, wc.figure)),
    params:
        spec=lambda wc: spec(specs.budget_figure(PLAN, wc.figure)),
    wildcard_constraints:
        figure=_alternatives(BUDGET_FIGURES),
    log:
        f"{LOGS}/figures/{{figure}}.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "python3 -m budget_realloc figure-budget --spec {params.spec:q} --pdf {output.pdf} --png {output.png} > {log} 2>&1"


rule ranking_figure:
    input:
        lambda wc: specs.files(specs.ranking_figure(PLAN, wc.figure)),
    output:
        pdf=layout.FIGURE.replace("{ext}", "pdf"),
        png=report(layout.FIGURE.replace("{ext}", "png"), caption="../report/ranking_figure.rst",
                   category="Figures", subcategory="Ranking without unit tests", labels=lambda wc: specs.figure_report_labels(PLAN, wc.figure)),
    params:
        spec=lambda wc: spec(specs.ranking_figure(PLAN, wc.figure)),
    wildcard_constraints:
        figure="fig8|fig9",
    log:
        f"{LOGS}/figures/{{figure}}.log",
    conda:
        "../../envs/plot.yaml"
    shell:
        "python3 -m budget_realloc figure-ranking --spec {params.spec:q} --pdf {output.pdf} --png {output.png} > {log} 2>&1"
