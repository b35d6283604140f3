"""Matplotlib figures of the cost table (musicrec.costs), returned as PNG bytes."""

from __future__ import annotations

import numpy as np
import polars as pl

from .figures import _png, plt

WALL_COLOUR, CPU_COLOUR = "#3b6fd8", "#e07b39"
# A time axis spanning more than this ratio between its largest and smallest positive value is drawn log scale.
LOG_SCALE_RATIO = 50.0


def _time_axis(ax, values: list[float], axis: str = "x") -> None:
    """Log scale where the positive values span more than LOG_SCALE_RATIO."""
    positive = [v for v in values if v is not None and np.isfinite(v) and v > 0]
    if positive and max(positive) / min(positive) > LOG_SCALE_RATIO:
        (ax.set_xscale if axis == "x" else ax.set_yscale)("log")


def _time_bars(ax, table: pl.DataFrame, label: str, title: str) -> None:
    """Horizontal bars of wall and CPU seconds per row of ``table`` (column ``label``), top row first."""
    names = table[label].to_list()
    y = np.arange(len(names))
    wall = table["wall_seconds"].fill_null(np.nan).to_numpy()
    cpu = table["cpu_seconds"].fill_null(np.nan).to_numpy()
    ax.barh(y - 0.2, wall, 0.4, color=WALL_COLOUR, label="wall seconds")
    ax.barh(y + 0.2, cpu, 0.4, color=CPU_COLOUR, label="CPU seconds")
    ax.set_yticks(y, names, fontsize=7)
    ax.invert_yaxis()
    _time_axis(ax, [*wall, *cpu])
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    ax.set_title(title, fontsize=9)


def costs_figure(by_rule: pl.DataFrame, by_model: pl.DataFrame) -> bytes:
    """One row per dataset: wall and CPU seconds summed per rule (left) and per model (right, every job of
    the model: training, evaluation, ...); a time axis spanning orders of magnitude is log scale."""
    datasets = list(dict.fromkeys(by_rule["dataset"]))
    heights = [max(by_rule.filter(pl.col("dataset") == d).height,
                   by_model.filter(pl.col("dataset") == d).height, 2) for d in datasets]
    fig, axes = plt.subplots(len(datasets), 2, figsize=(11, 0.9 + 0.22 * sum(heights) + 0.6 * len(datasets)),
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    for row, dataset in zip(axes, datasets):
        _time_bars(row[0], by_rule.filter(pl.col("dataset") == dataset), "rule", f"{dataset}: per rule")
        models = by_model.filter(pl.col("dataset") == dataset)
        if models.is_empty():
            row[1].set_visible(False)
        else:
            _time_bars(row[1], models, "model", f"{dataset}: per model (all its jobs, summed over seeds)")
    axes[0][0].legend(fontsize=7)
    fig.suptitle("Cost of the run: job figures from the benchmark files (sums over jobs)", fontsize=10)
    fig.tight_layout()
    return _png(fig)


def quality_per_cost_figure(by_model: pl.DataFrame) -> bytes:
    """One panel per dataset and main metric: each model's mean over seeds of the metric (error bar: std
    over seeds) against its mean training wall seconds per seed (log scale where they span orders of
    magnitude); models without that main metric are left out."""
    scored = by_model.filter(pl.col("main_metric").is_not_null() & pl.col("main_metric_mean").is_not_null())
    panels = scored.select("dataset", "main_metric").unique(maintain_order=True).rows()
    columns = min(max(len(panels), 1), 3)
    rows = max(-(-len(panels) // columns), 1)
    fig, axes = plt.subplots(rows, columns, figsize=(4.6 * columns, 3.8 * rows), squeeze=False)
    for ax in axes.ravel()[len(panels):]:
        ax.set_visible(False)
    if not panels:
        axes[0][0].set_visible(True)
        axes[0][0].axis("off")
        axes[0][0].text(0.5, 0.5, "no model has a main metric (config report.main_metrics)", ha="center")
    for ax, (dataset, metric) in zip(axes.ravel(), panels):
        part = scored.filter((pl.col("dataset") == dataset) & (pl.col("main_metric") == metric))
        x = part["train_wall_seconds_per_seed"].fill_null(np.nan).to_numpy()
        y = part["main_metric_mean"].to_numpy()
        ax.errorbar(x, y, yerr=part["main_metric_std"].fill_null(0.0).to_numpy(), fmt="o", color=WALL_COLOUR,
                    ecolor="#999999", capsize=2, markersize=4)
        for name, xi, yi in zip(part["model"], x, y):
            ax.annotate(name, (xi, yi), textcoords="offset points", xytext=(3, 3), fontsize=7)
        _time_axis(ax, list(x))
        ax.set_xlabel("training wall seconds per seed (mean)", fontsize=8)
        ax.set_ylabel(f"{metric} (mean ± std over seeds)", fontsize=8)
        ax.set_title(f"{dataset}: {metric}", fontsize=9)
        ax.grid(alpha=0.3)
    fig.suptitle("Quality per cost: main metric (as in each dataset's summary.csv) against training time",
                 fontsize=10)
    fig.tight_layout()
    return _png(fig)
