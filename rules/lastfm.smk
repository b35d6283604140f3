# Last.fm HetRec 2011 2k + Spotify 30k songs: demo data, per-user split, artist features,
# top-K recommenders (random, popularity, content kNN, hybrid, RandomForest ranker; SASRec and
# two-tower + FAISS come from config keys lastfm.models.sasrec / two_tower), evaluation, summary.
wildcard_constraints:
    lastfm_model="|".join(LASTFM_MODELS),
    variant="plays|users",


rule lastfm:
    input:
        "results/lastfm/summary.csv",
        "results/lastfm/comparison.png",
        "results/lastfm/spotify_similar_songs.parquet",
        "results/benchmarks/summary_lastfm.csv",
        lastfm_fairness_targets,


rule lastfm_demo_data:
    output:
        **{name: f"resources/lastfm/demo/{name}.dat" for name in LASTFM_TABLES},
        artist_demographics="resources/lastfm/demo/artist_demographics.csv",
        spotify="resources/spotify/demo/spotify_songs.csv",
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
        unpack(lastfm_raw_inputs),
    output:
        **LASTFM_SPLIT,
        sequences="results/lastfm/split/sequences.parquet",
        summary="results/lastfm/split/summary.json",
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
        unpack(lastfm_raw_inputs),
        spotify=spotify_songs_input,
        train=LASTFM_SPLIT["train"],
    output:
        artists="results/lastfm/artists.parquet",
        users="results/lastfm/users.parquet",
        join_coverage="results/lastfm/join_coverage.json",
    log:
        "results/logs/lastfm/features.log",
    benchmark:
        "results/benchmarks/lastfm/features.tsv"
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
        spotify=spotify_songs_input,
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
        neighbours=config["lastfm"]["models"]["content_knn"]["similar_songs"],
    script:
        "../workflow_scripts/lastfm_similar_songs.py"


rule lastfm_random:
    input:
        **LASTFM_SPLIT,
        artists="results/lastfm/artists.parquet",
    output:
        topk="results/lastfm/topk/random/seed{seed}.parquet",
    log:
        "results/logs/lastfm/random/seed{seed}.log",
    benchmark:
        "results/benchmarks/lastfm/random/seed{seed}.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        model="random",
        hyperparameters={},
        topk=config["lastfm"]["topk"],
    script:
        "../workflow_scripts/lastfm_recommend.py"


rule lastfm_popularity:
    input:
        **LASTFM_SPLIT,
        artists="results/lastfm/artists.parquet",
    output:
        topk="results/lastfm/topk/popularity_{variant}/seed0.parquet",
    log:
        "results/logs/lastfm/popularity_{variant}/seed0.log",
    benchmark:
        "results/benchmarks/lastfm/popularity_{variant}/seed0.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        model="popularity_{variant}",
        hyperparameters={},
        topk=config["lastfm"]["topk"],
    script:
        "../workflow_scripts/lastfm_recommend.py"


rule lastfm_content_knn:
    input:
        **LASTFM_SPLIT,
        artists="results/lastfm/artists.parquet",
    output:
        topk="results/lastfm/topk/content_knn/seed0.parquet",
    log:
        "results/logs/lastfm/content_knn/seed0.log",
    benchmark:
        "results/benchmarks/lastfm/content_knn/seed0.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        model="content_knn",
        hyperparameters=config["lastfm"]["models"]["content_knn"],
        topk=config["lastfm"]["topk"],
    script:
        "../workflow_scripts/lastfm_recommend.py"


rule lastfm_hybrid:
    input:
        **LASTFM_SPLIT,
        artists="results/lastfm/artists.parquet",
    output:
        topk="results/lastfm/topk/hybrid/seed0.parquet",
    log:
        "results/logs/lastfm/hybrid/seed0.log",
    benchmark:
        "results/benchmarks/lastfm/hybrid/seed0.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        model="hybrid",
        hyperparameters={
            **config["lastfm"]["models"]["hybrid"],
            **config["lastfm"]["models"]["content_knn"],
        },
        topk=config["lastfm"]["topk"],
    script:
        "../workflow_scripts/lastfm_recommend.py"


rule lastfm_rf_ranker:
    input:
        **LASTFM_SPLIT,
        artists="results/lastfm/artists.parquet",
    output:
        topk="results/lastfm/topk/rf_ranker/seed{seed}.parquet",
        importances="results/lastfm/importances/rf_ranker/seed{seed}.csv",
    log:
        "results/logs/lastfm/rf_ranker/seed{seed}.log",
    benchmark:
        "results/benchmarks/lastfm/rf_ranker/seed{seed}.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 2
    resources:
        mem_mb=6000,
        runtime=30,
    params:
        model="rf_ranker",
        hyperparameters={
            **config["lastfm"]["models"]["rf_ranker"],
            **config["lastfm"]["models"]["content_knn"],
        },
        topk=config["lastfm"]["topk"],
    script:
        "../workflow_scripts/lastfm_recommend.py"


rule lastfm_evaluate:
    input:
        unpack(lastfm_training_report_inputs),
        **LASTFM_SPLIT,
        topk="results/lastfm/topk/{lastfm_model}/seed{seed}.parquet",
        split_summary="results/lastfm/split/summary.json",
    output:
        "results/lastfm/metrics/{lastfm_model}/seed{seed}.json",
    log:
        "results/logs/lastfm/evaluate/{lastfm_model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/lastfm/evaluate/{lastfm_model}/seed{seed}.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        k_values=config["lastfm"]["k_values"],
    script:
        "../workflow_scripts/lastfm_evaluate.py"


rule lastfm_summary:
    input:
        lastfm_metric_files,
    output:
        summary="results/lastfm/summary.csv",
        figure="results/lastfm/comparison.png",
    log:
        "results/logs/lastfm/summary.log",
    benchmark:
        "results/benchmarks/lastfm/summary.tsv"
    conda:
        "../envs/lastfm.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    params:
        models=LASTFM_MODELS,
    script:
        "../workflow_scripts/lastfm_summary.py"
