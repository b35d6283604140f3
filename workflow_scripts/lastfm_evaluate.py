"""Rule lastfm_evaluate: ranking metrics of one model's top-K lists for one seed."""

from musicrec.pipelines.lastfm import evaluate_topk
from musicrec.scripting import run_script


def main(smk):
    split = {name: smk.input[name] for name in ("train", "test", "cold_users")}
    evaluate_topk(smk.input.topk, smk.wildcards.lastfm_model, int(smk.wildcards.seed), split,
                  smk.input.split_summary, list(smk.params.k_values), smk.output[0],
                  training_report_path=smk.input.get("training_report"))


run_script(main, snakemake)  # noqa: F821
