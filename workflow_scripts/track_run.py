"""Rule track_run: log one model run (hyper-parameters, metrics, timing) to Weights & Biases (offline by
default) and write what was logged."""

from musicrec.io import write_json
from musicrec.scripting import log, run_script, typed_params
from musicrec.tracking import TrackingSettings, track_run


def main(smk):
    settings = typed_params(TrackingSettings, smk.params.tracking)
    logged = track_run(dict(smk.params.run), smk.input.metrics, smk.input.benchmark, smk.input.get("report"),
                       settings)
    write_json(logged, smk.output[0])
    log.info("W&B run %s (%s): %s", logged["name"], settings.mode, logged["run_folder"])


run_script(main, snakemake)  # noqa: F821
