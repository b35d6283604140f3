# Music-recommendation research workflow: table of contents.
# Every artifact is a file target; see README.md for the targets users build.
from snakemake.utils import min_version

min_version("9.0")


configfile: "config.yaml"


include: "rules/common.smk"
include: "rules/kkbox.smk"


localrules:
    all,
    kkbox,


rule all:
    input:
        rules.kkbox.input,
    default_target: True
