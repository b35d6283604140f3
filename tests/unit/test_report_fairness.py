"""The fairness report: built end to end from synthetic predictions (KKBox) and synthetic top-K lists
(Last.fm, Yambda); a summary across datasets first, a section per dataset, every data string escaped; the
demographic coverage is stated at the top, with a warning when it is low, and groups below
min_group_size stay out of the headline findings; a dataset without artist demographics says so."""

import html
import json
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from musicrec.fairness import ranking
from musicrec.fairness.kkbox import SEED_TABLES, FairnessSettings, prepare_groups, summarise, write_seed_tables
from musicrec.io import write_csv, write_parquet
from musicrec.reports.fairness_report import RANKING_TABLES, REPORT_TABLES, small_groups, write_fairness_report

XSS_ARTIST = "<script>alert(1)</script>"
XSS_LASTFM_ARTIST = "<img src=x onerror=alert(2)>"
KKBOX_SECTION_IDS = ("coverage", "findings", "exposure", "first-rank", "quality", "artists")
SECTION_IDS = ("datasets", *KKBOX_SECTION_IDS, "lastfm", "yambda", "run")
MODELS, SEEDS = ("lgb", "blend"), (0, 1)
RANKING_MODELS = ("popular", "shuffled")
NO_SOURCE = {"status": "not configured", "note": "no artist demographics source for yandex_music", "section": False}
STATUS = {"lastfm": {"status": "analysed", "note": "", "section": True},
          "yambda": {"status": "analysed", "note": "", "section": True}, "yandex_music": NO_SOURCE}
YAMBDA_NOT_CONFIGURED = {"status": "not configured", "section": True,
                         "note": "no artist demographics are configured (yambda.artist_demographics is empty): set "
                                 "yambda.artist_demographics in config.yaml to a CSV file with columns artist_id,gender"}


def build_ranking_fairness(folder: Path, dataset: str) -> tuple[dict[str, str], str]:
    """One ranking dataset's provider-fairness tables through ``ranking.summarise``, as rule fairness_provider
    writes them: 20 users (user 19 cold), 10 items, two models x two seeds of top-5 lists.

    Last.fm: items are artists named in artists.dat, the first named like an XSS payload and the most
    popular; candidates exclude each user's 3 training artists. Yambda: 10 tracks of 4 artists (ids only)
    with an artist_id,gender table; candidates are the full catalogue.
    """
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    genders = ["male", "female", "mixed", "female", "male", "unknown", "male", "female", "male", "male"]
    paths = {name: folder / f"{name}.parquet" for name in ("train", "targets", "cold_users", "catalogue")}
    paths |= {"demographics": folder / "demographics.csv", "summary": folder / "summary.json"}
    items = np.arange(1, 11)
    if dataset == "lastfm":
        names = [XSS_LASTFM_ARTIST, "Fem & \"Co\"", *(f"Artist {i}" for i in range(3, 11))]
        paths["artists"] = folder / "artists.dat"
        paths["artists"].write_text("id\tname\turl\tpictureURL\n" + "".join(
            f"{i}\t{name}\tu\tp\n" for i, name in zip(items, names)), encoding="utf-8")
        write_csv(pl.DataFrame({"artist_name": names, "gender": genders}), paths["demographics"])
    else:
        paths["artists"] = folder / "artist_item_mapping.parquet"
        pl.DataFrame({"artist_id": (items - 1) // 3 + 1, "item_id": items}).write_parquet(paths["artists"])
        write_csv(pl.DataFrame({"artist_id": [1, 2, 3, 4], "gender": ["male", "female", "male", "mixed"]}),
                  paths["demographics"])
    exclude_seen = dataset == "lastfm"
    train = pl.DataFrame([(u, int(i), 1 + int(rng.integers(0, 5))) for u in range(20)
                          for i in rng.choice(items, 3, replace=False)], schema=["user_id", "item_id", "weight"],
                         orient="row")
    write_parquet(train, paths["train"])
    write_parquet(pl.DataFrame({"user_id": list(range(20)), "item_id": [1] * 20}), paths["targets"])
    write_parquet(pl.DataFrame({"user_id": [19]}), paths["cold_users"])
    write_parquet(pl.DataFrame({"item_id": items}), paths["catalogue"])
    paths["summary"].write_text(json.dumps({"description": f"{dataset} <i>test</i> split"}), encoding="utf-8")
    popularity = 1.0 / items  # item 1 (the XSS artist on Last.fm) first
    topk_paths = []
    for model in RANKING_MODELS:
        for seed in SEEDS:
            rows = []
            for user in range(20):
                seen = set(train.filter(pl.col("user_id") == user)["item_id"]) if exclude_seen else set()
                candidates = [i for i in items if i not in seen]
                scores = popularity[np.array(candidates) - 1] if model == "popular" else rng.random(len(candidates))
                order = np.argsort(-scores, kind="stable")[:5]
                rows += [(user, int(candidates[j]), float(scores[j]), r + 1) for r, j in enumerate(order)]
            path = folder / f"{model}{seed}.parquet"
            pl.DataFrame(rows, schema=["user", "item", "score", "rank"], orient="row").with_columns(
                pl.lit(model).alias("model"), pl.lit(seed, pl.Int64).alias("seed")).write_parquet(path)
            topk_paths.append(str(path))
    stems = {name: str(folder / "tables" / name) for name in ranking.TABLES}
    settings = ranking.ProviderFairnessSettings(top_k=3, list_length=5, exclude_seen=exclude_seen)
    ranking.summarise(dataset, topk_paths, {k: str(v) for k, v in paths.items()}, settings,
                      {"data": f"synthetic {dataset} <b>data</b>", "demographics": "demographics.csv"},
                      {**stems, "tables": str(folder / "tables/tables.json")})
    return {name: f"{stems[name]}.parquet" for name in RANKING_TABLES}, str(folder / "tables/tables.json")


def build_report(folder: Path, valid: pl.DataFrame, demographics: pl.DataFrame, scores, settings: FairnessSettings,
                 run_info: dict, ranking_inputs: dict | None = None, status: dict | None = None) -> Path:
    """The report of two models x two seeds, through the package as the rules run it.

    ``valid``: msno, song_id, artist_name, member_gender, member_age, target (the validation rows; the
    training split holds the same plays); ``demographics``: artist_name, gender; ``scores(valid, rng)``:
    one model's scores of the rows; ``ranking_inputs`` and ``status``: the ranking datasets (see
    ``write_fairness_report``). The summary across datasets goes to ``summary.csv`` beside the report.
    """
    rng = np.random.default_rng(0)
    paths = {name: folder / f"{name}.parquet" for name in ("valid", "train")}
    for path in paths.values():
        write_parquet(valid.drop("target"), path)
    write_csv(demographics, folder / "artist_demographics.csv")
    groups = prepare_groups(paths["valid"], paths["train"], folder / "artist_demographics.csv", settings)
    for name, table in groups.items():
        write_parquet(table, folder / f"{name}.parquet")
    seed_files = {name: [] for name in SEED_TABLES}
    for model in MODELS:
        for seed in SEEDS:
            predictions = valid.select(pl.int_range(pl.len()).alias("row_id"), "msno", "song_id", "artist_name",
                                       "target").with_columns(pl.Series("score", scores(valid, rng)))
            write_csv(predictions, folder / f"{model}{seed}.csv")
            outputs = {name: str(folder / model / f"seed{seed}" / f"{name}.parquet") for name in SEED_TABLES}
            write_seed_tables(model, seed, folder / f"{model}{seed}.csv", folder / "user_groups.parquet",
                              folder / "item_groups.parquet", settings, outputs)
            for name in SEED_TABLES:
                seed_files[name].append(outputs[name])
    stems = {name: str(folder / "agg" / name) for name in SEED_TABLES}
    stems |= {f"{name}_by_seed": str(folder / "agg" / f"{name}_by_seed") for name in SEED_TABLES}
    summarise(seed_files, folder / "baselines.parquet", settings, {**stems, "tables": str(folder / "agg/tables.json")})
    report = folder / "report.html"
    tables = {name: f"{stems[name]}.parquet" for name in REPORT_TABLES if name != "coverage"}
    write_fairness_report({**tables, "coverage": folder / "coverage.parquet"}, folder / "agg/tables.json", run_info,
                          report, ranking_inputs, status, folder / "summary.csv")
    return report


def build_synthetic_report(folder: Path) -> Path:
    """30 users x 15 songs of five artists, every artist with a gender.

    The most popular artist is named like an XSS payload, so it lands in the 'most exposed artists' table.
    """
    rng = np.random.default_rng(0)
    artists = [XSS_ARTIST, "Ann & \"Co\"", "Bo", "Cy", "Di"]
    genders = ["male", "female", "mixed", "female", "male"]
    users = pl.DataFrame({"msno": [f"u{i}" for i in range(30)],
                          "member_gender": rng.choice(["female", "male", ""], 30).tolist(),
                          "member_age": rng.choice([20, 30, 0], 30).tolist()})
    songs = pl.DataFrame({"song_id": [f"s{j}" for j in range(15)], "artist_name": [artists[j % 5] for j in range(15)]})
    valid = users.join(songs, how="cross").with_columns(pl.Series("target", rng.integers(0, 2, 450)))
    valid = valid.select("msno", "song_id", "artist_name", "member_gender", "member_age", "target")

    def scores(rows, rng):
        popularity = np.where(rows["artist_name"].to_numpy() == XSS_ARTIST, 0.3, 0.0)
        return np.clip(rng.uniform(0, 1, rows.height) * 0.7 + popularity, 0, 1)

    run_info = {"data_source": "synthetic <b>test</b> data", "config": {"note": XSS_ARTIST}, "table_files": ["a.csv"],
                "demographics": "artist_demographics.csv (source: demo)"}
    ranking_inputs = {dataset: build_ranking_fairness(folder / dataset, dataset) for dataset in ("lastfm", "yambda")}
    return build_report(folder, valid, pl.DataFrame({"artist_name": artists, "gender": genders}), scores,
                        FairnessSettings(top_k=5, min_group_size=5), run_info, ranking_inputs, STATUS)


def build_low_coverage_report(folder: Path) -> Path:
    """40 users, 20 songs by 20 artists, only three of them (one song each) with a gender, as with the
    mbid_table route on real KKBox data: the female song has 6 validation rows, all ranked perfectly
    (AUC 1.000), the male song 8, the mixed one 4; user u39 alone is in age band 45-80 (17 rows). No
    ranking dataset is analysed: Last.fm is left out, Yambda has no artist demographics configured."""
    known = {"s0": ("Fem", "female", 6), "s1": ("Mal", "male", 8), "s2": ("Mix", "mixed", 4)}
    rows = [(f"u{i}", song, artist) for song, (artist, _, users) in known.items() for i in range(users)]
    rows += [(f"u{i}", f"s{j}", f"Artist {j}") for i in range(40) for j in range(3, 20)]
    valid = pl.DataFrame(rows, schema=["msno", "song_id", "artist_name"], orient="row").with_columns(
        pl.col("msno").str.slice(1).cast(pl.Int64).alias("user"))
    valid = valid.with_columns(
        pl.when(pl.col("user") % 3 == 0).then(pl.lit("female")).when(pl.col("user") % 3 == 1).then(pl.lit("male"))
        .otherwise(pl.lit("")).alias("member_gender"),
        pl.when(pl.col("user") == 39).then(50).when(pl.col("user") % 2 == 0).then(20).otherwise(30).alias("member_age"),
    ).drop("user")
    coin = np.random.default_rng(1).integers(0, 2, valid.height)
    female_rows = (valid["song_id"] == "s0").to_numpy()
    valid = valid.with_columns(pl.Series("target", np.where(female_rows, np.arange(valid.height) % 2, coin), pl.Int8))

    def scores(rows, rng):
        noise = rng.uniform(0, 1, rows.height)
        female = rows["song_id"].to_numpy() == "s0"
        return np.where(female, np.where(rows["target"].to_numpy() == 1, 0.9, 0.1), noise)

    demographics = pl.DataFrame({"artist_name": [a for a, _, _ in known.values()],
                                 "gender": [g for _, g, _ in known.values()]})
    run_info = {"data_source": "synthetic low-coverage data", "config": {}, "table_files": [],
                "demographics": "artist_demographics.csv (source: mbid_table)"}
    status = {"lastfm": {"status": "left out", "note": "not in fairness.ranking_datasets (config.yaml)", "section": True},
              "yambda": YAMBDA_NOT_CONFIGURED, "yandex_music": NO_SOURCE}
    return build_report(folder, valid, demographics, scores, FairnessSettings(top_k=5, min_group_size=30), run_info,
                        {}, status)


@pytest.fixture(scope="module")
def report_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    build_synthetic_report(folder)
    return folder


@pytest.fixture(scope="module")
def report_html(report_folder) -> str:
    return (report_folder / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def low_coverage(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("low_coverage")
    build_low_coverage_report(folder)
    return folder


def findings_text(document: str) -> str:
    """The text of the headline findings list (not the note under it)."""
    return html.unescape(re.search(r'<ul class="findings">(.*?)</ul>', document, re.S)[1])


def test_report_escapes_data_strings_and_is_self_contained(report_html):
    html_text = report_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html_text
    assert "<script" not in html_text.lower()
    assert "Ann &amp; &quot;Co&quot;" in html_text
    assert "synthetic &lt;b&gt;test&lt;/b&gt; data" in html_text
    assert "http://" not in html_text and "https://" not in html_text and " src=\"data:image/png;base64," in html_text
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html_text
    assert "&lt;img src=x onerror=alert(2)&gt;" in html_text and "<img src=x" not in html_text
    assert "Fem &amp; &quot;Co&quot;" in html_text
    assert "synthetic lastfm &lt;b&gt;data&lt;/b&gt;" in html_text and "yambda &lt;i&gt;test&lt;/i&gt; split" in html_text


def section_text(document: str, anchor: str) -> str:
    return html.unescape(re.search(rf'<section id="{anchor}">(.*?)</section>', document, re.S)[1])


def test_summary_across_datasets_comes_first_and_is_written_as_csv(report_folder, report_html):
    assert report_html.index('<section id="datasets">') < report_html.index('<section id="coverage">')
    assert report_html.index('<section id="run">') > report_html.index('<section id="yambda">')
    summary = pl.read_csv(report_folder / "summary.csv")
    assert summary["dataset"].to_list() == ["KKBox", "Last.fm", "Yambda", "Yandex Music"]
    assert summary["status"].to_list() == ["analysed", "analysed", "analysed", "not configured"]
    lastfm = summary.row(1, named=True)
    assert lastfm["n_models"] == 2 and lastfm["seeds"] == "0, 1" and lastfm["k"] == 3
    assert lastfm["artists_known_share"] == pytest.approx(0.9)  # one of the ten artists is "unknown"
    assert "minus the user's training items" in lastfm["candidates"]
    assert lastfm["focus_exposure_lowest"] <= lastfm["focus_exposure_highest"]
    exposure = pl.read_parquet(report_folder / "lastfm/tables/exposure.parquet").filter(pl.col("group") == "female")
    assert {lastfm["focus_exposure_lowest"], lastfm["focus_exposure_highest"]} == set(exposure["slot_share_mean"])
    assert lastfm["focus_catalogue_share"] == pytest.approx(0.3)
    assert "history not masked" in summary.row(2, named=True)["candidates"]
    assert "no artist demographics source" in summary.row(3, named=True)["note"]
    table = section_text(report_html, "datasets")
    for name in ("KKBox", "Last.fm", "Yambda", "Yandex Music", "not configured"):
        assert name in table


def test_each_ranking_dataset_section_states_split_k_candidates_and_its_findings(report_html):
    lastfm = section_text(report_html, "lastfm")
    assert "lastfm <i>test</i> split" in lastfm and "the first 3 items of each top-K list" in lastfm
    assert "minus the user's training items" in lastfm and "seeds 0, 1" in lastfm
    assert "First female artist against a random order" in lastfm and "Most exposed artists" in lastfm
    # the most popular artist (the XSS name) tops the popularity model's most exposed artists
    assert lastfm.index(XSS_LASTFM_ARTIST) < lastfm.index("Fem & \"Co\"")
    yambda = section_text(report_html, "yambda")
    assert "artist 1" in yambda and "history not masked" in yambda


def test_a_ranking_dataset_without_demographics_says_so(low_coverage):
    document = (low_coverage / "report.html").read_text(encoding="utf-8")
    yambda = section_text(document, "yambda")
    assert "Yambda is not configured here: no artist demographics are configured" in yambda
    assert "yambda.artist_demographics" in yambda and "<img" not in yambda
    assert "Last.fm is left out here: not in fairness.ranking_datasets" in section_text(document, "lastfm")
    assert '<section id="yandex_music">' not in document
    summary = pl.read_csv(low_coverage / "summary.csv")
    assert summary.select("dataset", "status").rows() == [
        ("KKBox", "analysed"), ("Last.fm", "left out"), ("Yambda", "not configured"),
        ("Yandex Music", "not configured")]
    assert summary.filter(pl.col("status") != "analysed")["focus_exposure_lowest"].null_count() == 3


def test_report_states_split_threshold_and_k(report_html):
    html_text = report_html
    assert "threshold 0.5" in html_text
    assert "top-5 slots" in html_text
    assert "validation" in html_text


def test_full_coverage_is_stated_first_without_a_warning(report_html):
    assert report_html.index('<section id="coverage">') < report_html.index('<section id="findings">')
    assert ("Artist gender is known for 5 of 5 artists (100.0%), 15 of 15 catalogue songs (100.0%), 450 of 450 plays "
            "(100.0%) and 450 of 450 validation rows (100.0%).") in report_html
    assert 'class="warning"' not in report_html
    assert "Exposure: female artists fill" in findings_text(report_html)


def test_low_coverage_report_warns_and_keeps_small_groups_out_of_the_headline(low_coverage):
    document = (low_coverage / "report.html").read_text(encoding="utf-8")
    warning = html.unescape(re.search(r'<p class="warning">(.*?)</p>', document, re.S)[1])
    assert warning == (
        "Low demographic coverage: artist gender is known for only 3 of 20 artists (15.0%), 3 of 20 catalogue songs "
        "(15.0%), 18 of 698 plays (2.6%) and 18 of 698 validation rows (2.6%), below fairness.min_coverage (50%). "
        "Results by artist gender describe only that part of the data; the rest counts as \"unknown\"."
    )
    assert document.index('class="warning"') < document.index('<section id="findings">')

    tables = {name: pl.read_parquet(low_coverage / "agg" / f"{name}.parquet") for name in REPORT_TABLES
              if name != "coverage"}
    tables["coverage"] = pl.read_parquet(low_coverage / "coverage.parquet")
    description = {"settings": {"min_group_size": 30, "groups": ["artist_gender", "user_gender", "age_band"]}}
    small = small_groups(tables, description)
    assert small == {"artist_gender": {"female": 6, "male": 8, "mixed": 4}, "age_band": {"45-80": 17}}
    female_auc = tables["group_metrics"].filter((pl.col("attribute") == "artist_gender") & (pl.col("group") == "female")
                                                & (pl.col("metric") == "auc"))["value_mean"]
    assert female_auc.to_list() == [1.0, 1.0]  # the planted perfect ranking of 6 rows, shown below the headline

    findings = findings_text(document)
    assert "1.000" not in findings
    assert "(45-80)" not in findings
    for sentence in ("Exposure: female", "First female artist", "By artist gender", "female artists", "mixed artists",
                     "male artists"):
        assert sentence not in findings
    assert "Largest exposure gap to the catalogue: unknown artists" in findings
    assert "By user gender (blend)" in findings and "By user age band (blend)" in findings
    assert html.unescape(document).count("Left out of these findings, with fewer than 30 validation rows "
                                         "(fairness.min_group_size): artist gender female (6 rows), male (8 rows), "
                                         "mixed (4 rows); user age band 45-80 (17 rows). Their numbers are in the "
                                         "sections below.") == 1


def test_coverage_table_counts_artists_songs_plays_and_validation_rows(low_coverage):
    table = pl.read_parquet(low_coverage / "coverage.parquet")
    assert table.select("measure", "known", "total", "n_female", "n_male", "n_mixed", "n_unknown").rows() == [
        ("artists", 3, 20, 1, 1, 1, 17),
        ("catalogue songs", 3, 20, 1, 1, 1, 17),
        ("plays", 18, 698, 6, 8, 4, 680),
        ("validation rows", 18, 698, 6, 8, 4, 680),
    ]
    assert table["share_known"].to_list() == pytest.approx([0.15, 0.15, 18 / 698, 18 / 698])
