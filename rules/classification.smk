# Generic classification rules over {dataset}/{model}/{seed}: fit a registered binary classifier on the
# dataset's feature tables (CPU or GPU rule by the registry) and write validation predictions, the test
# submission, the metrics and the per-user metrics of the validation rows; blend the configured classifiers
# per seed.


rule classify:
    input:
        unpack(classification_inputs),
    output:
        validation="results/{dataset}/predictions/{model}/seed{seed}.csv",
        submission="results/{dataset}/submissions/{model}/seed{seed}.csv",
        metrics="results/{dataset}/metrics/{model}/seed{seed}.json",
        per_user="results/{dataset}/per_user/{model}/seed{seed}.parquet",
    log:
        "results/logs/{dataset}/classify/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/classify/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=names_pattern(("classification",), gpu=False),
    conda:
        "../envs/lightgbm.yaml"
    threads: 2
    resources:
        mem_mb=6000,
        runtime=60,
    params:
        run=run_params,
    script:
        "../workflow_scripts/classify.py"


use rule classify as classify_gpu with:
    wildcard_constraints:
        model=names_pattern(("classification",), gpu=True),
    conda:
        "../envs/keras.yaml"
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
        gpu=1,


rule blend:
    input:
        unpack(blend_inputs),
    output:
        validation="results/{dataset}/predictions/blend/seed{seed}.csv",
        submission="results/{dataset}/submissions/blend/seed{seed}.csv",
        metrics="results/{dataset}/metrics/blend/seed{seed}.json",
        per_user="results/{dataset}/per_user/blend/seed{seed}.parquet",
    log:
        "results/logs/{dataset}/blend/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/blend/seed{seed}.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        weights=blend_weights,
    script:
        "../workflow_scripts/blend.py"
