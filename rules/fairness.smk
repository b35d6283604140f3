# Fairness of the KKBox models: per-group quality (fairlearn), provider exposure in top-K lists, rank of
# the first female artist, aggregated over seeds, the demographic coverage (share of artists, songs and
# plays with a known artist gender), and the self-contained report results/fairness_report.html.

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


rule fairness_report:
    input:
        **{name: f"{FAIRNESS_DIR}/{name}.parquet" for name in FAIRNESS_SEED_TABLES},
        tables=rules.fairness_kkbox_tables.output.tables,
        coverage=rules.fairness_kkbox_groups.output.coverage,
    output:
        "results/fairness_report.html",
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
        config={"seeds": SEEDS, "fairness": FAIRNESS_SETTINGS, "kkbox": config["kkbox"]},
        table_files=[
            f"{FAIRNESS_DIR}/{name}.csv" for name in ["coverage"] + FAIRNESS_TABLES
        ],
    script:
        "../workflow_scripts/fairness_report.py"


# Last.fm: artist-gender exposure in every model's top-K lists (one job over all models and seeds).
rule fairness_lastfm:
    input:
        topk=topk_files("lastfm"),
        artists=raw_file("lastfm", "artists"),
        demographics="results/lastfm/artist_demographics.csv",
        train=PREPARED["lastfm"]["train"].format(split="test"),
        cold_users=PREPARED["lastfm"]["cold_users"].format(split="test"),
    output:
        **{
            f"{name}{suffix}": f"results/fairness/lastfm/{name}{suffix}.parquet"
            for name in ("exposure", "first_female_rank")
            for suffix in ("", "_by_seed")
        },
        **{
            f"{name}{suffix}_csv": f"results/fairness/lastfm/{name}{suffix}.csv"
            for name in ("exposure", "first_female_rank")
            for suffix in ("", "_by_seed")
        },
        tables="results/fairness/lastfm/tables.json",
    log:
        "results/logs/fairness/lastfm.log",
    benchmark:
        "results/benchmarks/fairness/lastfm.tsv"
    conda:
        "../envs/fairness.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=15,
    params:
        top_k=FAIRNESS_SETTINGS["top_k"],
        focus_group=FAIRNESS_SETTINGS["focus_group"],
        list_length=config["lastfm"]["evaluation"]["topk"],
        description={
            "data": config["lastfm"]["data"],
            "demographics": f"results/lastfm/artist_demographics.csv (source: {config['demographics']['source']})",
        },
    script:
        "../workflow_scripts/fairness_lastfm.py"
