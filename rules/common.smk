# Config validation, wildcard constraints and input functions shared by all rules.
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import validate


try:
    validate(config, "schemas/config.schema.yaml", set_default=True)
except WorkflowError as err:
    reason = str(err).strip().splitlines()
    raise WorkflowError(
        "config.yaml is invalid: " + " | ".join(line for line in reason[:3] if line)
    ) from None


wildcard_constraints:
    seed=r"\d+",


SEEDS = config["seeds"]
KKBOX_TABLES = ["train", "test", "songs", "members", "song_extra_info"]
KKBOX_MODELS = ["lgb", "nn", "blend"]


def kkbox_raw_inputs(wildcards):
    """The five KKBox files: generated demo files, or the user's folder named in config."""
    source = config["kkbox"]["data"]
    folder = "resources/kkbox/demo" if source == "demo" else source
    return {name: str(Path(folder) / f"{name}.csv") for name in KKBOX_TABLES}


def kkbox_blend_inputs(wildcards):
    """Validation predictions and submissions of every model in the blend, for one seed."""
    inputs = {}
    for model in config["kkbox"]["blend"]:
        inputs[f"{model}_validation"] = f"results/kkbox/predictions/{model}/seed{wildcards.seed}.csv"
        inputs[f"{model}_submission"] = f"results/kkbox/submissions/{model}/seed{wildcards.seed}.csv"
    return inputs
