# Artist demographics (gender, type, country) per dataset artist, for the provider-side fairness analysis.
# Sources (config demographics.source): demo (the generator's table), musicbrainz (name search with a
# resumable cache), mbid_table (offline: artist_name -> MBID CSV plus an MBID -> gender JSON), name_table
# (offline: an artist_name -> gender CSV).
# One rule for both datasets: the names come from KKBox songs.csv (artist_name) or Last.fm artists.dat.


def demographics_settings(dataset):
    """The demographics config with 'auto' resolved: demo data -> demo table, real data -> musicbrainz."""
    settings = dict(config["demographics"])
    demo_data = config[dataset]["data"] == "demo"
    if settings["source"] == "auto":
        settings["source"] = "demo" if demo_data else "musicbrainz"
    if settings["source"] == "demo" and not demo_data:
        raise WorkflowError(
            f"demographics.source is demo but {dataset}.data is {config[dataset]['data']!r}: "
            "the demo table only describes the demo artists (use musicbrainz, mbid_table or name_table)"
        )
    if settings["source"] == "mbid_table" and not (
        settings["mbid_table"] and settings["name_mbid_table"]
    ):
        raise WorkflowError(
            "demographics.source mbid_table needs demographics.mbid_table and name_mbid_table"
        )
    if settings["source"] == "name_table" and not settings["name_table"]:
        raise WorkflowError(
            "demographics.source name_table needs demographics.name_table"
        )
    return settings


def dataset_demographics_settings(wildcards):
    """demographics_settings of the {dataset} wildcard (kkbox or lastfm)."""
    return demographics_settings(wildcards.dataset)


def demographics_inputs(wildcards):
    """The {dataset}'s demo table, or the file whose artist names are looked up (KKBox songs.csv,
    Last.fm artists.dat; the input name tells the script which), plus the mbid_table or name_table files.
    """
    settings = demographics_settings(wildcards.dataset)
    if settings["source"] == "demo":
        return {
            "demo_table": f"resources/{wildcards.dataset}/demo/artist_demographics.csv"
        }
    if wildcards.dataset == "kkbox":
        inputs = {"songs": kkbox_raw_inputs(wildcards)["songs"]}
    else:
        inputs = {"artists": lastfm_raw_inputs(wildcards)["artists"]}
    if settings["source"] == "mbid_table":
        inputs["mbid_table"] = settings["mbid_table"]
        inputs["name_mbid_table"] = settings["name_mbid_table"]
    if settings["source"] == "name_table":
        inputs["name_table"] = settings["name_table"]
    return inputs


def demographics_offline(dataset):
    """True when the dataset's artist demographics can be built without the network (demo table,
    mbid_table or name_table); False for MusicBrainz and for a demographics config that does not fit
    the dataset.
    """
    try:
        return demographics_settings(dataset)["source"] in (
            "demo",
            "mbid_table",
            "name_table",
        )
    except WorkflowError:
        return False


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
        dataset="kkbox|lastfm",
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
