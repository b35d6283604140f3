"""Rule serve: a ranking run's top-K lists through a FAISS index over its vectors and the projected cold
items; write the lists and the index / cold-start report."""

from musicrec.io import write_json
from musicrec.retrieval.serving import serve
from musicrec.schema import write_topk
from musicrec.scripting import run_script
from musicrec.training import Run


def main(smk):
    run = Run(**smk.params.run, seed=int(smk.wildcards.seed), threads=smk.threads)
    source = dict(smk.params.source)
    lists, report = serve(run, source["name"], int(source["seed"]), dict(smk.input.items()),
                          int(smk.params.list_length), bool(smk.params.exclude_seen), list(smk.params.k_values))
    write_topk(lists, smk.output.topk)
    write_json(report, smk.output.report)


run_script(main, snakemake)  # noqa: F821
