"""Rules session_skip, session_next_track, session_pretrain (and their _gpu twins): fit one registered session
model for one seed; write the test split's skip predictions or next-track lists (not for pre-training), the
training report and the artefacts."""

from pathlib import Path

from musicrec.io import write_json, write_parquet
from musicrec.schema import write_topk
from musicrec.scripting import run_script
from musicrec.session_training import fit_session_model
from musicrec.training import Run


def main(smk):
    run = Run(**smk.params.run, seed=int(smk.wildcards.seed), threads=smk.threads)
    outputs, report, model = fit_session_model(run, dict(smk.input.items()), int(smk.params.list_length),
                                               list(smk.params.k_values))
    folder = Path(smk.output.models)
    folder.mkdir(parents=True, exist_ok=True)
    report["artefacts"] = model.save(folder)
    if "predictions" in smk.output.keys():
        write_parquet(outputs, smk.output.predictions)
    if "topk" in smk.output.keys():
        write_topk(outputs, smk.output.topk)
    write_json(report, smk.output.report)


run_script(main, snakemake)  # noqa: F821
