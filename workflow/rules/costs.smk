"""Costs per sample (Table 1): FLOPs with calflops, wall-time at the best batch size; the cost
a model is charged, constant or as its generation spent it; a run's hardware axes; and the
roofline's calibration to measured throughput."""


rule flops:
    input: unpack(inputs("flops"))
    output: layout.FLOPS
    params: job=serialised("flops")
    log: f"{LOGS}/costs/{{model}}.flops.log"
    conda: "../../envs/models.yaml"
    shell: RUN_JOB


rule walltime:
    input: unpack(inputs("walltime"))
    output: layout.WALLTIME
    params: job=serialised("walltime")
    group: short_jobs("walltime", "walltime", config["generation"]["threads"])
    threads: config["generation"]["threads"]
    resources:
        gpu=resource("walltime", "gpu"),
        mem_mb=resource("walltime", "mem_mb"),
        runtime=resource("walltime", "runtime"),
        nodes=1,
    log: f"{LOGS}/costs/{{model}}.walltime.log"
    wildcard_constraints: model=_alternatives(PLAN.generated_models())
    conda: "../../envs/models.yaml"
    shell: RUN_JOB


rule model_costs:
    input: unpack(inputs("costs"))
    output: layout.COSTS
    params: job=serialised("costs")
    log: f"{LOGS}/costs/{{model}}.costs.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule measured_costs:
    input: unpack(inputs("costs", "measured"))
    output: layout.MEASURED_COSTS
    params: job=serialised("costs", "measured")
    log: f"{LOGS}/{{benchmark}}/{{model}}/measured_costs.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule run_costs:
    input: unpack(inputs("run-costs"))
    output: layout.RUN_COSTS
    params: job=serialised("run-costs")
    log: f"{LOGS}/{{benchmark}}/{{model}}/costs.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB


rule calibrate:
    input: unpack(inputs("calibrate"))
    output:
        json=layout.CALIBRATION,
        table=layout.CALIBRATION_TABLE,
    params: job=serialised("calibrate")
    log: f"{LOGS}/costs/calibration.log"
    conda: "../../envs/execute.yaml"
    shell: RUN_JOB
