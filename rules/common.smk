# Config validation, wildcard constraints and input functions shared by all rules.
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from musicrec.config_check import config_problem

problem = config_problem(config, workflow.source_path("schemas/config.schema.yaml"))
if problem:
    raise WorkflowError(problem)
validate(config, "schemas/config.schema.yaml", set_default=True)


wildcard_constraints:
    seed=r"\d+",
    stage=r"[a-z]+",


SEEDS = config["seeds"]
KKBOX_TABLES = ["train", "test", "songs", "members", "song_extra_info"]
KKBOX_MODELS = ["lgb", "nn", "blend"]


def raw_files(dataset, tables, extension):
    """A dataset's raw files: the generated demo files, or those in the folder named in config."""
    source = config[dataset]["data"]
    folder = f"resources/{dataset}/demo" if source == "demo" else source
    return {name: str(Path(folder) / f"{name}{extension}") for name in tables}


def kkbox_raw_inputs(wildcards):
    """The five KKBox CSV files (Kaggle names)."""
    return raw_files("kkbox", KKBOX_TABLES, ".csv")


def kkbox_blend_inputs(wildcards):
    """Validation predictions and submissions of every model in the blend, for one seed."""
    inputs = {}
    for model in config["kkbox"]["blend"]:
        inputs[f"{model}_validation"] = (
            f"results/kkbox/predictions/{model}/seed{wildcards.seed}.csv"
        )
        inputs[f"{model}_submission"] = (
            f"results/kkbox/submissions/{model}/seed{wildcards.seed}.csv"
        )
    return inputs


def demographics_settings(dataset):
    """The demographics config with 'auto' resolved: demo data -> demo table, real data -> musicbrainz."""
    settings = dict(config["demographics"])
    demo_data = config[dataset]["data"] == "demo"
    if settings["source"] == "auto":
        settings["source"] = "demo" if demo_data else "musicbrainz"
    if settings["source"] == "demo" and not demo_data:
        raise WorkflowError(
            f"demographics.source is demo but {dataset}.data is {config[dataset]['data']!r}: "
            "the demo table only describes the demo artists (use musicbrainz, mbid_table or name_table)"
        )
    if settings["source"] == "mbid_table" and not (
        settings["mbid_table"] and settings["name_mbid_table"]
    ):
        raise WorkflowError(
            "demographics.source mbid_table needs demographics.mbid_table and name_mbid_table"
        )
    if settings["source"] == "name_table" and not settings["name_table"]:
        raise WorkflowError(
            "demographics.source name_table needs demographics.name_table"
        )
    return settings


def dataset_demographics_settings(wildcards):
    """demographics_settings of the {dataset} wildcard (kkbox or lastfm)."""
    return demographics_settings(wildcards.dataset)


def demographics_inputs(wildcards):
    """The {dataset}'s demo table, or the file whose artist names are looked up (KKBox songs.csv,
    Last.fm artists.dat; the input name tells the script which), plus the mbid_table or name_table files.
    """
    settings = demographics_settings(wildcards.dataset)
    if settings["source"] == "demo":
        return {
            "demo_table": f"resources/{wildcards.dataset}/demo/artist_demographics.csv"
        }
    if wildcards.dataset == "kkbox":
        inputs = {"songs": kkbox_raw_inputs(wildcards)["songs"]}
    else:
        inputs = {"artists": lastfm_raw_inputs(wildcards)["artists"]}
    if settings["source"] == "mbid_table":
        inputs["mbid_table"] = settings["mbid_table"]
        inputs["name_mbid_table"] = settings["name_mbid_table"]
    if settings["source"] == "name_table":
        inputs["name_table"] = settings["name_table"]
    return inputs


def demographics_offline(dataset):
    """True when the dataset's artist demographics can be built without the network (demo table,
    mbid_table or name_table); False for MusicBrainz and for a demographics config that does not fit
    the dataset.
    """
    try:
        return demographics_settings(dataset)["source"] in (
            "demo",
            "mbid_table",
            "name_table",
        )
    except WorkflowError:
        return False


# Last.fm HetRec + Spotify stage (rules/lastfm.smk; the neural models in rules/lastfm_neural.smk).
LASTFM_TABLES = [
    "user_artists",
    "artists",
    "tags",
    "user_taggedartists",
    "user_friends",
]
# Models without randomness are written once, as seed0; seeded models once per config seed.
LASTFM_DETERMINISTIC_MODELS = [
    f"popularity_{variant}"
    for variant in config["lastfm"]["models"]["popularity"]["variants"]
] + ["content_knn", "hybrid"]
LASTFM_SEEDED_MODELS = ["random", "rf_ranker"] + [
    name for name in ("sasrec", "two_tower") if name in config["lastfm"]["models"]
]
LASTFM_MODELS = ["random"] + LASTFM_DETERMINISTIC_MODELS + LASTFM_SEEDED_MODELS[1:]
# Models trained on each user's ordered training artists; their metrics files state that order.
LASTFM_SEQUENCE_MODELS = ["sasrec"]
LASTFM_SPLIT = {
    "train": "results/lastfm/split/train.parquet",
    "test": "results/lastfm/split/test.parquet",
    "cold_users": "results/lastfm/split/cold_users.parquet",
}


def lastfm_raw_inputs(wildcards):
    """The five HetRec .dat files."""
    return raw_files("lastfm", LASTFM_TABLES, ".dat")


def lastfm_friends_input(wildcards):
    """user_friends.dat of the configured HetRec data: the two-tower cold-start fallback uses friends."""
    return lastfm_raw_inputs(wildcards)["user_friends"]


def spotify_songs_input(wildcards):
    """spotify_songs.csv: the generated demo file, or the path named in config."""
    source = config["lastfm"]["spotify"]
    return "resources/spotify/demo/spotify_songs.csv" if source == "demo" else source


def lastfm_model_seeds(model):
    """Seeds a model's top-K lists exist for: [0] for deterministic models, else the config seeds."""
    return [0] if model in LASTFM_DETERMINISTIC_MODELS else SEEDS


def lastfm_metric_files(wildcards):
    """Every metrics file the summary aggregates: each model in LASTFM_MODELS at each of its seeds."""
    return [
        f"results/lastfm/metrics/{model}/seed{seed}.json"
        for model in LASTFM_MODELS
        for seed in lastfm_model_seeds(model)
    ]


def lastfm_training_report_inputs(wildcards):
    """The training report of a sequence model (SASRec), whose training order the metrics file repeats."""
    if wildcards.lastfm_model not in LASTFM_SEQUENCE_MODELS:
        return {}
    return {
        "training_report": f"results/lastfm/training/{wildcards.lastfm_model}/seed{wildcards.seed}.json"
    }


def lastfm_topk_files(wildcards):
    """Every top-K list file of the stage: each model in LASTFM_MODELS at each of its seeds."""
    return [
        f"results/lastfm/topk/{model}/seed{seed}.parquet"
        for model in LASTFM_MODELS
        for seed in lastfm_model_seeds(model)
    ]


def lastfm_artists_input(wildcards):
    """artists.dat of the configured HetRec data: the catalogue of the exposure baselines."""
    return lastfm_raw_inputs(wildcards)["artists"]


def lastfm_fairness_targets(wildcards):
    """The Last.fm exposure tables when the artist demographics can be had offline (demo table,
    mbid_table or name_table); none with MusicBrainz, whose lookups need the network (build them by name then).
    """
    if not demographics_offline("lastfm"):
        return []
    return [
        "results/fairness/lastfm/exposure.csv",
        "results/fairness/lastfm/first_female_rank.csv",
    ]


def stage_benchmarks(wildcards):
    """The benchmark files of every job of one stage (the jobs its target rule needs)."""
    if wildcards.stage == "kkbox":
        per_seed = expand(
            "results/benchmarks/kkbox/{model}/seed{seed}.tsv",
            model=KKBOX_MODELS,
            seed=SEEDS,
        )
        demo = (
            ["results/benchmarks/kkbox/demo_data.tsv"]
            if config["kkbox"]["data"] == "demo"
            else []
        )
        return demo + ["results/benchmarks/kkbox/features.tsv"] + per_seed
    if wildcards.stage == "lastfm":
        uses_demo = "demo" in (config["lastfm"]["data"], config["lastfm"]["spotify"])
        demo = ["results/benchmarks/lastfm/demo_data.tsv"] if uses_demo else []
        prepare = [
            f"results/benchmarks/lastfm/{step}.tsv"
            for step in ("split", "features", "similar_songs")
        ]
        models = [
            f"results/benchmarks/lastfm/{model}/seed{seed}.tsv"
            for model in LASTFM_MODELS
            for seed in lastfm_model_seeds(model)
        ]
        return demo + prepare + models
    raise WorkflowError(f"no benchmark summary defined for stage {wildcards.stage!r}")
