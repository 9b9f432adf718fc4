"""Generation: one job per shard of problems, or a run's files made elsewhere imported whole;
shards are gathered into one file per run."""


rule generate_shard:
    input: unpack(inputs("generate"))
    output: layout.GENERATIONS_SHARD
    params: job=serialised("generate")
    group: short_jobs("generate", "generate", config["generation"]["threads"])
    threads: config["generation"]["threads"]
    resources:
        gpu=resource("generate", "gpu"),
        mem_mb=resource("generate", "mem_mb"),
        runtime=resource("generate", "runtime"),
        nodes=1,
    wildcard_constraints: model=_alternatives(PLAN.generated_models())
    log: f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/generate-{{shard}}.log"
    conda: "../../envs/models.yaml"
    shell: RUN_JOB


rule import_generations:
    input: unpack(inputs("import"))
    output: layout.GENERATIONS
    params: job=serialised("import")
    wildcard_constraints: model=_alternatives(m for m, spec in PLAN.models.items() if spec.made_elsewhere)
    log: f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/import.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


# a run made elsewhere is imported whole, not gathered from generation shards
ruleorder: import_generations > gather_shards


rule gather_shards:
    input: unpack(inputs("gather"))
    output: layout.GATHERED
    params: job=serialised("gather")
    wildcard_constraints: stage="|".join(layout.STAGES)
    log: f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/gather-{{stage}}.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB
