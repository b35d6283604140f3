"""Rule results_page: results/report.html, the results of every dataset of the run on one page."""

from pathlib import Path

import polars as pl

from musicrec.reports.results_page import RunInfo, read_costs, read_dataset, write_results_page
from musicrec.scripting import run_script

DATASET_FILES = ("summary", "comparison", "significance", "profile")
COST_FILES = ("totals", "by_model", "by_rule", "costs_figure", "quality_figure")


def main(smk):
    datasets = [
        read_dataset(name, {part: smk.input[f"{name}_{part}"] for part in DATASET_FILES},
                     smk.params.main_metrics.get(name, []))
        for name in smk.params.datasets
    ]
    costs = read_costs({part: smk.input[part] for part in COST_FILES})
    info = RunInfo(seeds=list(smk.params.seeds), sources=dict(smk.params.sources),
                   significance_level=smk.params.significance_level,
                   rulegraph_svg=Path(smk.input.rulegraph).read_bytes(),
                   fairness_summary=pl.read_csv(smk.input.fairness_summary))
    write_results_page(datasets, costs, info, smk.output[0])


run_script(main, snakemake)  # noqa: F821
