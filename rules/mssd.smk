# Spotify Sequential Skip Prediction Challenge (MSSD), data preparation: demo data (or the real log_*.csv and
# tf_*.csv files found under the configured folder) and the session tensors of the train, validation and test
# splits with the track vocabulary. Its models (mssd.models: skip, next-track and pre-training runs) run through
# the generic session rules (rules/sessions.smk).
from musicrec.datasets.mssd_files import MssdDemoSize

MSSD_DEMO = MssdDemoSize.named(config["mssd"]["demo"]["size"])
PROFILE_INPUTS["mssd"] = {
    kind: mssd_raw_files(kind) for kind in ("logs", "track_features")
}
SESSION_DATA["mssd"] = {
    **{
        split: f"results/mssd/prepared/{split}.npz"
        for split in ("train", "valid", "test")
    },
    "vocabulary": "results/mssd/prepared/vocabulary.parquet",
    "summary": "results/mssd/prepared/summary.json",
}
PREPARATION_BENCHMARKS["mssd"] = [
    f"results/benchmarks/mssd/{step}.tsv"
    for step in (["demo_data"] if config["mssd"]["data"] == "demo" else [])
    + ["prepare"]
]


rule mssd:
    input:
        "results/mssd/profile/profile.json",
        "results/mssd/summary.csv",
        "results/mssd/comparison.png",
        "results/mssd/significance.csv",
        "results/benchmarks/summary_mssd.csv",
        tracking_targets("mssd"),


rule mssd_demo_data:
    output:
        **{name: f"resources/mssd/demo/{name}.csv" for name in MSSD_DEMO.table_names()},
    log:
        "results/logs/mssd/demo_data.log",
    benchmark:
        "results/benchmarks/mssd/demo_data.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        dataset="mssd",
        size=config["mssd"]["demo"]["size"],
        seed=config["mssd"]["demo"]["seed"],
    script:
        "../workflow_scripts/demo_data.py"


rule mssd_prepare:
    input:
        unpack(mssd_raw),
    output:
        **SESSION_DATA["mssd"],
    log:
        "results/logs/mssd/prepare.log",
    benchmark:
        "results/benchmarks/mssd/prepare.tsv"
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=16000,
        runtime=120,
    params:
        vocabulary_size=config["mssd"]["vocabulary_size"],
        valid_share=config["mssd"]["split"]["valid_share"],
        test_share=config["mssd"]["split"]["test_share"],
    script:
        "../workflow_scripts/mssd_prepare.py"
