"""Rule fairness_report: the self-contained HTML fairness report and the summary across datasets (CSV)."""

from musicrec.reports.fairness_report import RANKING_TABLES, REPORT_TABLES, write_fairness_report
from musicrec.scripting import run_script


def main(smk):
    run_info = {
        "data_source": smk.params.data_source,
        "demographics": smk.params.demographics,
        "config": dict(smk.params.config),
        "table_files": list(smk.params.table_files),
    }
    status = {dataset: dict(state) for dataset, state in smk.params.ranking_datasets.items()}
    ranking_inputs = {dataset: ({name: smk.input[f"{dataset}_{name}"] for name in RANKING_TABLES},
                                smk.input[f"{dataset}_tables"])
                      for dataset, state in status.items() if state["status"] == "analysed"}
    write_fairness_report({name: smk.input[name] for name in REPORT_TABLES}, smk.input.tables, run_info,
                          smk.output.report, ranking_inputs, status, smk.output.summary)


run_script(main, snakemake)  # noqa: F821
