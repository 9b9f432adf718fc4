"""Inputs: the offline tokenizer, tiny models built from architecture JSONs, benchmark problems."""


rule train_tokenizer:
    output:
        directory(layout.TOKENIZER),
    params:
        vocab_size=config["tokenizer"]["vocab_size"],
        corpus_bytes=config["tokenizer"]["corpus_bytes"],
    log:
        f"{LOGS}/models/tokenizer.log",
    conda:
        "../../envs/models.yaml"
    shell:
        "python3 -m budget_realloc train-tokenizer --out {output} --vocab-size {params.vocab_size}"
        " --corpus-bytes {params.corpus_bytes} > {log} 2>&1"


rule build_model:
    input:
        architecture=lambda wc: PLAN.model(wc.model)["build"],
        tokenizer=layout.TOKENIZER,
    output:
        directory(layout.MODEL_DIR),
    params:
        seed=config["seed"],
    log:
        f"{LOGS}/models/{{model}}.log",
    conda:
        "../../envs/models.yaml"
    shell:
        "python3 -m budget_realloc build-model --name {wildcards.model} --architecture {input.architecture}"
        " --tokenizer {input.tokenizer} --seed {params.seed} --out {output} > {log} 2>&1"


rule prepare_benchmark:
    input:
        benchmark_files,
    output:
        layout.PROBLEMS,
    params:
        source=prepare_args,
        expect=lambda wc: PLAN.num_problems(wc.benchmark),
    log:
        f"{LOGS}/{{benchmark}}/prepare.log",
    conda:
        "../../envs/models.yaml"
    shell:
        "python3 -m budget_realloc prepare {params.source} --expect {params.expect} --out {output} > {log} 2>&1"
