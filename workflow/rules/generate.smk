"""Generation: one job per shard of problems; shards are gathered into one file per run."""


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
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/generate-{{shard}}.log",
    conda:
        "../../envs/models.yaml"
    shell:
        "budget-realloc generate --problems {input.problems} --shard {wildcards.shard}"
        " --shard-size {params.shard_size} --benchmark {wildcards.benchmark} --model {wildcards.model}"
        " --source {params.source} --n {params.sampling[n]} --temperature {params.sampling[temperature]}"
        " --top-p {params.sampling[top_p]} --max-new-tokens {params.sampling[max_new_tokens]}"
        " --seed {params.seed} --backend {params.backend} --dtype {params.dtype} --device {params.device}"
        " --batch-size {params.batch_size} --out {output} > {log} 2>&1"


rule gather_shards:
    input:
        problems=layout.PROBLEMS,
        shards=shard_files,
    output:
        layout.GATHERED,
    params:
        n=lambda wc: PLAN.sampling(wc.benchmark, wc.model, wc.decoding)["n"],
    wildcard_constraints:
        stage="|".join(layout.STAGES),
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/gather-{{stage}}.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "budget-realloc gather --problems {input.problems} --n {params.n} --out {output} {input.shards} > {log} 2>&1"
