# Data profile per dataset (rule data_profile): statistics table and figures, the first section of each
# dataset in results/report.html. Each dataset file registers the raw files its profile reads in
# PROFILE_INPUTS (demo or real: the same input functions as its preparation rules).


rule data_profile:
    input:
        unpack(profile_inputs),
    output:
        statistics=report(
            "results/{dataset}/profile/statistics.csv",
            caption="../resources/report/profile_statistics.rst",
            category="Data profiles",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "profile": "statistics"},
        ),
        extras=report(
            "results/{dataset}/profile/extras.csv",
            caption="../resources/report/profile_extras.rst",
            category="Data profiles",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "profile": "dataset-specific table"},
        ),
        long_tail=report(
            "results/{dataset}/profile/long_tail.png",
            caption="../resources/report/profile_long_tail.rst",
            category="Data profiles",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "profile": "long tail"},
        ),
        activity=report(
            "results/{dataset}/profile/activity.png",
            caption="../resources/report/profile_activity.rst",
            category="Data profiles",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "profile": "activity"},
        ),
        extras_figure=report(
            "results/{dataset}/profile/extras.png",
            caption="../resources/report/profile_extras_figure.rst",
            category="Data profiles",
            subcategory="{dataset}",
            labels={"dataset": "{dataset}", "profile": "dataset-specific figures"},
        ),
        profile="results/{dataset}/profile/profile.json",
    log:
        "results/logs/{dataset}/profile.log",
    benchmark:
        "results/benchmarks/{dataset}/profile.tsv"
    wildcard_constraints:
        dataset="|".join(PROFILE_INPUTS),
    conda:
        "../envs/core.yaml"
    threads: 2
    resources:
        mem_mb=12000,
        runtime=30,
    params:
        source=profile_source,
    script:
        "../workflow_scripts/data_profile.py"
