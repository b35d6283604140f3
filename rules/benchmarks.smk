# Summaries of the benchmark files of each stage: how long each step took, and its peak memory.


rule benchmark_summary:
    input:
        stage_benchmarks,
    output:
        "results/benchmarks/summary_{stage}.csv",
    log:
        "results/logs/benchmarks/summary_{stage}.log",
    benchmark:
        "results/benchmarks/benchmark_summary_{stage}.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=5,
    script:
        "../workflow_scripts/benchmark_summary.py"


# The recommender core's data container at scale: build it from synthetic events of a named shape
# (musicrec.benchmarks.SCALE_SHAPES; yambda50m: 10,000 users x 934,057 items x 47.8M events); the
# benchmark file holds wall time and peak memory. Not part of any default target.
rule benchmark_interactions:
    output:
        "results/benchmarks/interactions/{shape}.json",
    log:
        "results/logs/benchmarks/interactions/{shape}.log",
    benchmark:
        "results/benchmarks/interactions/{shape}.tsv"
    wildcard_constraints:
        shape="tiny|yambda50m",
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=12000,
        runtime=30,
    script:
        "../workflow_scripts/benchmark_interactions.py"


# The Yambda preparation (both splits' training pairs, sequences, target sets and dislikes) in plain
# pandas, the reference of the polars jobs' speed (make benchmark-yambda). Not part of any default target.
rule yambda_prepare_pandas:
    input:
        multi_event=yambda_raw("multi_event"),
    output:
        **{
            f"{split}_{part}": f"results/yambda/pandas/{split}/{part}.parquet"
            for split in ("test", "valid")
            for part in YAMBDA_SHARD_PARTS
        },
    log:
        "results/logs/yambda/pandas_prepare.log",
    benchmark:
        "results/benchmarks/yambda/pandas_prepare.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=16000,
        runtime=120,
    params:
        protocol=config["yambda"]["protocol"],
    script:
        "../workflow_scripts/yambda_prepare_pandas.py"


# The 50m-shaped demo catalogue's audio embeddings alone (the demo generator's embeddings table at size 50m,
# the configured demo seed), the items of the ANN benchmark. Not part of any default target.
use rule yambda_demo_data as ann_benchmark_embeddings with:
    output:
        embeddings="results/benchmarks/ann/yambda50m_embeddings.parquet",
    log:
        "results/logs/benchmarks/ann/embeddings.log",
    benchmark:
        "results/benchmarks/ann/embeddings.tsv"
    params:
        dataset="yambda",
        size="50m",
        seed=config["yambda"]["demo"]["seed"],


# FAISS at catalogue scale (musicrec.retrieval.ann_benchmark): the source run's Yambda demo item vectors
# plus the projected 50m-shaped embeddings (about 1.7M), queried by the demo's user vectors; recall@10
# against one exact search and queries per second for each configured variant (IVF-Flat over nprobe, HNSW
# over efSearch; inner product or the MIPS-to-L2 reduction), next to uniform vectors on the sphere.
# Not part of any default target.
rule ann_benchmark:
    input:
        models=f"results/yambda/models/{config['ann_benchmark']['source']}/seed0",
        train="results/yambda/split/test/train.parquet",
        item_features=PREPARED["yambda"]["item_features"],
        embeddings="results/benchmarks/ann/yambda50m_embeddings.parquet",
    output:
        curve="results/benchmarks/ann/curve.csv",
        summary="results/benchmarks/ann/summary.json",
    log:
        "results/logs/benchmarks/ann/benchmark.log",
    benchmark:
        "results/benchmarks/ann/benchmark.tsv"
    conda:
        "../envs/ranking.yaml"
    threads: 2
    resources:
        mem_mb=12000,
        runtime=30,
    params:
        settings=config["ann_benchmark"],
    script:
        "../workflow_scripts/ann_benchmark.py"
