"""Rule significance: per main metric, the paired Wilcoxon signed-rank test of the dataset's best model against
the runner-up over users."""

from musicrec.io import write_csv, write_json
from musicrec.scripting import log, run_script
from musicrec.significance import significance_files


def main(smk):
    table, description = significance_files(smk.input.summary, list(smk.input.per_user), list(smk.params.runs),
                                            list(smk.params.main_metrics), float(smk.params.level),
                                            smk.wildcards.dataset)
    write_csv(table, smk.output.table)
    write_json(description, smk.output.description)
    log.info("significance:\n%s", table.select("metric", "best", "runner_up", "users", "p_value", "significant"))


run_script(main, snakemake)  # noqa: F821
