"""The Yambda preparation of :mod:`musicrec.features.yambda` written in plain pandas: the reference the
benchmark measures the polars version against (same outputs, tested on the tiny demo data). Not used by
the workflow's own jobs: it reads the whole event file into memory and works eagerly.
"""

from __future__ import annotations

import pandas as pd

from .yambda import DEFAULT_EVENT_WEIGHTS, SPLITS, ProtocolParams


def _pair_weights(train: pd.DataFrame, params: ProtocolParams) -> pd.DataFrame:
    counts = pd.crosstab([train["uid"], train["item_id"]], train["event_type"])
    counts = counts.reindex(columns=list(DEFAULT_EVENT_WEIGHTS), fill_value=0)
    listens = train[train["event_type"] == "listen"]
    ratio_sum = listens.groupby(["uid", "item_id"])["played_ratio_pct"].sum().reindex(counts.index, fill_value=0)
    listen_units = ratio_sum.astype("float64") / 100.0 if params.weight_by_played_ratio else counts["listen"]
    weight = params.event_weights.get("listen", 0.0) * listen_units.astype("float64")
    for event_type in DEFAULT_EVENT_WEIGHTS:
        if event_type != "listen" and params.event_weights.get(event_type, 0.0):
            weight = weight + params.event_weights[event_type] * counts[event_type].astype("float64")
    pairs = pd.DataFrame({"weight": weight.astype("float32"), "events": counts.sum(axis=1).astype("uint32")})
    return pairs.reset_index()


def prepare(path, params: ProtocolParams) -> dict[str, dict[str, pd.DataFrame]]:
    """Per split: train, sequences, targets_listen_plus, targets_like, dislikes and train_dislikes of the flat
    multi_event file at ``path``, as :func:`musicrec.features.yambda.prepare_shard` gives them for one
    shard (before the item filter of gather)."""
    events = pd.read_parquet(path)
    out = {}
    for split in SPLITS:
        train_end, start, end = params.windows()[split]
        train = events[events["timestamp"] < train_end]
        window = events[(events["timestamp"] >= start) & ((events["timestamp"] < end) if end is not None else True)]
        pairs = _pair_weights(train, params)
        if params.min_user_events:
            active = pairs.groupby("uid")["events"].transform("sum") >= params.min_user_events
            pairs = pairs[active]
        pairs = pairs[pairs["weight"] > 0]
        users = pairs["uid"].unique()

        def targets(frame: pd.DataFrame) -> pd.DataFrame:
            frame = frame.loc[frame["uid"].isin(users), ["uid", "item_id"]].drop_duplicates()
            return frame.rename(columns={"uid": "user_id"}).sort_values(["user_id", "item_id"], ignore_index=True)

        listens = train[(train["event_type"] == "listen") & train["uid"].isin(users)]
        sequences = (listens[["uid", "item_id", "timestamp"]].rename(columns={"uid": "user_id"})
                     .sort_values(["user_id", "timestamp", "item_id"], kind="stable", ignore_index=True))
        sequences["position"] = sequences.groupby("user_id").cumcount().astype("int64")
        is_listen = window["event_type"] == "listen"
        out[split] = {
            "train": (pairs.rename(columns={"uid": "user_id"})[["user_id", "item_id", "weight", "events"]]
                      .sort_values(["user_id", "item_id"], ignore_index=True)),
            "sequences": sequences,
            "targets_listen_plus": targets(window[is_listen & (window["played_ratio_pct"] >= params.listen_plus_ratio)]),
            "targets_like": targets(window[window["event_type"] == "like"]),
            "dislikes": targets(window[window["event_type"] == "dislike"]),
            "train_dislikes": targets(train[train["event_type"] == "dislike"]),
        }
    return out
