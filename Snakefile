# Music-recommendation research workflow: table of contents.
# Every artifact is a file target; see README.md for the targets users build.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/kkbox.smk"
include: "rules/demographics.smk"
include: "rules/fairness.smk"
include: "rules/lastfm.smk"
include: "rules/lastfm_neural.smk"
include: "rules/benchmarks.smk"


localrules:
    all,
    kkbox,
    kkbox_summary,
    fairness,
    lastfm,
    benchmark_summary,
    fairness_kkbox_tables,
    fairness_report,
    lastfm_summary,


rule all:
    default_target: True
    input:
        rules.kkbox.input,
        rules.fairness.input,
        rules.lastfm.input,
