# Generic evaluation rules: ranking metrics of one model and seed under the dataset's protocol (test split,
# and the validation split used for tuning) with their per-user values, the summary over seeds of every
# dataset (ranking and classification alike), and the paired significance test of each dataset's best model
# against the runner-up.


rule evaluate:
    input:
        unpack(evaluation_inputs),
    output:
        metrics="results/{dataset}/metrics/{model}/seed{seed}.json",
        per_user="results/{dataset}/per_user/{model}/seed{seed}.parquet",
    log:
        "results/logs/{dataset}/evaluate/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/evaluate/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=EVALUATED_MODELS,
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        k_values=k_values,
        exclude_seen=exclude_seen,
    script:
        "../workflow_scripts/evaluate.py"


use rule evaluate as evaluate_valid with:
    input:
        unpack(valid_evaluation_inputs),
    output:
        metrics="results/{dataset}/valid/metrics/{model}/seed{seed}.json",
        per_user="results/{dataset}/valid/per_user/{model}/seed{seed}.parquet",
    log:
        "results/logs/{dataset}/evaluate_valid/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/evaluate_valid/{model}/seed{seed}.tsv"


rule summary:
    input:
        metric_files,
    output:
        summary=report(
            "results/{dataset}/summary.csv",
            caption="../resources/report/summary.rst",
            category="Results",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "result": "summary over seeds"},
        ),
        figure=report(
            "results/{dataset}/comparison.png",
            caption="../resources/report/comparison.rst",
            category="Results",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "result": "model comparison"},
        ),
    log:
        "results/logs/{dataset}/summary.log",
    benchmark:
        "results/benchmarks/{dataset}/summary.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=5,
    params:
        models=summary_models,
        title=summary_title,
    script:
        "../workflow_scripts/summary.py"


use rule summary as summary_valid with:
    input:
        valid_metric_files,
    output:
        summary="results/{dataset}/valid/summary.csv",
        figure="results/{dataset}/valid/comparison.png",
    log:
        "results/logs/{dataset}/summary_valid.log",
    benchmark:
        "results/benchmarks/{dataset}/summary_valid.tsv"
    params:
        models=valid_summary_models,
        title=valid_summary_title,


rule significance:
    input:
        unpack(significance_inputs),
    output:
        table=report(
            "results/{dataset}/significance.csv",
            caption="../resources/report/significance.rst",
            category="Results",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "result": "significance of the lead"},
        ),
        description="results/{dataset}/significance.json",
    log:
        "results/logs/{dataset}/significance.log",
    benchmark:
        "results/benchmarks/{dataset}/significance.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=10,
    params:
        runs=significance_runs,
        main_metrics=main_metrics,
        level=config["report"]["significance_level"],
    script:
        "../workflow_scripts/significance.py"
