# Yandex Music (the older Yandex dataset), data preparation: demo data and the chronological split (test,
# and the validation split before it) with the catalogue and item features (artist, album, genre). Its
# models (yandex_music.models: popularity, ALS, ...) run through the generic ranking rules, and the
# similar-tracks tables through the generic similar_items rule.

YANDEX_MUSIC_TABLES = ["tracks", "catalog_names", "interactions"]
RAW_TABLES["yandex_music"] = (YANDEX_MUSIC_TABLES, ".parquet")
PROFILE_INPUTS["yandex_music"] = {
    table: raw_file("yandex_music", table) for table in YANDEX_MUSIC_TABLES
}
YANDEX_MUSIC_SPLIT_PARTS = ["train", "targets", "cold_users", "sequences"]
PREPARED["yandex_music"] = {
    **{
        part: f"results/yandex_music/split/{{split}}/{part}.parquet"
        for part in YANDEX_MUSIC_SPLIT_PARTS
    },
    "summary": "results/yandex_music/split/{split}/summary.json",
    "catalogue": "results/yandex_music/split/catalogue.parquet",
    "item_features": "results/yandex_music/split/item_features.parquet",
}
CANDIDATE_FEATURE_TABLES["yandex_music"] = ("train", "item_features", "sequences")
PREPARATION_BENCHMARKS["yandex_music"] = [
    f"results/benchmarks/yandex_music/{step}.tsv"
    for step in (["demo_data"] if config["yandex_music"]["data"] == "demo" else [])
    + ["split"]
]


rule yandex_music:
    input:
        "results/yandex_music/profile/profile.json",
        "results/yandex_music/summary.csv",
        "results/yandex_music/comparison.png",
        "results/yandex_music/significance.csv",
        [
            f"results/yandex_music/similar_items/{model}/seed{seed}.parquet"
            for model in config["yandex_music"]["similar_items"]["models"]
            for seed in model_seeds("yandex_music", model)
        ],
        "results/benchmarks/summary_yandex_music.csv",
        tracking_targets("yandex_music"),


rule yandex_music_demo_data:
    output:
        **{
            name: f"resources/yandex_music/demo/{name}.parquet"
            for name in YANDEX_MUSIC_TABLES
        },
    log:
        "results/logs/yandex_music/demo_data.log",
    benchmark:
        "results/benchmarks/yandex_music/demo_data.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        dataset="yandex_music",
        size=config["yandex_music"]["demo"]["size"],
        seed=config["yandex_music"]["demo"]["seed"],
    script:
        "../workflow_scripts/demo_data.py"


rule yandex_music_split:
    input:
        unpack(raw_inputs("yandex_music")),
    output:
        **{
            f"{split}_{part}": PREPARED["yandex_music"][part].format(split=split)
            for split in ("test", "valid")
            for part in YANDEX_MUSIC_SPLIT_PARTS + ["summary"]
        },
        catalogue=PREPARED["yandex_music"]["catalogue"],
        item_features=PREPARED["yandex_music"]["item_features"],
    log:
        "results/logs/yandex_music/split.log",
    benchmark:
        "results/benchmarks/yandex_music/split.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        split=config["yandex_music"]["split"],
    script:
        "../workflow_scripts/yandex_music_split.py"
