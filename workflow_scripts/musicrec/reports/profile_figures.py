"""Matplotlib figures of a dataset's data profile (musicrec.profiling), returned as PNG bytes."""

from __future__ import annotations

import numpy as np
from matplotlib import ticker

from ..profiling import Breakdown, Distribution, Profile, present
from .figures import _png, plt

CURVE_POINTS = 2000
PANELS_PER_ROW = 4
COLOURS = ["#3b6fd8", "#e07b39", "#3a9d5d", "#9b59b6"]


def rank_sample(n: int, points: int = CURVE_POINTS) -> np.ndarray:
    """At most about ``points`` 0-based ranks of 0..n-1, log-spaced (every rank when n is small), with the
    first and the last."""
    if n <= points:
        return np.arange(n)
    return np.unique(np.geomspace(1, n, points).round().astype(np.int64)) - 1


def log_bins(values: np.ndarray, bins: int = 40) -> np.ndarray:
    """Log-spaced bin edges from the smallest to just above the largest positive value; integer edges
    (no empty bins between consecutive integers) for integer data."""
    low, high = values.min(), values.max()
    if np.issubdtype(values.dtype, np.integer):
        return np.unique(np.geomspace(low, high + 1, bins + 1).round())
    return np.geomspace(low, high * (1 + 1e-9), bins + 1)


def long_tail(curves: list[tuple[str, np.ndarray]]) -> bytes:
    """Popularity by rank, log-log: one line per (label, counts), counts sorted largest first (rank 1 the
    most popular)."""
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for (label, counts), colour in zip(curves, COLOURS):
        ordered = np.sort(np.asarray(counts))[::-1]
        ranks = rank_sample(ordered.size)
        ax.plot(ranks + 1, ordered[ranks], label=label, color=colour, linewidth=1.6)
    _log_axes(ax)
    ax.set_xlabel("popularity rank (1 = most popular)")
    ax.set_ylabel("count")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    return _png(fig)


def _log_axes(ax) -> None:
    """Log x and y axes with plain-number ticks at the powers of ten, and at 2 and 5 times them on an axis
    spanning at most three decades. Call after drawing (the ticks follow the data limits)."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis, limits in ((ax.xaxis, ax.get_xlim()), (ax.yaxis, ax.get_ylim())):
        decades = np.log10(max(limits) / min(limits))
        axis.set_major_locator(ticker.LogLocator(base=10, subs=(1, 2, 5) if decades <= 3 else (1,)))
        axis.set_major_formatter(ticker.FuncFormatter(lambda value, _: f"{value:g}"))
        axis.set_minor_formatter(ticker.NullFormatter())


def _histogram(ax, values: np.ndarray, log_scale: bool, colour: str) -> None:
    """Counts of ``values`` in 30 equal bins, or (``log_scale``) of the positive values in log-spaced bins on
    log axes."""
    positive = values[values > 0] if log_scale else values
    edges = log_bins(positive) if log_scale and positive.size else 30
    ax.hist(positive, bins=edges, color=colour, edgecolor="white", linewidth=0.3)
    if log_scale:
        _log_axes(ax)


def activity(panels: list[tuple[str, str, np.ndarray]]) -> bytes:
    """One panel per (noun, label, counts): how many ``noun``s have each number of events, log-binned, log
    axes, with the median marked."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 3.8), squeeze=False)
    for ax, (noun, label, counts), colour in zip(axes[0], panels, COLOURS):
        counts = np.asarray(counts)
        _histogram(ax, counts, True, colour)
        median = float(np.median(counts))
        ax.axvline(median, color="black", linestyle="--", linewidth=1, label=f"median {median:g}")
        ax.set_xlabel(label)
        ax.set_ylabel(f"{noun}s")
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _png(fig)


def extras(distributions: tuple[Distribution, ...], breakdowns: tuple[Breakdown, ...]) -> bytes:
    """One panel per breakdown (its rate per group: a line over ordered groups, else bars) and one histogram
    per quantity of each distribution (log axes where the distribution says so)."""
    panels = len(breakdowns) + sum(d.values.width for d in distributions)
    columns = min(panels, PANELS_PER_ROW)
    rows = -(-panels // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 2.8 * rows), squeeze=False)
    flat = list(axes.ravel())
    for ax in flat[panels:]:
        ax.set_visible(False)
    for ax, breakdown in zip(flat, breakdowns):
        groups, rates = breakdown.rates["group"].to_list(), breakdown.rates["rate"].to_numpy()
        if breakdown.ordered:
            ax.plot([float(g) for g in groups], rates, marker="o", markersize=3, color=COLOURS[0])
        else:
            ax.barh(groups, rates, color=COLOURS[1])
            ax.invert_yaxis()
            ax.tick_params(axis="y", labelsize=7)
        ax.set_title(breakdown.title, fontsize=9)
        ax.grid(alpha=0.3)
    panel = iter(flat[len(breakdowns):])
    for distribution in distributions:
        for column in distribution.values.columns:
            ax = next(panel)
            _histogram(ax, present(distribution.values[column]).to_numpy(), distribution.log_scale, COLOURS[2])
            ax.set_title(f"{column} ({distribution.unit}s)", fontsize=9)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
    fig.tight_layout()
    return _png(fig)


def render(profile: Profile) -> dict[str, bytes]:
    """The profile's three figures: ``long_tail`` (events per item, per artist, and the weight per item by
    rank), ``activity`` (events per user and per item) and ``extras_figure`` (the dataset's own parts)."""
    data = profile.data
    curves = [(f"{data.item}s: events", profile.item_counts)]
    if profile.artist_counts is not None:
        curves.append(("artists: events", profile.artist_counts))
    if profile.item_weights is not None:
        curves.append((f"{data.item}s: {data.weight}", profile.item_weights))
    return {
        "long_tail": long_tail(curves),
        "activity": activity([(data.user, f"events per {data.user}", profile.user_counts),
                              (data.item, f"events per {data.item}", profile.item_counts)]),
        "extras_figure": extras(data.distributions, data.breakdowns),
    }
