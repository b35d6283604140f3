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
