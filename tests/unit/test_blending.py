"""The per-seed blend: a weighted mean of the models' probabilities, its metrics and its per-user metrics."""

import polars as pl
import pytest

from musicrec.blending import blend
from musicrec.errors import InputDataError

ROWS = {"row_id": [0, 1, 2, 3], "msno": ["a", "a", "b", "b"], "target": [1, 0, 1, 0]}


def files(tmp_path, scores: dict[str, list[float]]):
    validation, submissions = {}, {}
    for model, values in scores.items():
        validation[model] = str(tmp_path / f"{model}_valid.csv")
        submissions[model] = str(tmp_path / f"{model}_test.csv")
        pl.DataFrame({**ROWS, "score": values}).write_csv(validation[model])
        pl.DataFrame({"id": [0, 1], "target": values[:2]}).write_csv(submissions[model])
    return validation, submissions


def test_blended_scores_and_their_per_user_auc_by_hand(tmp_path):
    # 0.75 * lgb + 0.25 * nn: a: 0.7, 0.4 (positive above negative: AUC 1); b: 0.3, 0.5 (below: AUC 0)
    validation, submissions = files(tmp_path, {"lgb": [0.8, 0.4, 0.4, 0.6], "nn": [0.4, 0.4, 0.0, 0.2]})
    predictions, _, metrics, per_user = blend({"lgb": 3, "nn": 1}, validation, submissions, "last 20%", "msno",
                                              "kkbox", 0)
    assert predictions["score"].to_list() == pytest.approx([0.7, 0.4, 0.3, 0.5])
    values = {(user, metric): value for user, metric, value in per_user.iter_rows()}
    assert values[("a", "auc")] == 1.0 and values[("b", "auc")] == 0.0
    assert metrics["metrics"]["auc"] == pytest.approx(2 / 4)  # 0.7 > 0.4, 0.5; 0.3 < both


def test_a_missing_user_column_is_named(tmp_path):
    validation, submissions = files(tmp_path, {"lgb": [0.8, 0.4, 0.4, 0.6]})
    with pytest.raises(InputDataError, match="column 'user_id': missing the user column"):
        blend({"lgb": 1}, validation, submissions, "last 20%", "user_id", "kkbox", 0)
