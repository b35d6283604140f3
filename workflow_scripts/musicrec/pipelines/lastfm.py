"""Last.fm stage: per-user split, training sequences, evaluation of top-K lists, summary and figure."""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass

import numpy as np
import polars as pl

from ..datasets import lastfm
from ..errors import InputDataError
from ..io import atomic_path, write_csv, write_json, write_parquet
from ..metrics.ranking import METRIC_NAMES, ranking_metrics

log = logging.getLogger(__name__)

TOPK_COLUMNS = {"user": pl.Int64, "item": pl.Int64, "score": pl.Float64, "rank": pl.Int64,
                "model": pl.String, "seed": pl.Int64}


@dataclass(frozen=True)
class SplitParams:
    test_fraction: float = 0.2
    min_artists: int = 5
    cold_users: int = 50
    seed: int = 42


def split_interactions(pairs: pl.DataFrame, params: SplitParams) -> dict[str, pl.DataFrame]:
    """Per-user random split of user-artist pairs.

    - users with fewer than ``min_artists`` artists keep all pairs in train and are not evaluated;
    - ``cold_users`` users (drawn among the others, at most 10% of them) put all their pairs in test
      (cold-start users, evaluated separately);
    - every other user puts max(1, round(test_fraction * n)) randomly drawn artists in test.
    The draw depends only on ``params.seed``, so every model seed sees the same split.
    """
    rng = np.random.default_rng(params.seed)
    pairs = pairs.sort("user_id", "artist_id")
    counts = pairs.group_by("user_id").len("n").sort("user_id")
    eligible = counts.filter(pl.col("n") >= params.min_artists)["user_id"].to_numpy()
    n_cold = min(params.cold_users, len(eligible) // 10)
    if n_cold < params.cold_users:
        log.info("cold users capped at 10%% of the %d eligible users: %d instead of %d", len(eligible), n_cold,
                 params.cold_users)
    cold = np.sort(rng.choice(eligible, size=n_cold, replace=False)) if n_cold else np.array([], dtype=np.int64)
    marked = (
        pairs.with_columns(pl.Series("draw", rng.random(pairs.height)))
        .join(counts, on="user_id")
        .with_columns(pl.col("draw").rank("ordinal").over("user_id").alias("draw_rank"),
                      pl.max_horizontal(pl.lit(1), (pl.col("n") * params.test_fraction).round().cast(pl.Int64)).alias("n_test"))
        .with_columns(pl.when(pl.col("user_id").is_in(pl.Series(cold, dtype=pl.Int64).implode())).then(pl.lit(True))
                      .when(pl.col("n") < params.min_artists).then(pl.lit(False))
                      .otherwise(pl.col("draw_rank") <= pl.col("n_test")).alias("is_test"))
    )
    columns = ["user_id", "artist_id", "weight"]
    return {
        "train": marked.filter(~pl.col("is_test")).select(columns),
        "test": marked.filter(pl.col("is_test")).select(columns),
        "cold_users": pl.DataFrame({"user_id": cold.astype(np.int64)}),
        "too_few": counts.filter(pl.col("n") < params.min_artists).select("user_id"),
    }


def training_sequences(train: pl.DataFrame, first_tags: pl.DataFrame) -> pl.DataFrame:
    """Order each user's training artists: tagged ones by first tagging date (ties: heavier first), then
    never-tagged ones by listening weight (heaviest first). ``ordered_by`` says which key placed each row."""
    return (
        train.join(first_tags, on=["user_id", "artist_id"], how="left")
        .with_columns(pl.col("first_tag_date").is_null().alias("untagged"))
        .sort(["user_id", "untagged", "first_tag_date", "weight", "artist_id"],
              descending=[False, False, False, True, False], nulls_last=True)
        .with_columns(pl.int_range(pl.len()).over("user_id").alias("position"),
                      pl.when(pl.col("untagged")).then(pl.lit("weight")).otherwise(pl.lit("first_tag_date"))
                      .alias("ordered_by"))
        .select("user_id", "artist_id", "position", "ordered_by", "first_tag_date", "weight")
    )


def build_split(paths: dict[str, str], params: SplitParams, out: dict[str, str]) -> dict:
    """Rule lastfm_split: load the HetRec tables, split, write train/test/cold users/sequences/summary."""
    tables = lastfm.load(paths)
    pairs = lastfm.interactions(tables["user_artists"])
    parts = split_interactions(pairs, params)
    sequences = training_sequences(parts["train"], lastfm.first_tag_dates(tables["user_taggedartists"]))
    summary = {
        "split": asdict(params),
        "description": (f"per-user random split of user-artist pairs: {params.test_fraction:.0%} of each user's "
                         f"artists (at least 1) in test; users with fewer than {params.min_artists} artists only "
                         f"in train (not evaluated); {parts['cold_users'].height} cold users with all pairs in test "
                         "(evaluated separately)"),
        "users": pairs["user_id"].n_unique(), "artists": tables["artists"].height, "pairs": pairs.height,
        "train_pairs": parts["train"].height, "test_pairs": parts["test"].height,
        "cold_users": parts["cold_users"].height, "users_too_few_artists": parts["too_few"].height,
        "sequence_order": "first tagging date from user_taggedartists.dat, falling back to listening weight "
                          "(descending) for artists the user never tagged, placed after the tagged ones",
        "sequence_rows_by_tag_date": int((sequences["ordered_by"] == "first_tag_date").sum()),
    }
    for name in ("train", "test", "cold_users", "sequences"):
        write_parquet(parts[name] if name != "sequences" else sequences, out[name])
    write_json(summary, out["summary"])
    log.info("split: %s", summary)
    return summary


def read_topk(path) -> pl.DataFrame:
    """A top-K list file, checked against the contract (user, item, score, rank, model, seed)."""
    frame = pl.read_parquet(path)
    missing = [c for c in TOPK_COLUMNS if c not in frame.columns]
    if missing:
        raise InputDataError(path, f"missing column(s) {missing} of the top-K contract", column=missing[0])
    return frame.select([pl.col(c).cast(t) for c, t in TOPK_COLUMNS.items()])


def evaluate_topk(topk_path: str, model: str, seed: int, split_paths: dict[str, str], split_summary_path: str,
                  k_values: list[int], out_path: str, training_report_path: str | None = None) -> dict:
    """Rule lastfm_evaluate: metrics of one model and seed on the warm test users, and separately on cold users.

    ``training_report_path`` (sequence models) is the model's training report: its ``training_order``
    and ``training_rows_by_order_key`` go into the protocol, so the metrics say how the model was trained.
    """
    topk = read_topk(topk_path)
    labels = topk.select("model", "seed").unique()
    if labels.height and labels.rows() != [(model, seed)]:
        raise InputDataError(topk_path, f"rows labelled {labels.rows()} but the file is {model} seed {seed}",
                             column="model")
    train = pl.read_parquet(split_paths["train"])
    test = pl.read_parquet(split_paths["test"])
    cold = pl.read_parquet(split_paths["cold_users"])["user_id"]
    split_summary = json.loads(open(split_summary_path, encoding="utf-8").read())
    leaked = topk.join(train.rename({"user_id": "user", "artist_id": "item"}), on=["user", "item"], how="semi")
    if leaked.height:
        raise InputDataError(topk_path, f"{leaked.height} recommended item(s) are in the user's training artists",
                             column="item")
    relevant = test.rename({"user_id": "user", "artist_id": "item"})
    catalogue = split_summary["artists"]
    warm = relevant.filter(~pl.col("user").is_in(cold.implode()))
    cold_relevant = relevant.filter(pl.col("user").is_in(cold.implode()))
    result = {
        "model": model, "seed": seed,
        "protocol": {
            "split": split_summary["description"], "split_seed": split_summary["split"]["seed"],
            "k_values": sorted(k_values),
            "candidates": "full catalogue (all artists of artists.dat) minus the user's training artists",
            "relevant": "the user's test artists (binary relevance)",
            "users_evaluated": warm["user"].n_unique(), "cold_users_evaluated": cold_relevant["user"].n_unique(),
            "catalogue_size": catalogue, "averaging": "macro over users; a user without a list scores 0",
        },
        "metrics": ranking_metrics(topk, warm, k_values, catalogue),
        "cold_start_metrics": (ranking_metrics(topk, cold_relevant, k_values, catalogue)
                               if cold_relevant.height else {}),
    }
    if training_report_path:
        result["protocol"].update(_training_order(training_report_path))
    write_json(result, out_path)
    log.info("%s seed %s: %s", model, seed, {k: round(v, 4) for k, v in result["metrics"].items()})
    return result


def _training_order(report_path: str) -> dict:
    """training_order and training_rows_by_order_key of a sequence model's training report."""
    report = json.loads(open(report_path, encoding="utf-8").read())
    for key in ("training_order", "training_rows_by_order_key"):
        if key not in report:
            raise InputDataError(report_path, "missing key of a sequence model's training report", column=key)
    return {key: report[key] for key in ("training_order", "training_rows_by_order_key")}


def summarise(metric_files: list[str], models: list[str], out_csv: str, out_png: str) -> pl.DataFrame:
    """Rule lastfm_summary: mean, std, min and max over seeds per model and metric; comparison figure."""
    rows = []
    for path in metric_files:
        m = json.loads(open(path, encoding="utf-8").read())
        for metric, value in m["metrics"].items():
            rows.append({"model": m["model"], "seed": m["seed"], "metric": metric, "value": value})
    per_seed = pl.DataFrame(rows)
    order = {name: i for i, name in enumerate(models)}
    summary = (
        per_seed.group_by("model", "metric").agg(
            pl.len().alias("n_seeds"), pl.col("value").mean().alias("mean"),
            pl.col("value").std().fill_null(0.0).alias("std"),
            pl.col("value").min().alias("min"), pl.col("value").max().alias("max"))
        .with_columns(pl.col("model").replace_strict(order, default=len(order)).alias("_order"))
        .sort("_order", "metric").drop("_order")
    )
    write_csv(summary, out_csv)
    with atomic_path(out_png) as tmp:
        comparison_figure(summary, models, tmp)
    log.info("summary:\n%s", summary.filter(pl.col("metric") == "ndcg@10"))
    return summary


def comparison_figure(summary: pl.DataFrame, models: list[str], path) -> None:
    """Bar chart per metric family at each K: mean over seeds with the std as error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ks = sorted({int(m.split("@")[1]) for m in summary["metric"]})
    families = list(METRIC_NAMES) + ["coverage"]
    fig, axes = plt.subplots(1, len(families), figsize=(3.2 * len(families), 3.6), squeeze=False)
    width = 0.8 / max(len(models), 1)
    for ax, family in zip(axes[0], families):
        for i, model in enumerate(models):
            part = summary.filter((pl.col("model") == model) & pl.col("metric").str.starts_with(f"{family}@"))
            values = {int(m.split("@")[1]): (mu, sd) for m, mu, sd in part.select("metric", "mean", "std").iter_rows()}
            means = [values.get(k, (np.nan, 0))[0] for k in ks]
            stds = [values.get(k, (np.nan, 0))[1] for k in ks]
            ax.bar(np.arange(len(ks)) + i * width, means, width, yerr=stds, label=model)
        ax.set_xticks(np.arange(len(ks)) + width * (len(models) - 1) / 2, [f"@{k}" for k in ks])
        ax.set_title(family)
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Last.fm stage: full-catalogue top-K ranking (mean ± std over seeds)")
    fig.tight_layout()
    fig.savefig(path, format="png", dpi=110)
    plt.close(fig)


@dataclass(frozen=True)
class RecommendRun:
    model: str
    seed: int
    topk: int
    hyperparameters: dict
    threads: int = 1


def build_recommender(run: RecommendRun):
    """The model object for ``run.model`` (popularity_plays, popularity_users, random, content_knn, hybrid, rf_ranker)."""
    from ..models.content_knn import ContentKNNRecommender
    from ..models.hybrid import HybridRecommender
    from ..models.popularity import PopularityRecommender
    from ..models.random_baseline import RandomRecommender

    hp = run.hyperparameters
    if run.model == "random":
        return RandomRecommender(run.seed)
    if run.model.startswith("popularity_"):
        return PopularityRecommender(run.model.removeprefix("popularity_"))
    if run.model == "content_knn":
        return ContentKNNRecommender(hp["seed_artists"], hp["neighbours"])
    if run.model == "hybrid":
        return HybridRecommender(hp["weight"], hp["seed_artists"], hp["neighbours"])
    if run.model == "rf_ranker":
        from ..models.rf_ranker import RandomForestRanker

        keys = ("n_estimators", "max_depth", "min_samples_leaf", "candidates", "holdout_fraction",
                "negatives_per_user", "seed_artists", "neighbours")
        return RandomForestRanker(run.seed, threads=run.threads, **{k: hp[k] for k in keys if k in hp})
    raise ValueError(f"unknown Last.fm model {run.model!r}")


def recommend(run: RecommendRun, paths: dict[str, str], out: dict[str, str]) -> pl.DataFrame:
    """Rules lastfm_random/popularity/content_knn/hybrid/rf_ranker: top-K lists for every test user."""
    from ..models.topk import Catalogue, top_k
    from ..seeding import seed_everything

    seed_everything(run.seed)
    train = pl.read_parquet(paths["train"])
    artists = pl.read_parquet(paths["artists"])
    users = np.unique(pl.read_parquet(paths["test"])["user_id"].to_numpy())
    model = build_recommender(run)
    if run.model == "rf_ranker":
        model.fit(train, artists)
        lists = model.recommend(train, artists, users, run.topk).with_columns(
            pl.lit(run.model).alias("model"), pl.lit(run.seed, dtype=pl.Int64).alias("seed"))
        write_csv(model.importances(), out["importances"])
    else:
        catalogue = Catalogue(artists["artist_id"].to_numpy(), train)
        model.fit(catalogue, artists)
        lists = top_k(catalogue, users, run.topk, model.score, run.model, run.seed)
    lists = lists.select([pl.col(c).cast(t) for c, t in TOPK_COLUMNS.items()])
    write_parquet(lists, out["topk"])
    log.info("%s seed %d: %d rows for %d users", run.model, run.seed, lists.height, lists["user"].n_unique())
    return lists


def build_features(paths: dict[str, str], out: dict[str, str]) -> dict:
    """Rule lastfm_features: artists.parquet, users.parquet and the Spotify join coverage."""
    from ..datasets import spotify
    from ..features.lastfm import build_artist_table, build_user_table

    tables = lastfm.load(paths)
    songs = spotify.load(paths["spotify"])
    train = pl.read_parquet(paths["train"])
    test = lastfm.interactions(tables["user_artists"]).join(train, on=["user_id", "artist_id"], how="anti")
    artists, coverage = build_artist_table(tables["artists"], songs, tables["user_taggedartists"], tables["tags"],
                                           train, test)
    users = build_user_table(train, tables["user_friends"], tables["user_taggedartists"])
    write_parquet(artists, out["artists"])
    write_parquet(users, out["users"])
    write_json(coverage, out["join_coverage"])
    return coverage


def build_similar_songs(songs_path: str, neighbours: int, out_path: str) -> pl.DataFrame:
    """Rule lastfm_similar_songs: the song-to-song similarity table of the Spotify catalogue."""
    from ..datasets import spotify
    from ..models.content_knn import similar_songs

    table = similar_songs(spotify.load(songs_path), neighbours)
    write_parquet(table, out_path)
    log.info("similar songs: %d rows for %d tracks", table.height, table["track_id"].n_unique())
    return table
