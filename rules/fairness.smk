# Fairness of the KKBox models: per-group quality (fairlearn), provider exposure in top-K lists, rank of
# the first female artist, aggregated over seeds, the demographic coverage (share of artists, songs and
# plays with a known artist gender); provider fairness of every top-K model of each ranking dataset with
# artist demographics (Last.fm, Yambda); and the self-contained report results/fairness_report.html.
from musicrec.fairness.ranking import SEED_TABLES as PROVIDER_SEED_TABLES
from musicrec.fairness.ranking import TABLES as PROVIDER_TABLES

FAIRNESS_DIR = "results/fairness/kkbox"
KKBOX_MODELS = models_in_summary("kkbox")
FAIRNESS_SEED_TABLES = [
    "group_metrics",
    "disparities",
    "exposure",
    "first_rank_distribution",
    "first_rank_summary",
    "artist_exposure",
]
FAIRNESS_TABLES = FAIRNESS_SEED_TABLES + [f"{t}_by_seed" for t in FAIRNESS_SEED_TABLES]
FAIRNESS_SETTINGS = config["fairness"]
# Per ranking dataset: shown in the report ("analysed") or why not (left out, not built, not configured).
PROVIDER_FAIRNESS = provider_fairness_status()
PROVIDER_DATASETS = [
    d for d, s in PROVIDER_FAIRNESS.items() if s["status"] == "analysed"
]
FAIRNESS_DATA_SOURCE = (
    f"KKBox demo data ({config['kkbox']['demo']['size']}, generator seed {config['kkbox']['demo']['seed']})"
    if config["kkbox"]["data"] == "demo"
    else f"KKBox files in {config['kkbox']['data']}"
)


rule fairness:
    input:
        "results/fairness_report.html",


rule fairness_kkbox_groups:
    input:
        valid="results/kkbox/features/valid.parquet",
        train="results/kkbox/features/train.parquet",
        demographics="results/kkbox/artist_demographics.csv",
    output:
        user_groups=f"{FAIRNESS_DIR}/groups/users.parquet",
        item_groups=f"{FAIRNESS_DIR}/groups/items.parquet",
        baselines=f"{FAIRNESS_DIR}/groups/baselines.parquet",
        coverage=f"{FAIRNESS_DIR}/coverage.parquet",
        coverage_csv=f"{FAIRNESS_DIR}/coverage.csv",
    log:
        "results/logs/fairness/kkbox/groups.log",
    benchmark:
        "results/benchmarks/fairness/kkbox/groups.tsv"
    conda:
        "../envs/fairness.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    params:
        **FAIRNESS_SETTINGS,
    script:
        "../workflow_scripts/fairness_kkbox_groups.py"


rule fairness_kkbox_seed:
    input:
        predictions="results/kkbox/predictions/{model}/seed{seed}.csv",
        user_groups=rules.fairness_kkbox_groups.output.user_groups,
        item_groups=rules.fairness_kkbox_groups.output.item_groups,
    output:
        **{
            name: f"{FAIRNESS_DIR}/{{model}}/seed{{seed}}/{name}.parquet"
            for name in FAIRNESS_SEED_TABLES
        },
    log:
        "results/logs/fairness/kkbox/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/fairness/kkbox/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model="|".join(KKBOX_MODELS),
    conda:
        "../envs/fairness.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    params:
        **FAIRNESS_SETTINGS,
    script:
        "../workflow_scripts/fairness_kkbox_seed.py"


rule fairness_kkbox_tables:
    input:
        **{
            name: expand(
                f"{FAIRNESS_DIR}/{{model}}/seed{{seed}}/{name}.parquet",
                model=KKBOX_MODELS,
                seed=SEEDS,
            )
            for name in FAIRNESS_SEED_TABLES
        },
        baselines=rules.fairness_kkbox_groups.output.baselines,
    output:
        **{name: f"{FAIRNESS_DIR}/{name}.parquet" for name in FAIRNESS_TABLES},
        **{f"{name}_csv": f"{FAIRNESS_DIR}/{name}.csv" for name in FAIRNESS_TABLES},
        tables=f"{FAIRNESS_DIR}/tables.json",
    log:
        "results/logs/fairness/kkbox/tables.log",
    benchmark:
        "results/benchmarks/fairness/kkbox/tables.tsv"
    conda:
        "../envs/fairness.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=15,
    params:
        **FAIRNESS_SETTINGS,
    script:
        "../workflow_scripts/fairness_kkbox_tables.py"


# Provider fairness of one ranking dataset: artist-gender exposure, first female artist against a random
# order and the most exposed artists in the top-K lists of every model and seed (one job).
rule fairness_provider:
    input:
        unpack(provider_fairness_inputs),
    output:
        **{
            name: f"results/fairness/{{dataset}}/{name}.parquet"
            for name in PROVIDER_TABLES
        },
        **{
            f"{name}_csv": f"results/fairness/{{dataset}}/{name}.csv"
            for name in PROVIDER_TABLES
        },
        tables="results/fairness/{dataset}/tables.json",
    log:
        "results/logs/fairness/{dataset}/provider.log",
    benchmark:
        "results/benchmarks/fairness/{dataset}/provider.tsv"
    wildcard_constraints:
        dataset="|".join(ARTIST_GENDER_SOURCES),
    conda:
        "../envs/fairness.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        top_k=FAIRNESS_SETTINGS["top_k"],
        focus_group=FAIRNESS_SETTINGS["focus_group"],
        min_coverage=FAIRNESS_SETTINGS["min_coverage"],
        list_length=evaluation_topk,
        exclude_seen=exclude_seen,
        description=provider_fairness_description,
    script:
        "../workflow_scripts/fairness_provider.py"


rule fairness_report:
    input:
        **{name: f"{FAIRNESS_DIR}/{name}.parquet" for name in FAIRNESS_SEED_TABLES},
        **{
            f"{d}_{name}": f"results/fairness/{d}/{name}.parquet"
            for d in PROVIDER_DATASETS
            for name in [*PROVIDER_SEED_TABLES, "coverage"]
        },
        **{
            f"{d}_tables": f"results/fairness/{d}/tables.json"
            for d in PROVIDER_DATASETS
        },
        tables=rules.fairness_kkbox_tables.output.tables,
        coverage=rules.fairness_kkbox_groups.output.coverage,
    output:
        report=report(
            "results/fairness_report.html",
            caption="../resources/report/fairness_report.rst",
            category="Overview",
            subcategory="pages",
            labels={"page": "fairness"},
        ),
        summary=report(
            "results/fairness/summary.csv",
            caption="../resources/report/fairness_summary.rst",
            category="Overview",
            subcategory="fairness",
            labels={"table": "provider fairness across datasets"},
        ),
    log:
        "results/logs/fairness/report.log",
    benchmark:
        "results/benchmarks/fairness/report.tsv"
    conda:
        "../envs/fairness.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        data_source=FAIRNESS_DATA_SOURCE,
        demographics=f"results/kkbox/artist_demographics.csv (source: {config['demographics']['source']})",
        config={
            "seeds": SEEDS,
            "fairness": FAIRNESS_SETTINGS,
            "kkbox": config["kkbox"],
            **{
                d: {
                    key: config[d][key]
                    for key in ("data", "evaluation", "artist_demographics")
                    if key in config[d]
                }
                for d in PROVIDER_DATASETS
            },
        },
        table_files=[
            f"{FAIRNESS_DIR}/{name}.csv" for name in ["coverage"] + FAIRNESS_TABLES
        ]
        + [
            f"results/fairness/{d}/{name}.csv"
            for d in PROVIDER_DATASETS
            for name in PROVIDER_TABLES
        ],
        ranking_datasets=PROVIDER_FAIRNESS,
    script:
        "../workflow_scripts/fairness_report.py"
