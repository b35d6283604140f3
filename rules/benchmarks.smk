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
