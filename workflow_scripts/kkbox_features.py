"""Rule kkbox_features: load the five KKBox files and write train/valid/test feature tables, the spec
and the report of the input (rows, blank values, ids that do not join)."""

from musicrec.datasets import kkbox
from musicrec.features.kkbox import FeatureConfig, build
from musicrec.io import write_json, write_parquet
from musicrec.scripting import run_script, typed_params


def main(smk):
    config = typed_params(FeatureConfig, smk.params)
    # The tables are passed without a name here, so that build can free them once assembled.
    features = build(kkbox.read_all(dict(smk.input.items())), config)
    for split in ("train", "valid", "test"):
        write_parquet(getattr(features, split), smk.output[split])
    write_json(features.spec, smk.output.spec)
    write_json(features.report, smk.output.report)


run_script(main, snakemake)  # noqa: F821
