"""The Yambda demo's artist genders (rule yambda_demo_demographics): derived from the generated mapping and
events, deterministic, every artist covered, and female artists less popular, as the other demo generators
plant it."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from musicrec.datasets import yambda_demo
from musicrec.fairness.groups import read_artist_genders


def popularity_table(artists: int, seed: int = 0) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two items per artist, log-normal event counts (an artist's items alike)."""
    rng = np.random.default_rng(seed)
    events = np.repeat(np.rint(rng.lognormal(3.0, 1.5, artists)), 2)
    mapping = pl.DataFrame({"artist_id": np.repeat(np.arange(1, artists + 1), 2), "item_id": np.arange(2 * artists)})
    return mapping, pl.DataFrame({"item_id": np.arange(2 * artists), "events": events.astype(np.int64)})


def test_same_inputs_and_seed_give_the_same_table():
    mapping, events = popularity_table(500)
    first = yambda_demo.artist_demographics(mapping, events, seed=2025)
    assert first.equals(yambda_demo.artist_demographics(mapping.reverse(), events, seed=2025))
    assert not first.equals(yambda_demo.artist_demographics(mapping, events, seed=2026))
    assert first["artist_id"].to_list() == list(range(1, 501))
    assert set(first["gender"]) <= set(yambda_demo.ARTIST_GENDERS)


def test_female_artists_are_planted_less_popular():
    mapping, events = popularity_table(4000)
    genders = yambda_demo.artist_demographics(mapping, events, seed=1)
    popularity = (mapping.join(events, on="item_id").group_by("artist_id").agg(pl.col("events").sum())
                  .join(genders, on="artist_id"))
    log_mean = dict(popularity.group_by("gender").agg(pl.col("events").log1p().mean()).iter_rows())
    # the generators' multipliers: female 0.45, male 1 -> about log(0.45) = -0.8 apart on the log scale
    assert log_mean["male"] - log_mean["female"] > 0.4
    shares = dict(genders.group_by("gender").len().with_columns(pl.col("len") / pl.col("len").sum()).iter_rows())
    for gender, prior in zip(yambda_demo.ARTIST_GENDERS, yambda_demo.ARTIST_GENDER_P):
        assert shares[gender] == pytest.approx(prior, abs=0.05)
    top = popularity.sort("events", descending=True).head(400)
    assert (top["gender"] == "female").mean() < (popularity["gender"] == "female").mean()


def test_the_written_table_covers_every_artist_of_the_tiny_demo(tmp_path):
    tables = yambda_demo.generate(yambda_demo.YambdaDemoSize.named("tiny"), 2025)
    paths = {name: tmp_path / f"{name}.parquet" for name in ("artist_item_mapping", "multi_event")}
    for name, path in paths.items():
        tables[name].write_parquet(path)
    written = yambda_demo.write_artist_demographics(paths["artist_item_mapping"], paths["multi_event"], 2025,
                                                     tmp_path / "artist_demographics.csv")
    read = read_artist_genders(tmp_path / "artist_demographics.csv", key="artist_id")
    assert read.height == written.height == tables["artist_item_mapping"]["artist_id"].n_unique()
    assert set(read["artist_gender"]) <= set(yambda_demo.ARTIST_GENDERS)
