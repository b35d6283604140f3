"""The fairness report: built end to end from synthetic predictions; every data string is escaped."""

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from musicrec.fairness.kkbox import SEED_TABLES, FairnessSettings, summarise, write_seed_tables
from musicrec.io import write_csv, write_parquet
from musicrec.reports.fairness_report import REPORT_TABLES, write_fairness_report

XSS_ARTIST = "<script>alert(1)</script>"
SECTION_IDS = ("findings", "exposure", "first-rank", "quality", "artists", "run")


def build_synthetic_report(folder: Path) -> Path:
    """Predictions of two models x two seeds over 30 users x 15 songs, through the package, into a report.

    The most popular artist is named like an XSS payload, so it lands in the 'most exposed artists' table.
    """
    rng = np.random.default_rng(0)
    artists = [XSS_ARTIST, "Ann & \"Co\"", "Bo", "Cy", "Di"]
    genders = ["male", "female", "mixed", "female", "male"]
    songs = pl.DataFrame({"item": [f"s{i}" for i in range(15)], "provider": [artists[i % 5] for i in range(15)],
                          "group": [genders[i % 5] for i in range(15)]})
    users = pl.DataFrame({"msno": [f"u{i}" for i in range(30)],
                          "user_gender": rng.choice(["female", "male", "missing"], 30).tolist(),
                          "age_band": rng.choice(["18-24", "25-34", "unknown"], 30).tolist()})
    write_parquet(users, folder / "users.parquet")
    write_parquet(songs, folder / "items.parquet")
    baselines = pl.DataFrame({"source": ["catalogue"] * 3 + ["listening"] * 3 + ["candidates"] * 3,
                              "group": ["female", "male", "mixed"] * 3, "n": [1] * 9,
                              "share": [0.4, 0.4, 0.2, 0.3, 0.5, 0.2, 0.4, 0.4, 0.2]})
    write_parquet(baselines, folder / "baselines.parquet")
    settings = FairnessSettings(top_k=5, min_group_size=5)
    seed_files = {name: [] for name in SEED_TABLES}
    for model in ("lgb", "blend"):
        for seed in (0, 1):
            rows = [(i * 15 + j, f"u{i}", f"s{j}", artists[j % 5]) for i in range(30) for j in range(15)]
            frame = pl.DataFrame(rows, schema=["row_id", "msno", "song_id", "artist_name"], orient="row")
            popularity = np.where(frame["artist_name"].to_numpy() == XSS_ARTIST, 0.3, 0.0)
            score = np.clip(rng.uniform(0, 1, frame.height) * 0.7 + popularity, 0, 1)
            frame = frame.with_columns(pl.Series("target", (rng.uniform(0, 1, frame.height) < score).astype(int)),
                                       pl.Series("score", score))
            write_csv(frame, folder / f"{model}{seed}.csv")
            outputs = {name: str(folder / model / f"seed{seed}" / f"{name}.parquet") for name in SEED_TABLES}
            write_seed_tables(model, seed, folder / f"{model}{seed}.csv", folder / "users.parquet",
                              folder / "items.parquet", settings, outputs)
            for name in SEED_TABLES:
                seed_files[name].append(outputs[name])
    stems = {name: str(folder / "agg" / name) for name in SEED_TABLES}
    stems |= {f"{name}_by_seed": str(folder / "agg" / f"{name}_by_seed") for name in SEED_TABLES}
    summarise(seed_files, folder / "baselines.parquet", settings, {**stems, "tables": str(folder / "agg/tables.json")})
    report = folder / "report.html"
    run_info = {"data_source": "synthetic <b>test</b> data", "config": {"note": XSS_ARTIST}, "table_files": ["a.csv"]}
    write_fairness_report({name: f"{stems[name]}.parquet" for name in REPORT_TABLES}, folder / "agg/tables.json",
                          run_info, report)
    return report


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> str:
    return build_synthetic_report(tmp_path_factory.mktemp("report")).read_text(encoding="utf-8")


def test_report_escapes_data_strings_and_is_self_contained(report_html):
    html = report_html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html.lower()
    assert "Ann &amp; &quot;Co&quot;" in html
    assert "synthetic &lt;b&gt;test&lt;/b&gt; data" in html
    assert "http://" not in html and "https://" not in html and " src=\"data:image/png;base64," in html
    for section in SECTION_IDS:
        assert f'<section id="{section}">' in html


def test_report_states_split_threshold_and_k(report_html):
    html = report_html
    assert "threshold 0.5" in html
    assert "top-5 slots" in html
    assert "validation" in html
