"""Execution: every sample of a generation shard against its tests, in the sandbox."""


rule execute_shard:
    input: unpack(inputs("execute"))
    output: layout.EXECUTIONS_SHARD
    params: job=serialised("execute")
    group: short_jobs("execute", "execute", config["execution"]["threads"])
    threads: config["execution"]["threads"]
    resources:
        mem_mb=resource("execute", "mem_mb"),
        runtime=resource("execute", "runtime"),
    log: f"{LOGS}/{{benchmark}}/{{model}}/{{decoding}}/execute-{{shard}}.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB
