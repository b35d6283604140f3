"""Rule rerank: train one re-ranker on the validation split's candidate lists and re-rank the test split's."""

from musicrec.io import write_json
from musicrec.schema import write_topk
from musicrec.scripting import run_script
from musicrec.training import Run, fit_and_rerank


def split_paths(inputs, prefix: str, generators, tables) -> dict:
    return {"lists": {g: inputs[f"{prefix}_list_{g}"] for g in generators}, "targets": inputs[f"{prefix}_targets"],
            "tables": {part: inputs[f"{prefix}_{part}"] for part in tables}}


def main(smk):
    run = Run(**smk.params.run, seed=int(smk.wildcards.seed), threads=smk.threads)
    depths = dict(smk.params.generators)
    tables = list(smk.params.tables)
    lists, report = fit_and_rerank(run, depths, split_paths(smk.input, "valid", depths, tables),
                                   split_paths(smk.input, "test", depths, tables), int(smk.params.list_length))
    write_topk(lists, smk.output.topk)
    write_json(report, smk.output.report)


run_script(main, snakemake)  # noqa: F821
