"""The fairness report: built end to end from synthetic predictions; every data string is escaped; the
demographic coverage is stated at the top, with a warning when it is low, and groups below
min_group_size stay out of the headline findings."""

import html
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from musicrec.fairness.kkbox import SEED_TABLES, FairnessSettings, prepare_groups, summarise, write_seed_tables
from musicrec.io import write_csv, write_parquet
from musicrec.reports.fairness_report import REPORT_TABLES, small_groups, write_fairness_report

XSS_ARTIST = "<script>alert(1)</script>"
SECTION_IDS = ("coverage", "findings", "exposure", "first-rank", "quality", "artists", "run")
MODELS, SEEDS = ("lgb", "blend"), (0, 1)


def build_report(folder: Path, valid: pl.DataFrame, demographics: pl.DataFrame, scores, settings: FairnessSettings,
                 run_info: dict) -> Path:
    """The report of two models x two seeds, through the package as the rules run it.

    ``valid``: msno, song_id, artist_name, member_gender, member_age, target (the validation rows; the
    training split holds the same plays); ``demographics``: artist_name, gender; ``scores(valid, rng)``:
    one model's scores of the rows.
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
                          report)
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
    return build_report(folder, valid, pl.DataFrame({"artist_name": artists, "gender": genders}), scores,
                        FairnessSettings(top_k=5, min_group_size=5), run_info)


def build_low_coverage_report(folder: Path) -> Path:
    """40 users, 20 songs by 20 artists, only three of them (one song each) with a gender, as with the
    mbid_table route on real KKBox data: the female song has 6 validation rows, all ranked perfectly
    (AUC 1.000), the male song 8, the mixed one 4; user u39 alone is in age band 45-80 (17 rows)."""
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
    return build_report(folder, valid, demographics, scores, FairnessSettings(top_k=5, min_group_size=30), run_info)


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> str:
    return build_synthetic_report(tmp_path_factory.mktemp("report")).read_text(encoding="utf-8")


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
