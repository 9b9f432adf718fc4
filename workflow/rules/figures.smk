"""Figures 2-6, 10-11 and ours (budget curves) and 8-9 (rankers), as PDF and PNG."""


rule budget_figure:
    input: unpack(inputs("figure-budget"))
    output:
        pdf=layout.FIGURE.replace("{ext}", "pdf"),
        png=report(layout.FIGURE.replace("{ext}", "png"), caption="../report/budget_figure.rst",
                   category="Figures", subcategory="Budget: pass@k, pass_flops@f, pass_time@t",
                   labels=lambda wc: report_labels(PLAN, wc.figure)),
    params: job=serialised("figure-budget")
    wildcard_constraints: figure=_alternatives(BUDGET_FIGURES)
    log: f"{LOGS}/figures/{{figure}}.log"
    conda: "../../envs/plot.yaml"
    shell: RUN_JOB


rule ranking_figure:
    input: unpack(inputs("figure-ranking"))
    output:
        pdf=layout.FIGURE.replace("{ext}", "pdf"),
        png=report(layout.FIGURE.replace("{ext}", "png"), caption="../report/ranking_figure.rst",
                   category="Figures", subcategory="Ranking without unit tests",
                   labels=lambda wc: report_labels(PLAN, wc.figure)),
    params: job=serialised("figure-ranking")
    wildcard_constraints: figure="fig8|fig9"
    log: f"{LOGS}/figures/{{figure}}.log"
    conda: "../../envs/plot.yaml"
    shell: RUN_JOB
