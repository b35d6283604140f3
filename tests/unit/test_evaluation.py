"""Evaluation of top-K lists under a stated protocol: warm and cold users scored apart, training items
rejected under exclude_seen, contract checks of top-K files, the protocol written into the result, and the
per-user tables whose means are the metrics."""

import json

import polars as pl
import pytest

from musicrec.errors import InputDataError
from musicrec.evaluation import EvaluationSettings, Protocol, evaluate_files, evaluate_lists, evaluate_target_sets

TRAIN = pl.DataFrame({"user_id": [1, 1, 2], "item_id": [10, 11, 10], "weight": [5, 3, 2]})
TARGETS = pl.DataFrame({"user": [1, 2, 3], "item": [12, 13, 10]})
COLD = pl.Series("user", [3])
PROTOCOL = Protocol(split="per-user split", exclude_seen=True, k_values=(2, 1), catalogue_size=5)


def lists(rows, model="m", seed=0) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["user", "item", "score", "rank"], orient="row").with_columns(
        pl.lit(model).alias("model"), pl.lit(seed).alias("seed"))


WARM_AND_COLD = [(1, 12, 0.9, 1), (1, 13, 0.5, 2), (2, 12, 0.9, 1), (2, 13, 0.8, 2), (3, 10, 0.8, 1)]


def test_warm_and_cold_users_are_scored_apart():
    result, _ = evaluate_lists(lists(WARM_AND_COLD), TARGETS, TRAIN, PROTOCOL, COLD)
    metrics, cold = result["metrics"], result["cold_start_metrics"]
    assert metrics["hit_rate@1"] == pytest.approx(0.5)  # user 1 hits at rank 1, user 2 misses; user 3 is cold
    assert metrics["hit_rate@2"] == pytest.approx(1.0)  # user 2's target is at rank 2
    assert metrics["ndcg@2"] == pytest.approx((1.0 + 1 / 1.584962500721156) / 2)
    assert cold["hit_rate@1"] == pytest.approx(1.0) and cold["recall@2"] == pytest.approx(1.0)
    assert result["protocol"]["users_evaluated"] == 2 and result["protocol"]["cold_users_evaluated"] == 1


def test_without_cold_users_everyone_is_warm():
    result, _ = evaluate_lists(lists(WARM_AND_COLD), TARGETS, TRAIN, PROTOCOL)
    assert result["protocol"]["users_evaluated"] == 3 and result["protocol"]["cold_users_evaluated"] == 0
    assert result["cold_start_metrics"] == {}
    assert result["metrics"]["hit_rate@1"] == pytest.approx(2 / 3)


def test_the_protocol_names_the_candidates_and_the_settings():
    described = evaluate_lists(lists(WARM_AND_COLD), TARGETS, TRAIN, PROTOCOL, COLD)[0]["protocol"]
    assert described["candidates"] == "full catalogue minus the user's training items"
    assert described["k_values"] == [1, 2] and described["catalogue_size"] == 5
    assert described["split"] == "per-user split" and described["exclude_seen"] is True
    assert described["averaging"] == "macro over users"
    kept = Protocol(split="s", exclude_seen=False, k_values=(1,), catalogue_size=5)
    assert kept.candidates == "full catalogue, the user's training items included (history not masked)"


def test_a_list_holding_a_training_item_is_rejected_under_exclude_seen_and_accepted_without_it():
    leaking = lists([(1, 10, 0.9, 1), (1, 12, 0.5, 2), (2, 13, 0.4, 1)])
    with pytest.raises(InputDataError) as err:
        evaluate_lists(leaking, TARGETS, TRAIN, PROTOCOL, COLD, source="topk/m/seed0.parquet")
    assert str(err.value) == ("topk/m/seed0.parquet: column 'item': 1 recommended item(s) are in the user's "
                              "training items, which this protocol excludes")
    history_kept = Protocol(split="s", exclude_seen=False, k_values=(1, 2), catalogue_size=5)
    result, _ = evaluate_lists(leaking, TARGETS, TRAIN, history_kept, COLD)
    assert result["metrics"]["hit_rate@1"] == pytest.approx(0.5)  # user 1's rank 1 is a training item: a miss
    assert result["metrics"]["hit_rate@2"] == pytest.approx(1.0)


def test_another_users_training_item_is_not_a_leak():
    result, _ = evaluate_lists(lists([(1, 12, 0.9, 1), (2, 11, 0.5, 1)]), TARGETS, TRAIN, PROTOCOL, COLD)
    assert result["metrics"]["hit_rate@1"] == pytest.approx(0.5)  # item 11 is user 1's, not user 2's


@pytest.fixture
def split_files(tmp_path):
    paths = {name: str(tmp_path / f"{name}.parquet") for name in ("train", "targets", "cold_users")}
    TRAIN.write_parquet(paths["train"])
    TARGETS.rename({"user": "user_id", "item": "item_id"}).with_columns(weight=pl.lit(1)).write_parquet(
        paths["targets"])
    pl.DataFrame({"user_id": [3]}).write_parquet(paths["cold_users"])
    paths["summary"] = str(tmp_path / "summary.json")
    (tmp_path / "summary.json").write_text(json.dumps({
        "description": "per-user random split", "split": {"seed": 42}, "items": 5,
        "sequence_order": "each user's training artists ordered by first tagging date"}))
    return paths


def topk_file(tmp_path, rows, model="m", seed=0) -> str:
    path = tmp_path / "topk.parquet"
    lists(rows, model, seed).write_parquet(path)
    return str(path)


def test_evaluate_files_scores_a_model_and_states_the_split(tmp_path, split_files):
    paths = {**split_files, "topk": topk_file(tmp_path, WARM_AND_COLD, model="sasrec", seed=2)}
    result, _ = evaluate_files(paths, "lastfm", "sasrec", 2, EvaluationSettings(k_values=(1, 2)))
    assert (result["dataset"], result["model"], result["seed"]) == ("lastfm", "sasrec", 2)
    assert result["metrics"]["hit_rate@1"] == pytest.approx(0.5)
    assert result["cold_start_metrics"]["hit_rate@1"] == pytest.approx(1.0)
    protocol = result["protocol"]
    assert protocol["split"] == "per-user random split" and protocol["catalogue_size"] == 5
    assert protocol["candidates"] == "full catalogue minus the user's training items"
    assert protocol["sequence_order"] == "each user's training artists ordered by first tagging date"
    assert protocol["users_evaluated"] == 2 and protocol["cold_users_evaluated"] == 1


def test_evaluate_files_without_a_sequence_order_says_none(tmp_path, split_files):
    summary = json.loads((tmp_path / "summary.json").read_text())
    del summary["sequence_order"]
    (tmp_path / "summary.json").write_text(json.dumps(summary))
    paths = {**split_files, "topk": topk_file(tmp_path, WARM_AND_COLD)}
    result, _ = evaluate_files(paths, "d", "m", 0, EvaluationSettings(k_values=(1,)))
    assert result["protocol"]["sequence_order"] is None


def test_evaluate_files_rejects_a_training_item_naming_the_list_file(tmp_path, split_files):
    paths = {**split_files, "topk": topk_file(tmp_path, [(1, 10, 0.9, 1)])}
    with pytest.raises(InputDataError, match=f"^{paths['topk']}: column 'item': 1 recommended item"):
        evaluate_files(paths, "d", "m", 0, EvaluationSettings())
    kept, _ = evaluate_files(paths, "d", "m", 0, EvaluationSettings(k_values=(1,), exclude_seen=False))
    assert kept["protocol"]["exclude_seen"] is False and kept["metrics"]["hit_rate@1"] == 0.0


def test_a_mislabelled_top_k_file_is_rejected(tmp_path, split_files):
    paths = {**split_files, "topk": topk_file(tmp_path, [(1, 12, 0.9, 1)], model="other", seed=3)}
    with pytest.raises(InputDataError, match=r"column 'model': rows labelled \[\('other', 3\)\] but the file is m "
                                             r"seed 0"):
        evaluate_files(paths, "d", "m", 0, EvaluationSettings())


def test_a_top_k_file_without_a_contract_column_is_rejected(tmp_path, split_files):
    path = tmp_path / "topk.parquet"
    lists([(1, 12, 0.9, 1)]).drop("score").write_parquet(path)
    with pytest.raises(InputDataError, match="column 'score': missing column"):
        evaluate_files({**split_files, "topk": str(path)}, "d", "m", 0, EvaluationSettings())


def test_per_user_values_are_the_warm_users_and_average_to_the_metrics():
    result, per_user = evaluate_lists(lists(WARM_AND_COLD), TARGETS, TRAIN, PROTOCOL, COLD)
    assert per_user.columns == ["user", "metric", "value"]
    assert sorted(per_user["user"].unique().to_list()) == [1, 2], "cold user 3 is not in the per-user table"
    ndcg = dict(per_user.filter(pl.col("metric") == "ndcg@2").select("user", "value").iter_rows())
    assert ndcg == {1: pytest.approx(1.0), 2: pytest.approx(1 / 1.584962500721156)}  # rank 1; rank 2: 1/log2(3)
    assert set(per_user["metric"]) == {f"{m}@{k}" for m in ("hit_rate", "precision", "recall", "ndcg", "map")
                                       for k in (1, 2)}, "coverage is a property of all lists: no per-user value"
    means = dict(per_user.group_by("metric").agg(pl.col("value").mean()).iter_rows())
    assert means == {name: pytest.approx(value) for name, value in result["metrics"].items()
                     if not name.startswith("coverage")}


def test_a_warm_user_without_a_list_scores_zero_in_the_per_user_table():
    _, per_user = evaluate_lists(lists([(1, 12, 0.9, 1)]), TARGETS, TRAIN, PROTOCOL, COLD)
    user2 = per_user.filter(pl.col("user") == 2)
    assert user2.height == 10 and user2["value"].to_list() == [0.0] * 10


def test_target_sets_prefix_the_per_user_metrics_and_add_the_dislike_ones():
    # Targets: listen {1: 12, 2: 13}, like {1: 13}; dislikes {1: 14, 2: 12}. Lists: 1 -> 12, 13; 2 -> 12, 13.
    sets = {"listen": pl.DataFrame({"user": [1, 2], "item": [12, 13]}),
            "like": pl.DataFrame({"user": [1], "item": [13]})}
    dislikes = pl.DataFrame({"user": [1, 2], "item": [14, 12]})
    top = lists([(1, 12, 0.9, 1), (1, 13, 0.5, 2), (2, 12, 0.9, 1), (2, 13, 0.8, 2)])
    kept = Protocol(split="s", exclude_seen=False, k_values=(1,), catalogue_size=5)
    result, per_user = evaluate_target_sets(top, sets, TRAIN, kept, dislikes=dislikes)
    values = {(user, metric): value for user, metric, value in per_user.iter_rows()}
    assert values[(1, "listen/hit_rate@1")] == 1.0 and values[(2, "listen/hit_rate@1")] == 0.0
    assert values[(1, "like/hit_rate@1")] == 0.0 and (2, "like/hit_rate@1") not in values
    assert values[(1, "dislike_fpr@1")] == 0.0 and values[(2, "dislike_fpr@1")] == 1.0  # 2's dislike 12 at rank 1
    # user 1: listen positive 12 at rank 1 above the unlisted dislike 14: 1; user 2: positive 13 (rank 2) below 12
    assert values[(1, "listen/auc_vs_dislikes")] == 1.0 and values[(2, "listen/auc_vs_dislikes")] == 0.0
    assert values[(1, "like/auc_vs_dislikes")] == 1.0  # 13 at rank 2 above the unlisted 14
    means = dict(per_user.group_by("metric").agg(pl.col("value").mean()).iter_rows())
    assert means == {name: pytest.approx(value) for name, value in result["metrics"].items()
                     if "coverage" not in name}


def test_evaluate_files_returns_the_per_user_table(tmp_path, split_files):
    paths = {**split_files, "topk": topk_file(tmp_path, WARM_AND_COLD)}
    result, per_user = evaluate_files(paths, "d", "m", 0, EvaluationSettings(k_values=(1,)))
    assert per_user.filter(pl.col("metric") == "hit_rate@1")["value"].mean() == result["metrics"]["hit_rate@1"]
