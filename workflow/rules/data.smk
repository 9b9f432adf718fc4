"""Inputs: the offline tokenizer, tiny models built from architecture JSONs, benchmark problems."""


rule train_tokenizer:
    output: directory(layout.TOKENIZER)
    params: job=serialised("train-tokenizer")
    log: f"{LOGS}/models/tokenizer.log"
    conda: "../../envs/models.yaml"
    shell: RUN_JOB


rule build_model:
    input: unpack(inputs("build-model"))
    output: directory(layout.MODEL_DIR)
    params: job=serialised("build-model")
    log: f"{LOGS}/models/{{model}}.log"
    conda: "../../envs/models.yaml"
    shell: RUN_JOB


rule prepare_benchmark:
    input: unpack(inputs("prepare"))
    output: layout.PROBLEMS
    params: job=serialised("prepare")
    log: f"{LOGS}/{{benchmark}}/prepare.log"
    conda: "../../envs/models.yaml"
    shell: RUN_JOB
