# Generic ranking rules over {dataset}/{model}/{seed}: fit a registered recommender and write its top-K
# lists (CPU or GPU rule by the registry; the test split, and the validation split carved from its training
# pairs), and re-rank the candidate lists of named generators. A new model is a registry entry and a
# config block, never a new rule.


rule recommend:
    input:
        unpack(ranking_inputs),
    output:
        topk="results/{dataset}/topk/{model}/seed{seed}.parquet",
        report="results/{dataset}/training/{model}/seed{seed}.json",
        models=directory("results/{dataset}/models/{model}/seed{seed}"),
    log:
        "results/logs/{dataset}/recommend/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/recommend/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=names_pattern(("ranking",), gpu=False),
    conda:
        "../envs/ranking.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        run=run_params,
        list_length=list_length,
        exclude_seen=exclude_seen,
    script:
        "../workflow_scripts/recommend.py"


use rule recommend as recommend_gpu with:
    wildcard_constraints:
        model=names_pattern(("ranking",), gpu=True),
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,


use rule recommend as recommend_valid with:
    input:
        unpack(valid_ranking_inputs),
    output:
        topk="results/{dataset}/valid/topk/{model}/seed{seed}.parquet",
        report="results/{dataset}/valid/training/{model}/seed{seed}.json",
        models=directory("results/{dataset}/valid/models/{model}/seed{seed}"),
    log:
        "results/logs/{dataset}/recommend_valid/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/recommend_valid/{model}/seed{seed}.tsv"


use rule recommend_valid as recommend_valid_gpu with:
    wildcard_constraints:
        model=names_pattern(("ranking",), gpu=True),
    resources:
        mem_mb=8000,
        runtime=120,
        gpu=1,


rule rerank:
    input:
        unpack(rerank_inputs),
    output:
        topk="results/{dataset}/topk/{model}/seed{seed}.parquet",
        report="results/{dataset}/training/{model}/seed{seed}.json",
    log:
        "results/logs/{dataset}/rerank/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/rerank/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=names_pattern(("reranking",), gpu=False),
    conda:
        "../envs/ranking.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=120,
    params:
        run=run_params,
        generators=generator_depths,
        tables=candidate_feature_tables,
        list_length=list_length,
    script:
        "../workflow_scripts/rerank.py"


rule similar_items:
    input:
        models="results/{dataset}/models/{model}/seed{seed}",
    output:
        "results/{dataset}/similar_items/{model}/seed{seed}.parquet",
    log:
        "results/logs/{dataset}/similar_items/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/similar_items/{model}/seed{seed}.tsv"
    conda:
        "../envs/ranking.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        neighbours=similar_item_neighbours,
    script:
        "../workflow_scripts/similar_items.py"


# Serve a ranking run's factor vectors (the run's source, same seed) through a FAISS index, with the cold
# items projected from their audio embeddings (musicrec.retrieval.serving); the report holds the index's
# recall and speed against exact search and the cold-start recall.
rule serve:
    input:
        unpack(serving_inputs),
    output:
        topk="results/{dataset}/topk/{model}/seed{seed}.parquet",
        report="results/{dataset}/training/{model}/seed{seed}.json",
    log:
        "results/logs/{dataset}/serve/{model}/seed{seed}.log",
    benchmark:
        "results/benchmarks/{dataset}/serve/{model}/seed{seed}.tsv"
    wildcard_constraints:
        model=names_pattern(("serving",), gpu=False),
    conda:
        "../envs/ranking.yaml"
    threads: 2
    resources:
        mem_mb=8000,
        runtime=60,
    params:
        run=run_params,
        source=serving_source,
        list_length=list_length,
        exclude_seen=exclude_seen,
        k_values=k_values,
    script:
        "../workflow_scripts/serve.py"
