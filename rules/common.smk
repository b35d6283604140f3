# Config validation, the model-run table, wildcard constraints and the input functions of the generic
# rules. Dataset files (rules/<dataset>.smk) register what they prepare in PREPARED (ranking datasets) or
# CLASSIFICATION_DATA (classification datasets); the generic rules read only those tables.
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

import musicrec.models as registry
from musicrec.datasets.mssd_files import TRACK_FEATURES_NAME as MSSD_TRACK_FEATURES
from musicrec.datasets.mssd_files import file_paths as mssd_file_paths
from musicrec.datasets.yambda_files import file_paths as yambda_file_paths
from musicrec.config_check import config_problem, model_runs
from musicrec.errors import ConfigError

SCHEMA = workflow.source_path("schemas/config.schema.yaml")
problem = config_problem(config, SCHEMA)
if problem:
    raise WorkflowError(problem)
validate(config, "schemas/config.schema.yaml", set_default=True)
RUNS, problem = model_runs(config, SCHEMA)
if problem:
    raise WorkflowError(problem)

SEEDS = config["seeds"]
# Per ranking dataset, the prepared files of a split ({split}: test or valid) by part name.
PREPARED = {}
# Per classification dataset, its feature tables (train, valid, test, spec).
CLASSIFICATION_DATA = {}
# Per session dataset (the skip challenge), its prepared splits (train, valid, test), vocabulary and summary.
SESSION_DATA = {}
# Per dataset, the benchmark files of its data-preparation jobs.
PREPARATION_BENCHMARKS = {}
# Per dataset, its raw tables (file stems) and their extension.
RAW_TABLES = {}
# Per dataset with artists, the raw table whose artist names the demographics look up.
ARTIST_NAME_TABLE = {}
# Per ranking dataset with named target sets, the prepared parts its evaluation reads besides the
# training pairs (targets_<set> per target set, dislikes for Dislike-FPR).
EVALUATION_PARTS = {}
# Per ranking dataset with re-rankers, the prepared parts its candidate features read
# (the keyword arguments of musicrec.features.<dataset>.candidate_features).
CANDIDATE_FEATURE_TABLES = {}


def raw_paths(dataset):
    """A dataset's raw files by table: the generated demo files, or those in the folder named in config."""
    source = config[dataset]["data"]
    folder = f"resources/{dataset}/demo" if source == "demo" else source
    tables, extension = RAW_TABLES[dataset]
    return {name: str(Path(folder) / f"{name}{extension}") for name in tables}


def raw_inputs(dataset):
    """Input function: every raw file of ``dataset``."""

    def inputs(wildcards):
        return raw_paths(dataset)

    return inputs


def raw_file(dataset, table):
    """Input function: one raw file of ``dataset``."""

    def path(wildcards):
        return raw_paths(dataset)[table]

    return path


def configured_file(dataset, key, demo_path):
    """Input function: the file config ``<dataset>.<key>`` names, or ``demo_path`` when it says demo."""

    def path(wildcards):
        source = config[dataset][key]
        return demo_path if source == "demo" else source

    return path


def entry(dataset, model):
    """The registry entry of run ``model`` of ``dataset``."""
    return registry.REGISTRY[RUNS[dataset][model]["registry"]]


def runs_of(dataset, tasks):
    """The dataset's run names whose model serves one of ``tasks``, in config order."""
    return [m for m in RUNS.get(dataset, {}) if entry(dataset, m).task in tasks]


def model_seeds(dataset, model):
    """[0] for a model without randomness (written once, as seed0), else the config seeds."""
    return SEEDS if entry(dataset, model).seeded else [0]


def run_table(dataset, tasks):
    """Every (model, seed) job of the dataset's runs serving ``tasks``."""
    return [(m, s) for m in runs_of(dataset, tasks) for s in model_seeds(dataset, m)]


def names_pattern(tasks, gpu):
    """Regex of the run names (any dataset) whose model serves ``tasks`` on the GPU (or not)."""
    names = sorted(
        {
            m
            for dataset in RUNS
            for m in RUNS[dataset]
            if entry(dataset, m).task in tasks and entry(dataset, m).gpu == gpu
        }
    )
    return "|".join(names) if names else "(?!)"


def _check_names_are_unambiguous():
    """A run name must mean the same kind of job in every dataset (the rules route by name)."""
    kinds = {}
    for dataset in RUNS:
        for m in RUNS[dataset]:
            kind = (entry(dataset, m).task, entry(dataset, m).gpu)
            if kinds.setdefault(m, kind) != kind:
                raise WorkflowError(
                    f"config.yaml: model name {m!r} is a {kind[0]} model in {dataset} but a "
                    f"{kinds[m][0]} model elsewhere; give one of them another name (with model: <registered name>)"
                )


_check_names_are_unambiguous()


wildcard_constraints:
    dataset=r"[a-z][a-z0-9_]*",
    seed=r"\d+",
    stage=r"[a-z][a-z0-9_]*",
    split="test|valid",


def run_params(wildcards):
    """What a model job builds: dataset, run name, registered model and its hyper-parameters."""
    run = RUNS[wildcards.dataset][wildcards.model]
    hyperparameters = {
        k: v
        for k, v in run["hyperparameters"].items()
        if k not in ("generators", "source", "pretraining")
    }
    return {
        "dataset": wildcards.dataset,
        "model": wildcards.model,
        "registry": run["registry"],
        "hyperparameters": hyperparameters,
    }


def generator_depths(wildcards):
    """A re-ranker's generators and how many candidates per user it takes from each."""
    return RUNS[wildcards.dataset][wildcards.model]["hyperparameters"]["generators"]


def list_length(wildcards):
    """Length of a model's lists: the dataset's top-K length, or more when a re-ranker takes deeper
    candidate lists from it."""
    depths = [
        RUNS[wildcards.dataset][r]["hyperparameters"]["generators"].get(
            wildcards.model, 0
        )
        for r in runs_of(wildcards.dataset, ("reranking",))
    ]
    return max([config[wildcards.dataset]["evaluation"]["topk"], *depths])


def exclude_seen(wildcards):
    return config[wildcards.dataset]["evaluation"]["exclude_seen"]


def prepared(dataset, split, parts):
    """The prepared files ``parts`` of one split of a ranking dataset."""
    return {part: PREPARED[dataset][part].format(split=split) for part in parts}


def _ranking_inputs(wildcards, split):
    model = RUNS[wildcards.dataset][wildcards.model]["registry"]
    parts = (
        "train",
        "targets",
        "catalogue",
        *registry.data_parts(model, PREPARED[wildcards.dataset]),
    )
    return prepared(wildcards.dataset, split, parts)


def ranking_inputs(wildcards):
    """A recommender's inputs on the test split: training pairs, the users to serve (targets), the
    catalogue, and the data parts its registry entry reads (item and user features, sequences,
    neighbours; its optional parts, e.g. negatives, where the dataset prepares them)."""
    return _ranking_inputs(wildcards, "test")


def valid_ranking_inputs(wildcards):
    """The same on the validation split (carved from the test split's training pairs)."""
    return _ranking_inputs(wildcards, "valid")


def generator_seed(dataset, generator, seed):
    return seed if entry(dataset, generator).seeded else 0


def rerank_inputs(wildcards):
    """A re-ranker's inputs: each generator's lists on the validation split (to learn from) and on the
    test split (to re-rank), and both splits' targets and the tables the dataset's candidate features read.
    """
    inputs = {}
    seed = int(wildcards.seed)
    for generator in generator_depths(wildcards):
        s = generator_seed(wildcards.dataset, generator, seed)
        inputs[f"valid_list_{generator}"] = (
            f"results/{wildcards.dataset}/valid/topk/{generator}/seed{s}.parquet"
        )
        inputs[f"test_list_{generator}"] = (
            f"results/{wildcards.dataset}/topk/{generator}/seed{s}.parquet"
        )
    for split in ("valid", "test"):
        parts = ("targets", *CANDIDATE_FEATURE_TABLES[wildcards.dataset])
        for part, path in prepared(wildcards.dataset, split, parts).items():
            inputs[f"{split}_{part}"] = path
    return inputs


def serving_source(wildcards):
    """A serving run's source run and the seed of its artefacts (seed 0 for an unseeded source)."""
    source = RUNS[wildcards.dataset][wildcards.model]["hyperparameters"]["source"]
    return {
        "name": source,
        "seed": generator_seed(wildcards.dataset, source, int(wildcards.seed)),
    }


def serving_inputs(wildcards):
    """A serving run's inputs: its source's artefact folder at the same seed, and the test split's
    training pairs, targets, catalogue and item features."""
    source = serving_source(wildcards)
    return {
        "models": f"results/{wildcards.dataset}/models/{source['name']}/seed{source['seed']}",
        **prepared(
            wildcards.dataset,
            "test",
            ("train", "targets", "catalogue", "item_features"),
        ),
    }


def candidate_feature_tables(wildcards):
    return CANDIDATE_FEATURE_TABLES[wildcards.dataset]


def _evaluation_inputs(wildcards, split, lists):
    parts = ("train", "targets", "cold_users", "summary")
    return {
        "topk": lists,
        **prepared(
            wildcards.dataset,
            split,
            parts + EVALUATION_PARTS.get(wildcards.dataset, ()),
        ),
    }


def evaluation_inputs(wildcards):
    """One model's test-split lists and what the protocol needs of the split."""
    return _evaluation_inputs(
        wildcards,
        "test",
        f"results/{wildcards.dataset}/topk/{wildcards.model}/seed{wildcards.seed}.parquet",
    )


def valid_evaluation_inputs(wildcards):
    return _evaluation_inputs(
        wildcards,
        "valid",
        f"results/{wildcards.dataset}/valid/topk/{wildcards.model}/seed{wildcards.seed}.parquet",
    )


def k_values(wildcards):
    return config[wildcards.dataset]["evaluation"]["k_values"]


# Models whose lists the ranking evaluation scores (CPU and GPU recommenders, re-rankers, serving runs).
EVALUATED_MODELS = "|".join(
    [
        names_pattern(("ranking", "reranking", "serving"), gpu=False),
        names_pattern(("ranking",), gpu=True),
    ]
)


def models_in_summary(dataset):
    """The models a dataset's summary lists: its ranking, re-ranking and serving runs, its classifiers
    and blend, or its skip and next-track runs."""
    if dataset in CLASSIFICATION_DATA:
        return runs_of(dataset, ("classification",)) + ["blend"]
    if dataset in SESSION_DATA:
        return runs_of(dataset, ("skip", "next_track"))
    return runs_of(dataset, ("ranking", "reranking", "serving"))


def metric_files(wildcards):
    """Every metrics file of the dataset's summary: each model at each of its seeds."""
    d = wildcards.dataset
    return [
        f"results/{d}/metrics/{m}/seed{s}.json"
        for m in models_in_summary(d)
        for s in (SEEDS if m == "blend" else model_seeds(d, m))
    ]


def valid_metric_files(wildcards):
    """The validation split's metrics files: the ranking runs (re-rankers learn on that split)."""
    d = wildcards.dataset
    return [
        f"results/{d}/valid/metrics/{m}/seed{s}.json"
        for m, s in run_table(d, ("ranking",))
    ]


def summary_models(wildcards):
    return models_in_summary(wildcards.dataset)


def summary_title(wildcards):
    return f"{wildcards.dataset}: mean ± std over seeds"


def valid_summary_models(wildcards):
    return runs_of(wildcards.dataset, ("ranking",))


def valid_summary_title(wildcards):
    return f"{wildcards.dataset}, validation split: mean ± std over seeds"


def session_inputs(wildcards):
    """A session model's inputs: the dataset's prepared splits and vocabulary, and for a run with a
    ``pretraining`` key that pre-training run's artefact folder at the same seed."""
    inputs = dict(SESSION_DATA[wildcards.dataset])
    pretraining = RUNS[wildcards.dataset][wildcards.model]["hyperparameters"].get(
        "pretraining"
    )
    if pretraining:
        seed = generator_seed(wildcards.dataset, pretraining, int(wildcards.seed))
        inputs["pretrained"] = (
            f"results/{wildcards.dataset}/models/{pretraining}/seed{seed}"
        )
    return inputs


def session_task(wildcards):
    return entry(wildcards.dataset, wildcards.model).task


def session_evaluation_inputs(wildcards):
    """A skip model's predictions or a next-track model's lists on the test split, and the split."""
    d, m, s = wildcards.dataset, wildcards.model, wildcards.seed
    output = (
        {"predictions": f"results/{d}/predictions/{m}/seed{s}.parquet"}
        if session_task(wildcards) == "skip"
        else {"topk": f"results/{d}/topk/{m}/seed{s}.parquet"}
    )
    return {**output, **SESSION_DATA[d]}


def session_k_values(wildcards):
    return config[wildcards.dataset]["next_track"]["k_values"]


def session_list_length(wildcards):
    return max(config[wildcards.dataset]["next_track"]["k_values"])


# The session rule of each session task (their benchmark files are results/benchmarks/<dataset>/<rule>/...).
SESSION_RULES = {
    "pretraining": "session_pretrain",
    "skip": "session_skip",
    "next_track": "session_next_track",
}
# Session models whose outputs evaluate_sessions scores (skip and next-track runs, CPU and GPU).
SESSION_EVALUATED_MODELS = "|".join(
    names_pattern(("skip", "next_track"), gpu) for gpu in (False, True)
)


def classification_inputs(wildcards):
    """A classifier's inputs: the dataset's feature tables."""
    return CLASSIFICATION_DATA[wildcards.dataset]


def blend_inputs(wildcards):
    """Validation predictions, submissions and metrics of every model in the dataset's blend, for one seed."""
    inputs = {}
    for model in config[wildcards.dataset]["blend"]:
        for kind, path in (
            ("validation", "results/{}/predictions/{}/seed{}.csv"),
            ("submission", "results/{}/submissions/{}/seed{}.csv"),
            ("metrics", "results/{}/metrics/{}/seed{}.json"),
        ):
            inputs[f"{model}_{kind}"] = path.format(
                wildcards.dataset, model, wildcards.seed
            )
    return inputs


def blend_weights(wildcards):
    return config[wildcards.dataset]["blend"]


def model_benchmarks(dataset):
    """The benchmark files of every model job of a dataset (the same run table the rules use)."""
    if dataset in CLASSIFICATION_DATA:
        jobs = [
            f"classify/{m}/seed{s}" for m, s in run_table(dataset, ("classification",))
        ]
        jobs += [f"blend/seed{s}" for s in SEEDS]
    elif dataset in SESSION_DATA:
        jobs = [
            f"{rule}/{m}/seed{s}"
            for task, rule in SESSION_RULES.items()
            for m, s in run_table(dataset, (task,))
        ]
    else:
        jobs = [f"recommend/{m}/seed{s}" for m, s in run_table(dataset, ("ranking",))]
        jobs += [f"rerank/{m}/seed{s}" for m, s in run_table(dataset, ("reranking",))]
        jobs += [f"serve/{m}/seed{s}" for m, s in run_table(dataset, ("serving",))]
        generators = {
            g
            for r in runs_of(dataset, ("reranking",))
            for g in RUNS[dataset][r]["hyperparameters"]["generators"]
        }
        jobs += [
            f"recommend_valid/{g}/seed{s}"
            for g in sorted(generators)
            for s in model_seeds(dataset, g)
        ]
    return [f"results/benchmarks/{dataset}/{job}.tsv" for job in jobs]


def stage_benchmarks(wildcards):
    """The benchmark files of every job of one dataset's stage: data preparation and model jobs."""
    if wildcards.stage not in PREPARATION_BENCHMARKS:
        raise WorkflowError(
            f"no benchmark summary for {wildcards.stage!r}; stages: {', '.join(PREPARATION_BENCHMARKS)}"
        )
    return PREPARATION_BENCHMARKS[wildcards.stage] + model_benchmarks(wildcards.stage)


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
    """demographics_settings of the {dataset} wildcard."""
    return demographics_settings(wildcards.dataset)


def demographics_inputs(wildcards):
    """The {dataset}'s demo table, or the raw table whose artist names are looked up (ARTIST_NAME_TABLE:
    KKBox songs.csv, Last.fm artists.dat; the input name tells the script which), plus the mbid_table or
    name_table files.
    """
    settings = demographics_settings(wildcards.dataset)
    if settings["source"] == "demo":
        return {
            "demo_table": f"resources/{wildcards.dataset}/demo/artist_demographics.csv"
        }
    table = ARTIST_NAME_TABLE[wildcards.dataset]
    inputs = {table: raw_paths(wildcards.dataset)[table]}
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


def topk_files(dataset):
    """Input function: every top-K list file of a ranking dataset (each ranking and re-ranking model at
    each of its seeds)."""

    def files(wildcards):
        return [
            f"results/{dataset}/topk/{model}/seed{seed}.parquet"
            for model, seed in run_table(dataset, ("ranking", "reranking"))
        ]

    return files


def fairness_targets(dataset):
    """Input function: a ranking dataset's exposure tables when its artist demographics can be had offline
    (demo table, mbid_table or name_table); none with MusicBrainz, whose lookups need the network (build
    them by name then)."""

    def targets(wildcards):
        if not demographics_offline(dataset):
            return []
        return [
            f"results/fairness/{dataset}/{name}.csv"
            for name in ("exposure", "first_female_rank")
        ]

    return targets


def similar_item_neighbours(wildcards):
    """How many similar items per item the dataset's similar-items tables hold."""
    return config[wildcards.dataset]["similar_items"]["neighbours"]


def yambda_raw(table):
    """Input function: one Yambda file (demo, or found in the configured folder under either name)."""

    def path(wildcards):
        source = config["yambda"]["data"]
        if source == "demo":
            return f"resources/yambda/demo/{table}.parquet"
        return yambda_file_paths(source)[table]

    return path


def yambda_shard_files(wildcards):
    """Every shard's parts of one split, as gather's named inputs shard<i>_<part>."""
    return {
        f"shard{i}_{part}": f"results/yambda/shards/{i}-of-{YAMBDA_SHARDS}/{wildcards.split}/{part}.parquet"
        for i in range(YAMBDA_SHARDS)
        for part in YAMBDA_SHARD_PARTS
    }


def mssd_raw(wildcards):
    """The logs and track-feature tables: the demo's, or those found under the configured folder."""
    source = config["mssd"]["data"]
    if source == "demo":
        folder = Path("resources/mssd/demo")
        return {
            "logs": [str(folder / f"{name}.csv") for name in MSSD_DEMO.log_names()],
            "track_features": [str(folder / f"{MSSD_TRACK_FEATURES}.csv")],
        }
    try:
        return mssd_file_paths(source)
    except ConfigError as error:
        raise WorkflowError(f"config.yaml: {error}")
