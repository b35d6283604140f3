"""KKBox features in polars, in the spirit of the 1st-place WSDM Cup 2018 solution.

Feature families:

* categorical codes (dense, frequency-ordered, 0 = missing) for ids, artist, genre, sources, member
  and song attributes; used as LightGBM categoricals (low cardinality) and NN embeddings;
* counts and conditional probabilities over train + test (label-free), e.g. how often a user plays
  an artist relative to all their plays;
* time-aware target statistics, computed without leakage: a training row sees only the targets of
  earlier training rows (expanding mean in time order); validation rows see only training rows; test
  rows see all labelled rows. No row ever sees its own target;
* "before/after" neighbour context (label-free): gaps, in rows, to the same user's previous and next
  play, to the previous/next play of the same artist by the user, and how often the user played the
  song before and will play it again.

Splits: the rows of train.csv are in time order and test.csv follows them; the last
``validation_fraction`` of train.csv rows is the validation split (never a random split).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import polars as pl

from ..datasets.kkbox import SCHEMAS

log = logging.getLogger(__name__)

CATEGORICAL = (
    "msno", "song_id", "artist_name", "first_genre", "composer", "lyricist", "source_system_tab",
    "source_screen_name", "source_type", "language", "city", "member_gender", "registered_via",
    "isrc_country",
)
# Low-cardinality categoricals that LightGBM handles natively; the rest enter as counts.
LGB_CATEGORICAL = (
    "source_system_tab", "source_screen_name", "source_type", "language", "city", "member_gender",
    "registered_via", "first_genre", "isrc_country",
)
COUNT_KEYS = {
    "user": ("msno",),
    "song": ("song_id",),
    "artist": ("artist_name",),
    "genre": ("first_genre",),
    "composer": ("composer",),
    "user_artist": ("msno", "artist_name"),
    "user_genre": ("msno", "first_genre"),
    "user_language": ("msno", "language"),
    "user_tab": ("msno", "source_system_tab"),
    "user_screen": ("msno", "source_screen_name"),
    "user_type": ("msno", "source_type"),
    "song_type": ("song_id", "source_type"),
    "artist_type": ("artist_name", "source_type"),
}
# (numerator, denominator) count pairs turned into conditional probabilities.
CONDITIONALS = {
    "p_artist_given_user": ("user_artist", "user"),
    "p_genre_given_user": ("user_genre", "user"),
    "p_language_given_user": ("user_language", "user"),
    "p_tab_given_user": ("user_tab", "user"),
    "p_screen_given_user": ("user_screen", "user"),
    "p_type_given_user": ("user_type", "user"),
    "p_type_given_song": ("song_type", "song"),
    "p_type_given_artist": ("artist_type", "artist"),
    "p_song_given_artist": ("song", "artist"),
}
TARGET_KEYS = {
    "user": ("msno",),
    "song": ("song_id",),
    "artist": ("artist_name",),
    "user_artist": ("msno", "artist_name"),
    "user_genre": ("msno", "first_genre"),
    "user_tab": ("msno", "source_system_tab"),
    "user_type": ("msno", "source_type"),
    "type": ("source_type",),
    "screen": ("source_screen_name",),
}
NEIGHBOUR_KEYS = {"user": ("msno",), "user_artist": ("msno", "artist_name"), "user_song": ("msno", "song_id")}
PRIOR_WEIGHT = 10.0
MISSING_GAP = 1_000_000


@dataclass(frozen=True)
class FeatureConfig:
    validation_fraction: float = 0.2


@dataclass
class FeatureTables:
    train: pl.DataFrame
    valid: pl.DataFrame
    test: pl.DataFrame
    spec: dict


def _split_column(n_train_rows: int, validation_fraction: float) -> pl.Expr:
    n_valid = max(1, round(n_train_rows * validation_fraction))
    fit_end = n_train_rows - n_valid
    return (
        pl.when(pl.col("row_id") < fit_end).then(pl.lit("train"))
        .when(pl.col("row_id") < n_train_rows).then(pl.lit("valid"))
        .otherwise(pl.lit("test"))
    )


def _isrc_year(isrc: pl.Expr) -> pl.Expr:
    two_digits = isrc.str.slice(5, 2).cast(pl.Int32, strict=False)
    return pl.when(two_digits > 30).then(two_digits + 1900).otherwise(two_digits + 2000)


def _yyyymmdd_to_date(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.to_date("%Y%m%d", strict=False)


def _n_values(col: str) -> pl.Expr:
    """Number of '|'-separated values (stray spaces ignored); 0 when missing."""
    return (
        pl.col(col).str.split("|").list.eval(pl.element().str.strip_chars())
        .list.eval(pl.element().filter(pl.element() != "")).list.len().fill_null(0).cast(pl.Int32)
    )


def assemble_rows(tables: dict[str, pl.DataFrame], validation_fraction: float) -> pl.DataFrame:
    """One frame of all train and test rows in time order, joined to song/member/extra attributes."""
    if not 0.0 < validation_fraction < 1.0:
        raise ValueError(f"validation_fraction must be in (0, 1), got {validation_fraction}")
    tables = {name: frame.select(list(SCHEMAS[name])).cast(SCHEMAS[name]) for name, frame in tables.items()}
    train = tables["train"].with_columns(pl.lit(-1, dtype=pl.Int64).alias("id"))
    test = tables["test"].with_columns(pl.lit(None, dtype=pl.Int8).alias("target"))
    columns = ["id", "msno", "song_id", "source_system_tab", "source_screen_name", "source_type", "target"]
    rows = pl.concat([train.select(columns), test.select(columns)]).with_row_index("row_id")
    rows = rows.with_columns(pl.col("row_id").cast(pl.Int64))
    rows = rows.with_columns(_split_column(train.height, validation_fraction).alias("split"))

    songs = tables["songs"].unique("song_id", keep="first").with_columns(
        pl.col("genre_ids").str.split("|").list.first().str.strip_chars().alias("first_genre"),
        _n_values("genre_ids").alias("n_genres"),
        _n_values("composer").alias("n_composers"),
        _n_values("lyricist").alias("n_lyricists"),
        pl.col("composer").str.split("|").list.first().str.strip_chars().alias("composer"),
        pl.col("lyricist").str.split("|").list.first().str.strip_chars().alias("lyricist"),
        pl.col("language").cast(pl.Int64).cast(pl.String).alias("language"),
    )
    extra = tables["song_extra_info"].unique("song_id", keep="first").select(
        "song_id",
        pl.col("isrc").str.slice(0, 2).alias("isrc_country"),
        _isrc_year(pl.col("isrc")).alias("song_year"),
    )
    members = tables["members"].unique("msno", keep="first").select(
        "msno",
        pl.col("city").cast(pl.String),
        pl.col("gender").alias("member_gender"),
        pl.col("registered_via").cast(pl.String),
        pl.when(pl.col("bd").is_between(10, 80)).then(pl.col("bd")).otherwise(None).alias("member_age"),
        (_yyyymmdd_to_date("expiration_date") - _yyyymmdd_to_date("registration_init_time"))
        .dt.total_days().alias("membership_days"),
        (pl.col("registration_init_time") // 10_000).alias("registration_year"),
    )
    rows = (
        rows.join(songs, on="song_id", how="left")
        .join(extra, on="song_id", how="left")
        .join(members, on="msno", how="left")
        .sort("row_id")
    )
    return rows.with_columns(
        pl.col("artist_name").fill_null("<unknown artist>"),
        pl.col("song_id").is_in(tables["songs"]["song_id"].implode()).not_().cast(pl.Int8).alias("song_unknown"),
    )


def categorical_codes(rows: pl.DataFrame) -> tuple[pl.DataFrame, dict[str, int]]:
    """Replace each categorical by a dense code, 1 = most frequent, 0 = missing; return cardinalities."""
    cardinalities = {}
    codes = []
    for col in CATEGORICAL:
        vocab = (
            rows.select(pl.col(col).cast(pl.String)).drop_nulls().group_by(col).len()
            .sort(["len", col], descending=[True, False])
            .with_row_index("code", offset=1).select(col, pl.col("code").cast(pl.Int32))
        )
        cardinalities[f"{col}_code"] = vocab.height + 1
        codes.append(vocab.rename({"code": f"{col}_code"}))
    for col, vocab in zip(CATEGORICAL, codes):
        rows = rows.with_columns(pl.col(col).cast(pl.String)).join(vocab, on=col, how="left")
    return rows.with_columns(pl.col(f"{c}_code").fill_null(0) for c in CATEGORICAL), cardinalities


def count_features(rows: pl.DataFrame) -> pl.DataFrame:
    """Counts over all rows (train and test; no labels) and conditional probabilities."""
    rows = rows.with_columns(
        pl.len().over(list(keys)).cast(pl.Float64).alias(f"cnt_{name}") for name, keys in COUNT_KEYS.items()
    )
    rows = rows.with_columns(
        (pl.col(f"cnt_{num}") / pl.col(f"cnt_{den}")).alias(name) for name, (num, den) in CONDITIONALS.items()
    )
    return rows.with_columns(
        pl.col("song_id").n_unique().over("msno").cast(pl.Float64).alias("user_distinct_songs"),
        pl.col("artist_name").n_unique().over("msno").cast(pl.Float64).alias("user_distinct_artists"),
        pl.col("msno").n_unique().over("song_id").cast(pl.Float64).alias("song_distinct_users"),
        pl.col("msno").n_unique().over("artist_name").cast(pl.Float64).alias("artist_distinct_users"),
    )


def target_features(rows: pl.DataFrame) -> pl.DataFrame:
    """Leakage-free target statistics (smoothed mean and count of earlier labelled rows per key).

    Training rows: expanding statistics over strictly earlier training rows. Validation rows:
    statistics of all training rows. Test rows: statistics of all training and validation rows.
    """
    fit = rows.filter(pl.col("split") == "train")
    labelled = rows.filter(pl.col("split") != "test")
    rows = rows.join(_prior_target_rate(rows), on="row_id", how="left")
    smoothed = []
    for name, keys in TARGET_KEYS.items():
        keys = list(keys)
        expanding = fit.select(
            "row_id",
            (pl.col("target").cast(pl.Float64).cum_sum().over(keys) - pl.col("target")).alias("s"),
            (pl.int_range(pl.len()).over(keys)).cast(pl.Float64).alias("n"),
        )
        frozen_valid = _frozen_stats(fit, rows.filter(pl.col("split") == "valid"), keys)
        frozen_test = _frozen_stats(labelled, rows.filter(pl.col("split") == "test"), keys)
        stats = pl.concat([expanding, frozen_valid, frozen_test]).rename({"s": f"_s_{name}", "n": f"tcnt_{name}"})
        rows = rows.join(stats, on="row_id", how="left")
        smoothed.append(
            ((pl.col(f"_s_{name}") + PRIOR_WEIGHT * pl.col("_prior")) / (pl.col(f"tcnt_{name}") + PRIOR_WEIGHT)).alias(
                f"tmean_{name}"
            )
        )
    rows = rows.with_columns(smoothed)
    return rows.drop([c for c in rows.columns if c.startswith(("_s_", "_prior"))])


def _prior_target_rate(rows: pl.DataFrame) -> pl.DataFrame:
    """The smoothing prior per row: the overall target rate of the rows that row may see.

    Training rows: the rate of strictly earlier training rows (0.5 for the first row); validation rows:
    the training split's rate; test rows: the rate of all labelled rows.
    """
    target = pl.col("target").cast(pl.Float64)
    fit = rows.filter(pl.col("split") == "train")
    expanding = fit.select(
        "row_id",
        ((target.cum_sum() - target) / pl.int_range(pl.len()).cast(pl.Float64)).fill_nan(0.5).alias("_prior"),
    )
    fit_rate = float(fit["target"].mean())
    labelled_rate = float(rows.filter(pl.col("split") != "test")["target"].mean())
    frozen = rows.filter(pl.col("split") != "train").select(
        "row_id", pl.when(pl.col("split") == "valid").then(fit_rate).otherwise(labelled_rate).alias("_prior")
    )
    return pl.concat([expanding, frozen])


def _frozen_stats(source: pl.DataFrame, target_rows: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    sums = source.group_by(keys).agg(
        pl.col("target").cast(pl.Float64).sum().alias("s"), pl.len().cast(pl.Float64).alias("n")
    )
    return (
        target_rows.select(["row_id", *keys]).join(sums, on=keys, how="left", nulls_equal=True)
        .select("row_id", pl.col("s").fill_null(0.0), pl.col("n").fill_null(0.0))
    )


def neighbour_features(rows: pl.DataFrame) -> pl.DataFrame:
    """Label-free context from the rows before and after: gaps and repeat counts per key."""
    exprs = []
    for name, keys in NEIGHBOUR_KEYS.items():
        keys = list(keys)
        exprs += [
            (pl.col("row_id") - pl.col("row_id").shift(1).over(keys)).fill_null(MISSING_GAP)
            .cast(pl.Float64).alias(f"gap_prev_{name}"),
            (pl.col("row_id").shift(-1).over(keys) - pl.col("row_id")).fill_null(MISSING_GAP)
            .cast(pl.Float64).alias(f"gap_next_{name}"),
            pl.int_range(pl.len()).over(keys).cast(pl.Float64).alias(f"n_before_{name}"),
            (pl.len().over(keys) - 1 - pl.int_range(pl.len()).over(keys)).cast(pl.Float64).alias(f"n_after_{name}"),
        ]
    exprs += [
        (pl.col("source_type") == pl.col("source_type").shift(-1).over("msno")).fill_null(False)
        .cast(pl.Int8).alias("next_same_source_type"),
        (pl.col("artist_name") == pl.col("artist_name").shift(1).over("msno")).fill_null(False)
        .cast(pl.Int8).alias("prev_same_artist"),
        (pl.col("row_id") / pl.col("row_id").max()).alias("time_position"),
    ]
    return rows.sort("row_id").with_columns(exprs)


def build(tables: dict[str, pl.DataFrame], config: FeatureConfig) -> FeatureTables:
    """All features for the train, validation and test splits, plus a spec of which columns are which."""
    rows = assemble_rows(tables, config.validation_fraction)
    log.info("assembled %d rows (%s)", rows.height, dict(rows["split"].value_counts().iter_rows()))
    rows, cardinalities = categorical_codes(rows)
    rows = count_features(rows)
    rows = target_features(rows)
    rows = neighbour_features(rows)
    numeric = [
        c for c in rows.columns
        if c.startswith(("cnt_", "p_", "tmean_", "tcnt_", "gap_", "n_before_", "n_after_", "user_distinct",
                         "song_distinct", "artist_distinct"))
    ] + [
        "song_length", "n_genres", "n_composers", "n_lyricists", "song_year", "member_age", "membership_days",
        "registration_year", "song_unknown", "next_same_source_type", "prev_same_artist", "time_position",
    ]
    rows = rows.with_columns(pl.col(numeric).cast(pl.Float64))
    spec = {
        "categorical": cardinalities,
        "lgb_categorical": [f"{c}_code" for c in LGB_CATEGORICAL],
        "numeric": numeric,
        "id_columns": ["row_id", "id", "msno", "song_id", "artist_name", "member_gender", "member_age", "target"],
        "prediction_columns": ["row_id", "msno", "song_id", "artist_name", "target"],
        "submission_id": "id",
        "split": {
            "description": f"validation: last {config.validation_fraction:.0%} of train.csv rows in time order "
                           "(time-ordered, not random)",
            "method": "time-ordered: last validation_fraction of train.csv rows",
            "validation_fraction": config.validation_fraction,
            "n_rows": {s: int(n) for s, n in rows["split"].value_counts().iter_rows()},
        },
    }
    keep = list(dict.fromkeys(["row_id", "id", "split", "target", "msno", "song_id", "artist_name",
                               "member_gender", "member_age", *cardinalities, *numeric]))
    rows = rows.select(keep)
    parts = {s: rows.filter(pl.col("split") == s).drop("split") for s in ("train", "valid", "test")}
    log.info("features: %d numeric, %d categorical", len(numeric), len(cardinalities))
    return FeatureTables(parts["train"], parts["valid"], parts["test"], spec)
