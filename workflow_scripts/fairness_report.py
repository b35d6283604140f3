"""Rule fairness_report: the self-contained HTML fairness report."""

from musicrec.reports.fairness_report import REPORT_TABLES, write_fairness_report
from musicrec.scripting import run_script


def main(smk):
    run_info = {
        "data_source": smk.params.data_source,
        "demographics": smk.params.demographics,
        "config": dict(smk.params.config),
        "table_files": list(smk.params.table_files),
    }
    write_fairness_report({name: smk.input[name] for name in REPORT_TABLES}, smk.input.tables, run_info,
                          smk.output[0])


run_script(main, snakemake)  # noqa: F821
