"""Rules recommend, recommend_gpu, recommend_valid, recommend_valid_gpu: fit one registered recommender for
one seed; write its top-K lists, its training report and its artefacts."""

from pathlib import Path

from musicrec.io import write_json
from musicrec.schema import write_topk
from musicrec.scripting import run_script
from musicrec.training import Run, fit_and_recommend


def main(smk):
    run = Run(**smk.params.run, seed=int(smk.wildcards.seed), threads=smk.threads)
    lists, report, model = fit_and_recommend(run, dict(smk.input.items()), int(smk.params.list_length),
                                             bool(smk.params.exclude_seen))
    folder = Path(smk.output.models)
    folder.mkdir(parents=True, exist_ok=True)
    report["artefacts"] = model.save(folder)
    write_topk(lists, smk.output.topk)
    write_json(report, smk.output.report)


run_script(main, snakemake)  # noqa: F821
