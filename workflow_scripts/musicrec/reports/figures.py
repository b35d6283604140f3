"""Matplotlib figures of the fairness report, returned as PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

MODEL_COLOURS = ["#3b6fd8", "#e07b39", "#3a9d5d", "#9b59b6", "#c0392b", "#16a085"]
BASELINE_COLOURS = {"catalogue": "#bbbbbb", "listening": "#888888", "candidates": "#555555"}
METRIC_LABELS = {"auc": "AUC", "accuracy": "accuracy", "tpr": "TPR", "fpr": "FPR", "selection_rate": "selection rate"}


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _grouped_bars(ax, categories: list[str], series: list[tuple[str, list, list | None, str]]) -> None:
    """Bars per category, one bar per series (label, heights, error bars or None, colour)."""
    width = 0.8 / max(len(series), 1)
    x = np.arange(len(categories))
    for i, (label, heights, errors, colour) in enumerate(series):
        ax.bar(x + (i - (len(series) - 1) / 2) * width, heights, width, yerr=errors, capsize=2,
               label=label, color=colour, edgecolor="white", linewidth=0.5)
    ax.set_xticks(x, categories)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)


def exposure_vs_baselines(exposure: pl.DataFrame, models: list[str], k: int) -> bytes:
    """Share of each artist gender in the catalogue, in listening, among candidates and in each model's top K."""
    groups = exposure.select("group").unique().sort("group")["group"].to_list()
    first = exposure.filter(pl.col("model") == models[0]).sort("group")
    series = [
        ("catalogue songs", first["catalogue_share"].to_list(), None, BASELINE_COLOURS["catalogue"]),
        ("plays in training", first["listening_share"].to_list(), None, BASELINE_COLOURS["listening"]),
        ("candidate songs", first["candidate_share"].to_list(), None, BASELINE_COLOURS["candidates"]),
    ]
    for i, model in enumerate(models):
        rows = exposure.filter(pl.col("model") == model).sort("group")
        series.append((f"top-{k} slots: {model}", rows["slot_share_mean"].to_list(),
                       rows["slot_share_std"].fill_null(0.0).to_list(), MODEL_COLOURS[i % len(MODEL_COLOURS)]))
    fig, ax = plt.subplots(figsize=(9, 4))
    _grouped_bars(ax, groups, series)
    ax.set_ylabel("share")
    ax.set_xlabel("artist gender")
    ax.legend(fontsize=8, ncol=2)
    return _png(fig)


def first_rank_distribution(distribution: pl.DataFrame, models: list[str], focus: str) -> bytes:
    """Share of users whose first ``focus`` artist sits at each rank, per model, with the random-order expectation."""
    buckets = distribution.filter(pl.col("model") == models[0]).sort("bucket_order")
    series = [
        (model, rows["model_share_mean"].to_list(), rows["model_share_std"].fill_null(0.0).to_list(),
         MODEL_COLOURS[i % len(MODEL_COLOURS)])
        for i, model in enumerate(models)
        for rows in [distribution.filter(pl.col("model") == model).sort("bucket_order")]
    ]
    fig, ax = plt.subplots(figsize=(9, 3.8))
    _grouped_bars(ax, buckets["bucket"].to_list(), series)
    ax.plot(np.arange(buckets.height), buckets["random_share_mean"].to_list(), "k_", markersize=18, mew=2,
            label="random order of the same candidates")
    ax.set_xlabel(f"rank of the first {focus} artist in the user's list")
    ax.set_ylabel("share of users")
    ax.legend(fontsize=8)
    return _png(fig)


def group_metric_bars(metrics: pl.DataFrame, attribute: str, models: list[str], names: list[str]) -> bytes:
    """One panel per metric: the value per group and model (mean over seeds, error bar = std over seeds)."""
    rows = metrics.filter(pl.col("attribute") == attribute)
    groups = rows.select("group").unique().sort("group")["group"].to_list()
    fig, axes = plt.subplots(1, len(names), figsize=(3.1 * len(names), 3.2), sharey=False)
    for ax, name in zip(np.atleast_1d(axes), names):
        series = []
        for i, model in enumerate(models):
            values = (pl.DataFrame({"group": groups})
                      .join(rows.filter((pl.col("model") == model) & (pl.col("metric") == name)), on="group", how="left"))
            series.append((model, values["value_mean"].fill_null(np.nan).to_list(),
                           values["value_std"].fill_null(0.0).to_list(), MODEL_COLOURS[i % len(MODEL_COLOURS)]))
        _grouped_bars(ax, groups, series)
        ax.set_title(METRIC_LABELS.get(name, name), fontsize=10)
        ax.tick_params(axis="x", labelrotation=45, labelsize=8)
        if name == "auc":
            ax.set_ylim(0.5, 1.0)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    fig.tight_layout()
    return _png(fig)


PANELS_PER_ROW = 6


def model_comparison(summary: pl.DataFrame, models: list[str], title: str) -> bytes:
    """One panel per metric family (``ndcg`` of ``ndcg@10``; ``auc``): the mean over seeds of every model at
    every K, with the standard deviation as error bars (a metric without a value, e.g. Dislike-FPR where
    nobody disliked, leaves a gap), at most ``PANELS_PER_ROW`` panels a row. ``summary``: model, metric,
    mean, std."""
    families = list(dict.fromkeys(m.split("@")[0] for m in summary["metric"]))
    palette = plt.get_cmap("tab20")
    columns = min(len(families), PANELS_PER_ROW)
    rows = -(-len(families) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.2 * columns, 3.6 * rows), squeeze=False)
    for ax in axes.ravel()[len(families):]:
        ax.set_visible(False)
    summary = summary.with_columns(pl.col("mean", "std").fill_null(float("nan")))
    for ax, family in zip(axes.ravel(), families):
        part = summary.filter((pl.col("metric") == family) | pl.col("metric").str.starts_with(f"{family}@"))
        cuts = sorted(set(part["metric"]), key=lambda m: int(m.split("@")[1]) if "@" in m else 0)
        values = {(row["model"], row["metric"]): (row["mean"], row["std"]) for row in part.iter_rows(named=True)}
        _grouped_bars(ax, [f"@{m.split('@')[1]}" if "@" in m else m for m in cuts], [
            (model, [values.get((model, m), (np.nan, 0))[0] for m in cuts],
             [values.get((model, m), (np.nan, 0))[1] for m in cuts], palette(i % palette.N))
            for i, model in enumerate(models)])
        ax.set_title(family)
    axes[0][0].legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return _png(fig)


BASELINE_STYLES = ["--", ":", "-."]


def _model_bars(ax, models: list[str], values: list, errors: list, random: list | None = None) -> None:
    """Horizontal bars, one per model (first model on top), with error bars and optional random-order marks."""
    y = np.arange(len(models))
    ax.barh(y, values, xerr=errors, capsize=2, color=[MODEL_COLOURS[i % len(MODEL_COLOURS)] for i in y],
            edgecolor="white", linewidth=0.5)
    if random is not None:
        ax.plot(random, y, "D", color="black", markeredgecolor="white", markersize=7,
                label="random order of the same candidates")
    ax.set_yticks(y, models)
    ax.set_ylim(len(models) - 0.5, -0.5)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)


def exposure_panels(exposure: pl.DataFrame, models: list[str], k: int, baselines: dict[str, str]) -> bytes:
    """One panel per artist gender: each model's share of the top-``k`` slots (bar: mean over seeds, error
    bar: std over seeds), with the gender's baseline shares as vertical lines (``baselines``: legend label ->
    column of ``exposure``, e.g. "catalogue" -> catalogue_share). Scales to many models."""
    groups = exposure.select("group").unique().sort("group")["group"].to_list()
    fig, axes = plt.subplots(1, len(groups), figsize=(2.6 * len(groups) + 1.5, 0.28 * len(models) + 1.6),
                             sharey=True, squeeze=False)
    for ax, group in zip(axes[0], groups):
        rows = (pl.DataFrame({"model": models}).join(exposure.filter(pl.col("group") == group), on="model", how="left"))
        _model_bars(ax, models, rows["slot_share_mean"].fill_null(np.nan).to_list(),
                    rows["slot_share_std"].fill_null(0.0).to_list())
        first = rows.row(0, named=True)
        for style, (label, column) in zip(BASELINE_STYLES, baselines.items()):
            ax.axvline(first[column] if first[column] is not None else np.nan, color="black", linestyle=style,
                       linewidth=1.2, label=label)
        ax.set_title(group, fontsize=10)
        ax.set_xlabel(f"share of top-{k} slots", fontsize=8)
    fig.tight_layout()
    fig.legend(*axes[0][0].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.0),
               ncol=len(baselines), fontsize=8, title="share of the gender in the", title_fontsize=8)
    return _png(fig)


def first_rank_against_random(summary: pl.DataFrame, models: list[str], focus: str, k: int) -> bytes:
    """Two panels, one bar per model (mean over seeds, error bar: std): the share of users (with a ``focus``
    candidate) whose top ``k`` holds a ``focus`` artist, and the mean rank of the first one in those lists;
    black marks: the same under a random order of each user's candidates."""
    rows = pl.DataFrame({"model": models}).join(summary, on="model", how="left")
    fig, axes = plt.subplots(1, 2, figsize=(10, 0.28 * len(models) + 1.8), sharey=True)
    panels = [("in_top_k", f"share of users with a {focus} artist in their top {k}"),
              ("mean_first_rank_in_top_k", f"mean rank of the first {focus} artist (lists holding one)")]
    for ax, (column, label) in zip(axes, panels):
        _model_bars(ax, models, rows[f"{column}_mean"].fill_null(np.nan).to_list(),
                    rows[f"{column}_std"].fill_null(0.0).to_list(),
                    rows[f"random_{column}_mean"].fill_null(np.nan).to_list())
        ax.set_xlabel(label, fontsize=8)
    fig.tight_layout()
    fig.legend(*axes[0].get_legend_handles_labels(), loc="upper center", bbox_to_anchor=(0.5, 0.0), fontsize=8)
    return _png(fig)
