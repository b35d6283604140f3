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

Ids that do not join (a song_id absent from songs.csv or song_extra_info.csv, a msno absent from
members.csv) are kept, with the attributes of that table missing, as the real files have such ids by
design; ``join_report`` counts them per file (rows and distinct ids) and ``build`` logs the counts.

Memory (the real train.csv has 7.4M rows): every grouping works on the integer codes, not on the
strings; the splits are contiguous row ranges, so they are slices, never copies; numeric features are
float32 (computed in float64, then rounded once), and the id strings of the output are gathered
from the small vocabularies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import polars as pl

from ..datasets.kkbox import SCHEMAS
from ..splits import row_order_tail

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
DISTINCT_COUNTS = {  # name: (counted column, per key column)
    "user_distinct_songs": ("song_id", "msno"),
    "user_distinct_artists": ("artist_name", "msno"),
    "song_distinct_users": ("msno", "song_id"),
    "artist_distinct_users": ("msno", "artist_name"),
}
NEIGHBOUR_KEYS = {"user": ("msno",), "user_artist": ("msno", "artist_name"), "user_song": ("msno", "song_id")}
PRIOR_WEIGHT = 10.0
MISSING_GAP = 1_000_000
FEATURE_DTYPE = pl.Float32
# The numeric features after the counts, statistics and gaps (in the order the models see them):
# song, extra and member attributes and the neighbour flags.
OTHER_NUMERIC = (
    "song_length", "n_genres", "n_composers", "n_lyricists", "song_year", "member_age", "membership_days",
    "registration_year", "song_unknown", "next_same_source_type", "prev_same_artist", "time_position",
)
# Where each categorical comes from: the play (train.csv / test.csv row), its song, its member.
PLAY_CATEGORICAL = ("msno", "song_id", "source_system_tab", "source_screen_name", "source_type")
SONG_CATEGORICAL = ("artist_name", "first_genre", "composer", "lyricist", "language", "isrc_country")
MEMBER_CATEGORICAL = ("city", "member_gender", "registered_via")
SONG_NUMERIC = ("song_length", "n_genres", "n_composers", "n_lyricists", "song_year", "song_unknown")
MEMBER_NUMERIC = ("member_age", "membership_days", "registration_year")
# Categoricals whose text goes into the output tables (predictions and fairness tables read them).
TEXT_OUTPUTS = ("msno", "song_id", "artist_name", "member_gender")
UNKNOWN_ARTIST = "<unknown artist>"
# (column of train.csv / test.csv, table it should join, what is missing when it does not)
REFERENCES = (
    ("song_id", "songs", "song attributes"),
    ("song_id", "song_extra_info", "ISRC country and year"),
    ("msno", "members", "member attributes"),
)


@dataclass(frozen=True)
class FeatureConfig:
    validation_fraction: float = 0.2


@dataclass
class FeatureTables:
    train: pl.DataFrame
    valid: pl.DataFrame
    test: pl.DataFrame
    spec: dict
    report: dict


@dataclass(frozen=True)
class SplitBounds:
    """The splits as row ranges of the time-ordered rows (train.csv rows, then test.csv rows):
    train ``[0, fit_end)``, valid ``[fit_end, n_labelled)``, test ``[n_labelled, n_rows)``."""

    fit_end: int
    n_labelled: int
    n_rows: int

    @classmethod
    def of(cls, n_train_rows: int, n_test_rows: int, validation_fraction: float) -> "SplitBounds":
        """The last ``validation_fraction`` of train.csv rows (at least one) validate."""
        n_valid = int(row_order_tail(n_train_rows, validation_fraction).sum())
        return cls(n_train_rows - n_valid, n_train_rows, n_train_rows + n_test_rows)

    def slices(self) -> dict[str, tuple[int, int]]:
        """(offset, length) of each split."""
        return {
            "train": (0, self.fit_end),
            "valid": (self.fit_end, self.n_labelled - self.fit_end),
            "test": (self.n_labelled, self.n_rows - self.n_labelled),
        }

    def part(self, rows: pl.DataFrame, split: str) -> pl.DataFrame:
        """The rows of one split (a zero-copy slice)."""
        return rows.slice(*self.slices()[split])


def _codes(keys) -> list[str]:
    return [f"{key}_code" for key in keys]


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


def typed_tables(tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Each table with exactly its schema's columns and types (a no-op for the loader's tables)."""
    return {name: frame.select(list(SCHEMAS[name])).cast(SCHEMAS[name]) for name, frame in tables.items()}


def join_report(tables: dict[str, pl.DataFrame]) -> dict:
    """What the feature step saw in the input files.

    * ``rows``: rows per file;
    * ``blank_values``: per file and column, the values that are empty (read as null);
    * ``unjoined``: per play file (train.csv, test.csv) and referenced file (songs.csv,
      song_extra_info.csv, members.csv): the rows whose id (song_id or msno) has no row there, the
      distinct such ids, and the totals they are counted against. Such rows are kept.
    """
    report = {"rows": {}, "blank_values": {}, "unjoined": {}}
    for name, frame in tables.items():
        file = f"{name}.csv"
        report["rows"][file] = frame.height
        report["blank_values"][file] = {c: n for c, n in frame.null_count().row(0, named=True).items() if n}
    for name in ("train", "test"):
        file = f"{name}.csv"
        report["unjoined"][file] = {
            f"{reference}.csv": _unjoined(tables[name], tables[reference], column)
            for column, reference, _ in REFERENCES
        }
    return report


def _unjoined(plays: pl.DataFrame, reference: pl.DataFrame, column: str) -> dict:
    """Rows of ``plays`` and distinct values of ``column`` that ``reference`` does not hold."""
    per_id = plays.group_by(column).len().with_columns(
        pl.col(column).is_in(reference[column].implode()).not_().alias("missing")
    )
    missing = per_id.filter(pl.col("missing"))
    return {
        "column": column,
        "rows": int(missing["len"].sum()),
        "of_rows": plays.height,
        "distinct_ids": missing.height,
        "of_distinct_ids": per_id.height,
    }


def log_join_report(report: dict) -> None:
    """One line per play file and referenced file: how many rows and distinct ids do not join."""
    what_is_missing = {f"{reference}.csv": missing for _, reference, missing in REFERENCES}
    for file, references in report["unjoined"].items():
        for reference, counts in references.items():
            if counts["rows"] == 0:
                log.info("%s: every %s is in %s (%s rows, %s distinct ids)", file, counts["column"], reference,
                         f"{counts['of_rows']:,}", f"{counts['of_distinct_ids']:,}")
                continue
            log.info(
                "%s: %s of %s rows (%.2f%%) have a %s absent from %s (%s of %s distinct ids); kept, "
                "with the %s missing",
                file, f"{counts['rows']:,}", f"{counts['of_rows']:,}", 100 * counts["rows"] / counts["of_rows"],
                counts["column"], reference, f"{counts['distinct_ids']:,}", f"{counts['of_distinct_ids']:,}",
                what_is_missing[reference],
            )


def coded_rows(tables: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, dict[str, int], dict[str, pl.Series]]:
    """All train and test rows in time order (``row_id``; ``id`` -1 for train.csv rows, ``target``
    null for test.csv rows), each categorical as ``<column>_code`` and the song, extra and member
    attributes of the row. Ids that do not join keep their row, with those attributes missing.

    A code is dense over the column's values as text: 1 = the value of most rows, ties in text
    order, 0 = missing. Song and member attributes are coded once per song or member, weighted by
    its plays, which counts the same rows as coding them row by row. Returns the rows, the
    cardinalities (number of codes including 0) and, for ``TEXT_OUTPUTS``, the text of each code
    (index = code; 0 is null).
    """
    plays = _play_rows(tables)
    vocabularies = {col: _vocabulary(plays[col]) for col in PLAY_CATEGORICAL}
    rows = plays.select("row_id", "id", "target").with_columns(
        _encode(plays[col], vocabularies[col]) for col in PLAY_CATEGORICAL
    )
    del plays
    attributes = (
        ("song_id", _song_attributes(tables, vocabularies["song_id"]), SONG_CATEGORICAL, SONG_NUMERIC),
        ("msno", _member_attributes(tables, vocabularies["msno"]), MEMBER_CATEGORICAL, MEMBER_NUMERIC),
    )
    for key, table, categorical, numeric in attributes:
        index = rows[f"{key}_code"]
        weights = pl.Series(np.bincount(index.to_numpy(), minlength=table.height))
        for col in categorical:
            vocabularies[col] = _vocabulary(table[col].slice(1), weights.slice(1))
            rows = rows.with_columns(_encode(table[col], vocabularies[col]).gather(index))
        rows = rows.with_columns(table[col].gather(index) for col in numeric)
    cardinalities = {f"{col}_code": vocabularies[col].len() + 1 for col in CATEGORICAL}
    texts = {col: pl.concat([pl.Series(col, [None], dtype=pl.String), vocabularies[col]]) for col in TEXT_OUTPUTS}
    rows = rows.select("row_id", "id", "target", *cardinalities, *SONG_NUMERIC, *MEMBER_NUMERIC)
    return rows, cardinalities, texts


def _play_rows(tables: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """train.csv rows then test.csv rows, numbered in that (time) order as ``row_id``."""
    train = tables["train"].with_columns(pl.lit(-1, dtype=pl.Int64).alias("id"))
    test = tables["test"].with_columns(pl.lit(None, dtype=pl.Int8).alias("target"))
    columns = ["id", "target", *PLAY_CATEGORICAL]
    rows = pl.concat([train.select(columns), test.select(columns)]).with_row_index("row_id")
    return rows.with_columns(pl.col("row_id").cast(pl.Int64))


def _vocabulary(values: pl.Series, weights: pl.Series | None = None) -> pl.Series:
    """The distinct non-null values as text, most frequent first, ties in text order. A value's
    frequency is its number of entries, or the sum of their ``weights`` when given."""
    frame = pl.DataFrame({"value": values.cast(pl.String), "weight": 1 if weights is None else weights})
    counts = frame.drop_nulls("value").group_by("value").agg(pl.col("weight").sum())
    return counts.sort(["weight", "value"], descending=[True, False])["value"].alias(values.name)


def _encode(values: pl.Series, vocabulary: pl.Series) -> pl.Series:
    """``<name>_code``: the position of each value (as text) in ``vocabulary`` plus 1; 0 if missing."""
    codes = pl.int_range(1, vocabulary.len() + 1, dtype=pl.Int32, eager=True)
    code = values.cast(pl.String).replace_strict(vocabulary, codes, default=0, return_dtype=pl.Int32)
    return code.fill_null(0).alias(f"{values.name}_code")


def _by_code(key: str, vocabulary: pl.Series, attributes: pl.DataFrame) -> pl.DataFrame:
    """``attributes`` (one row per ``key``) in code order: row c holds the attributes of the id with
    code c, row 0 (the missing id) and ids absent from ``attributes`` hold nulls."""
    ids = pl.DataFrame({key: pl.concat([pl.Series(key, [None], dtype=pl.String), vocabulary])})
    return ids.join(attributes.unique(key, keep="first"), on=key, how="left", maintain_order="left")


def _song_attributes(tables: dict[str, pl.DataFrame], song_vocabulary: pl.Series) -> pl.DataFrame:
    """The songs.csv and song_extra_info.csv attributes of each played song, in code order."""
    songs = tables["songs"].select(
        "song_id",
        "song_length",
        "artist_name",
        pl.col("genre_ids").str.split("|").list.first().str.strip_chars().alias("first_genre"),
        _n_values("genre_ids").alias("n_genres"),
        _n_values("composer").alias("n_composers"),
        _n_values("lyricist").alias("n_lyricists"),
        pl.col("composer").str.split("|").list.first().str.strip_chars().alias("composer"),
        pl.col("lyricist").str.split("|").list.first().str.strip_chars().alias("lyricist"),
        pl.col("language").cast(pl.Int64).cast(pl.String).alias("language"),
    )
    extra = tables["song_extra_info"].select(
        "song_id",
        pl.col("isrc").str.slice(0, 2).alias("isrc_country"),
        _isrc_year(pl.col("isrc")).alias("song_year"),
    )
    table = _by_code("song_id", song_vocabulary, songs).join(extra.unique("song_id", keep="first"), on="song_id",
                                                             how="left", maintain_order="left")
    return table.with_columns(
        pl.col("artist_name").fill_null(UNKNOWN_ARTIST),
        pl.col("song_id").is_in(tables["songs"]["song_id"].implode()).not_().alias("song_unknown"),
    ).with_columns(pl.col(SONG_NUMERIC).cast(FEATURE_DTYPE))


def _member_attributes(tables: dict[str, pl.DataFrame], member_vocabulary: pl.Series) -> pl.DataFrame:
    """The members.csv attributes of each member of the plays, in code order."""
    members = tables["members"].select(
        "msno",
        pl.col("city").cast(pl.String),
        pl.col("gender").alias("member_gender"),
        pl.col("registered_via").cast(pl.String),
        pl.when(pl.col("bd").is_between(10, 80)).then(pl.col("bd")).otherwise(None).alias("member_age"),
        (_yyyymmdd_to_date("expiration_date") - _yyyymmdd_to_date("registration_init_time"))
        .dt.total_days().alias("membership_days"),
        (pl.col("registration_init_time") // 10_000).alias("registration_year"),
    )
    return _by_code("msno", member_vocabulary, members).with_columns(pl.col(MEMBER_NUMERIC).cast(FEATURE_DTYPE))


def count_features(rows: pl.DataFrame) -> pl.DataFrame:
    """Counts over all rows (train and test; no labels), conditional probabilities and distinct counts."""
    rows = rows.with_columns(pl.len().over(_codes(keys)).alias(f"cnt_{name}") for name, keys in COUNT_KEYS.items())
    rows = rows.with_columns(
        (pl.col(f"cnt_{num}").cast(pl.Float64) / pl.col(f"cnt_{den}").cast(pl.Float64)).cast(FEATURE_DTYPE).alias(name)
        for name, (num, den) in CONDITIONALS.items()
    )
    rows = rows.with_columns(
        pl.col(f"{counted}_code").n_unique().over(f"{key}_code").cast(FEATURE_DTYPE).alias(name)
        for name, (counted, key) in DISTINCT_COUNTS.items()
    )
    return rows.with_columns(pl.col(f"cnt_{name}").cast(FEATURE_DTYPE) for name in COUNT_KEYS)


def target_features(rows: pl.DataFrame, bounds: SplitBounds) -> pl.DataFrame:
    """Leakage-free target statistics (smoothed mean and count of earlier labelled rows per key).

    Training rows: expanding statistics over strictly earlier training rows. Validation rows:
    statistics of all training rows. Test rows: statistics of all training and validation rows.
    The smoothed mean is (sum + PRIOR_WEIGHT x prior) / (count + PRIOR_WEIGHT).
    """
    fit, valid, test = (bounds.part(rows, split) for split in ("train", "valid", "test"))
    labelled = rows.slice(0, bounds.n_labelled)
    prior = _prior_target_rate(fit, labelled, bounds)
    target = pl.col("target").cast(pl.Float64)
    means = []
    for name, keys in TARGET_KEYS.items():
        keys = _codes(keys)
        expanding = fit.select(
            (target.cum_sum().over(keys) - pl.col("target")).alias("s"),
            pl.int_range(pl.len()).over(keys).cast(pl.Float64).alias("n"),
        )
        stats = pl.concat([expanding, _frozen_stats(fit, valid, keys), _frozen_stats(labelled, test, keys)])
        rows = rows.with_columns(stats["n"].cast(FEATURE_DTYPE).alias(f"tcnt_{name}"))
        means.append(((stats["s"] + PRIOR_WEIGHT * prior) / (stats["n"] + PRIOR_WEIGHT)).cast(FEATURE_DTYPE)
                     .alias(f"tmean_{name}"))
    return rows.with_columns(means)


def _prior_target_rate(fit: pl.DataFrame, labelled: pl.DataFrame, bounds: SplitBounds) -> pl.Series:
    """The smoothing prior per row: the overall target rate of the rows that row may see.

    Training rows: the rate of strictly earlier training rows (0.5 for the first row); validation rows:
    the training split's rate; test rows: the rate of all labelled rows.
    """
    target = pl.col("target").cast(pl.Float64)
    expanding = fit.select(
        ((target.cum_sum() - target) / pl.int_range(pl.len()).cast(pl.Float64)).fill_nan(0.5)
    ).to_series()
    lengths = bounds.slices()
    return pl.concat([
        expanding,
        pl.repeat(float(fit["target"].mean()), lengths["valid"][1], dtype=pl.Float64, eager=True),
        pl.repeat(float(labelled["target"].mean()), lengths["test"][1], dtype=pl.Float64, eager=True),
    ]).alias("prior")


def _frozen_stats(source: pl.DataFrame, target_rows: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Target sum ``s`` and count ``n`` of ``source`` per key, for each row of ``target_rows`` in order."""
    sums = source.group_by(keys).agg(
        pl.col("target").cast(pl.Float64).sum().alias("s"), pl.len().cast(pl.Float64).alias("n")
    )
    return (
        target_rows.select(keys).join(sums, on=keys, how="left", maintain_order="left")
        .select(pl.col("s").fill_null(0.0), pl.col("n").fill_null(0.0))
    )


def _same_as_neighbour(code: str, offset: int) -> pl.Expr:
    """1 when the user's row ``offset`` rows away (1: previous, -1: next) has the same known value."""
    neighbour = pl.col(code).shift(offset).over("msno_code")
    return ((pl.col(code) == neighbour) & (pl.col(code) != 0)).fill_null(False).cast(pl.Int8)


def neighbour_features(rows: pl.DataFrame) -> pl.DataFrame:
    """Label-free context from the rows before and after: gaps and repeat counts per key.

    One key at a time, so that only one key's window groups are held at once.
    """
    for name, keys in NEIGHBOUR_KEYS.items():
        keys = _codes(keys)
        rows = rows.with_columns(
            (pl.col("row_id") - pl.col("row_id").shift(1).over(keys)).fill_null(MISSING_GAP)
            .cast(FEATURE_DTYPE).alias(f"gap_prev_{name}"),
            (pl.col("row_id").shift(-1).over(keys) - pl.col("row_id")).fill_null(MISSING_GAP)
            .cast(FEATURE_DTYPE).alias(f"gap_next_{name}"),
            pl.int_range(pl.len()).over(keys).cast(FEATURE_DTYPE).alias(f"n_before_{name}"),
            (pl.len().over(keys) - 1 - pl.int_range(pl.len()).over(keys)).cast(FEATURE_DTYPE)
            .alias(f"n_after_{name}"),
        )
    return rows.with_columns(
        _same_as_neighbour("source_type_code", -1).alias("next_same_source_type"),
        _same_as_neighbour("artist_name_code", 1).alias("prev_same_artist"),
        (pl.col("row_id") / pl.col("row_id").max()).alias("time_position"),
    )


def numeric_columns() -> list[str]:
    """The numeric features, in the order the models see them."""
    neighbours = [f"{kind}_{name}" for name in NEIGHBOUR_KEYS for kind in ("gap_prev", "gap_next", "n_before", "n_after")]
    return [
        *(f"cnt_{name}" for name in COUNT_KEYS), *CONDITIONALS, *DISTINCT_COUNTS,
        *(f"tcnt_{name}" for name in TARGET_KEYS), *(f"tmean_{name}" for name in TARGET_KEYS),
        *neighbours, *OTHER_NUMERIC,
    ]


def _with_texts(part: pl.DataFrame, texts: dict[str, pl.Series]) -> pl.DataFrame:
    """``part`` plus the text columns of ``TEXT_OUTPUTS``, gathered from their codes."""
    return part.with_columns(texts[col].gather(part[f"{col}_code"]).alias(col) for col in TEXT_OUTPUTS)


def build(tables: dict[str, pl.DataFrame], config: FeatureConfig) -> FeatureTables:
    """All features for the train, validation and test splits, a spec of which columns are which, and
    the ``join_report`` of the input (whose unjoined counts are logged)."""
    tables = typed_tables(tables)
    bounds = SplitBounds.of(tables["train"].height, tables["test"].height, config.validation_fraction)
    report = join_report(tables)
    log_join_report(report)
    rows, cardinalities, texts = coded_rows(tables)
    del tables
    n_rows = {split: length for split, (_, length) in bounds.slices().items()}
    log.info("assembled %d rows (%s)", rows.height, n_rows)
    rows = count_features(rows)
    rows = target_features(rows, bounds)
    rows = neighbour_features(rows)
    numeric = numeric_columns()
    rows = rows.with_columns(pl.col(numeric).cast(FEATURE_DTYPE))
    spec = {
        "categorical": cardinalities,
        "lgb_categorical": [f"{c}_code" for c in LGB_CATEGORICAL],
        "numeric": numeric,
        "id_columns": ["row_id", "id", "msno", "song_id", "artist_name", "member_gender", "member_age", "target"],
        "prediction_columns": ["row_id", "msno", "song_id", "artist_name", "target"],
        "user_column": "msno",
        "submission_id": "id",
        "split": {
            "description": f"validation: last {config.validation_fraction:.0%} of train.csv rows in time order "
                           "(time-ordered, not random)",
            "method": "time-ordered: last validation_fraction of train.csv rows",
            "validation_fraction": config.validation_fraction,
            "n_rows": n_rows,
        },
    }
    keep = list(dict.fromkeys(["row_id", "id", "target", *TEXT_OUTPUTS, "member_age", *cardinalities, *numeric]))
    parts = {split: _with_texts(bounds.part(rows, split), texts).select(keep) for split in bounds.slices()}
    log.info("features: %d numeric (%s), %d categorical", len(numeric), FEATURE_DTYPE, len(cardinalities))
    return FeatureTables(parts["train"], parts["valid"], parts["test"], spec, report)
