# Cost table of the run (rule cost_table): wall time, CPU time and peak memory per job, per rule, per model
# and in total, from the benchmark files of every job of the stages of config report.datasets (data
# preparation, model fits, evaluations, similar-items tables, summaries), beside each model's main metric
# (config report.main_metrics) against its training time.


rule cost_table:
    input:
        unpack(cost_inputs),
    output:
        jobs="results/costs/jobs.csv",
        by_rule=report(
            "results/costs/by_rule.csv",
            caption="../resources/report/costs_by_rule.rst",
            category="Cost",
            subcategory="tables",
            labels={"cost": "per rule"},
        ),
        by_model=report(
            "results/costs/by_model.csv",
            caption="../resources/report/costs_by_model.rst",
            category="Cost",
            subcategory="tables",
            labels={"cost": "per model"},
        ),
        totals="results/costs/totals.json",
        costs_figure=report(
            "results/costs/costs.png",
            caption="../resources/report/costs_figure.rst",
            category="Cost",
            subcategory="figures",
            labels={"cost": "time per rule and model"},
        ),
        quality_figure=report(
            "results/costs/quality_per_cost.png",
            caption="../resources/report/quality_per_cost.rst",
            category="Cost",
            subcategory="figures",
            labels={"cost": "quality per cost"},
        ),
    log:
        "results/logs/costs/cost_table.log",
    benchmark:
        "results/benchmarks/costs/cost_table.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        jobs=cost_table_jobs,
        datasets=config["report"]["datasets"],
        main_metrics=cost_main_metrics,
    script:
        "../workflow_scripts/cost_table.py"
