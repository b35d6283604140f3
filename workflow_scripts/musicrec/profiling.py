"""Data profile of a dataset: the statistics of its events table (user, item[, weight]), the long tail of
its items (and artists), and its dataset-specific distributions and rates.

Definitions (every statistic is a pure function below):

* an *event* is one row of the events table (what a row is, the dataset says: a play, a user-artist pair,
  a session track); *rows* counts them, *users* and *items* the distinct ids, *user_item_pairs* the
  distinct (user, item) pairs;
* *density* = user_item_pairs / (users x items), *sparsity* = 1 - density;
* events per user (per item, per artist): their mean, sample standard deviation (ddof 1), min, quartiles
  (linear interpolation between order statistics) and max, as pandas' ``describe()`` and the published
  Yambda statistics give them;
* *top p% share*: the share of all events held by the ceil(p x n) most popular of n items (artists);
  *head for 80%*: the smallest fraction of items, most popular first, that holds at least 80% of the
  events; *Gini*: the Gini coefficient of the events per item (0: equal popularity; near 1: a few items
  take everything);
* a *rate* is the mean of a 0/1 indicator over the rows of a group (e.g. the skip_2 rate per session
  position).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import polars as pl

DESCRIBE = ("mean", "std", "min", "25%", "50%", "75%", "max")
QUARTILES = {"25%": 0.25, "50%": 0.5, "75%": 0.75}
TOP_FRACTIONS = (0.01, 0.1, 0.2)
HEAD_SHARE = 0.8
EXTRAS_COLUMNS = ("table", "group", "n", *DESCRIBE)


@dataclass(frozen=True)
class Statistic:
    name: str
    value: float | int | None
    description: str


@dataclass(frozen=True)
class Distribution:
    """Values of one or more quantities (``title`` says which), one row per ``unit`` (a singular noun; e.g.
    the Spotify audio features of each matched artist); ``log_scale`` for heavy-tailed positive counts
    (histograms on log axes)."""

    title: str
    unit: str
    values: pl.DataFrame
    log_scale: bool = False


@dataclass(frozen=True)
class Breakdown:
    """The rate of a 0/1 indicator per group (:func:`rate_by_group`: group, n, rate); ``ordered`` when the
    groups are ordered numbers (drawn as a line, else as bars)."""

    title: str
    rates: pl.DataFrame
    ordered: bool = False


@dataclass(frozen=True)
class ProfileData:
    """What a dataset's raw files give its profile (``musicrec.datasets.profiles`` builds one per dataset).

    ``events``: user_id, item_id (and weight when ``weight`` names what it holds), one row per event;
    ``events_definition``: what one row is; ``user`` / ``item``: what the two ids name (singular nouns);
    ``item_artists``: item_id, artist_id (one row per item; items without an artist absent) or None;
    ``statistics``, ``distributions``, ``breakdowns``: the dataset's own parts."""

    events: pl.LazyFrame
    events_definition: str
    user: str = "user"
    item: str = "item"
    weight: str | None = None
    item_artists: pl.LazyFrame | None = None
    statistics: tuple[Statistic, ...] = ()
    distributions: tuple[Distribution, ...] = ()
    breakdowns: tuple[Breakdown, ...] = ()


@dataclass(frozen=True)
class Profile:
    """A computed profile: the two tables (statistics: name, value, description; extras: EXTRAS_COLUMNS),
    what the figures draw (events per user, item and artist; weight per item; the dataset's own parts) and
    each statistic's value by name."""

    statistics: pl.DataFrame
    extras: pl.DataFrame
    user_counts: np.ndarray
    item_counts: np.ndarray
    artist_counts: np.ndarray | None
    item_weights: np.ndarray | None
    data: ProfileData
    values: dict[str, float | int | None]


def present(values) -> pl.Series:
    """The non-null, non-NaN ``values`` as a Series."""
    series = pl.Series(values).drop_nulls()
    return series.drop_nans() if series.dtype.is_float() else series


def describe(values) -> dict[str, float | None]:
    """mean, std (sample, ddof 1; None for fewer than two values), min, 25%, 50%, 75% (linear
    interpolation), max of the :func:`present` ``values``; every entry None when there is none."""
    series = present(values)
    if series.len() == 0:
        return dict.fromkeys(DESCRIBE)
    series = series.cast(pl.Float64)
    result = {"mean": series.mean(), "std": series.std(ddof=1) if series.len() > 1 else None, "min": series.min()}
    result.update({name: series.quantile(q, interpolation="linear") for name, q in QUARTILES.items()})
    result["max"] = series.max()
    return result


def density(pairs: int, users: int, items: int) -> float:
    """Share of the users x items matrix that holds at least one event."""
    return pairs / (users * items)


def _descending(counts) -> np.ndarray:
    return np.sort(np.asarray(counts, dtype=np.float64))[::-1]


def top_share(counts, fraction: float) -> float:
    """Share of the total held by the ceil(fraction x n) largest of the n ``counts``."""
    ordered = _descending(counts)
    k = math.ceil(fraction * ordered.size - 1e-9)
    return float(ordered[:k].sum() / ordered.sum())


def head_fraction(counts, share: float = HEAD_SHARE) -> float:
    """Smallest fraction of the n ``counts``, largest first, whose sum reaches ``share`` of the total."""
    ordered = _descending(counts)
    cumulative = np.cumsum(ordered) / ordered.sum()
    k = int(np.searchsorted(cumulative, share - 1e-12)) + 1
    return k / ordered.size


def gini(counts) -> float:
    """Gini coefficient of ``counts``: sum_i (2i - n - 1) x_(i) / (n sum x), x_(i) ascending, i = 1..n."""
    ordered = np.sort(np.asarray(counts, dtype=np.float64))
    n = ordered.size
    ranks = np.arange(1, n + 1)
    return float(((2 * ranks - n - 1) * ordered).sum() / (n * ordered.sum()))


def rate_by_group(frame: pl.DataFrame, group: str, indicator: str) -> pl.DataFrame:
    """group (as text), n (rows), rate (mean of the 0/1 ``indicator``) per value of ``group``, sorted by it;
    rows whose group or indicator is null are left out."""
    return (frame.select(group, pl.col(indicator).cast(pl.Float64)).drop_nulls()
            .group_by(group).agg(pl.len().alias("n"), pl.col(indicator).mean().alias("rate"))
            .sort(group).select(pl.col(group).cast(pl.String).alias("group"), "n", "rate"))


def principal_components(matrix: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(scores, explained): the projections of the centred rows of ``matrix`` on its first ``k`` principal
    axes (n x k, each axis's sign fixed so that its largest loading is positive) and the share of the total
    variance each axis explains."""
    centred = matrix - matrix.mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    axes = axes[:k]
    axes *= np.sign(axes[np.arange(axes.shape[0]), np.abs(axes).argmax(axis=1)])[:, None]
    variance = singular ** 2
    return centred @ axes.T, variance[:k] / variance.sum()


def formatted(value) -> str:
    """A number as the tables show it: integers exactly, other values to 6 significant digits (one decimal
    from a million up; 0 below 1e-12, the rounding noise of a mean that is zero), empty for None or NaN."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, (int, np.integer)) or float(value).is_integer():
        return str(int(value))
    if abs(value) < 1e-12:
        return "0"
    return f"{value:.1f}" if abs(value) >= 1e6 else f"{value:.6g}"


def _counts(events: pl.LazyFrame, key: str) -> np.ndarray:
    return (events.group_by(key).agg(pl.len().alias("n")).select("n")
            .collect(engine="streaming")["n"].to_numpy())


def _describe_statistics(prefix: str, counts, what: str) -> list[Statistic]:
    words = {"mean": "mean", "std": "standard deviation (ddof 1)", "min": "minimum", "25%": "first quartile",
             "50%": "median", "75%": "third quartile", "max": "maximum"}
    return [Statistic(f"{prefix}_{name}", value, f"{words[name]} of {what}")
            for name, value in describe(counts).items()]


def _top_shares(prefix: str, counts, noun: str, what: str) -> list[Statistic]:
    """The share of ``what`` (the sum of ``counts``) held by the top TOP_FRACTIONS of the ``noun``s."""
    return [Statistic(f"{prefix}_top{p:.0%}_share", top_share(counts, p),
                      f"share of {what} held by the top {p:.0%} most popular {noun}s") for p in TOP_FRACTIONS]


def _long_tail_statistics(prefix: str, counts, noun: str) -> list[Statistic]:
    """The top shares, the head holding HEAD_SHARE and the Gini of the events per ``noun``."""
    return [*_top_shares(prefix, counts, noun, "events"),
            Statistic(f"{prefix}_head_for_{HEAD_SHARE:.0%}", head_fraction(counts),
                      f"smallest share of {noun}s (most popular first) holding {HEAD_SHARE:.0%} of the events"),
            Statistic(f"{prefix}_gini", gini(counts), f"Gini coefficient of the events per {noun}")]


def compute(data: ProfileData) -> Profile:
    """The profile of ``data``: overview statistics, events per user and item (and artist), long-tail
    shares, then the dataset's own statistics; the extras table of its distributions and rates."""
    events = data.events
    facts = events.select(pl.len().alias("rows"), pl.col("user_id").n_unique().alias("users"),
                          pl.col("item_id").n_unique().alias("items")).collect(engine="streaming").row(0, named=True)
    pairs = events.select("user_id", "item_id").unique().select(pl.len()).collect(engine="streaming").item()
    user_counts, item_counts = _counts(events, "user_id"), _counts(events, "item_id")
    u, i = data.user, data.item
    share = density(pairs, facts["users"], facts["items"])
    rows = [
        Statistic("rows", facts["rows"], f"events: {data.events_definition}"),
        Statistic("users", facts["users"], f"distinct {u}s"),
        Statistic("items", facts["items"], f"distinct {i}s"),
        Statistic("user_item_pairs", pairs, f"distinct ({u}, {i}) pairs"),
        Statistic("density", share, f"pairs / ({u}s x {i}s): share of the matrix with an event"),
        Statistic("sparsity", 1 - share, "1 - density"),
        *_describe_statistics("events_per_user", user_counts, f"events per {u}"),
        *_describe_statistics("events_per_item", item_counts, f"events per {i}"),
        *_long_tail_statistics("item", item_counts, i),
    ]
    item_weights = None
    if data.weight:
        item_weights = (events.group_by("item_id").agg(pl.col("weight").sum()).select("weight")
                        .collect(engine="streaming")["weight"].to_numpy())
        rows += [Statistic("weight_total", item_weights.sum(), f"total {data.weight} (the events' weight)"),
                 *_top_shares("item_weight", item_weights, i, data.weight)]
    artist_counts = None
    if data.item_artists is not None:
        artist_counts = _counts(events.join(data.item_artists, on="item_id", how="inner"), "artist_id")
        rows += [Statistic("artists", artist_counts.size, f"distinct artists of the {i}s with events"),
                 Statistic("events_with_artist_share", artist_counts.sum() / facts["rows"],
                           f"share of events whose {i} has an artist"),
                 *_describe_statistics("events_per_artist", artist_counts, "events per artist"),
                 *_long_tail_statistics("artist", artist_counts, "artist")]
    rows += list(data.statistics)
    statistics = pl.DataFrame({"name": [r.name for r in rows], "value": [formatted(r.value) for r in rows],
                               "description": [r.description for r in rows]})
    return Profile(statistics, extras_table(data), user_counts, item_counts, artist_counts, item_weights, data,
                   {r.name: r.value for r in rows})


def extras_table(data: ProfileData) -> pl.DataFrame:
    """One row per quantity of each distribution (n values, :func:`describe`) and per group of each
    breakdown (n rows, mean = the rate; no spread or quartiles), columns EXTRAS_COLUMNS as text."""
    rows = []
    for distribution in data.distributions:
        for column in distribution.values.columns:
            stats = describe(distribution.values[column])
            n = present(distribution.values[column]).len()
            rows.append([distribution.title, column, formatted(n),
                         *(formatted(stats[name]) for name in DESCRIBE)])
    for breakdown in data.breakdowns:
        for group, n, rate in breakdown.rates.iter_rows():
            rows.append([breakdown.title, group, formatted(n), formatted(rate), *[""] * (len(DESCRIBE) - 1)])
    return pl.DataFrame(rows, schema=dict.fromkeys(EXTRAS_COLUMNS, pl.String), orient="row")


def _parts(data: ProfileData) -> list[str]:
    return [d.title for d in data.distributions] + [b.title for b in data.breakdowns]


def manifest(profile: Profile, dataset: str, source: str, inputs: dict, files: dict[str, str]) -> dict:
    """profile.json: the dataset, its source and input files, what one event is, and each table and figure
    (``files``: statistics, extras, long_tail, activity, extras_figure -> path) with a title and a one-sentence
    caption, in the order the results page shows them."""
    data, v = profile.data, profile.values
    u, i = data.user, data.item
    tail = f"the top 10% of {i}s hold {v['item_top10%_share']:.0%} of the events"
    if data.weight:
        tail += f" and {v['item_weight_top10%_share']:.0%} of the {data.weight}"
    if profile.artist_counts is not None:
        tail += f"; the top 10% of artists hold {v['artist_top10%_share']:.0%} of the events"
    parts = "; ".join(_parts(data))
    return {
        "dataset": dataset,
        "source": source,
        "inputs": inputs,
        "events": data.events_definition,
        "tables": [
            {"file": files["statistics"], "title": "Statistics",
             "caption": f"{v['rows']:,} events of {v['users']:,} {u}s on {v['items']:,} {i}s (density "
                        f"{formatted(v['density'])}): size, events per {u} and per {i} (mean, std, min, quartiles, "
                        "max), long-tail shares and the dataset's own statistics."},
            {"file": files["extras"], "title": "Distributions and rates",
             "caption": f"The dataset's own distributions and rates ({parts}): n values, mean, std, min, "
                        "quartiles and max; a rate's n is its group's rows and its mean the share of them with the "
                        "indicator."},
        ],
        "figures": [
            {"file": files["long_tail"], "title": "Long tail",
             "caption": f"Popularity by rank on log-log axes: {tail}."},
            {"file": files["activity"], "title": "Activity",
             "caption": f"How many {u}s have each number of events (median {formatted(v['events_per_user_50%'])}) "
                        f"and how many {i}s (median {formatted(v['events_per_item_50%'])}), log-binned on log "
                        "axes."},
            {"file": files["extras_figure"], "title": "Distributions and rates",
             "caption": f"Histograms of the dataset's own distributions and its rates per group: {parts}."},
        ],
    }
