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
# Per ranking dataset with artist demographics, rule fairness_provider's inputs "artists" (the table the
# dataset module's item_artists reads) and "demographics" (the artist -> gender table); paths or input functions.
ARTIST_GENDER_SOURCES = {}
# Per dataset, the raw files its data profile reads (the inputs of rule data_profile), input name -> input
# function.
PROFILE_INPUTS = {}
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


def profile_inputs(wildcards):
    """The {dataset}'s PROFILE_INPUTS, each input function applied (a path, or a list of paths)."""
    return {
        name: source(wildcards)
        for name, source in PROFILE_INPUTS[wildcards.dataset].items()
    }


def profile_source(wildcards):
    """data_source of the {dataset} wildcard."""
    return data_source(wildcards.dataset)


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


def summary_runs(dataset):
    """Every (model, seed) of the dataset's summary."""
    return [
        (m, s)
        for m in models_in_summary(dataset)
        for s in (SEEDS if m == "blend" else model_seeds(dataset, m))
    ]


def metric_files(wildcards):
    """Every metrics file of the dataset's summary: each model at each of its seeds."""
    d = wildcards.dataset
    return [f"results/{d}/metrics/{m}/seed{s}.json" for m, s in summary_runs(d)]


def significance_inputs(wildcards):
    """The dataset's summary and the per-user metrics file of every model and seed in it."""
    d = wildcards.dataset
    return {
        "summary": f"results/{d}/summary.csv",
        "per_user": [
            f"results/{d}/per_user/{m}/seed{s}.parquet" for m, s in summary_runs(d)
        ],
    }


def significance_runs(wildcards):
    """Model and seed of each per-user file of significance_inputs, in the same order."""
    return [{"model": m, "seed": s} for m, s in summary_runs(wildcards.dataset)]


def main_metrics(wildcards):
    """The dataset's main metrics (config report.main_metrics; none when it lists no such dataset)."""
    return config["report"]["main_metrics"].get(wildcards.dataset, [])


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
    """Validation predictions, submissions and metrics of every model in the dataset's blend, for one seed,
    and the feature spec (it names the predictions' user column)."""
    inputs = {"spec": CLASSIFICATION_DATA[wildcards.dataset]["spec"]}
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


# The benchmark folder of the job that fits a run of each task (a GPU rule shares its CPU twin's folder).
TRAINING_RULES = {
    "ranking": "recommend",
    "reranking": "rerank",
    "serving": "serve",
    "classification": "classify",
    **SESSION_RULES,
}
# The report each model-fitting job writes (timings, the device it used), by benchmark folder; a
# classifier's metrics file is its report.
TRAINING_REPORTS = {
    **{
        folder: "results/{dataset}/training/{model}/seed{seed}.json"
        for folder in ("recommend", "rerank", "serve", *SESSION_RULES.values())
    },
    "recommend_valid": "results/{dataset}/valid/training/{model}/seed{seed}.json",
    "classify": "results/{dataset}/metrics/{model}/seed{seed}.json",
}


def model_jobs(dataset):
    """Every model job of a dataset as (benchmark folder, run name, seed), from the same run table the
    rules use: the fits of its runs, the blend's jobs ("blend", "blend", seed) and the re-rankers'
    generators on the validation split."""
    if dataset in CLASSIFICATION_DATA:
        tasks = ("classification",)
    elif dataset in SESSION_DATA:
        tasks = tuple(SESSION_RULES)
    else:
        tasks = ("ranking", "reranking", "serving")
    jobs = [
        (TRAINING_RULES[task], m, s)
        for task in tasks
        for m, s in run_table(dataset, (task,))
    ]
    if dataset in CLASSIFICATION_DATA:
        jobs += [("blend", "blend", s) for s in SEEDS]
    generators = {
        g
        for r in runs_of(dataset, ("reranking",))
        for g in RUNS[dataset][r]["hyperparameters"]["generators"]
    }
    jobs += [
        ("recommend_valid", g, s)
        for g in sorted(generators)
        for s in model_seeds(dataset, g)
    ]
    return jobs


def job_benchmark(dataset, folder, model, seed):
    """The benchmark file of one job over {dataset}/{model}/{seed} (the blend's: blend/seed<N>)."""
    job = f"blend/seed{seed}" if folder == "blend" else f"{folder}/{model}/seed{seed}"
    return f"results/benchmarks/{dataset}/{job}.tsv"


def model_benchmarks(dataset):
    """The benchmark files of every model job of a dataset (the same run table the rules use)."""
    return [job_benchmark(dataset, *job) for job in model_jobs(dataset)]


def stage_benchmarks(wildcards):
    """The benchmark files of every job of one dataset's stage: data preparation and model jobs."""
    if wildcards.stage not in PREPARATION_BENCHMARKS:
        raise WorkflowError(
            f"no benchmark summary for {wildcards.stage!r}; stages: {', '.join(PREPARATION_BENCHMARKS)}"
        )
    return PREPARATION_BENCHMARKS[wildcards.stage] + model_benchmarks(wildcards.stage)


def evaluation_jobs(dataset):
    """The jobs after the model jobs that a dataset's stage target builds, as (benchmark folder, run name,
    seed): the evaluation of each model of its summary at each of its seeds (a classifier scores itself)
    and its similar-items tables."""
    jobs = []
    if dataset not in CLASSIFICATION_DATA:
        folder = "evaluate_sessions" if dataset in SESSION_DATA else "evaluate"
        jobs = [(folder, m, s) for m, s in summary_runs(dataset)]
    similar = config[dataset].get("similar_items", {}).get("models", [])
    return jobs + [
        ("similar_items", m, s) for m in similar for s in model_seeds(dataset, m)
    ]


# The jobs each dataset's stage target runs once for the whole dataset (benchmark file <name>.tsv): its data
# profile, its summary over seeds and the significance of the best model's lead.
DATASET_JOBS = ("profile", "summary", "significance")


def cost_jobs(dataset):
    """Every job of a dataset's stage that the cost table counts, one record each: dataset, rule (the
    benchmark folder; a preparation step's first path part), model and seed (None for data preparation and
    the DATASET_JOBS), benchmark file, whether it ran on a GPU rule, whether it fits its model (training; the
    validation-split fits of re-rankers' generators do not count) and the training report it wrote (or None).
    """
    root = f"results/benchmarks/{dataset}/"
    job = {
        "dataset": dataset,
        "model": None,
        "seed": None,
        "gpu_rule": False,
        "training": False,
        "report": None,
    }
    records = [
        {
            **job,
            "rule": Path(path.removeprefix(root)).parts[0].removesuffix(".tsv"),
            "benchmark": path,
        }
        for path in PREPARATION_BENCHMARKS[dataset]
    ]
    for folder, model, seed in model_jobs(dataset) + evaluation_jobs(dataset):
        fits = folder in TRAINING_REPORTS
        records.append(
            {
                **job,
                "rule": folder,
                "model": model,
                "seed": seed,
                "benchmark": job_benchmark(dataset, folder, model, seed),
                "gpu_rule": fits and entry(dataset, model).gpu,
                "training": folder in (*TRAINING_RULES.values(), "blend"),
                "report": (
                    TRAINING_REPORTS[folder].format(
                        dataset=dataset, model=model, seed=seed
                    )
                    if fits
                    else None
                ),
            }
        )
    return records + [
        {**job, "rule": name, "benchmark": f"{root}{name}.tsv"} for name in DATASET_JOBS
    ]


def cost_table_jobs(wildcards):
    """The cost_jobs records of every dataset in config report.datasets."""
    return [job for d in config["report"]["datasets"] for job in cost_jobs(d)]


def cost_inputs(wildcards):
    """The cost table's inputs: each counted job's benchmark file and training report, and the summary of
    each dataset in config report.datasets (in that order)."""
    jobs = cost_table_jobs(wildcards)
    return {
        "benchmarks": [job["benchmark"] for job in jobs],
        "reports": [job["report"] for job in jobs if job["report"]],
        "summaries": [f"results/{d}/summary.csv" for d in config["report"]["datasets"]],
    }


def cost_main_metrics(wildcards):
    """config report.main_metrics of the datasets in config report.datasets."""
    main_metrics = config["report"]["main_metrics"]
    return {d: main_metrics.get(d, []) for d in config["report"]["datasets"]}


def tracking_inputs(wildcards):
    """A tracked run's metrics file, the benchmark file of the job that fitted it and, where that job
    writes one besides the metrics file, its training report."""
    d, m, s = wildcards.dataset, wildcards.model, wildcards.seed
    folder = "blend" if m == "blend" else TRAINING_RULES[entry(d, m).task]
    inputs = {
        "metrics": f"results/{d}/metrics/{m}/seed{s}.json",
        "benchmark": job_benchmark(d, folder, m, s),
    }
    if folder in TRAINING_REPORTS and folder != "classify":
        inputs["report"] = TRAINING_REPORTS[folder].format(dataset=d, model=m, seed=s)
    return inputs


def tracked_run(wildcards):
    """What a W&B run records of run {model}: dataset, run name, registered model, seed and the config's
    hyper-parameters (the blend: its weights)."""
    d, m = wildcards.dataset, wildcards.model
    if m == "blend":
        registered, hyperparameters = "blend", {"weights": config[d]["blend"]}
    else:
        registered, hyperparameters = (
            RUNS[d][m]["registry"],
            RUNS[d][m]["hyperparameters"],
        )
    return {
        "dataset": d,
        "model": m,
        "registry": registered,
        "seed": int(wildcards.seed),
        "hyperparameters": hyperparameters,
    }


def tracking_targets(dataset):
    """Input function: a dataset's W&B tracking records (each model of its summary at each of its seeds)
    when config tracking.wandb is on; none otherwise."""

    def targets(wildcards):
        if not config["tracking"]["wandb"]:
            return []
        return [
            f"results/{dataset}/tracking/{m}/seed{s}.json"
            for m, s in summary_runs(dataset)
        ]

    return targets


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


def topk_list_files(dataset):
    """Every test-split top-K list file of a ranking dataset: each ranking, re-ranking and serving run at
    each of its seeds."""
    return [
        f"results/{dataset}/topk/{model}/seed{seed}.parquet"
        for model, seed in run_table(dataset, ("ranking", "reranking", "serving"))
    ]


def artist_genders_problem(dataset):
    """Why a ranking dataset's artist genders cannot be had offline, as (status, note), or None when they
    can: through rule artist_demographics from the demo table, mbid_table or name_table (not MusicBrainz,
    whose look-ups need the network: "not built"), or, for a dataset without artist names (a
    <dataset>.artist_demographics key), from the artist-id table that key names ("demo": the planted
    table of the demo data); anything else is "not configured"."""
    if dataset not in ARTIST_GENDER_SOURCES:
        return ("not configured", f"no artist demographics source for {dataset}")
    if "artist_demographics" in config[dataset]:
        table = config[dataset]["artist_demographics"]
        how = (
            f"set {dataset}.artist_demographics in config.yaml to a CSV file with columns artist_id,gender "
            "(gender male, female, mixed, other or unknown)"
        )
        if not table:
            return (
                "not configured",
                f"no artist demographics are configured ({dataset}.artist_demographics is empty): {how}",
            )
        if table == "demo" and config[dataset]["data"] != "demo":
            return (
                "not configured",
                f"{dataset}.artist_demographics is demo, but the demo table describes only the demo artists "
                f"and {dataset}.data is {config[dataset]['data']!r}: {how}",
            )
        return None
    try:
        source = demographics_settings(dataset)["source"]
    except WorkflowError as error:
        return ("not configured", str(error))
    if source == "musicbrainz":
        return (
            "not built",
            "artist demographics of real data come from MusicBrainz look-ups, which need the network and are "
            f"not built by default: build results/fairness/{dataset}/tables.json by name, or set "
            "demographics.source to name_table or mbid_table",
        )
    return None


def fairness_targets(dataset):
    """Input function: a ranking dataset's provider-fairness tables when its artist genders can be had
    offline (artist_genders_problem); none otherwise (build them by name then)."""

    def targets(wildcards):
        if artist_genders_problem(dataset):
            return []
        return [f"results/fairness/{dataset}/tables.json"]

    return targets


def provider_fairness_inputs(wildcards):
    """Rule fairness_provider's inputs: every top-K list file of the {dataset}, its test split's catalogue,
    training pairs, targets, cold users and summary, and its artist and artist-gender tables.
    """
    d = wildcards.dataset
    problem = artist_genders_problem(d)
    if problem:
        raise WorkflowError(f"no provider fairness for {d}: {problem[1]}")
    sources = {
        name: source(wildcards) if callable(source) else source
        for name, source in ARTIST_GENDER_SOURCES[d].items()
    }
    parts = ("catalogue", "train", "targets", "cold_users", "summary")
    return {"topk": topk_list_files(d), **prepared(d, "test", parts), **sources}


def evaluation_topk(wildcards):
    """The length of the {dataset}'s evaluated top-K lists."""
    return config[wildcards.dataset]["evaluation"]["topk"]


def data_source(dataset):
    """The dataset's data in words: the demo data (size, generator seed) or the configured files."""
    settings = config[dataset]
    if settings["data"] == "demo":
        return f"{dataset} demo data ({settings['demo']['size']}, generator seed {settings['demo']['seed']})"
    return f"{dataset} files in {settings['data']}"


def provider_fairness_description(wildcards):
    """What rule fairness_provider writes into tables.json about the {dataset}'s data and demographics."""
    d = wildcards.dataset
    table = ARTIST_GENDER_SOURCES[d]["demographics"]
    table = table(wildcards) if callable(table) else table
    if "artist_demographics" in config[d]:
        source = f"{d}.artist_demographics: {config[d]['artist_demographics']}"
    else:
        source = f"demographics.source: {demographics_settings(d)['source']}"
    return {"data": data_source(d), "demographics": f"{table} ({source})"}


def provider_fairness_status():
    """Per ranking dataset, whether the fairness report shows its provider fairness: status "analysed"
    (artist genders offline and listed in fairness.ranking_datasets), else "left out", "not built" or
    "not configured", a note saying why and how to change it, and whether it gets a section of its own
    (the datasets with an artist-demographics source)."""
    status = {}
    for d in PREPARED:
        problem = artist_genders_problem(d)
        if problem is None and d not in config["fairness"]["ranking_datasets"]:
            problem = ("left out", "not in fairness.ranking_datasets (config.yaml)")
        state, note = problem or ("analysed", "")
        status[d] = {
            "status": state,
            "note": note,
            "section": d in ARTIST_GENDER_SOURCES,
        }
    return status


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


REPORT_DATASETS = config["report"]["datasets"]


def mssd_raw_files(kind):
    """Input function: the MSSD files of one kind of mssd_raw (logs or track_features)."""

    def paths(wildcards):
        return mssd_raw(wildcards)[kind]

    return paths


def results_page_inputs(wildcards):
    """What results/report.html shows: per dataset of report.datasets its summary, comparison figure,
    significance table and data profile; the cost table and its figures; the fairness report (linked) and
    its summary across datasets."""
    inputs = {}
    for d in REPORT_DATASETS:
        inputs[f"{d}_summary"] = f"results/{d}/summary.csv"
        inputs[f"{d}_comparison"] = f"results/{d}/comparison.png"
        inputs[f"{d}_significance"] = f"results/{d}/significance.csv"
        inputs[f"{d}_profile"] = f"results/{d}/profile/profile.json"
    costs = {
        "totals": "totals.json",
        "by_model": "by_model.csv",
        "by_rule": "by_rule.csv",
        "costs_figure": "costs.png",
        "quality_figure": "quality_per_cost.png",
    }
    inputs.update({part: f"results/costs/{name}" for part, name in costs.items()})
    inputs["fairness_report"] = "results/fairness_report.html"
    inputs["fairness_summary"] = "results/fairness/summary.csv"
    return inputs


def report_data_sources(wildcards):
    """Each reported dataset's data source: demo (with its size) or the configured folder."""
    sources = {}
    for d in REPORT_DATASETS:
        settings = config[d]
        sources[d] = (
            f"demo data ({settings['demo']['size']}, generator seed {settings['demo']['seed']})"
            if settings["data"] == "demo"
            else settings["data"]
        )
    return sources
