# Artist demographics (gender, type, country) per dataset artist, for the provider-side fairness analysis.
# Sources (config demographics.source): demo (the generator's table), musicbrainz (name search with a
# resumable cache), mbid_table (offline: artist_name -> MBID CSV plus an MBID -> gender JSON), name_table
# (offline: an artist_name -> gender CSV).
# One rule for every dataset with artists: the names come from the raw table the dataset names in
# ARTIST_NAME_TABLE (KKBox songs.csv, Last.fm artists.dat).


rule artist_demographics:
    input:
        unpack(demographics_inputs),
    output:
        "results/{dataset}/artist_demographics.csv",
    log:
        "results/logs/{dataset}/artist_demographics.log",
    benchmark:
        "results/benchmarks/{dataset}/artist_demographics.tsv"
    wildcard_constraints:
        dataset="|".join(ARTIST_NAME_TABLE),
    conda:
        "../envs/musicbrainz.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=config["demographics"]["runtime_minutes"],
    params:
        settings=dataset_demographics_settings,
    script:
        "../workflow_scripts/artist_demographics.py"
