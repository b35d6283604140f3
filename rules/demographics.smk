# Artist demographics (gender, type, country) per dataset artist, for the provider-side fairness analysis.
# Sources (config demographics.source): demo (the generator's table), musicbrainz (name search with a
# resumable cache), mbid_table (offline: artist_name -> MBID CSV plus an MBID -> gender JSON).
# Input functions: demographics_settings, kkbox_demographics_inputs in common.smk.
# Last.fm: add a rule lastfm_artist_demographics with the names from artists.dat once that stage exists.


rule kkbox_artist_demographics:
    input:
        unpack(kkbox_demographics_inputs),
    output:
        "results/kkbox/artist_demographics.csv",
    log:
        "results/logs/kkbox/artist_demographics.log",
    benchmark:
        "results/benchmarks/kkbox/artist_demographics.tsv"
    conda:
        "../envs/musicbrainz.yaml"
    threads: 1
    resources:
        mem_mb=2000,
        runtime=config["demographics"]["runtime_minutes"],
    params:
        settings=demographics_settings("kkbox"),
    script:
        "../workflow_scripts/artist_demographics.py"
