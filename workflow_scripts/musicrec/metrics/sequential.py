"""Session metrics of the Spotify Sequential Skip Prediction Challenge (WSDM Cup 2019).

A session's predictions are the skip_2 guesses for the tracks of its second half, in session order.
With T the number of predictions and L(i) = 1 if prediction i is right, A(i) = (1/i) Σ_{j≤i} L(j) is the
accuracy over the first i predictions, and the session's average accuracy is

    AA = (1/T) Σ_{i=1..T} A(i) · L(i),

so a mistake costs more the earlier it comes and a right answer counts only where it is made (the
challenge's definition). The score is the mean AA over sessions; the tie-break is the first-prediction
accuracy, the mean of L(1). A frequent mistake drops L(i) from the sum, (1/T) Σ A(i), which rewards a
session for the answers it got right before its mistakes: for right, right, right, wrong, right the
official AA is 3.8 / 5 = 0.76 and the mistaken one 4.55 / 5 = 0.91.
"""

from __future__ import annotations

import polars as pl

from .per_user import long_table, macro_average

SESSION_METRICS = ("mean_average_accuracy", "first_prediction_accuracy")


def per_session_accuracy(predictions: pl.DataFrame, session: str = "session_id", position: str = "session_position",
                         predicted: str = "prediction", truth: str = "skip_2") -> pl.DataFrame:
    """Per session of ``predictions`` (one row per predicted track: session, position, the predicted and the
    true skip_2), sorted by session: ``mean_average_accuracy``, its average accuracy AA, and
    ``first_prediction_accuracy``, L(1) (1.0 or 0.0)."""
    if predictions.select(session, position).is_duplicated().any():
        raise ValueError("each (session, position) must hold one prediction")
    right = (pl.col(predicted) == pl.col(truth)).cast(pl.Float64)
    return (predictions.sort(session, position)
            .with_columns(right.alias("__right"))
            .with_columns((pl.col("__right").cum_sum().over(session)
                           / pl.int_range(1, pl.len() + 1).over(session)).alias("__accuracy"))
            .group_by(session, maintain_order=True)
            .agg((pl.col("__accuracy") * pl.col("__right")).mean().alias("mean_average_accuracy"),
                 pl.col("__right").first().alias("first_prediction_accuracy")))


def per_session_metrics(predictions: pl.DataFrame, session: str = "session_id", position: str = "session_position",
                        predicted: str = "prediction", truth: str = "skip_2") -> pl.DataFrame:
    """:func:`per_session_accuracy` as a long table (user = the session, metric, value)."""
    return long_table(per_session_accuracy(predictions, session, position, predicted, truth), session)


def session_scores(predictions: pl.DataFrame, session: str = "session_id", position: str = "session_position",
                   predicted: str = "prediction", truth: str = "skip_2") -> tuple[dict[str, float], pl.DataFrame]:
    """The challenge's score of ``predictions`` (one row per predicted track: session, position, the predicted
    and the true skip_2): ``mean_average_accuracy`` (the mean over sessions of AA) and
    ``first_prediction_accuracy`` (the tie-break), NaN for no rows; and :func:`per_session_metrics`, whose
    means they are."""
    per_session = per_session_metrics(predictions, session, position, predicted, truth)
    return macro_average(per_session, SESSION_METRICS), per_session
