# KKBox (WSDM Cup 2018) data preparation: demo data and the feature tables. Its models (kkbox.models:
# LightGBM, Keras NN) run through the generic classification rules, blended per seed (kkbox.blend).

KKBOX_TABLES = ["train", "test", "songs", "members", "song_extra_info"]
RAW_TABLES["kkbox"] = (KKBOX_TABLES, ".csv")
ARTIST_NAME_TABLE["kkbox"] = "songs"
PROFILE_INPUTS["kkbox"] = {
    table: raw_file("kkbox", table) for table in ("train", "songs")
}
CLASSIFICATION_DATA["kkbox"] = {
    part: f"results/kkbox/features/{part}.parquet"
    for part in ("train", "valid", "test")
} | {"spec": "results/kkbox/features/spec.json"}
PREPARATION_BENCHMARKS["kkbox"] = [
    f"results/benchmarks/kkbox/{step}.tsv"
    for step in (["demo_data"] if config["kkbox"]["data"] == "demo" else [])
    + ["features"]
]


rule kkbox:
    input:
        expand(
            "results/kkbox/predictions/{model}/seed{seed}.csv",
            model=models_in_summary("kkbox"),
            seed=SEEDS,
        ),
        "results/kkbox/profile/profile.json",
        "results/kkbox/summary.csv",
        "results/kkbox/significance.csv",
        "results/benchmarks/summary_kkbox.csv",
        tracking_targets("kkbox"),


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
        unpack(raw_inputs("kkbox")),
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
