"""Rule kkbox_nn: fit the Keras NN for one seed, write predictions, submission, metrics."""

from musicrec.models.keras_nn import KerasNNModel
from musicrec.pipelines.kkbox import run_model_rule
from musicrec.scripting import run_script

run_script(lambda smk: run_model_rule(smk, KerasNNModel), snakemake)  # noqa: F821
