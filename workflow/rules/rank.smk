"""Ranking without unit tests (Section 5): NLL of the generator's samples under each ranker."""


rule rank_nll:
    input:
        problems=layout.PROBLEMS,
        generations=lambda wc: fill(layout.GENERATIONS, wc, decoding="sampled"),
        ranker=lambda wc: built_model_input(wc.ranker),
    output:
        layout.NLL,
    params:
        source=lambda wc: PLAN.model_source(wc.ranker),
        dtype=lambda wc: PLAN.model(wc.ranker)["dtype"],
        batch_size=lambda wc: config["ranking"]["batch_size"],
        device=config["device"],
    group:
        short_jobs("rank", scoring_job("ranker"), config["generation"]["threads"])
    threads: config["generation"]["threads"]
    resources:
        gpu=resource(scoring_job("ranker"), "gpu"),
        mem_mb=resource(scoring_job("ranker"), "mem_mb"),
        runtime=resource(scoring_job("ranker"), "runtime"),
        nodes=1,
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/ranking/nll-{{ranker}}.log",
    conda:
        "../../envs/models.yaml"
    shell:
        "python3 -m budget_realloc rank-nll --problems {input.problems} --generations {input.generations}"
        " --source {params.source} --dtype {params.dtype} --device {params.device}"
        " --batch-size {params.batch_size} --out {output} > {log} 2>&1"


rule verify:
    input:
        problems=layout.PROBLEMS,
        generations=lambda wc: fill(layout.GENERATIONS, wc, decoding="sampled"),
        verifier=lambda wc: built_model_input(wc.verifier),
    output:
        layout.VERIFIER_SCORES,
    params:
        source=lambda wc: PLAN.model_source(wc.verifier),
        dtype=lambda wc: PLAN.model(wc.verifier)["dtype"],
        batch_size=lambda wc: config["ranking"]["batch_size"],
        device=config["device"],
    group:
        short_jobs("rank", scoring_job("verifier"), config["generation"]["threads"])
    threads: config["generation"]["threads"]
    resources:
        gpu=resource(scoring_job("verifier"), "gpu"),
        mem_mb=resource(scoring_job("verifier"), "mem_mb"),
        runtime=resource(scoring_job("verifier"), "runtime"),
        nodes=1,
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/ranking/verifier-{{verifier}}.log",
    conda:
        "../../envs/models.yaml"
    shell:
        "python3 -m budget_realloc verify --problems {input.problems} --generations {input.generations}"
        " --source {params.source} --dtype {params.dtype} --device {params.device}"
        " --batch-size {params.batch_size} --out {output} > {log} 2>&1"


rule rank_score:
    input:
        lambda wc: specs.files(specs.rank_score(PLAN, wc.benchmark, wc.model, wc.variant)),
    output:
        layout.RANK_SCORE,
    params:
        spec=lambda wc: spec(specs.rank_score(PLAN, wc.benchmark, wc.model, wc.variant)),
    wildcard_constraints:
        variant="nll|verifier",
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/ranking/rank_score-{{variant}}.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc rank-score --spec {params.spec:q} --out {output} > {log} 2>&1"
