"""The data profile's statistics against hand-computed cases, and the profile of a tiny events table."""

from __future__ import annotations

import math

import numpy as np
import polars as pl
import pytest

from musicrec import profiling
from musicrec.reports import profile_figures
from musicrec.profiling import Breakdown, Distribution, ProfileData, Statistic


def test_describe_gives_pandas_style_quartiles_and_sample_std():
    # 1, 2, 3, 4, 10: mean 4; deviations -3 -2 -1 0 6 -> squares 50 / (5 - 1) = 12.5;
    # quartile positions (n - 1) q = 1, 2, 3 -> 2, 3, 4.
    stats = profiling.describe([4, 1, 10, 3, 2])
    assert stats == pytest.approx({"mean": 4.0, "std": math.sqrt(12.5), "min": 1.0, "25%": 2.0, "50%": 3.0,
                                   "75%": 4.0, "max": 10.0})


def test_describe_interpolates_between_order_statistics_and_skips_missing_values():
    # 1, 2, 3, 4 (None and NaN dropped): positions 0.75, 1.5, 2.25 -> 1.75, 2.5, 3.25.
    stats = profiling.describe([1.0, None, 2.0, float("nan"), 3.0, 4.0])
    assert (stats["25%"], stats["50%"], stats["75%"]) == pytest.approx((1.75, 2.5, 3.25))
    assert profiling.describe([7])["std"] is None
    assert set(profiling.describe([None]).values()) == {None}


def test_density_and_sparsity():
    assert profiling.density(pairs=6, users=3, items=4) == 0.5


def test_top_share_takes_the_ceiling_of_the_fraction_of_items():
    counts = [50, 20, 10, 10, 5, 5]  # total 100
    assert profiling.top_share(counts, 0.1) == pytest.approx(0.5)  # ceil(0.6) = 1 item
    assert profiling.top_share(counts, 0.5) == pytest.approx(0.8)  # 3 items: 50 + 20 + 10
    assert profiling.top_share(list(range(1, 11)), 0.2) == pytest.approx((10 + 9) / 55)  # exactly 2 of 10


def test_head_fraction_is_the_smallest_share_of_items_reaching_80_percent():
    assert profiling.head_fraction([50, 20, 10, 10, 5, 5]) == pytest.approx(3 / 6)  # 50 + 20 + 10 = 80
    assert profiling.head_fraction([1, 1, 1, 1]) == pytest.approx(1.0)  # 3 of 4 only reach 75%


def test_gini_of_equal_and_concentrated_counts():
    assert profiling.gini([5, 5, 5, 5]) == pytest.approx(0.0)
    # 0, 0, 0, 4: (2*4 - 4 - 1) * 4 / (4 * 4) = 0.75 = (n - 1) / n
    assert profiling.gini([0, 4, 0, 0]) == pytest.approx(0.75)
    # 1, 2, 3: (-2*1 + 0*2 + 2*3) / (3 * 6) = 4 / 18
    assert profiling.gini([3, 1, 2]) == pytest.approx(4 / 18)


def test_rate_by_group_counts_rows_and_averages_the_indicator():
    frame = pl.DataFrame({"position": [2, 1, 1, 2, 2, None], "skip": [True, False, True, True, False, True]})
    rates = profiling.rate_by_group(frame, "position", "skip")
    assert rates.to_dicts() == [{"group": "1", "n": 2, "rate": 0.5}, {"group": "2", "n": 3, "rate": 2 / 3}]


def test_principal_components_of_points_on_a_line():
    matrix = np.array([[0.0, 0.0], [1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    scores, explained = profiling.principal_components(matrix, 2)
    assert explained == pytest.approx([1.0, 0.0], abs=1e-12)
    step = math.sqrt(5)  # the points are sqrt(5) apart along the axis (1, 2) / sqrt(5)
    assert scores[:, 0] == pytest.approx([-1.5 * step, -0.5 * step, 0.5 * step, 1.5 * step])


@pytest.mark.parametrize("value, text", [(1892, "1892"), (12.0, "12"), (0.123456789, "0.123457"),
                                         (4779.0449, "4779.04"), (47790449.5, "47790449.5"), (None, ""),
                                         (float("nan"), ""), (np.int64(3), "3")])
def test_formatted(value, text):
    assert profiling.formatted(value) == text


def tiny_profile() -> profiling.Profile:
    # users a (3 events: x twice, y), b (1 event: x); items x (3), y (1); item x by artist 7, y by none.
    events = pl.DataFrame({"user_id": ["a", "a", "a", "b"], "item_id": ["x", "x", "y", "x"],
                           "weight": [2, 1, 5, 4]})
    data = ProfileData(
        events=events.lazy(), events_definition="a play", user="listener", item="song", weight="plays",
        item_artists=pl.LazyFrame({"item_id": ["x"], "artist_id": [7]}),
        statistics=(Statistic("special", 0.25, "a dataset's own"),),
        distributions=(Distribution("lengths", "song", pl.DataFrame({"seconds": [100.0, 300.0]})),),
        breakdowns=(Breakdown("skips by position", profiling.rate_by_group(
            pl.DataFrame({"position": [1, 1, 2], "skip": [1, 0, 1]}), "position", "skip"), ordered=True),),
    )
    return profiling.compute(data)


def test_profile_statistics_of_a_tiny_events_table():
    profile = tiny_profile()
    values = dict(zip(profile.statistics["name"], profile.statistics["value"]))
    assert (values["rows"], values["users"], values["items"], values["user_item_pairs"]) == ("4", "2", "2", "3")
    assert values["density"] == "0.75" and values["sparsity"] == "0.25"
    assert (values["events_per_user_mean"], values["events_per_user_max"]) == ("2", "3")
    assert values["item_top1%_share"] == "0.75"  # item x holds 3 of 4 events
    assert values["weight_total"] == "12" and values["item_weight_top1%_share"] == "0.583333"  # x: 7 of 12 plays
    assert (values["artists"], values["events_with_artist_share"], values["events_per_artist_max"]) == ("1", "0.75",
                                                                                                       "3")
    assert values["special"] == "0.25"
    assert profile.statistics.columns == ["name", "value", "description"]
    assert "listener" in " ".join(profile.statistics["description"])


def test_profile_extras_table_holds_distributions_and_rates():
    extras = tiny_profile().extras
    assert tuple(extras.columns) == profiling.EXTRAS_COLUMNS
    lengths = extras.filter(pl.col("group") == "seconds").row(0, named=True)
    assert (lengths["n"], lengths["mean"], lengths["50%"], lengths["max"]) == ("2", "200", "200", "300")
    rates = extras.filter(pl.col("table") == "skips by position")
    assert rates.select("group", "n", "mean", "std").rows() == [("1", "2", "0.5", ""), ("2", "1", "1", "")]


def test_manifest_lists_every_file_with_a_caption():
    files = {name: f"results/d/profile/{name}" for name in ("statistics", "extras", "long_tail", "activity",
                                                              "extras_figure")}
    manifest = profiling.manifest(tiny_profile(), "d", "demo data", {"plays": "plays.csv"}, files)
    assert (manifest["dataset"], manifest["source"], manifest["events"]) == ("d", "demo data", "a play")
    listed = [entry["file"] for entry in manifest["tables"] + manifest["figures"]]
    assert sorted(listed) == sorted(files.values())
    assert all(entry["title"] and entry["caption"].endswith(".") for entry in manifest["tables"] + manifest["figures"])
    assert "top 10% of songs hold 75% of the events" in manifest["figures"][0]["caption"]


def test_rank_sample_keeps_the_first_and_last_rank_and_every_rank_when_few():
    assert list(profile_figures.rank_sample(5)) == [0, 1, 2, 3, 4]
    sample = profile_figures.rank_sample(1_000_000, points=100)
    assert sample[0] == 0 and sample[-1] == 999_999 and len(sample) <= 100 and np.all(np.diff(sample) > 0)


def test_log_bins_of_integer_counts_are_integers_covering_the_largest_value():
    edges = profile_figures.log_bins(np.array([1, 3, 40, 1000]))
    assert edges[0] == 1 and edges[-1] == 1001 and np.all(edges == edges.round()) and np.all(np.diff(edges) > 0)


def test_render_draws_the_three_figures_as_png():
    figures = profile_figures.render(tiny_profile())
    assert set(figures) == {"long_tail", "activity", "extras_figure"}
    assert all(png.startswith(b"\x89PNG") for png in figures.values())
