"""Rule kkbox_lgb: fit LightGBM for one seed, write predictions, submission, metrics."""

from musicrec.models.lightgbm_model import LightGBMModel
from musicrec.pipelines.kkbox import run_model_rule
from musicrec.scripting import run_script

run_script(lambda smk: run_model_rule(smk, LightGBMModel), snakemake)  # noqa: F821
