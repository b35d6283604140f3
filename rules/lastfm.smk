# Last.fm HetRec 2011 2k + Spotify 30k songs, data preparation: demo data, the test split and the
# validation split inside it, item/user features per split, the friendship graph, and the Spotify
# similar-songs table. Its models (lastfm.models) run through the generic ranking rules.

LASTFM_TABLES = [
    "user_artists",
    "artists",
    "tags",
    "user_taggedartists",
    "user_friends",
]
RAW_TABLES["lastfm"] = (LASTFM_TABLES, ".dat")
ARTIST_NAME_TABLE["lastfm"] = "artists"
ARTIST_GENDER_SOURCES["lastfm"] = {
    "artists": raw_file("lastfm", "artists"),
    "demographics": "results/lastfm/artist_demographics.csv",
}
SPOTIFY_DEMO = "resources/spotify/demo/spotify_songs.csv"
PROFILE_INPUTS["lastfm"] = {
    **{table: raw_file("lastfm", table) for table in LASTFM_TABLES},
    "spotify": configured_file("lastfm", "spotify", SPOTIFY_DEMO),
}
LASTFM_SPLIT_PARTS = ["train", "targets", "cold_users", "sequences"]
PREPARED["lastfm"] = {
    **{
        part: f"results/lastfm/split/{{split}}/{part}.parquet"
        for part in LASTFM_SPLIT_PARTS
    },
    "summary": "results/lastfm/split/{split}/summary.json",
    "item_features": "results/lastfm/features/{split}/items.parquet",
    "user_features": "results/lastfm/features/{split}/users.parquet",
    "neighbours": "results/lastfm/split/neighbours.parquet",
    "catalogue": "results/lastfm/split/catalogue.parquet",
}
CANDIDATE_FEATURE_TABLES["lastfm"] = ("train", "item_features", "neighbours")
PREPARATION_BENCHMARKS["lastfm"] = [
    f"results/benchmarks/lastfm/{step}.tsv"
    for step in (
        ["demo_data"]
        if "demo" in (config["lastfm"]["data"], config["lastfm"]["spotify"])
        else []
    )
    + ["split", "features/test", "features/valid", "similar_songs"]
]


rule lastfm:
    input:
        "results/lastfm/profile/profile.json",
        "results/lastfm/summary.csv",
        "results/lastfm/comparison.png",
        "results/lastfm/significance.csv",
        "results/lastfm/spotify_similar_songs.parquet",
        "results/benchmarks/summary_lastfm.csv",
        fairness_targets("lastfm"),
        tracking_targets("lastfm"),


rule lastfm_demo_data:
    output:
        **{name: f"resources/lastfm/demo/{name}.dat" for name in LASTFM_TABLES},
        artist_demographics="resources/lastfm/demo/artist_demographics.csv",
        spotify=SPOTIFY_DEMO,
    log:
        "results/logs/lastfm/demo_data.log",
    benchmark:
        "results/benchmarks/lastfm/demo_data.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        dataset="lastfm",
        size=config["lastfm"]["demo"]["size"],
        seed=config["lastfm"]["demo"]["seed"],
    script:
        "../workflow_scripts/demo_data.py"


rule lastfm_split:
    input:
        unpack(raw_inputs("lastfm")),
    output:
        **{
            f"{split}_{part}": PREPARED["lastfm"][part].format(split=split)
            for split in ("test", "valid")
            for part in LASTFM_SPLIT_PARTS + ["summary"]
        },
        neighbours=PREPARED["lastfm"]["neighbours"],
        catalogue=PREPARED["lastfm"]["catalogue"],
    log:
        "results/logs/lastfm/split.log",
    benchmark:
        "results/benchmarks/lastfm/split.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        split=config["lastfm"]["split"],
    script:
        "../workflow_scripts/lastfm_split.py"


rule lastfm_features:
    input:
        unpack(raw_inputs("lastfm")),
        spotify=configured_file("lastfm", "spotify", SPOTIFY_DEMO),
        train=PREPARED["lastfm"]["train"],
    output:
        item_features=PREPARED["lastfm"]["item_features"],
        user_features=PREPARED["lastfm"]["user_features"],
        join_coverage="results/lastfm/features/{split}/join_coverage.json",
    log:
        "results/logs/lastfm/features/{split}.log",
    benchmark:
        "results/benchmarks/lastfm/features/{split}.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    script:
        "../workflow_scripts/lastfm_features.py"


rule lastfm_similar_songs:
    input:
        spotify=configured_file("lastfm", "spotify", SPOTIFY_DEMO),
    output:
        "results/lastfm/spotify_similar_songs.parquet",
    log:
        "results/logs/lastfm/similar_songs.log",
    benchmark:
        "results/benchmarks/lastfm/similar_songs.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        neighbours=config["lastfm"]["similar_songs"],
    script:
        "../workflow_scripts/lastfm_similar_songs.py"
