"""The skip challenge's mean average accuracy against hand-computed cases, per session and on average."""

import math

import polars as pl
import pytest

from musicrec.metrics.sequential import per_session_metrics, session_scores


def mean_average_accuracy(predictions):
    return session_scores(predictions)[0]


def session(name, rights, start=6):
    """Rows of one session whose predictions are right where ``rights`` says (the truth is always True)."""
    return [(name, start + i, right, True) for i, right in enumerate(rights)]


def table(*sessions):
    rows = [row for rows in sessions for row in rows]
    return pl.DataFrame(rows, schema=["session_id", "session_position", "prediction", "skip_2"], orient="row")


def test_right_right_right_wrong_right_scores_0_76_not_the_mistaken_0_91():
    # A(i) = 1, 1, 1, 3/4, 4/5; the official sum keeps A(i) where L(i) = 1: (1 + 1 + 1 + 0 + 0.8) / 5.
    scores = mean_average_accuracy(table(session("s", [True, True, True, False, True])))
    assert scores["mean_average_accuracy"] == pytest.approx(0.76)
    assert (1 + 1 + 1 + 0.75 + 0.8) / 5 == pytest.approx(0.91)  # what dropping L(i) would give
    assert scores["first_prediction_accuracy"] == 1.0


def test_an_early_mistake_costs_more_than_a_late_one_and_sessions_average():
    early = session("a", [False, True, True])  # A = 0, 1/2, 2/3: (0 + 1/2 + 2/3) / 3
    late = session("b", [True, True, False])  # A = 1, 1, 2/3: (1 + 1 + 0) / 3
    scores = mean_average_accuracy(table(early, late))
    assert scores["mean_average_accuracy"] == pytest.approx(((0.5 + 2 / 3) / 3 + 2 / 3) / 2)
    assert scores["first_prediction_accuracy"] == 0.5


def test_rows_are_taken_in_session_order_whatever_their_order_in_the_table():
    rows = session("s", [False, True, True, True])
    shuffled = pl.DataFrame([rows[2], rows[0], rows[3], rows[1]],
                            schema=["session_id", "session_position", "prediction", "skip_2"], orient="row")
    assert mean_average_accuracy(shuffled) == mean_average_accuracy(table(rows))


def test_duplicate_positions_are_refused_and_no_rows_give_nan():
    with pytest.raises(ValueError, match="one prediction"):
        mean_average_accuracy(table(session("s", [True]), session("s", [False])))
    assert math.isnan(mean_average_accuracy(table())["mean_average_accuracy"])


def test_per_session_values_by_hand_average_to_the_score():
    early = session("a", [False, True, True])  # (0 + 1/2 + 2/3) / 3, first wrong
    late = session("b", [True, True, False])  # (1 + 1 + 0) / 3, first right
    per_session = per_session_metrics(table(late, early))
    assert per_session.columns == ["user", "metric", "value"]
    values = {(user, metric): value for user, metric, value in per_session.iter_rows()}
    assert values == {("a", "mean_average_accuracy"): pytest.approx((0.5 + 2 / 3) / 3),
                      ("b", "mean_average_accuracy"): pytest.approx(2 / 3),
                      ("a", "first_prediction_accuracy"): 0.0, ("b", "first_prediction_accuracy"): 1.0}
    scores = mean_average_accuracy(table(late, early))
    assert scores["mean_average_accuracy"] == pytest.approx((values[("a", "mean_average_accuracy")]
                                                             + values[("b", "mean_average_accuracy")]) / 2)
