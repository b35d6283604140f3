"""The Last.fm evaluation step: protocol fields, warm/cold separation, and contract checks on top-K files."""

import json

import polars as pl
import pytest

from musicrec.errors import InputDataError
from musicrec.pipelines.lastfm import evaluate_topk


@pytest.fixture
def split_files(tmp_path):
    train = pl.DataFrame({"user_id": [1, 1, 2], "artist_id": [10, 11, 10], "weight": [5, 3, 2]})
    test = pl.DataFrame({"user_id": [1, 2, 3], "artist_id": [12, 13, 10], "weight": [1, 1, 1]})
    paths = {name: str(tmp_path / f"{name}.parquet") for name in ("train", "test", "cold_users")}
    train.write_parquet(paths["train"])
    test.write_parquet(paths["test"])
    pl.DataFrame({"user_id": [3]}).write_parquet(paths["cold_users"])
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"description": "per-user split", "split": {"seed": 42}, "artists": 5}))
    return paths, str(summary)


def topk_file(tmp_path, rows, model="m", seed=0):
    path = tmp_path / "topk.parquet"
    pl.DataFrame(rows, schema=["user", "item", "score", "rank"], orient="row").with_columns(
        pl.lit(model).alias("model"), pl.lit(seed).alias("seed")).write_parquet(path)
    return str(path)


def test_warm_and_cold_users_are_scored_apart(tmp_path, split_files):
    paths, summary = split_files
    topk = topk_file(tmp_path, [(1, 12, 0.9, 1), (1, 13, 0.5, 2), (2, 12, 0.9, 1), (3, 10, 0.8, 1)])
    result = evaluate_topk(topk, "m", 0, paths, summary, [1, 2], str(tmp_path / "m.json"))
    assert result["metrics"]["hit_rate@1"] == pytest.approx(0.5)  # user 1 hit, user 2 missed; user 3 is cold
    assert result["cold_start_metrics"]["hit_rate@1"] == pytest.approx(1.0)
    assert result["protocol"]["users_evaluated"] == 2 and result["protocol"]["cold_users_evaluated"] == 1
    assert "minus the user's training artists" in result["protocol"]["candidates"]
    assert json.loads((tmp_path / "m.json").read_text())["metrics"] == result["metrics"]


def test_training_artists_in_a_list_are_rejected(tmp_path, split_files):
    paths, summary = split_files
    topk = topk_file(tmp_path, [(1, 10, 0.9, 1)])
    with pytest.raises(InputDataError, match="training artists"):
        evaluate_topk(topk, "m", 0, paths, summary, [1], str(tmp_path / "m.json"))


def test_mislabelled_file_is_rejected(tmp_path, split_files):
    paths, summary = split_files
    topk = topk_file(tmp_path, [(1, 12, 0.9, 1)], model="other", seed=3)
    with pytest.raises(InputDataError, match="column 'model'"):
        evaluate_topk(topk, "m", 0, paths, summary, [1], str(tmp_path / "m.json"))


def test_sequence_model_metrics_state_the_training_order(tmp_path, split_files):
    paths, summary = split_files
    topk = topk_file(tmp_path, [(1, 12, 0.9, 1), (2, 13, 0.5, 1)], model="sasrec")
    report = tmp_path / "training.json"
    order = "each user's training artists ordered by first tagging date; then by listening weight"
    report.write_text(json.dumps({"training_order": order,
                                  "training_rows_by_order_key": {"first_tag_date": 2, "weight": 1}}))
    result = evaluate_topk(topk, "sasrec", 0, paths, summary, [1], str(tmp_path / "s.json"),
                           training_report_path=str(report))
    assert result["protocol"]["training_order"] == order
    assert result["protocol"]["training_rows_by_order_key"] == {"first_tag_date": 2, "weight": 1}
    plain = evaluate_topk(topk, "sasrec", 0, paths, summary, [1], str(tmp_path / "plain.json"))
    assert "training_order" not in plain["protocol"]
    report.write_text(json.dumps({"training_order": order}))
    with pytest.raises(InputDataError, match="column 'training_rows_by_order_key'"):
        evaluate_topk(topk, "sasrec", 0, paths, summary, [1], str(tmp_path / "s.json"), training_report_path=str(report))
