# KKBox (WSDM Cup 2018): demo data, features, LightGBM and Keras NN per seed, blend, summary.


rule kkbox:
    input:
        expand(
            "results/kkbox/predictions/{model}/seed{seed}.csv",
            model=KKBOX_MODELS,
            seed=SEEDS,
        ),
        "results/kkbox/summary.csv",
        "results/benchmarks/summary_kkbox.csv",


rule kkbox_demo_data:
    output:
        **{name: f"resources/kkbox/demo/{name}.csv" for name in KKBOX_TABLES},
        artist_demographics="resources/kkbox/demo/artist_demographics.csv",
    log:
        "results/logs/kkbox/demo_data.log",
    benchmark:
        "results/benchmarks/kkbox/demo_data.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=6000 if config["kkbox"]["demo"]["size"] == "kaggle" else 2000,
        runtime=30 if config["kkbox"]["demo"]["size"] == "kaggle" else 10,
    params:
        dataset="kkbox",
        size=config["kkbox"]["demo"]["size"],
        seed=config["kkbox"]["demo"]["seed"],
    script:
        "../workflow_scripts/demo_data.py"


rule kkbox_features:
    input:
        unpack(kkbox_raw_inputs),
    output:
        train="results/kkbox/features/train.parquet",
        valid="results/kkbox/features/valid.parquet",
        test="results/kkbox/features/test.parquet",
        spec="results/kkbox/features/spec.json",
        report="results/kkbox/features/report.json",
    log:
        "results/logs/kkbox/features.log",
    benchmark:
        "results/benchmarks/kkbox/features.tsv"
    conda:
        "../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=30,
    params:
        validation_fraction=config["kkbox"]["validation_fraction"],
    script:
        "../workflow_scripts/kkbox_features.py"


rule kkbox_lgb:
    input:
        **rules.kkbox_features.output,
    output:
        validation="results/kkbox/predictions/lgb/seed{seed}.csv",
        submission="results/kkbox/submissions/lgb/seed{seed}.csv",
        metrics="results/kkbox/metrics/lgb/seed{seed}.json",
    log:
        "results/logs/kkbox/lgb/seed{seed}.log",
    benchmark:
        "results/benchmarks/kkbox/lgb/seed{seed}.tsv"
    conda:
        "../envs/lightgbm.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        model="lgb",
        hyperparameters=config["kkbox"]["models"]["lgb"],
    script:
        "../workflow_scripts/kkbox_lgb.py"


rule kkbox_nn:
    input:
        **rules.kkbox_features.output,
    output:
        validation="results/kkbox/predictions/nn/seed{seed}.csv",
        submission="results/kkbox/submissions/nn/seed{seed}.csv",
        metrics="results/kkbox/metrics/nn/seed{seed}.json",
    log:
        "results/logs/kkbox/nn/seed{seed}.log",
    benchmark:
        "results/benchmarks/kkbox/nn/seed{seed}.tsv"
    conda:
        "../envs/keras.yaml"
    threads: 1
    resources:
        mem_mb=6000,
        runtime=60,
        gpu=1,
    params:
        model="nn",
        hyperparameters=config["kkbox"]["models"]["nn"],
    script:
        "../workflow_scripts/kkbox_nn.py"


rule kkbox_blend:
    input:
        unpack(kkbox_blend_inputs),
    output:
        validation="results/kkbox/predictions/blend/seed{seed}.csv",
        submission="results/kkbox/submissions/blend/seed{seed}.csv",
        metrics="results/kkbox/metrics/blend/seed{seed}.json",
    log:
        "results/logs/kkbox/blend/seed{seed}.log",
    benchmark:
        "results/benchmarks/kkbox/blend/seed{seed}.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        weights=config["kkbox"]["blend"],
    script:
        "../workflow_scripts/kkbox_blend.py"


rule kkbox_summary:
    input:
        expand(
            "results/kkbox/metrics/{model}/seed{seed}.json",
            model=KKBOX_MODELS,
            seed=SEEDS,
        ),
    output:
        "results/kkbox/summary.csv",
    log:
        "results/logs/kkbox/summary.log",
    benchmark:
        "results/benchmarks/kkbox/summary.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/kkbox_summary.py"
