"""Costs per sample (Table 1): FLOPs with calflops, wall-time at the best batch size."""


rule flops:
    input:
        architecture_input,
    output:
        layout.FLOPS,
    params:
        architecture=lambda wc: PLAN.architecture(wc.model),
        input_length=config["costs"]["flops_input_length"],
    log:
        f"{LOGS}/costs/{{model}}.flops.log",
    conda:
        "../../envs/models.yaml"
    shell:
        "python3 -m budget_realloc flops --architecture {params.architecture} --input-length {params.input_length}"
        " --out {output} > {log} 2>&1"


rule walltime:
    input:
        model=lambda wc: built_model_input(wc.model),
        prompts=config["costs"]["walltime_prompts"],
    output:
        layout.WALLTIME,
    params:
        source=lambda wc: PLAN.model_source(wc.model),
        dtype=lambda wc: PLAN.model(wc.model)["dtype"],
        samples=config["costs"]["walltime_samples"],
        new_tokens=config["costs"]["walltime_new_tokens"],
        batch_sizes=" ".join(map(str, config["costs"]["walltime_batch_sizes"])),
        device=config["costs"]["walltime_device"],
        seed=config["seed"],
    group:
        short_jobs("walltime", walltime_job, config["generation"]["threads"])
    threads: config["generation"]["threads"]
    resources:
        gpu=resource(walltime_job, "gpu"),
        mem_mb=resource(walltime_job, "mem_mb"),
        runtime=resource(walltime_job, "runtime"),
        nodes=1,
    log:
        f"{LOGS}/costs/{{model}}.walltime.log",
    wildcard_constraints:
        model=_alternatives(PLAN.generated_models()),
    conda:
        "../../envs/models.yaml"
    shell:
        "python3 -m budget_realloc walltime --source {params.source} --prompts {input.prompts} --samples {params.samples}"
        " --new-tokens {params.new_tokens} --batch-sizes {params.batch_sizes} --device {params.device}"
        " --dtype {params.dtype} --seed {params.seed} --out {output} > {log} 2>&1"


rule model_costs:
    input:
        unpack(cost_inputs),
    output:
        layout.COSTS,
    params:
        sources=cost_args,
    log:
        f"{LOGS}/costs/{{model}}.costs.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc costs --flops {input.flops} {params.sources} --out {output} > {log} 2>&1"


rule measured_costs:
    input:
        generations=lambda wc: fill(layout.GENERATIONS, wc, decoding="sampled"),
        flops=layout.FLOPS,
    output:
        layout.MEASURED_COSTS,
    params:
        stated=stated_costs_args,
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/measured_costs.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc costs --flops {input.flops} --generations {input.generations} {params.stated}"
        " --out {output} > {log} 2>&1"


rule run_costs:
    input:
        lambda wc: specs.files(specs.run_costs(PLAN, wc.benchmark, wc.model)),
    output:
        layout.RUN_COSTS,
    params:
        spec=lambda wc: spec(specs.run_costs(PLAN, wc.benchmark, wc.model)),
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/costs.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc run-costs --spec {params.spec:q} --out {output} > {log} 2>&1"


rule calibrate:
    input:
        unpack(calibration_inputs),
    output:
        json=layout.CALIBRATION,
        table=layout.CALIBRATION_TABLE,
    params:
        sources=calibration_args,
    log:
        f"{LOGS}/costs/calibration.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc calibrate {params.sources} --json-out {output.json} --csv-out {output.table}"
        " > {log} 2>&1"
