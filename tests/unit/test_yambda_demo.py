"""The Yambda demo generator: the real schema (column order and dtypes), the invariants of the real files
(multi_event is the union of the event tables, sorted by uid and time, 5-second timestamps reaching the
test day, unit-norm embeddings), determinism, the planted behaviour, and the 50m marginals of
YambdaStats_50m.csv on the user table and on a 200-user prefix."""

import csv
import dataclasses
import filecmp
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal

from musicrec.datasets import yambda_demo

SEED = 7
TINY = yambda_demo.YambdaDemoSize.named("tiny")
YAMBDA_DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "yambda"  # facts about the real 50m
# File stems of the real 50m folder -> this generator's table names.
REAL_STEMS = {"artist_mapping": "artist_item_mapping", "album_mapping": "album_item_mapping"}
REACTION = ["uid", "timestamp", "item_id", "is_organic"]
LISTEN = [*REACTION, "played_ratio_pct", "track_length_seconds"]
EXPECTED_COLUMNS = {"multi_event": [*LISTEN, "event_type"], "listens": LISTEN, "likes": REACTION,
                    "dislikes": REACTION, "unlikes": REACTION, "undislikes": REACTION,
                    "embeddings": ["item_id", "embed", "normalized_embed"],
                    "artist_item_mapping": ["artist_id", "item_id"], "album_item_mapping": ["album_id", "item_id"]}
DTYPES = {"uid": pl.UInt32, "timestamp": pl.UInt32, "item_id": pl.UInt32, "is_organic": pl.UInt8,
          "played_ratio_pct": pl.UInt16, "track_length_seconds": pl.UInt32, "event_type": pl.String,
          "artist_id": pl.UInt32, "album_id": pl.UInt32, "embed": pl.List(pl.Float32),
          "normalized_embed": pl.List(pl.Float64)}
EVENT_TABLES = yambda_demo.EVENT_TABLES


def write_tiny(folder):
    paths = {name: folder / f"{name}.parquet" for name in yambda_demo.TABLES}
    return yambda_demo.write(TINY, SEED, paths), paths


@pytest.fixture(scope="module")
def tiny_files(tmp_path_factory):
    return write_tiny(tmp_path_factory.mktemp("yambda_demo"))


@pytest.fixture(scope="module")
def tiny(tiny_files):
    return {name: pl.read_parquet(path) for name, path in tiny_files[1].items()}


def real_columns() -> dict[str, list[str]]:
    """Column order of the real 50m files (yambda_columns.csv of the shared data), else the documented one."""
    listing = YAMBDA_DATA / "yambda_columns.csv"
    if not listing.exists():
        return EXPECTED_COLUMNS
    with listing.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    stems = {row["file"].removesuffix(".parquet"): row["columns"] for row in rows}
    return {REAL_STEMS.get(stem, stem): [c.strip() for c in columns.split(",")] for stem, columns in stems.items()}


def real_stats() -> dict[str, dict]:
    path = YAMBDA_DATA / "YambdaStats_50m.csv"
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared real-data folder); the 50m marginals cannot be compared")
    with path.open(encoding="utf-8") as handle:
        return {row["interaction"]: {k: float(v) for k, v in row.items() if k != "interaction" and v}
                for row in csv.DictReader(handle)}


def test_named_sizes_and_unknown_names():
    assert yambda_demo.YambdaDemoSize.named("50m").users == 10_000
    with pytest.raises(ValueError, match="choose one of.*50m.*default.*tiny"):
        yambda_demo.YambdaDemoSize.named("huge")
    with pytest.raises(ValueError, match="unknown Yambda demo table"):
        yambda_demo.write(TINY, SEED, {"plays": "plays.parquet"})


def test_columns_in_the_real_order_and_dtypes(tiny):
    columns = real_columns()
    assert set(columns) == set(yambda_demo.TABLES)
    for name, frame in tiny.items():
        assert frame.columns == columns[name] == EXPECTED_COLUMNS[name], name
        assert dict(frame.schema) == {c: DTYPES[c] for c in frame.columns}, name
    assert tiny["listens"].null_count().sum_horizontal().item() == 0
    listen = tiny["multi_event"]["event_type"] == "listen"
    for column in ("played_ratio_pct", "track_length_seconds"):
        assert (tiny["multi_event"][column].is_null() == ~listen).all(), column


def test_summary_and_atomic_files(tiny_files, tiny):
    summary, paths = tiny_files
    assert summary["rows"] == {name: frame.height for name, frame in tiny.items()}
    assert summary["users"] == TINY.users and summary["items"] == TINY.items
    folder = paths["multi_event"].parent
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{name}.parquet" for name in yambda_demo.TABLES)


def test_same_seed_gives_identical_files(tiny_files, tmp_path):
    _, paths = write_tiny(tmp_path)
    for name, path in tiny_files[1].items():
        assert filecmp.cmp(path, paths[name], shallow=False), name


def test_generate_is_what_write_writes(tiny):
    generated = yambda_demo.generate(TINY, SEED)
    for name, frame in tiny.items():
        assert_frame_equal(generated[name], frame)


def test_multi_event_is_the_union_of_the_event_tables(tiny):
    events = tiny["multi_event"]
    assert events.height == sum(tiny[name].height for name in EVENT_TABLES)
    for name, event_type in EVENT_TABLES.items():
        part = events.filter(pl.col("event_type") == event_type).select(tiny[name].columns)
        assert_frame_equal(part, tiny[name], check_dtypes=True)
        assert tiny[name].height > 0, name


def test_sorted_by_uid_then_time_with_5_second_timestamps_up_to_the_test_day(tiny):
    for name in ("multi_event", *EVENT_TABLES):
        frame = tiny[name]
        assert_frame_equal(frame.sort("uid", "timestamp", maintain_order=True), frame)
        assert (frame["timestamp"] % yambda_demo.TIME_STEP == 0).all(), name
    timestamps = tiny["multi_event"]["timestamp"]
    assert timestamps.max() < yambda_demo.SPAN_END and timestamps.min() < 30 * yambda_demo.DAY
    test_start, gap, day = yambda_demo.TEST_DAY_START, 1_800, yambda_demo.DAY
    test_day = tiny["listens"].filter(pl.col("timestamp") >= test_start)
    validation_day = tiny["listens"].filter(pl.col("timestamp").is_between(test_start - gap - day, test_start - gap,
                                                                           closed="left"))
    assert test_day["uid"].n_unique() >= 5 and validation_day["uid"].n_unique() >= 5


def test_embeddings_are_unit_norm_and_follow_the_artists(tiny):
    embeddings = tiny["embeddings"]
    assert embeddings["item_id"].is_unique().all()
    assert embeddings["item_id"].sort().equals(tiny["artist_item_mapping"]["item_id"].sort())
    embed = np.array(embeddings["embed"].to_list(), dtype=np.float64)
    unit = np.array(embeddings["normalized_embed"].to_list())
    assert embed.shape == unit.shape == (TINY.items, yambda_demo.EMBEDDING_DIM)
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-12)
    np.testing.assert_allclose(unit, embed / np.linalg.norm(embed, axis=1, keepdims=True), atol=1e-12)
    artist = embeddings.join(tiny["artist_item_mapping"], on="item_id", how="left")["artist_id"].to_numpy()
    cosine = unit @ unit.T
    same_artist = (artist[:, None] == artist[None, :]) & ~np.eye(len(artist), dtype=bool)
    assert cosine[same_artist].mean() > cosine[~same_artist].mean() + 0.2


def test_every_item_has_one_artist_and_one_album_and_albums_nest_in_artists(tiny):
    artists, albums = tiny["artist_item_mapping"], tiny["album_item_mapping"]
    assert artists["item_id"].is_unique().all() and albums["item_id"].is_unique().all()
    nested = albums.join(artists, on="item_id").group_by("album_id").agg(pl.col("artist_id").n_unique())
    assert (nested["artist_id"] == 1).all()
    assert tiny["multi_event"]["item_id"].is_in(artists["item_id"].implode()).all()


def with_row(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_row_index("row")


def test_likes_and_dislikes_come_right_after_the_listen_they_follow(tiny):
    events = with_row(tiny["multi_event"])
    previous = events.select(pl.all().shift(1).name.prefix("previous_"))
    rows = pl.concat([events, previous], how="horizontal")
    listeners = tiny["listens"]["uid"].unique().implode()
    reactions = rows.filter(pl.col("event_type").is_in(["like", "dislike"]) & pl.col("uid").is_in(listeners))
    assert reactions.height > 0
    assert (reactions["previous_event_type"] == "listen").all()
    assert (reactions["previous_uid"] == reactions["uid"]).all()
    assert (reactions["previous_item_id"] == reactions["item_id"]).all()


def test_likes_follow_high_played_ratios_and_dislikes_low_ones(tiny):
    events = tiny["multi_event"]
    played_before = pl.col("played_ratio_pct").shift(1)
    listened = events.with_columns(played_before.alias("played_before"))
    overall = tiny["listens"]["played_ratio_pct"].mean()
    listeners = tiny["listens"]["uid"].unique().implode()
    liked = listened.filter((pl.col("event_type") == "like") & pl.col("uid").is_in(listeners))["played_before"]
    disliked = listened.filter((pl.col("event_type") == "dislike") & pl.col("uid").is_in(listeners))["played_before"]
    assert liked.mean() > overall + 10 and disliked.mean() < overall - 20


def test_unlikes_and_undislikes_follow_a_like_or_dislike_of_the_same_pair(tiny):
    events = with_row(tiny["multi_event"])
    for undo, done in (("unlike", "like"), ("undislike", "dislike")):
        undone = events.filter(pl.col("event_type") == undo)
        earlier = undone.join(events.filter(pl.col("event_type") == done), on=["uid", "item_id"], how="left",
                              suffix="_done")
        assert earlier["row_done"].null_count() == 0, undo
        assert (earlier["row_done"] < earlier["row"]).all(), undo
        assert (earlier["timestamp_done"] <= earlier["timestamp"]).all(), undo
    assert events.filter(pl.col("event_type") == "like").select("uid", "item_id").is_unique().all()


def test_planted_behaviour_relistening_and_organic_context(tiny):
    listens = tiny["listens"]
    assert listens.select("uid", "item_id").n_unique() < 0.5 * listens.height  # re-listening
    by_context = listens.group_by("is_organic").agg(pl.col("played_ratio_pct").mean()).sort("is_organic")
    recommended, organic = by_context["played_ratio_pct"]
    assert organic > recommended + 10
    assert 0.3 < listens["is_organic"].mean() < 0.8


@pytest.fixture(scope="module")
def users_50m():
    size = yambda_demo.YambdaDemoSize.named("50m")
    return yambda_demo.build_users(size, SEED, yambda_demo.build_catalogue(size, SEED))


def test_50m_user_table_has_the_real_totals_and_user_coverage(users_50m):
    stats = real_stats()
    listens = np.where(users_50m.listener, users_50m.slots, 0)
    counts = {"listens": listens, "likes": users_50m.likes, "dislikes": users_50m.dislikes,
              "unlikes": users_50m.unlikes, "undislikes": users_50m.undislikes}
    counts["multi_event"] = sum(counts.values())
    for name, count in counts.items():
        assert count.sum() == pytest.approx(stats[name]["total_interactions"], rel=0.1), name
        assert (count > 0).sum() == pytest.approx(stats[name]["unique_users"], rel=0.05), name
        assert np.median(count[count > 0]) == pytest.approx(stats[name]["user_50%"], rel=0.25, abs=1), name


def test_50m_prefix_of_200_users_matches_the_real_marginals(tmp_path):
    """The 50m size stopped after 200 users: the quartiles of multi_event and listens rows per user, the
    median of likes, and each event type's share of the rows and of the users, against YambdaStats_50m.csv,
    within 25 %."""
    stats = real_stats()
    users = 200
    size = dataclasses.replace(yambda_demo.YambdaDemoSize.named("50m"), max_users=users)
    paths = {name: tmp_path / f"{name}.parquet" for name in yambda_demo.EVENT_OUTPUTS}
    summary = yambda_demo.write(size, SEED, paths)
    assert summary["users"] == users and set(summary["rows"]) == set(paths)
    events = pl.read_parquet(paths["multi_event"])
    assert_frame_equal(events.sort("uid", "timestamp", maintain_order=True), events)
    assert events["uid"].n_unique() == users
    for name in paths:
        frame = events if name == "multi_event" else pl.read_parquet(paths[name])
        real = stats[name]
        assert frame.height / events.height == pytest.approx(
            real["total_interactions"] / stats["multi_event"]["total_interactions"], rel=0.25), name
        per_user = frame.group_by("uid").len()["len"]
        assert per_user.len() / users == pytest.approx(real["unique_users"] / 10_000, rel=0.25), name
        quantiles = (0.25, 0.5, 0.75) if name in ("multi_event", "listens") else (0.5,) if name == "likes" else ()
        for quantile in quantiles:
            assert per_user.quantile(quantile) == pytest.approx(real[f"user_{quantile:.0%}"], rel=0.25), \
                (name, quantile)
