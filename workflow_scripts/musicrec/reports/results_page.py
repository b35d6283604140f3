"""The results page (results/report.html): which model wins where, by how much, how stable over seeds, at what
cost, and how fair to artists, for every dataset of the run, on one self-contained page.

Per dataset it shows the data profile first (the tables and figures its ``profile.json`` lists), then the
metric tables of the summary over seeds (mean ± std, one table per target set and cut-off K, the best value
of each column marked), the comparison figure and the significance of the best model's lead over the
runner-up (:mod:`musicrec.significance`); then the run's cost (:mod:`musicrec.costs`), the workflow's rule
graph and a link to the fairness report. Every table says its split, K and candidates; every string from
data is escaped by :mod:`musicrec.reports.html`.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from ..io import atomic_path
from ..metrics.direction import better
from ..significance import ranked_models
from .fairness_report import package_versions
from .html import (Section, bullet_list, collapsible, esc, figure, page, paragraph, paragraph_with_link, subsection,
                   table)

DATASET_TITLES = {"kkbox": "KKBox", "lastfm": "Last.fm HetRec + Spotify", "yambda": "Yambda",
                  "yandex_music": "Yandex Music", "mssd": "Spotify skip challenge (MSSD)"}
TARGET_SET_TITLES = {"listen_plus": "Listen+ targets", "like": "Like targets"}
FAIRNESS_PAGE = "fairness_report.html"


@dataclass(frozen=True)
class DatasetResults:
    """What the page shows of one dataset: its summary over seeds, comparison figure, significance table and
    data profile (``profile.json``, whose table and figure files are read from the paths it lists)."""

    name: str
    summary: pl.DataFrame
    comparison_png: bytes
    significance: pl.DataFrame
    profile: dict
    main_metrics: tuple[str, ...]


@dataclass(frozen=True)
class RunCosts:
    """The cost table (:mod:`musicrec.costs`): totals, per model and per rule, and its two figures."""

    totals: dict
    by_model: pl.DataFrame
    by_rule: pl.DataFrame
    costs_png: bytes
    quality_png: bytes


@dataclass(frozen=True)
class RunInfo:
    seeds: list[int]
    sources: dict[str, str]
    significance_level: float
    rulegraph_svg: bytes
    fairness_summary: pl.DataFrame | None = None
    generated: str = ""
    versions: dict[str, str] = field(default_factory=dict)


def number(value, digits: int = 4) -> str:
    """A float with ``digits`` decimals (4 significant digits when it is large or tiny); '–' when missing."""
    if value is None or value != value:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if value != 0 and (abs(value) >= 10_000 or abs(value) < 10 ** -digits):
        return f"{value:.{digits - 1}g}" if abs(value) < 10_000 else f"{value:,.0f}"
    return f"{value:.{digits}f}"


def mean_std(mean, std, n_seeds: int) -> str:
    """'mean ± std' over seeds, or the mean alone for a single seed."""
    if mean is None or mean != mean:
        return "–"
    return number(mean) if n_seeds <= 1 else f"{number(mean)} ± {number(std)}"


def split_metric(metric: str) -> tuple[str, str, int | None]:
    """(target set or "", family, K or None) of ``[<set>/]<family>[@K]``."""
    target_set, _, name = metric.rpartition("/")
    family, _, k = name.partition("@")
    return target_set, family, int(k) if k else None


def best_rows(values: list[float | None], direction: str | None) -> set[int]:
    """Indices of the best value(s) of a column (ties all marked); none for a descriptive metric."""
    present = [(i, v) for i, v in enumerate(values) if v is not None and v == v]
    if direction is None or not present:
        return set()
    target = max(v for _, v in present) if direction == "higher" else min(v for _, v in present)
    return {i for i, v in present if v == target}


# Column order of the metric tables (families not listed follow in alphabetical order).
FAMILY_ORDER = ("mean_average_accuracy", "first_prediction_accuracy", "accuracy", "auc", "log_loss", "hit_rate",
                "precision", "recall", "ndcg", "map", "mrr", "coverage", "dislike_fpr", "auc_vs_dislikes",
                "oov_target_share")


@dataclass(frozen=True)
class MetricTable:
    """One table of a dataset's summary: models that share a set of metrics, one column per metric."""

    title: str
    protocol: str
    metrics: list[str]
    headers: list[str]
    rows: list[list[str]]
    marked: set[tuple[int, int]]


def _family_key(family: str) -> tuple[int, str]:
    return (FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER), family)


def _group_key(group: tuple[str, int | None], set_order: list[str]) -> tuple:
    target_set, k = group
    position = set_order.index(target_set) if target_set in set_order else len(set_order)
    return (target_set == "", position, target_set, -1 if k is None else k)


def _table(title: str, cells: dict[tuple[str, str], dict], models: list[str], metrics: list[str],
           headers: list[str]) -> MetricTable:
    """Rows of ``models`` over ``metrics`` (cells keyed by (model, metric)), the best of each column marked."""
    marked = set()
    for column, metric in enumerate(metrics, start=2):
        means = [cells[(m, metric)]["mean"] if (m, metric) in cells else None for m in models]
        marked |= {(row, column) for row in best_rows(means, better(metric))}
    rows = []
    for model in models:
        present = [cells[(model, m)] for m in metrics if (model, m) in cells]
        rows.append([model, str(max(c["n_seeds"] for c in present))] + [
            mean_std(cells[(model, m)]["mean"], cells[(model, m)]["std"], cells[(model, m)]["n_seeds"])
            if (model, m) in cells else "–" for m in metrics])
    protocols = dict.fromkeys((c["split"], c["candidates"]) for c in cells.values()
                              if c["model"] in models and c["metric"] in metrics)
    protocol = "; ".join(f"split: {split}; candidates: {candidates}" for split, candidates in protocols)
    return MetricTable(title, protocol, metrics, ["model", "seeds", *headers], rows, marked)


def metric_tables(summary: pl.DataFrame, main_metrics: tuple[str, ...] = ()) -> list[MetricTable]:
    """The summary (model, metric, n_seeds, mean, std, split, candidates) as tables a reader can scan: one per
    target set and cut-off K (Listen+ at K = 10, ...), split further where models have different metrics (the
    skip and next-track tasks), a column per metric family (FAMILY_ORDER), the best of each column marked. A
    target set whose every K has a single metric (Dislike-FPR) gets one table with a column per K. Target sets
    of ``main_metrics`` come first, metrics without a target set last."""
    cells = {(r["model"], r["metric"]): r for r in summary.iter_rows(named=True)}
    models = list(dict.fromkeys(summary["model"]))
    groups: dict[tuple[str, int | None], dict[str, list[str]]] = {}
    for model, metric in cells:
        target_set, family, k = split_metric(metric)
        groups.setdefault((target_set, k), {}).setdefault(model, []).append(metric)
    set_order = list(dict.fromkeys(split_metric(m)[0] for m in main_metrics))
    tables, single = [], {}
    for target_set, k in sorted(groups, key=lambda g: _group_key(g, set_order)):
        by_signature: dict[tuple[str, ...], list[str]] = {}
        for model in models:
            if model in groups[(target_set, k)]:
                metrics = tuple(sorted(groups[(target_set, k)][model], key=lambda m: _family_key(split_metric(m)[1])))
                by_signature.setdefault(metrics, []).append(model)
        name = TARGET_SET_TITLES.get(target_set, target_set)
        for metrics, members in by_signature.items():
            if k is not None and len(by_signature) == 1 and len(metrics) == 1:
                single.setdefault(target_set, []).append((k, metrics[0], members))
                continue
            title = ", ".join(t for t in (name, f"K = {k}" if k is not None else "no cut-off") if t)
            tables.append(_table(title, cells, members, list(metrics), [split_metric(m)[1] for m in metrics]))
    for target_set, columns in single.items():
        members = list(dict.fromkeys(m for _, _, group in columns for m in group))
        metrics = [metric for _, metric, _ in columns]
        title = ", ".join(t for t in (TARGET_SET_TITLES.get(target_set, target_set),
                                      "K = " + ", ".join(str(k) for k, _, _ in columns)) if t)
        headers = [f"{split_metric(m)[1]}@{k}" for k, m, _ in columns]
        tables.append(_table(title, cells, members, metrics, headers))
    return tables


def significance_sentence(row: dict, level: float) -> str:
    """What a row of significance.csv (:mod:`musicrec.significance`) says, in a sentence or two."""
    if row.get("p_value") is None or row["p_value"] != row["p_value"]:
        return f"{row['metric']}: not tested: {row.get('note') or 'no paired values'}."
    verdict = "significant" if row["significant"] else "not significant"
    sentence = (f"{row['metric']}: {row['best']} ({number(row['best_mean'])}) leads {row['runner_up']} "
                f"({number(row['runner_up_mean'])}) by {number(row['best_mean'] - row['runner_up_mean'])}; "
                f"better for {row['wins']:,} users, worse for {row['losses']:,}, tied for {row['ties']:,}; "
                f"p = {number(row['p_value'])}, {verdict} at {level}. Test: {row['test']}.")
    return sentence + (f" Note: {row['note']}." if row.get("note") else "")


def overview_rows(datasets: list[DatasetResults]) -> list[list[str]]:
    """Per dataset and main metric: best model, runner-up, lead, significance, and the protocol."""
    rows = []
    for data in datasets:
        tests = {r["metric"]: r for r in data.significance.iter_rows(named=True)}
        for metric in data.main_metrics:
            ranked = ranked_models(data.summary, metric).to_dicts()
            if not ranked:
                rows.append([DATASET_TITLES.get(data.name, data.name), metric, "–", "–", "–", "–", "–"])
                continue
            best = ranked[0]
            second = ranked[1] if len(ranked) > 1 else None
            test = tests.get(metric)
            rows.append([
                DATASET_TITLES.get(data.name, data.name), metric,
                f"{best['model']} ({mean_std(best['mean'], best['std'], best['n_seeds'])})",
                (f"{second['model']} ({mean_std(second['mean'], second['std'], second['n_seeds'])})"
                 if second else "–"),
                number(best["mean"] - second["mean"]) if second else "–",
                (f"p = {number(test['p_value'])} ({'significant' if test['significant'] else 'not significant'})"
                 if test is not None and test.get("p_value") is not None else "–"),
                f"split: {best['split']}; candidates: {best['candidates']}",
            ])
    return rows


def cell_text(value) -> str:
    """A cell of a generic table: text as it is, whole numbers with thousands separators, others by number."""
    if value is None or isinstance(value, str):
        return "–" if value is None else value
    if isinstance(value, float) and value == value and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return number(value)


def is_number_text(value) -> bool:
    """Whether a cell reads as a number (``12,000``, ``0.25``, ``-``-free), so it is right-aligned."""
    if value is None or not isinstance(value, str):
        return True
    try:
        float(value.replace(",", ""))
    except ValueError:
        return value.strip() in ("", "–")
    return True


def csv_table(frame: pl.DataFrame) -> str:
    """Any small table with its numbers formatted (:func:`cell_text`); columns holding text are left-aligned."""
    rows = [[cell_text(value) for value in row] for row in frame.iter_rows()]
    texts = {i for i, column in enumerate(frame.columns)
             if frame.schema[column] == pl.Utf8 and not all(is_number_text(v) for v in frame[column])}
    return '<div class="scroll">' + table(frame.columns, rows, texts | {0}) + "</div>"


def profile_part(data: DatasetResults) -> str:
    """The data profile: every figure its profile.json lists with its caption, and every table folded under its
    caption (the captions give the key figures)."""
    profile = data.profile
    body = paragraph(f"Source: {profile.get('source', '')}. Events: {profile.get('events', '')}.")
    for entry in profile.get("tables", []):
        frame = pl.read_csv(entry["file"], infer_schema_length=0)
        body += paragraph(f"{entry['title']}: {entry['caption']}") + collapsible(f"{entry['title']} (table)",
                                                                                  csv_table(frame))
    for entry in profile.get("figures", []):
        body += figure(Path(entry["file"]).read_bytes(), f"{entry['title']}: {entry['caption']}", entry["title"])
    return subsection(f"{data.name}-profile", "Data profile", body)


def metrics_part(data: DatasetResults) -> str:
    body = paragraph("Mean ± standard deviation over seeds (a single value: one seed, or a model without "
                     "randomness run once); the best value of each column is highlighted (coverage, a "
                     "description of the lists rather than a quality, is not). Tables of the main metrics are "
                     "open; the others unfold on a click.", "muted")
    for metric_table in metric_tables(data.summary, data.main_metrics):
        content = (paragraph(metric_table.protocol, "muted") + '<div class="scroll">'
                   + table(metric_table.headers, metric_table.rows, 1, metric_table.marked) + "</div>")
        if set(metric_table.metrics) & set(data.main_metrics):
            body += f"<h4>{esc(metric_table.title)}</h4>" + content
        else:
            body += collapsible(metric_table.title, content)
    protocols = data.summary.select("split", "candidates").unique(maintain_order=True)
    stated = "; ".join(f"split: {split}; candidates: {candidates}" for split, candidates in protocols.iter_rows())
    body += figure(data.comparison_png, f"{DATASET_TITLES.get(data.name, data.name)}: every model's metrics at each "
                   f"cut-off K (@K), mean over seeds with the standard deviation as error bars ({stated}).",
                   f"{data.name} comparison")
    return subsection(f"{data.name}-metrics", "Models", body)


def significance_part(data: DatasetResults, level: float) -> str:
    rows = data.significance.to_dicts()
    body = bullet_list([significance_sentence(r, level) for r in rows]) if rows else paragraph(
        "No main metric configured for this dataset (report.main_metrics).")
    return subsection(f"{data.name}-significance", "Is the best model's lead significant?", body)


def dataset_section(data: DatasetResults, level: float) -> Section:
    return Section(f"dataset-{data.name}", DATASET_TITLES.get(data.name, data.name),
                   profile_part(data) + metrics_part(data) + significance_part(data, level))


FAIRNESS_HEADERS = ["dataset", "status", "models", "seeds", "artists with gender", "catalogue share",
                    "top-K share: lowest .. highest", "in top K: lowest .. highest (random)", "note"]


def fairness_rows(summary: pl.DataFrame) -> list[list[str]]:
    """The fairness report's summary across datasets (results/fairness/summary.csv) in a few columns."""

    def pct(value) -> str:
        return "–" if value is None or value != value else f"{100 * value:.1f}%"

    def span(row: dict, name: str) -> str:
        low, high = row.get(f"{name}_lowest"), row.get(f"{name}_highest")
        if low is None:
            return "–"
        return (f"{pct(low)} ({row[f'{name}_lowest_model']}) .. {pct(high)} ({row[f'{name}_highest_model']})")

    rows = []
    for row in summary.iter_rows(named=True):
        in_top = span(row, "focus_in_top_k")
        if row.get("focus_in_top_k_random") is not None:
            in_top += f" ({pct(row['focus_in_top_k_random'])})"
        rows.append([row["dataset"], row["status"], str(row.get("n_models") or "–"), row.get("seeds") or "–",
                     pct(row.get("artists_known_share")), pct(row.get("focus_catalogue_share")),
                     span(row, "focus_exposure"), in_top, row.get("note") or ""])
    return rows


def overview_section(datasets: list[DatasetResults], info: RunInfo) -> Section:
    headers = ["dataset", "main metric", "best (mean ± std)", "runner-up", "lead", "Wilcoxon signed-rank",
               "protocol"]
    body = (table(headers, overview_rows(datasets), text_columns=len(headers))
            + paragraph_with_link(f"The lead's significance: a two-sided Wilcoxon signed-rank test over the users "
                                  f"(sessions for MSSD) both models score, on their per-user metric averaged over "
                                  f"seeds, at level {info.significance_level}. Fairness to artists, per dataset:",
                                  FAIRNESS_PAGE, "the fairness report"))
    if info.fairness_summary is not None:
        body += ("<h3>Provider fairness across datasets</h3>"
                 + paragraph("Share of female artists (the focus group) in the catalogue against their share of the "
                             "top-K slots (the lowest and highest model), and the share of users with a female artist "
                             "in their top K against a random order of the same candidates; means over seeds. The "
                             "fairness report has the split, candidates and every model.", "muted")
                 + table(FAIRNESS_HEADERS, fairness_rows(info.fairness_summary), text_columns={0, 1, 2, 3, 8}))
    return Section("overview", "Overview", body)


# The cost columns the page shows (musicrec.costs writes more), renamed for reading.
MODEL_COST_COLUMNS = ("dataset", "model", "jobs", "seeds", "train_wall_seconds_per_seed", "wall_seconds",
                      "cpu_seconds", "peak_rss_mb", "device", "main_metric", "main_metric_mean")
RULE_COST_COLUMNS = ("dataset", "rule", "jobs", "wall_seconds", "cpu_seconds", "peak_rss_mb", "device")


def costs_section(costs: RunCosts) -> Section:
    totals = costs.totals
    summary = paragraph(f"{number(totals.get('jobs'))} jobs; {number(totals.get('wall_seconds'), 1)} s of job wall "
                        f"time and {number(totals.get('cpu_seconds'), 1)} s of CPU time (sums over the benchmark "
                        f"files of the run, not the elapsed time of a parallel run); peak memory of one job "
                        f"{number(totals.get('peak_rss_mb'), 0)} MB.")
    by_model = costs.by_model.select([c for c in MODEL_COST_COLUMNS if c in costs.by_model.columns])
    by_rule = costs.by_rule.select([c for c in RULE_COST_COLUMNS if c in costs.by_rule.columns])
    body = (summary + paragraph(str(totals.get("definition", "")), "muted")
            + "<h3>Per model (summed over seeds)</h3>"
            + paragraph("train s per seed: the mean wall time of the jobs that fit the model (validation-split "
                        "fits, evaluation and similar items not counted); device: what the training report says "
                        "the job used, else the rule it was routed to.", "muted")
            + csv_table(by_model)
            + figure(costs.costs_png, "Wall and CPU seconds per rule and per model, summed over seeds, one row "
                     "per dataset.", "costs")
            + figure(costs.quality_png, "Quality per cost: each model's main metric (mean ± std over seeds; split, "
                     "K and candidates as in its dataset's tables) against its training time per seed.",
                     "quality per cost")
            + "<h3>Per rule</h3>" + csv_table(by_rule))
    return Section("costs", "Cost", body)


def workflow_section(info: RunInfo) -> Section:
    return Section("workflow", "Workflow", figure(
        info.rulegraph_svg, "The workflow's rules and their dependencies (snakemake --rulegraph, drawn with graphviz).",
        "rule graph", mime="image/svg+xml"))


def run_section(info: RunInfo) -> Section:
    rows = [["seeds", ", ".join(map(str, info.seeds))], ["generated", info.generated]]
    rows += [[f"data: {name}", source] for name, source in info.sources.items()]
    versions = [[name, version] for name, version in info.versions.items()]
    return Section("run", "Run", table(["setting", "value"], rows) + "<h3>Versions</h3>"
                   + table(["package", "version"], versions))


def build_results_page(datasets: list[DatasetResults], costs: RunCosts, info: RunInfo) -> str:
    """The whole page as a string."""
    sections = [overview_section(datasets, info), *(dataset_section(d, info.significance_level) for d in datasets),
                costs_section(costs), workflow_section(info), run_section(info)]
    subtitle = (f"{len(datasets)} datasets · seeds {', '.join(map(str, info.seeds))} · generated {info.generated}")
    return page("Music recommendation results", subtitle, sections)


def read_dataset(name: str, paths: dict[str, str], main_metrics: list[str]) -> DatasetResults:
    """A dataset's files: summary (csv), comparison (png), significance (csv), profile (json)."""
    return DatasetResults(
        name=name,
        summary=pl.read_csv(paths["summary"], schema_overrides={"mean": pl.Float64, "std": pl.Float64}),
        comparison_png=Path(paths["comparison"]).read_bytes(),
        significance=pl.read_csv(paths["significance"], infer_schema_length=None),
        profile=json.loads(Path(paths["profile"]).read_text(encoding="utf-8")),
        main_metrics=tuple(main_metrics),
    )


def read_costs(paths: dict[str, str]) -> RunCosts:
    return RunCosts(
        totals=json.loads(Path(paths["totals"]).read_text(encoding="utf-8")),
        by_model=pl.read_csv(paths["by_model"], infer_schema_length=None),
        by_rule=pl.read_csv(paths["by_rule"], infer_schema_length=None),
        costs_png=Path(paths["costs_figure"]).read_bytes(),
        quality_png=Path(paths["quality_figure"]).read_bytes(),
    )


def write_results_page(datasets: list[DatasetResults], costs: RunCosts, info: RunInfo, out_path) -> None:
    info = RunInfo(**{**info.__dict__, "versions": info.versions or package_versions(),
                      "generated": info.generated or datetime.datetime.now(datetime.timezone.utc).strftime(
                          "%Y-%m-%d %H:%M UTC")})
    with atomic_path(out_path) as tmp:
        tmp.write_text(build_results_page(datasets, costs, info), encoding="utf-8")
