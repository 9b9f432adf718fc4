"""Ranking without unit tests (Section 5): NLL of the generator's samples under each ranker."""


rule rank_nll:
    input: unpack(inputs("rank-nll"))
    output: layout.NLL
    params: job=serialised("rank-nll")
    group: short_jobs("rank", "rank-nll", config["generation"]["threads"])
    threads: config["generation"]["threads"]
    resources:
        gpu=resource("rank-nll", "gpu"),
        mem_mb=resource("rank-nll", "mem_mb"),
        runtime=resource("rank-nll", "runtime"),
        nodes=1,
    log: f"{LOGS}/{{benchmark}}/{{model}}/ranking/nll-{{ranker}}.log"
    conda: "../../envs/models.yaml"
    shell: RUN_JOB


rule verify:
    input: unpack(inputs("verify"))
    output: layout.VERIFIER_SCORES
    params: job=serialised("verify")
    group: short_jobs("rank", "verify", config["generation"]["threads"])
    threads: config["generation"]["threads"]
    resources:
        gpu=resource("verify", "gpu"),
        mem_mb=resource("verify", "mem_mb"),
        runtime=resource("verify", "runtime"),
        nodes=1,
    log: f"{LOGS}/{{benchmark}}/{{model}}/ranking/verifier-{{verifier}}.log"
    conda: "../../envs/models.yaml"
    shell: RUN_JOB


rule rank_score:
    input: unpack(inputs("rank-score"))
    output: layout.RANK_SCORE
    params: job=serialised("rank-score")
    wildcard_constraints: variant="nll|verifier"
    log: f"{LOGS}/{{benchmark}}/{{model}}/ranking/rank_score-{{variant}}.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB
