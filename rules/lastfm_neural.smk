# Last.fm neural models (torch, one job per seed, on the GPU when one is present): SASRec over each
# user's ordered training artists, and the two-tower model with FAISS retrieval and a cold-start
# fallback. Their top-K lists go through the stage's lastfm_evaluate and lastfm_summary rules.

LASTFM_NEURAL_MODELS = config["lastfm"]["models"]


rule lastfm_sasrec:
    input:
        train=LASTFM_SPLIT["train"],
        test=LASTFM_SPLIT["test"],
        sequences="results/lastfm/split/sequences.parquet",
        artists="results/lastfm/artists.parquet",
    output:
        topk="results/lastfm/topk/sasrec/seed{seed}.parquet",
        report="results/lastfm/training/sasrec/seed{seed}.json",
    log:
        "results/logs/lastfm/sasrec/seed{seed}.log",
    benchmark:
        "results/benchmarks/lastfm/sasrec/seed{seed}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=1,
    params:
        hyperparameters=LASTFM_NEURAL_MODELS.get("sasrec", {}),
        topk=config["lastfm"]["topk"],
    script:
        "../workflow_scripts/lastfm_sasrec.py"


rule lastfm_two_tower:
    input:
        **LASTFM_SPLIT,
        artists="results/lastfm/artists.parquet",
        users="results/lastfm/users.parquet",
        friends=lastfm_friends_input,
    output:
        topk="results/lastfm/topk/two_tower/seed{seed}.parquet",
        report="results/lastfm/training/two_tower/seed{seed}.json",
        index="results/lastfm/faiss/two_tower/seed{seed}.index",
        index_report="results/lastfm/faiss/two_tower/seed{seed}.json",
        cold_metrics="results/lastfm/metrics/two_tower_cold/seed{seed}.json",
    log:
        "results/logs/lastfm/two_tower/seed{seed}.log",
    benchmark:
        "results/benchmarks/lastfm/two_tower/seed{seed}.tsv"
    conda:
        "../envs/torch.yaml"
    threads: 2
    resources:
        mem_mb=4000,
        runtime=60,
        gpu=1,
    params:
        hyperparameters=LASTFM_NEURAL_MODELS.get("two_tower", {}),
        topk=config["lastfm"]["topk"],
        k_values=config["lastfm"]["k_values"],
    script:
        "../workflow_scripts/lastfm_two_tower.py"
