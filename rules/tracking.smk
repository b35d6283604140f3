# Experiment tracking with Weights & Biases (config tracking; off by default): one W&B run per
# {dataset}/{model}/{seed} of a dataset's summary, grouped by dataset, holding the run's hyper-parameters, its
# metrics and its training job's timing; offline by default (results/wandb/wandb/offline-run-*, upload with
# `wandb sync`). The stage targets build these records only when tracking.wandb is on.


rule track_run:
    input:
        unpack(tracking_inputs),
    output:
        "results/{dataset}/tracking/{model}/seed{seed}.json",
    log:
        "results/logs/{dataset}/track_run/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/track_run/{model}/seed{seed}.tsv"
    conda:
        "../envs/tracking.yaml"
    threads: 1
    resources:
        mem_mb=1000,
        runtime=10,
    params:
        run=tracked_run,
        tracking=config["tracking"],
    script:
        "../workflow_scripts/track_run.py"
