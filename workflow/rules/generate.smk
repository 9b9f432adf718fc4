"""Generation: one job per shard of problems, or the shard read from files made elsewhere;
shards are gathered into one file per run."""


rule generate_shard:
    input:
        problems=layout.PROBLEMS,
        model=lambda wc: built_model_input(wc.model),
    output:
        layout.GENERATIONS_SHARD,
    params:
        sampling=generation_params,
        source=lambda wc: PLAN.model_source(wc.model),
        shard_size=lambda wc: PLAN.benchmark(wc.benchmark)["shard_size"],
        dtype=lambda wc: PLAN.model(wc.model)["dtype"],
        batch_size=lambda wc: PLAN.model(wc.model)["batch_size"],
        backend=config["generation"]["backend"],
        device=config["device"],
        seed=config["seed"],
    group:
        short_jobs("generate", generation_job, config["generation"]["threads"])
    threads: config["generation"]["threads"]
    resources:
        gpu=resource(generation_job, "gpu"),
        mem_mb=resource(generation_job, "mem_mb"),
        runtime=resource(generation_job, "runtime"),
        nodes=1,
    wildcard_constraints:
        model=_alternatives(PLAN.generated_models()),
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/generate-{{shard}}.log",
    conda:
        "../../envs/models.yaml"
    shell:
        "python3 -m budget_realloc generate --problems {input.problems} --shard {wildcards.shard}"
        " --shard-size {params.shard_size} --benchmark {wildcards.benchmark} --model {wildcards.model}"
        " --source {params.source} --n {params.sampling[n]} --temperature {params.sampling[temperature]}"
        " --top-p {params.sampling[top_p]} --max-new-tokens {params.sampling[max_new_tokens]}"
        " --seed {params.seed} --backend {params.backend} --dtype {params.dtype} --device {params.device}"
        " --batch-size {params.batch_size} --out {output} > {log} 2>&1"


rule import_generations:
    input:
        problems=layout.PROBLEMS,
        files=sample_files,
    output:
        layout.GENERATIONS,
    params:
        source=import_args,
        n=lambda wc: PLAN.sampling(wc.benchmark, wc.model, wc.decoding)["n"],
    wildcard_constraints:
        model=_alternatives(m for m in PLAN.config["models"] if "samples" in PLAN.model(m)),
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/import.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc import --problems {input.problems} --n {params.n} {params.source} --out {output} > {log} 2>&1"


# a run made elsewhere is imported whole, not gathered from generation shards
ruleorder: import_generations > gather_shards


rule gather_shards:
    input:
        problems=layout.PROBLEMS,
        shards=shard_files,
    output:
        layout.GATHERED,
    params:
        n=lambda wc: PLAN.sampling(wc.benchmark, wc.model, wc.decoding)["n"],
        at_most=lambda wc: "--at-most" if PLAN.source(wc.benchmark, wc.model) else "",  # made elsewhere
    wildcard_constraints:
        stage="|".join(layout.STAGES),
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/gather-{{stage}}.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc gather --problems {input.problems} --n {params.n} {params.at_most} --out {output}"
        " {input.shards} > {log} 2>&1"
