# Music-recommendation research workflow: table of contents.
# Every artifact is a file target; see README.md for the targets users build.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


# The description on the first page of `snakemake --report` (its figures and tables are registered by the rules).
report: "resources/report/workflow.rst"


# Config validation, the model-run table and the generic rules' input functions.
include: "rules/common.smk"
# Data preparation, one file per dataset (each registers what it prepares).
include: "rules/demographics.smk"
include: "rules/kkbox.smk"
include: "rules/lastfm.smk"
include: "rules/yambda.smk"
include: "rules/yandex_music.smk"
include: "rules/mssd.smk"
# Generic stages over {dataset}/{model}/{seed}.
include: "rules/ranking.smk"
include: "rules/classification.smk"
include: "rules/sessions.smk"
include: "rules/evaluation.smk"
include: "rules/fairness.smk"
include: "rules/benchmarks.smk"
# Reporting: a data profile per dataset, the cost table of the benchmark files, experiment tracking
# (Weights & Biases), the results page.
include: "rules/profiles.smk"
include: "rules/costs.smk"
include: "rules/tracking.smk"
include: "rules/report.smk"


localrules:
    all,
    kkbox,
    lastfm,
    yambda,
    yandex_music,
    mssd,
    fairness,
    summary,
    summary_valid,
    significance,
    benchmark_summary,
    fairness_kkbox_tables,
    fairness_report,
    cost_table,
    track_run,
    report,
    rulegraph,
    results_page,


rule all:
    default_target: True
    input:
        rules.kkbox.input,
        rules.fairness.input,
        rules.lastfm.input,
        rules.yambda.input,
        rules.yandex_music.input,
        rules.mssd.input,
        rules.report.input,
