"""Rules lastfm_random, lastfm_popularity, lastfm_content_knn, lastfm_hybrid, lastfm_rf_ranker: top-K lists."""

from musicrec.pipelines.lastfm import RecommendRun, recommend
from musicrec.scripting import run_script


def main(smk):
    run = RecommendRun(
        model=smk.params.model,
        seed=int(smk.wildcards.get("seed", 0)),
        topk=int(smk.params.topk),
        hyperparameters=dict(smk.params.hyperparameters),
        threads=smk.threads,
    )
    recommend(run, dict(smk.input.items()), dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
