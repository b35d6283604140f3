"""Rule kkbox_features: load the five KKBox files and write train/valid/test feature tables + spec."""

from musicrec.datasets import kkbox
from musicrec.features.kkbox import FeatureConfig, build
from musicrec.io import write_json, write_parquet
from musicrec.scripting import run_script, typed_params


def main(smk):
    config = typed_params(FeatureConfig, smk.params)
    tables = kkbox.read_all(dict(smk.input.items()))
    features = build(tables, config)
    for split in ("train", "valid", "test"):
        write_parquet(getattr(features, split), smk.output[split])
    write_json(features.spec, smk.output.spec)


run_script(main, snakemake)  # noqa: F821
