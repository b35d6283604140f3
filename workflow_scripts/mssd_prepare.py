"""Rule mssd_prepare: the skip challenge's logs and track features as the train, validation and test splits'
session tensors, with the track vocabulary and the preparation summary."""

from dataclasses import dataclass

from musicrec.datasets.mssd_prepare import prepare, write
from musicrec.scripting import run_script, typed_params


@dataclass(frozen=True)
class Params:
    vocabulary_size: int
    valid_share: float
    test_share: float


def main(smk):
    params = typed_params(Params, smk.params)
    splits, vocabulary, summary = prepare(list(smk.input.logs), list(smk.input.track_features),
                                          params.vocabulary_size, params.valid_share, params.test_share)
    write(splits, vocabulary, summary, dict(smk.output.items()))


run_script(main, snakemake)  # noqa: F821
