"""Rule cost_table: wall time, CPU time and peak memory of every job of the reported datasets' stages, per
rule, per model and in total, with the cost figure and the quality-per-cost figure."""

from musicrec.costs import cost_table
from musicrec.io import atomic_path, write_csv, write_json
from musicrec.reports.cost_figures import costs_figure, quality_per_cost_figure
from musicrec.scripting import log, run_script


def main(smk):
    table = cost_table(list(smk.params.jobs), dict(zip(smk.params.datasets, smk.input.summaries)),
                       dict(smk.params.main_metrics))
    for name in ("jobs", "by_rule", "by_model"):
        write_csv(table[name], smk.output[name])
    write_json(table["totals"], smk.output.totals)
    with atomic_path(smk.output.costs_figure) as tmp:
        tmp.write_bytes(costs_figure(table["by_rule"], table["by_model"]))
    with atomic_path(smk.output.quality_figure) as tmp:
        tmp.write_bytes(quality_per_cost_figure(table["by_model"]))
    log.info("cost table: %d jobs, %.1f wall seconds, %.1f CPU seconds", table["totals"]["jobs"],
             table["totals"]["wall_seconds"], table["totals"]["cpu_seconds"])


run_script(main, snakemake)  # noqa: F821
