"""KKBox fairness: group labels, per-model-and-seed tables, and their aggregation over seeds.

Definitions (also written to ``tables.json`` next to the tables and shown in the report):
* split: the time-ordered validation split (the last rows of train.csv); one prediction per row;
* top-K lists: for each user, the K validation songs a model scores highest, among the songs of the
  user's validation rows (the candidate set); only users with more than K candidate songs count,
  so the model really chooses;
* catalogue: the distinct songs of the training and validation splits (what a model could rank);
* listening: every row (play) of the training split.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import polars as pl

from ..errors import InputDataError
from ..io import write_csv, write_json, write_parquet
from ..schema import to_topk
from ..summaries import over_seeds
from . import coverage, exposure
from .group_metrics import group_metrics
from .groups import item_artist_genders, read_artist_genders, user_groups
from .provider import provider_tables

log = logging.getLogger(__name__)

PREDICTION_SCHEMA = {
    "row_id": pl.Int64, "msno": pl.String, "song_id": pl.String, "artist_name": pl.String,
    "target": pl.Int8, "score": pl.Float64,
}
FEATURE_COLUMNS = ["msno", "song_id", "artist_name", "member_gender", "member_age"]
SEED_TABLES = ("group_metrics", "disparities", "exposure", "first_rank_distribution", "first_rank_summary",
               "artist_exposure")
SPLIT = "validation (time-ordered last rows of train.csv)"
CANDIDATES = "each user's validation songs; users with more than K of them"
CATALOGUE = "distinct songs of the training and validation splits"
LISTENING = "every play (row) of the training split"
COVERAGE_DEFINITIONS = {
    coverage.ARTISTS: "distinct artist names of the catalogue songs",
    coverage.SONGS: CATALOGUE,
    coverage.PLAYS: LISTENING,
    coverage.VALIDATION_ROWS: "every row of the validation split (what the per-group metrics score)",
}


@dataclass(frozen=True)
class FairnessSettings:
    threshold: float = 0.5
    top_k: int = 10
    groups: tuple[str, ...] = ("artist_gender", "user_gender", "age_band")
    age_band_edges: tuple[int, ...] = (10, 18, 25, 35, 45)
    min_group_size: int = 30
    focus_group: str = "female"
    min_coverage: float = 0.5


def _read_features(path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path, columns=FEATURE_COLUMNS)
    except FileNotFoundError:
        raise InputDataError(path, "file not found") from None
    except pl.exceptions.ColumnNotFoundError as err:
        raise InputDataError(path, f"column missing ({err})".splitlines()[0]) from None


def read_predictions(path) -> pl.DataFrame:
    """Validation predictions (row_id, msno, song_id, artist_name, target, score), checked."""
    try:
        frame = pl.read_csv(path, schema_overrides=PREDICTION_SCHEMA, infer_schema=False)
    except FileNotFoundError:
        raise InputDataError(path, "file not found") from None
    except pl.exceptions.ComputeError as err:
        raise InputDataError(path, f"unreadable: {str(err).splitlines()[0]}") from None
    for column in PREDICTION_SCHEMA:
        if column not in frame.columns:
            raise InputDataError(path, "column missing", column=column)
    frame = frame.select(list(PREDICTION_SCHEMA))
    if frame.is_empty():
        raise InputDataError(path, "no rows")
    for column in ("msno", "song_id", "target", "score"):
        if frame[column].null_count():
            raise InputDataError(path, f"{frame[column].null_count()} empty values", column=column)
    if not frame["target"].is_in([0, 1]).all():
        raise InputDataError(path, "values other than 0 and 1", column="target")
    if not frame["score"].is_between(0.0, 1.0).all():
        raise InputDataError(path, "scores outside [0, 1]", column="score")
    return frame


def prepare_groups(valid_path, train_path, demographics_path, settings: FairnessSettings) -> dict[str, pl.DataFrame]:
    """The model-independent tables: user groups, item groups and the exposure baselines.

    * user_groups: msno, user_gender, age_band (of the validation users);
    * item_groups: item (song_id), provider (artist_name), group (artist gender; "unknown" when not in the table);
    * baselines: source (catalogue, listening, candidates), group, n, share;
    * coverage: the share of artists, catalogue songs, plays and validation rows with a known artist
      gender (``coverage.demographic_coverage``, measures as in ``COVERAGE_DEFINITIONS``).
    """
    valid = _read_features(valid_path)
    train = _read_features(train_path)
    genders = read_artist_genders(demographics_path)
    songs = item_artist_genders(pl.concat([train, valid]).select("song_id", "artist_name"), genders)
    items = songs.select(pl.col("song_id").alias("item"), pl.col("artist_name").alias("provider"),
                         pl.col("artist_gender").alias("group"))
    matched = songs.filter(pl.col("artist_name").is_in(genders["artist_name"].implode())).height
    log.info("%d songs, %d of them by an artist in the demographics table", songs.height, matched)
    candidates = exposure.users_with_more_than(ranked_validation_songs(valid.with_columns(pl.lit(0.0).alias("score"))),
                                               settings.top_k)
    baselines = pl.concat(
        [
            exposure.group_shares(items.select("item"), items).with_columns(pl.lit("catalogue").alias("source")),
            exposure.group_shares(train.select(pl.col("song_id").alias("item")), items)
            .with_columns(pl.lit("listening").alias("source")),
            exposure.group_shares(candidates.select("item"), items).with_columns(pl.lit("candidates").alias("source")),
        ]
    ).select("source", "group", "n", "share")
    counted = {coverage.PLAYS: train, coverage.VALIDATION_ROWS: valid}
    covered = coverage.demographic_coverage(
        items, {name: rows.select(pl.col("song_id").alias("item")) for name, rows in counted.items()},
        COVERAGE_DEFINITIONS)
    coverage.log_coverage(covered, settings.min_coverage)
    return {"user_groups": user_groups(valid, list(settings.age_band_edges)), "item_groups": items,
            "baselines": baselines, "coverage": covered}


def ranked_validation_songs(rows: pl.DataFrame) -> pl.DataFrame:
    """Each user's validation songs ranked by score (the top-K contract through ``to_topk``): the ranked
    lists a KKBox classifier implies."""
    scored = rows.select(pl.col("msno").alias("user"), pl.col("song_id").alias("item"), "score")
    return to_topk(scored, None, "", 0)


def evaluate_seed(predictions: pl.DataFrame, users: pl.DataFrame, items: pl.DataFrame,
                  settings: FairnessSettings) -> dict[str, pl.DataFrame]:
    """Every per-seed fairness table of one model's validation predictions (see ``SEED_TABLES``)."""
    rows = predictions.join(users, on="msno", how="left").join(
        items.select(pl.col("item").alias("song_id"), pl.col("group").alias("artist_gender")), on="song_id", how="left"
    ).with_columns(pl.col("artist_gender", "user_gender", "age_band").fill_null("unknown"))
    per_group, disparities = group_metrics(
        rows["target"].to_numpy(), rows["score"].to_numpy(),
        {name: rows[name].to_numpy() for name in settings.groups}, settings.threshold, settings.min_group_size,
    )
    ranked = exposure.users_with_more_than(ranked_validation_songs(predictions), settings.top_k)
    if ranked.is_empty():
        raise InputDataError("validation predictions", f"no user has more than {settings.top_k} candidate songs; "
                             "lower fairness.top_k")
    provider = provider_tables(ranked, items, settings.top_k, settings.focus_group)
    log.info("top-%d lists of %d users; %d candidate rows", settings.top_k, ranked["user"].n_unique(), ranked.height)
    return {"group_metrics": per_group, "disparities": disparities,
            **{name: provider[name] for name in SEED_TABLES if name in provider}}


def write_seed_tables(model: str, seed: int, predictions_path, users_path, items_path,
                      settings: FairnessSettings, outputs: dict[str, str]) -> None:
    """Evaluate one model and seed and write each table (tagged with model and seed) to ``outputs[name]``."""
    tables = evaluate_seed(read_predictions(predictions_path), pl.read_parquet(users_path),
                           pl.read_parquet(items_path), settings)
    for name, table in tables.items():
        write_parquet(table.with_columns(pl.lit(model).alias("model"), pl.lit(seed, pl.Int64).alias("seed")),
                      outputs[name])


AGGREGATES = {
    "group_metrics": (["model", "attribute", "group", "metric"], ["value"]),
    "disparities": (["model", "attribute", "metric", "groups_compared"], ["value"]),
    "exposure": (["model", "group"], ["slot_share", "weighted_share"]),
    "first_rank_distribution": (["model", "bucket_order", "bucket"], ["model_share", "random_share"]),
    "first_rank_summary": (["model"], ["users", "users_with_group", "in_top_k", "random_in_top_k",
                                       "mean_first_rank", "random_mean_first_rank"]),
}


def summarise(seed_files: dict[str, list[str]], baselines_path, settings: FairnessSettings,
              outputs: dict[str, str]) -> dict[str, pl.DataFrame]:
    """Aggregate the per-seed tables over seeds and write them as CSV and parquet.

    ``outputs`` maps each table name (and ``<name>_by_seed``) to a path stem; ``<stem>.csv`` and
    ``<stem>.parquet`` are written; ``outputs["tables"]`` gets the JSON that describes them.
    """
    per_seed = {name: pl.concat([pl.read_parquet(p) for p in files], how="vertical_relaxed")
                for name, files in seed_files.items()}
    tables = {name: over_seeds(per_seed[name], keys, values) for name, (keys, values) in AGGREGATES.items()}
    tables["group_metrics"] = tables["group_metrics"].with_columns(pl.lit(settings.threshold).alias("threshold"))
    tables["exposure"] = exposure.exposure_against_baselines(tables["exposure"], pl.read_parquet(baselines_path))
    tables["artist_exposure"] = exposure.pooled_provider_exposure(per_seed["artist_exposure"]).rename(
        {"provider": "artist_name", "group": "artist_gender"})
    for name, table in tables.items():
        _write_both(table, outputs[name])
        _write_both(per_seed[name], outputs[f"{name}_by_seed"])
    description = {
        "split": SPLIT, "threshold": settings.threshold, "k": settings.top_k, "candidates": CANDIDATES,
        "catalogue": CATALOGUE, "listening": LISTENING, "settings": asdict(settings),
        "seeds": sorted(per_seed["group_metrics"]["seed"].unique().to_list()),
        "models": sorted(per_seed["group_metrics"]["model"].unique().to_list()),
    }
    write_json(description, outputs["tables"])
    return tables


def _write_both(table: pl.DataFrame, stem: str) -> None:
    write_parquet(table, f"{stem}.parquet")
    write_csv(table, f"{stem}.csv")
