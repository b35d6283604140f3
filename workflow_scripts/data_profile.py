"""Rule data_profile: a dataset's statistics table, its dataset-specific distributions and rates, the
long-tail, activity and extras figures, and profile.json listing them with captions."""

from musicrec import profiling
from musicrec.datasets.profiles import READERS
from musicrec.io import atomic_path, write_csv, write_json
from musicrec.reports.profile_figures import render
from musicrec.scripting import run_script


def main(smk):
    dataset = smk.wildcards.dataset
    inputs = {name: value if isinstance(value, str) else list(value) for name, value in smk.input.items()}
    profile = profiling.compute(READERS[dataset](inputs))
    write_csv(profile.statistics, smk.output.statistics)
    write_csv(profile.extras, smk.output.extras)
    figures = render(profile)
    for name, png in figures.items():
        with atomic_path(smk.output[name]) as tmp:
            tmp.write_bytes(png)
    files = {name: smk.output[name] for name in ("statistics", "extras", *figures)}
    write_json(profiling.manifest(profile, dataset, smk.params.source, inputs, files), smk.output.profile)


run_script(main, snakemake)  # noqa: F821
