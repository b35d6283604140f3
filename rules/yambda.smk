# Yandex Yambda, data preparation: demo data, the catalogue and item features, the protocol's splits
# prepared in user shards (scatter) and gathered per split, with the user-item graph. Its models
# (yambda.models) run through the generic ranking rules.
from musicrec.datasets.yambda_files import TABLE_NAMES as YAMBDA_TABLES
from musicrec.features.yambda import SHARD_PARTS as YAMBDA_SHARD_PARTS

YAMBDA_DEMO_TABLES = [
    "multi_event",
    "listens",
    "likes",
    "dislikes",
    "unlikes",
    "undislikes",
    "embeddings",
    "artist_item_mapping",
    "album_item_mapping",
]
YAMBDA_SHARDS = config["yambda"]["shards"]
PROFILE_INPUTS["yambda"] = {table: yambda_raw(table) for table in YAMBDA_TABLES}
YAMBDA_SPLIT_PARTS = [
    *YAMBDA_SHARD_PARTS,
    "targets",
    "cold_users",
]
PREPARED["yambda"] = {
    **{
        part: f"results/yambda/split/{{split}}/{part}.parquet"
        for part in YAMBDA_SPLIT_PARTS
    },
    "summary": "results/yambda/split/{split}/summary.json",
    "graph": "results/yambda/split/{split}/graph.npz",
    "catalogue": "results/yambda/items/catalogue.parquet",
    "item_features": "results/yambda/items/features.parquet",
    # The models' data part "negatives" (explicit negatives): the training window's dislikes.
    "negatives": "results/yambda/split/{split}/train_dislikes.parquet",
}
EVALUATION_PARTS["yambda"] = ("targets_listen_plus", "targets_like", "dislikes")
YAMBDA_DEMO_DEMOGRAPHICS = "resources/yambda/demo/artist_demographics.csv"
# Tracks -> artists (artist_item_mapping) -> gender (the artist-id table yambda.artist_demographics names).
ARTIST_GENDER_SOURCES["yambda"] = {
    "artists": yambda_raw("artist_item_mapping"),
    "demographics": configured_file(
        "yambda", "artist_demographics", YAMBDA_DEMO_DEMOGRAPHICS
    ),
}
CANDIDATE_FEATURE_TABLES["yambda"] = ("train", "item_features", "sequences")
PREPARATION_BENCHMARKS["yambda"] = [
    f"results/benchmarks/yambda/{step}.tsv"
    for step in (["demo_data"] if config["yambda"]["data"] == "demo" else [])
    + ["items"]
    + [f"shard/{i}-of-{YAMBDA_SHARDS}" for i in range(YAMBDA_SHARDS)]
    + ["gather/test", "gather/valid"]
]


rule yambda:
    input:
        "results/yambda/profile/profile.json",
        "results/yambda/summary.csv",
        "results/yambda/comparison.png",
        "results/yambda/significance.csv",
        [
            f"results/yambda/similar_items/{model}/seed{seed}.parquet"
            for model in config["yambda"]["similar_items"]["models"]
            for seed in model_seeds("yambda", model)
        ],
        "results/benchmarks/summary_yambda.csv",
        fairness_targets("yambda"),
        tracking_targets("yambda"),


rule yambda_demo_data:
    output:
        **{name: f"resources/yambda/demo/{name}.parquet" for name in YAMBDA_DEMO_TABLES},
    log:
        "results/logs/yambda/demo_data.log",
    benchmark:
        "results/benchmarks/yambda/demo_data.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        dataset="yambda",
        size=config["yambda"]["demo"]["size"],
        seed=config["yambda"]["demo"]["seed"],
    script:
        "../workflow_scripts/demo_data.py"


# The demo's artist genders (female artists less popular, as planted in the other demo datasets), derived
# from the generated mapping and events with their own random stream: the demo files stay as they are.
rule yambda_demo_demographics:
    input:
        artist_item_mapping="resources/yambda/demo/artist_item_mapping.parquet",
        multi_event="resources/yambda/demo/multi_event.parquet",
    output:
        YAMBDA_DEMO_DEMOGRAPHICS,
    log:
        "results/logs/yambda/demo_demographics.log",
    benchmark:
        "results/benchmarks/yambda/demo_demographics.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        seed=config["yambda"]["demo"]["seed"],
    script:
        "../workflow_scripts/yambda_demo_demographics.py"


rule yambda_items:
    input:
        **{table: yambda_raw(table) for table in YAMBDA_TABLES},
    output:
        catalogue=PREPARED["yambda"]["catalogue"],
        item_features=PREPARED["yambda"]["item_features"],
        report="results/yambda/items/report.json",
    log:
        "results/logs/yambda/items.log",
    benchmark:
        "results/benchmarks/yambda/items.tsv"
    conda:
        "../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    script:
        "../workflow_scripts/yambda_items.py"


rule yambda_shard:
    input:
        multi_event=yambda_raw("multi_event"),
        catalogue=PREPARED["yambda"]["catalogue"],
    output:
        **{
            f"{split}_{part}": f"results/yambda/shards/{{shard}}-of-{YAMBDA_SHARDS}/{split}/{part}.parquet"
            for split in ("test", "valid")
            for part in YAMBDA_SHARD_PARTS
        },
    log:
        f"results/logs/yambda/shard/{{shard}}-of-{YAMBDA_SHARDS}.log",
    benchmark:
        f"results/benchmarks/yambda/shard/{{shard}}-of-{YAMBDA_SHARDS}.tsv"
    wildcard_constraints:
        shard=r"\d+",
    conda:
        "../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        protocol=config["yambda"]["protocol"],
        shards=YAMBDA_SHARDS,
    script:
        "../workflow_scripts/yambda_shard.py"


rule yambda_gather:
    input:
        unpack(yambda_shard_files),
        catalogue=PREPARED["yambda"]["catalogue"],
    output:
        **{part: PREPARED["yambda"][part] for part in YAMBDA_SPLIT_PARTS},
        summary=PREPARED["yambda"]["summary"],
        graph=PREPARED["yambda"]["graph"],
    log:
        "results/logs/yambda/gather/{split}.log",
    benchmark:
        "results/benchmarks/yambda/gather/{split}.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        protocol=config["yambda"]["protocol"],
        shards=YAMBDA_SHARDS,
    script:
        "../workflow_scripts/yambda_gather.py"
