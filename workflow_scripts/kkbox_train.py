"""Rules kkbox_lgb and kkbox_nn: fit one model for one seed, write predictions, submission, metrics."""

from musicrec.pipelines.kkbox import ModelRun, PredictionPaths, train_and_predict
from musicrec.scripting import run_script


def main(smk):
    run = ModelRun(
        model=smk.params.model,
        seed=int(smk.wildcards.seed),
        hyperparameters=dict(smk.params.hyperparameters),
        threads=smk.threads,
    )
    paths = PredictionPaths(smk.output.validation, smk.output.submission, smk.output.metrics)
    train_and_predict(run, dict(smk.input.items()), paths)


run_script(main, snakemake)  # noqa: F821
