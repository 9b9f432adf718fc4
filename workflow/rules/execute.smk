"""Execution: every sample of a generation shard against its tests, in the sandbox."""


rule execute_shard:
    input:
        problems=layout.PROBLEMS,
        generations=shard_generations,
    output:
        layout.EXECUTIONS_SHARD,
    params:
        limits=execution_limits,
        shard_size=lambda wc: PLAN.benchmark(wc.benchmark)["shard_size"],
    group:
        short_jobs("execute", execution_job, config["execution"]["threads"])
    threads: config["execution"]["threads"]
    resources:
        mem_mb=resource(execution_job, "mem_mb"),
        runtime=resource(execution_job, "runtime"),
    log:
        f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/execute-{{shard}}.log",
    conda:
        "../../envs/execute.yaml"
    shell:
        "python3 -m budget_realloc execute --problems {input.problems} --generations {input.generations}"
        " --timeout {params.limits[timeout]} --reference-factor {params.limits[reference_factor]}"
        " --min-timeout {params.limits[min_timeout_s]} --memory-mb {params.limits[memory_mb]}"
        " --max-output-kb {params.limits[max_output_kb]} --max-processes {params.limits[max_processes]}"
        " --shard {wildcards.shard} --shard-size {params.shard_size} --workers {threads} --out {output} > {log} 2>&1"
