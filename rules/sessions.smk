# Generic session rules over {dataset}/{model}/{seed} (the skip challenge's sessions): fit a registered session
# model on the prepared splits (CPU or GPU rule by the registry) and write the test split's skip predictions, its
# next-track lists, or a pre-training run's artefacts; score them (metrics and per-session values). A new session
# model is a registry entry and a config block, never a new rule.


rule session_skip:
    input:
        unpack(session_inputs),
    output:
        predictions="results/{dataset}/predictions/{model}/seed{seed}.parquet",
        report="results/{dataset}/training/{model}/seed{seed}.json",
        models=directory("results/{dataset}/models/{model}/seed{seed}"),
    log:
        "results/logs/{dataset}/session_skip/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/session_skip/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=names_pattern(("skip",), gpu=False),
    conda:
        "../envs/ranking.yaml"
    threads: 1
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        run=run_params,
        list_length=session_list_length,
        k_values=session_k_values,
    script:
        "../workflow_scripts/session_model.py"


use rule session_skip as session_skip_gpu with:
    wildcard_constraints:
        model=names_pattern(("skip",), gpu=True),
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,


use rule session_skip as session_next_track with:
    output:
        topk="results/{dataset}/topk/{model}/seed{seed}.parquet",
        report="results/{dataset}/training/{model}/seed{seed}.json",
        models=directory("results/{dataset}/models/{model}/seed{seed}"),
    log:
        "results/logs/{dataset}/session_next_track/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/session_next_track/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=names_pattern(("next_track",), gpu=False),


use rule session_next_track as session_next_track_gpu with:
    wildcard_constraints:
        model=names_pattern(("next_track",), gpu=True),
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,


use rule session_skip as session_pretrain with:
    output:
        report="results/{dataset}/training/{model}/seed{seed}.json",
        models=directory("results/{dataset}/models/{model}/seed{seed}"),
    log:
        "results/logs/{dataset}/session_pretrain/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/session_pretrain/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=names_pattern(("pretraining",), gpu=False),


use rule session_pretrain as session_pretrain_gpu with:
    wildcard_constraints:
        model=names_pattern(("pretraining",), gpu=True),
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,


rule evaluate_sessions:
    input:
        unpack(session_evaluation_inputs),
    output:
        metrics="results/{dataset}/metrics/{model}/seed{seed}.json",
        per_user="results/{dataset}/per_user/{model}/seed{seed}.parquet",
    log:
        "results/logs/{dataset}/evaluate_sessions/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/evaluate_sessions/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=SESSION_EVALUATED_MODELS,
    conda:
        "../envs/core.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=10,
    params:
        task=session_task,
        k_values=session_k_values,
    script:
        "../workflow_scripts/evaluate_sessions.py"
