"""The fairness report: a summary across datasets, then per dataset its sections (KKBox: demographic
coverage, headline findings, exposure, first-female-artist rank, per-group quality, most exposed artists;
each ranking dataset with artist demographics, Last.fm and Yambda: provider exposure, first female artist
against a random order, most exposed artists; or why it is not analysed), and a run summary.

Input: the aggregated tables of ``musicrec.fairness.kkbox.summarise`` (mean and spread over seeds), the
``tables.json`` that describes them, and the coverage table of ``musicrec.fairness.coverage``; per ranking
dataset the tables of ``musicrec.fairness.ranking.summarise`` and its ``tables.json``, or its status (why
it is not analysed). The summary across datasets is also written as CSV. Every string from data is
escaped by ``html``'s helpers.

Headline findings quote only groups with at least ``min_group_size`` validation rows; the smaller ones
are named in a note under them (their numbers stay in the sections below).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import platform
from dataclasses import dataclass

import polars as pl

from ..fairness import coverage
from ..fairness import ranking
from ..io import atomic_path, write_csv
from . import figures
from .html import Section, bullet_list, esc, figure, page, paragraph, preformatted, table

REPORT_TABLES = ("group_metrics", "disparities", "exposure", "first_rank_distribution", "first_rank_summary",
                 "artist_exposure", "coverage")
ATTRIBUTE_TITLES = {"artist_gender": "artist gender", "user_gender": "user gender", "age_band": "user age band"}
QUALITY_METRICS = ["auc", "accuracy", "tpr", "fpr", "selection_rate"]
VERSION_PACKAGES = ("snakemake", "polars", "pandas", "numpy", "scikit-learn", "fairlearn", "lightgbm", "keras",
                    "tensorflow-cpu", "matplotlib")
TOP_ARTISTS = 5
DATASET_TITLES = {"kkbox": "KKBox", "lastfm": "Last.fm", "yambda": "Yambda", "yandex_music": "Yandex Music"}
RANKING_TABLES = (*ranking.SEED_TABLES, "coverage")
RANKING_BASELINES = {"catalogue": "catalogue_share", "listening": "listening_share", "candidates": "candidate_share"}


def package_versions(packages=VERSION_PACKAGES) -> dict[str, str]:
    """Installed versions (without importing the packages); "not installed" when absent."""
    versions = {"python": platform.python_version()}
    for name in packages:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _pm(mean, std, percent: bool = False) -> str:
    """'mean ± std' (percent points when ``percent``); '–' for a missing value."""
    if mean is None or mean != mean:
        return "–"
    std = 0.0 if std is None or std != std else std
    if percent:
        return f"{100 * mean:.1f}% ± {100 * std:.1f}"
    return f"{mean:.3f} ± {std:.3f}"


def _number(value) -> str:
    return "–" if value is None or value != value else f"{value:.2f}"


def _pct(value) -> str:
    return "–" if value is None or value != value else f"{100 * value:.1f}%"


def _models(description: dict) -> list[str]:
    preferred = ["lgb", "nn", "blend"]
    models = description["models"]
    return [m for m in preferred if m in models] + [m for m in models if m not in preferred]


def _row(frame: pl.DataFrame, **where) -> dict:
    rows = frame.filter(*(pl.col(k) == v for k, v in where.items()))
    return rows.row(0, named=True) if rows.height else {}


def group_rows(tables: dict[str, pl.DataFrame]) -> dict[str, dict[str, float]]:
    """Validation rows of each group, by attribute: the per-group counts (the same for every model and
    seed), and for artist gender the coverage table's validation rows (there even when artist gender is
    not among the analysed groups)."""
    counts = tables["group_metrics"].filter((pl.col("metric") == "count") & (pl.col("attribute") != "all"))
    rows: dict[str, dict[str, float]] = {}
    for r in counts.iter_rows(named=True):
        rows.setdefault(r["attribute"], {}).setdefault(r["group"], r["value_mean"])
    validation = _row(tables["coverage"], measure=coverage.VALIDATION_ROWS)
    if validation:
        rows["artist_gender"] = {gender: validation[column] for gender, column in coverage.GENDER_COLUMNS.items()}
    return rows


def small_groups(tables: dict[str, pl.DataFrame], description: dict) -> dict[str, dict[str, float]]:
    """The groups with at least one but fewer than ``min_group_size`` validation rows, by attribute
    (artist gender first, then the analysed groupings): what the headline findings leave out."""
    minimum = description["settings"]["min_group_size"]
    rows = group_rows(tables)
    attributes = dict.fromkeys(["artist_gender", *description["settings"]["groups"]])
    small = {attribute: {g: n for g, n in sorted(rows.get(attribute, {}).items()) if 0 < n < minimum}
             for attribute in attributes}
    return {attribute: groups for attribute, groups in small.items() if groups}


def _large_enough(rows: dict[str, dict[str, float]], minimum: int):
    """A test of (attribute, group): does the group have at least ``minimum`` validation rows?"""
    return lambda attribute, group: rows.get(attribute, {}).get(group, 0) >= minimum


def headline_findings(tables: dict[str, pl.DataFrame], description: dict) -> list[str]:
    """Plain-language sentences with the main numbers (means ± std over seeds), about groups with at
    least ``min_group_size`` validation rows only."""
    models = _models(description)
    k = description["k"]
    focus = description["settings"]["focus_group"]
    large = _large_enough(group_rows(tables), description["settings"]["min_group_size"])
    exposure = tables["exposure"]
    base = _row(exposure, model=models[0], group=focus)
    findings = []
    if base and large("artist_gender", focus):
        shares = "; ".join(f"{m}: {_pm(r.get('slot_share_mean'), r.get('slot_share_std'), True)} "
                           f"({r.get('ratio_to_catalogue', float('nan')):.2f}× the catalogue share)"
                           for m in models for r in [_row(exposure, model=m, group=focus)])
        findings.append(
            f"Exposure: {focus} artists fill {shares} of the top-{k} slots, against {_pct(base['catalogue_share'])} "
            f"of catalogue songs, {_pct(base['listening_share'])} of plays in training and "
            f"{_pct(base['candidate_share'])} of the candidate songs the models ranked. A gap to the candidates is "
            "what the ranking itself adds; a gap to the catalogue includes what listening already skews."
        )
    gaps = [(m, r["group"], r["slot_share_mean"] - r["catalogue_share"])
            for m in models for r in exposure.filter(pl.col("model") == m).iter_rows(named=True)
            if large("artist_gender", r["group"])]
    if gaps:
        model, group, gap = max(gaps, key=lambda g: abs(g[2]))
        findings.append(f"Largest exposure gap to the catalogue: {group} artists, {100 * gap:+.1f} percentage points "
                        f"in the {model} top-{k} lists.")
    for model in models if large("artist_gender", focus) else []:
        s = _row(tables["first_rank_summary"], model=model)
        if s:
            findings.append(
                f"First {focus} artist ({model}): among users with at least one {focus} artist among their "
                f"candidates, {_pm(s['in_top_k_mean'], s['in_top_k_std'], True)} find one in their top {k} "
                f"(random order: {_pct(s['random_in_top_k_mean'])}); mean rank of the first one "
                f"{_pm(s['mean_first_rank_mean'], s['mean_first_rank_std'])} (random order: "
                f"{s['random_mean_first_rank_mean']:.2f})."
            )
    findings.extend(_quality_findings(tables, models, description, large))
    return findings


def left_out_note(tables: dict[str, pl.DataFrame], description: dict) -> str | None:
    """The sentence under the headline findings that names the groups they leave out, or None."""
    small = small_groups(tables, description)
    if not small:
        return None
    listed = "; ".join(
        f"{ATTRIBUTE_TITLES.get(attribute, attribute)} " + ", ".join(f"{g} ({n:,.0f} rows)" for g, n in groups.items())
        for attribute, groups in small.items()
    )
    return (f"Left out of these findings, with fewer than {description['settings']['min_group_size']} validation rows "
            f"(fairness.min_group_size): {listed}. Their numbers are in the sections below.")


def _quality_findings(tables, models, description, large) -> list[str]:
    metrics = tables["group_metrics"]
    findings = []
    overall = ", ".join(
        f"{m} {_pm(r.get('value_mean'), r.get('value_std'))}"
        for m in models for r in [_row(metrics, model=m, attribute="all", metric="auc")]
    )
    findings.append(f"Overall validation AUC: {overall} (mean ± std over {len(description['seeds'])} seeds).")
    reference = models[-1]
    for attribute in description["settings"]["groups"]:
        rows = metrics.filter((pl.col("model") == reference) & (pl.col("attribute") == attribute)
                              & (pl.col("metric") == "auc")).drop_nulls("value_mean").sort("value_mean")
        rows = rows.filter(pl.Series([large(attribute, g) for g in rows["group"]], dtype=pl.Boolean))
        eo = _row(tables["disparities"], model=reference, attribute=attribute, metric="equalized_odds_difference")
        if rows.height >= 2:
            low, high = rows.row(0, named=True), rows.row(-1, named=True)
            findings.append(
                f"By {ATTRIBUTE_TITLES.get(attribute, attribute)} ({reference}): AUC from {low['value_mean']:.3f} "
                f"({low['group']}) to {high['value_mean']:.3f} ({high['group']}); equalized-odds difference "
                f"{_pm(eo.get('value_mean'), eo.get('value_std'))} at threshold {description['threshold']}."
            )
    return findings


def _coverage_section(tables, description, run_info) -> Section:
    covered = tables["coverage"]
    warning = coverage.coverage_warning(covered, description["settings"]["min_coverage"])
    rows = [[r["measure"], r["definition"], f"{r['known']:,}", f"{r['total']:,}",
             coverage.percent_text(r["share_known"]), *(f"{r[column]:,}" for column in coverage.GENDER_COLUMNS.values())]
            for r in covered.iter_rows(named=True)]
    body = ((paragraph(warning, "warning") if warning else "")
            + paragraph(f"{coverage.coverage_sentence(covered)} Anything without a known gender counts as \"unknown\" "
                        f"in this report. Artist demographics: {run_info.get('demographics', '')}.")
            + table(["measure", "what it counts", "known gender", "total", "share known",
                     *coverage.GENDER_COLUMNS], rows, text_columns=2))
    return Section("coverage", "Demographic coverage", body)


def _exposure_section(tables, description, models) -> Section:
    k, exposure = description["k"], tables["exposure"]
    rows = [
        [r["group"], r["model"], _pct(r["catalogue_share"]), _pct(r["listening_share"]), _pct(r["candidate_share"]),
         _pm(r["slot_share_mean"], r["slot_share_std"], True), _pm(r["weighted_share_mean"], r["weighted_share_std"], True),
         "–" if r["ratio_to_catalogue"] is None else f"{r['ratio_to_catalogue']:.2f}"]
        for r in exposure.sort(["group", "model"]).iter_rows(named=True) if r["model"] in models
    ]
    caption = (f"Share of each artist gender among catalogue songs, plays in the training split, the candidate songs "
               f"(each user's validation songs, users with more than {k}) and the slots of each model's top-{k} lists "
               f"built from its validation predictions (bars: mean over seeds {description['seeds']}; "
               "error bars: std over seeds).")
    body = (figure(figures.exposure_vs_baselines(exposure, models, k), caption, "exposure by artist gender")
            + table(["artist gender", "model", "catalogue", "listening", "candidates", f"top-{k} slots",
                     f"top-{k} position-weighted", "ratio to catalogue"], rows, text_columns=2)
            + paragraph("Position-weighted share: each slot weighted by 1/log2(rank + 1), the attention a list "
                        "position gets in DCG. Ratio to catalogue = top-K share / catalogue share (1 = parity)."))
    return Section("exposure", "Provider exposure by artist gender", body)


def _first_rank_section(tables, description, models) -> Section:
    k, focus = description["k"], description["settings"]["focus_group"]
    caption = (f"Where the first {focus} artist appears in each user's ranked validation songs (users with more than "
               f"{k} candidates): share of users at rank 1..{k}, beyond {k}, or with no {focus} artist among their "
               "candidates. Bars: mean over seeds, error bars: std; black marks: the expectation if the same "
               "candidates were shuffled at random.")
    rows = [
        [m, f"{s['users_mean']:.0f}", f"{s['users_with_group_mean']:.0f}", _pm(s["in_top_k_mean"], s["in_top_k_std"], True),
         _pct(s["random_in_top_k_mean"]), _pm(s["mean_first_rank_mean"], s["mean_first_rank_std"]),
         f"{s['random_mean_first_rank_mean']:.2f}"]
        for m in models for s in [_row(tables["first_rank_summary"], model=m)] if s
    ]
    body = (figure(figures.first_rank_distribution(tables["first_rank_distribution"], models, focus), caption,
                   f"rank of the first {focus} artist")
            + table(["model", "users", f"users with a {focus} candidate", f"{focus} artist in top {k}",
                     "random order", "mean first rank", "random order"], rows)
            + paragraph("As in Ferraro, Serra and Bauer (CHIIR 2021), who measured how many positions a listener "
                        "must go down a recommendation list to meet the first female artist."))
    return Section("first-rank", f"Rank of the first {focus} artist", body)


def _quality_section(tables, description, models) -> Section:
    metrics, threshold = tables["group_metrics"], description["threshold"]
    parts = []
    for attribute in description["settings"]["groups"]:
        title = ATTRIBUTE_TITLES.get(attribute, attribute)
        caption = (f"Validation metrics by {title} (fairlearn MetricFrame), per model: AUC from the scores; accuracy, "
                   f"TPR, FPR and selection rate at threshold {threshold}. Bars: mean over seeds "
                   f"{description['seeds']}; error bars: std over seeds.")
        parts.append(f"<h3>{esc(title)}</h3>")
        parts.append(figure(figures.group_metric_bars(metrics, attribute, models, QUALITY_METRICS), caption,
                            f"metrics by {title}"))
        rows = []
        for r in metrics.filter((pl.col("attribute") == attribute) & (pl.col("metric") == "count")).sort(
                ["group", "model"]).iter_rows(named=True):
            if r["model"] not in models:
                continue
            values = [_row(metrics, model=r["model"], attribute=attribute, group=r["group"], metric=m) for m in QUALITY_METRICS]
            rows.append([r["group"], r["model"], f"{r['value_mean']:.0f}",
                         *[_pm(v.get("value_mean"), v.get("value_std")) for v in values]])
        parts.append(table(["group", "model", "rows", "AUC", "accuracy", "TPR", "FPR", "selection rate"], rows, 2))
    disparity_rows = [
        [ATTRIBUTE_TITLES.get(r["attribute"], r["attribute"]), r["model"], r["metric"].replace("_", " "),
         _pm(r["value_mean"], r["value_std"]), r["groups_compared"]]
        for r in tables["disparities"].sort(["attribute", "metric", "model"]).iter_rows(named=True) if r["model"] in models
    ]
    parts.append("<h3>Disparities</h3>")
    parts.append(paragraph(
        f"Demographic-parity difference: the largest gap in selection rate between two groups; equalized-odds "
        f"difference: the larger of the largest TPR gap and the largest FPR gap (fairlearn), at threshold {threshold}, "
        f"over groups with at least {description['settings']['min_group_size']} validation rows; mean ± std over seeds."))
    parts.append(table(["grouping", "model", "measure", "value", "groups compared"], disparity_rows, 3))
    return Section("quality", "Prediction quality by group", "".join(parts))


def _artists_section(tables, description, models) -> Section:
    k = description["k"]
    rows = []
    for model in models:
        top = tables["artist_exposure"].filter(pl.col("model") == model).head(TOP_ARTISTS)
        rows += [[model, r["artist_name"] if r["artist_name"] is not None else "(no artist name)", r["artist_gender"],
                  f"{r['slots']}", _pct(r["slot_share"])] for r in top.iter_rows(named=True)]
    body = (paragraph(f"The {TOP_ARTISTS} artists with the most slots in each model's top-{k} lists, all seeds pooled.")
            + table(["model", "artist", "artist gender", "slots", "share of slots"], rows, 3))
    return Section("artists", "Most exposed artists", body)


def _summary_section(description, run_info) -> Section:
    settings = description["settings"]
    rows = [
        ["data source", run_info.get("data_source", "")],
        ["seeds", ", ".join(str(s) for s in description["seeds"])],
        ["models", ", ".join(description["models"])],
        ["split", description["split"]],
        ["threshold", str(description["threshold"])],
        ["K (top-K lists)", str(description["k"])],
        ["candidates", description["candidates"]],
        ["catalogue", description["catalogue"]],
        ["listening", description["listening"]],
        ["groups", ", ".join(settings["groups"])],
        ["age bands (lower edges)", ", ".join(str(e) for e in settings["age_band_edges"])],
        ["minimum group size (disparities, headline findings)", str(settings["min_group_size"])],
        ["minimum demographic coverage (warning below)", coverage.percent_text(settings["min_coverage"])],
        ["artist demographics", run_info.get("demographics", "")],
        ["generated", run_info.get("generated", "")],
    ]
    versions = [[name, version] for name, version in run_info.get("versions", {}).items()]
    files = bullet_list(run_info.get("table_files", []))
    body = (table(["setting", "value"], rows)
            + "<h3>Versions</h3>" + table(["package", "version"], versions)
            + "<h3>Configuration</h3>" + preformatted(json.dumps(run_info.get("config", {}), indent=2, sort_keys=True))
            + "<h3>Tables (CSV and parquet, for reuse)</h3>" + files)
    return Section("run", "Run summary", body)


@dataclass(frozen=True)
class RankingFairness:
    """One ranking dataset's provider-fairness tables (``RANKING_TABLES``) and its ``tables.json``."""

    tables: dict[str, pl.DataFrame]
    description: dict


def read_ranking_fairness(table_paths: dict[str, str], description_path) -> RankingFairness:
    """The parquet tables of ``RANKING_TABLES`` and the ``tables.json`` of one ranking dataset."""
    return RankingFairness({name: pl.read_parquet(table_paths[name]) for name in RANKING_TABLES},
                           json.loads(open(description_path, encoding="utf-8").read()))


def _title(dataset: str) -> str:
    return DATASET_TITLES.get(dataset, dataset)


def _seed_text(seeds) -> str:
    """'0–9' for a run of consecutive seeds, else '0, 2, 5'."""
    seeds = sorted(set(seeds))
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"{seeds[0]}–{seeds[-1]}"
    return ", ".join(map(str, seeds))


def _extremes(frame: pl.DataFrame, column: str) -> tuple:
    """(lowest value, its model, highest value, its model) of ``column`` over the models of ``frame``."""
    rows = frame.drop_nulls(column).sort([column, "model"])
    if rows.is_empty():
        return None, None, None, None
    return rows[column][0], rows["model"][0], rows[column][-1], rows["model"][-1]


def _measure_share(coverage_table: pl.DataFrame, measure: str):
    return _row(coverage_table, measure=measure).get("share_known")


SUMMARY_SCHEMA = {
    "dataset": pl.String, "status": pl.String, "analysed": pl.String, "split": pl.String, "k": pl.Int64,
    "candidates": pl.String, "n_models": pl.Int64, "models": pl.String, "seeds": pl.String,
    "artists_known_share": pl.Float64, "items_known_share": pl.Float64, "focus_group": pl.String,
    "focus_catalogue_share": pl.Float64,
    "focus_exposure_lowest": pl.Float64, "focus_exposure_lowest_model": pl.String,
    "focus_exposure_highest": pl.Float64, "focus_exposure_highest_model": pl.String,
    "focus_in_top_k_lowest": pl.Float64, "focus_in_top_k_lowest_model": pl.String,
    "focus_in_top_k_highest": pl.Float64, "focus_in_top_k_highest_model": pl.String,
    "focus_in_top_k_random": pl.Float64, "note": pl.String,
}


def _analysed_row(dataset: str, analysed: str, description: dict, models: list[str], seeds, coverage_table,
                  items_measure: str, exposure: pl.DataFrame, first_rank: pl.DataFrame, focus: str) -> dict:
    focus_exposure = exposure.filter((pl.col("group") == focus) & pl.col("model").is_in(models))
    in_top = first_rank.filter(pl.col("model").is_in(models))
    low, low_model, high, high_model = _extremes(focus_exposure, "slot_share_mean")
    top_low, top_low_model, top_high, top_high_model = _extremes(in_top, "in_top_k_mean")
    return {
        "dataset": _title(dataset), "status": "analysed", "analysed": analysed, "split": description["split"],
        "k": description["k"], "candidates": description["candidates"], "n_models": len(models),
        "models": ", ".join(models), "seeds": _seed_text(seeds),
        "artists_known_share": _measure_share(coverage_table, coverage.ARTISTS),
        "items_known_share": _measure_share(coverage_table, items_measure), "focus_group": focus,
        "focus_catalogue_share": focus_exposure["catalogue_share"][0] if focus_exposure.height else None,
        "focus_exposure_lowest": low, "focus_exposure_lowest_model": low_model,
        "focus_exposure_highest": high, "focus_exposure_highest_model": high_model,
        "focus_in_top_k_lowest": top_low, "focus_in_top_k_lowest_model": top_low_model,
        "focus_in_top_k_highest": top_high, "focus_in_top_k_highest_model": top_high_model,
        "focus_in_top_k_random": in_top["random_in_top_k_mean"].mean() if in_top.height else None,
        "note": "",
    }


def summary_table(tables: dict[str, pl.DataFrame], description: dict, ranking_fairness: dict[str, RankingFairness],
                  status: dict[str, dict]) -> pl.DataFrame:
    """One row per dataset (KKBox, then every ranking dataset of ``status``): what is analysed, split, K,
    candidates, models and seeds, the share of artists and items with a known gender, the focus group's
    catalogue share against its share of the top-K slots (lowest and highest model, means over seeds), and
    the share of users with a focus-group artist in their top K (lowest and highest model) against a random
    order (mean over models); for a dataset not analysed, its status and a note saying why."""
    focus = description["settings"]["focus_group"]
    rows = [_analysed_row(
        "kkbox", "consumer and provider side: quality by group of the classifiers' validation predictions, exposure "
        "in each user's top-K validation songs", description, _models(description), description["seeds"],
        tables["coverage"], coverage.SONGS, tables["exposure"], tables["first_rank_summary"], focus)]
    for dataset, state in status.items():
        if dataset in ranking_fairness:
            fairness = ranking_fairness[dataset]
            d = fairness.description
            seeds = {s for values in d["seeds"].values() for s in values}
            rows.append(_analysed_row(
                dataset, "provider side: exposure in the test lists of every ranking, re-ranking and serving run",
                d, d["models"], seeds, fairness.tables["coverage"], ranking.ITEMS,
                fairness.tables["exposure"], fairness.tables["first_rank_in_top_k"], d["focus_group"]))
        else:
            rows.append({"dataset": _title(dataset), "status": state["status"], "focus_group": focus,
                         "note": state["note"]})
    return pl.DataFrame(rows, schema=SUMMARY_SCHEMA)


def _share_of_model(value, model) -> str:
    return "–" if value is None else f"{_pct(value)} ({model})"


def _datasets_section(summary: pl.DataFrame) -> Section:
    focus = summary["focus_group"][0]
    rows = []
    for r in summary.iter_rows(named=True):
        if r["status"] != "analysed":
            rows.append([r["dataset"], f"{r['status']}: {r['note']}", *["–"] * 6])
            continue
        rows.append([
            r["dataset"], r["analysed"],
            f"top-{r['k']} lists; candidates: {r['candidates']}",
            f"{r['n_models']} models; seeds {r['seeds']}",
            f"artists {coverage.percent_text(r['artists_known_share'])}, "
            f"items {coverage.percent_text(r['items_known_share'])}",
            _pct(r["focus_catalogue_share"]),
            f"{_share_of_model(r['focus_exposure_lowest'], r['focus_exposure_lowest_model'])} – "
            f"{_share_of_model(r['focus_exposure_highest'], r['focus_exposure_highest_model'])}",
            f"{_share_of_model(r['focus_in_top_k_lowest'], r['focus_in_top_k_lowest_model'])} – "
            f"{_share_of_model(r['focus_in_top_k_highest'], r['focus_in_top_k_highest_model'])}; random order "
            f"{_pct(r['focus_in_top_k_random'])}",
        ])
    body = (paragraph(f"Every dataset with artist demographics: {focus} artists' share of the catalogue against "
                      f"their share of the top-K slots (lowest and highest model, means over seeds), and the share "
                      f"of users (with a {focus} artist among their candidates) who find one in their top K, "
                      "against a random order of the same candidates (mean over models). Splits, models and "
                      "details are in each dataset's section; the table, with the split of each dataset, is also "
                      "written to results/fairness/summary.csv.")
            + table(["dataset", "what is analysed (or why not)", "lists", "models and seeds", "known artist gender",
                     f"{focus}: catalogue share", f"{focus}: share of top-K slots (lowest – highest)",
                     f"users with a {focus} artist in their top K (lowest – highest)"], rows, 8))
    return Section("datasets", "Summary across datasets", body)


def _ranking_exposure(fairness: RankingFairness, models: list[str], k: int) -> str:
    exposure = fairness.tables["exposure"]
    groups = exposure.select("group").unique().sort("group")["group"].to_list()
    first = exposure.filter(pl.col("model") == models[0])
    baseline_rows = [[label, *(_pct(_row(first, group=g).get(column)) for g in groups)]
                     for label, column in RANKING_BASELINES.items()]
    model_rows = [[m, *(f"{_pm(r.get('slot_share_mean'), r.get('slot_share_std'), True)} · "
                        f"{_pct(r.get('weighted_share_mean'))}"
                        for g in groups for r in [_row(exposure, model=m, group=g)])] for m in models]
    d = fairness.description
    caption = (f"Share of each artist gender among the slots of each model's top-{k} lists ({d['lists']}); bars: "
               f"mean over seeds, error bars: std over seeds; lines: the gender's share of the catalogue "
               f"({d['catalogue']}), of listening ({d['listening']}) and of the candidates ({d['candidates']}). "
               f"Split: {d['split']}.")
    return ("<h3>Exposure by artist gender</h3>"
            + figure(figures.exposure_panels(exposure, models, k, RANKING_BASELINES), caption,
                     "exposure by artist gender")
            + table(["baseline or model", *groups], baseline_rows + model_rows)
            + paragraph(f"Model rows: share of the top-{k} slots, mean ± std over seeds · position-weighted share "
                        "(each slot weighted by 1/log2(rank + 1)). Per-model ratios to the catalogue, listening "
                        "and candidate shares are in exposure.csv."))


def _ranking_first_rank(fairness: RankingFairness, models: list[str], k: int, focus: str) -> str:
    summary = fairness.tables["first_rank_in_top_k"]
    rows = [
        [m, f"{s['users_mean']:.0f}", f"{s['users_with_group_mean']:.0f}",
         _pm(s["in_top_k_mean"], s["in_top_k_std"], True), _pct(s["random_in_top_k_mean"]),
         _pm(s["mean_first_rank_in_top_k_mean"], s["mean_first_rank_in_top_k_std"]),
         _number(s["random_mean_first_rank_in_top_k_mean"])]
        for m in models for s in [_row(summary, model=m)] if s
    ]
    caption = (f"Left: share of the users with a {focus} artist among their candidates whose top {k} holds one; "
               f"right: mean rank of the first one in those lists. Bars: mean over seeds, error bars: std; black "
               f"marks: the exact expectation if each user's candidates ({fairness.description['candidates']}) "
               "were shuffled at random.")
    return (f"<h3>First {esc(focus)} artist against a random order</h3>"
            + figure(figures.first_rank_against_random(summary, models, focus, k), caption,
                     f"first {focus} artist against a random order")
            + table(["model", "users", f"users with a {focus} candidate", f"{focus} artist in top {k}",
                     "random order", f"mean first rank (in top {k})", "random order"], rows)
            + paragraph("As in Ferraro, Serra and Bauer (CHIIR 2021): how far down the list a listener meets the "
                        f"first {focus} artist; here within the top {k}, against the expectation of a random order "
                        f"of the same candidates (per user n candidates, f of them {focus})."))


def _ranking_artists(fairness: RankingFairness, models: list[str], k: int) -> str:
    rows = []
    for model in models:
        top = fairness.tables["artist_exposure"].filter(pl.col("model") == model).head(TOP_ARTISTS)
        rows.append([model, "; ".join(
            f"{'(no artist)' if r['artist'] is None else r['artist']} ({r['artist_gender']}, "
            f"{_pct(r['slot_share'])})" for r in top.iter_rows(named=True))])
    return ("<h3>Most exposed artists</h3>"
            + paragraph(f"The {TOP_ARTISTS} artists with the most slots in each model's top-{k} lists, all seeds "
                        "pooled, with their gender and share of the slots (artist_exposure.csv holds the first 100).")
            + table(["model", "most exposed artists (artist gender, share of slots)"], rows, 2))


def _ranking_section(dataset: str, fairness: RankingFairness, min_coverage: float) -> Section:
    d = fairness.description
    models, k, focus = d["models"], d["k"], d["focus_group"]
    seeds = sorted({s for values in d["seeds"].values() for s in values})
    covered = fairness.tables["coverage"]
    warning = coverage.coverage_warning(covered, min_coverage)
    intro = (f"Provider side of {len(models)} top-K models ({', '.join(models)}) on {d.get('data', dataset)}, "
             f"seeds {_seed_text(seeds)} (a model without randomness runs once). Split: {d['split']}. Lists: "
             f"{d['lists']}. Candidates: {d['candidates']} (candidate share: {d['candidate_shares']}). Artist "
             f"demographics: {d.get('demographics', '')}.")
    body = (paragraph(intro)
            + (paragraph(warning, "warning") if warning else "")
            + paragraph(f"{coverage.coverage_sentence(covered)} Anything without a known gender counts as "
                        "\"unknown\".")
            + _ranking_exposure(fairness, models, k)
            + _ranking_first_rank(fairness, models, k, focus)
            + _ranking_artists(fairness, models, k))
    return Section(dataset, f"{_title(dataset)}: provider exposure by artist gender", body)


def _not_analysed_section(dataset: str, state: dict) -> Section:
    body = paragraph(f"{_title(dataset)} is {state['status']} here: {state['note']}.", "warning")
    return Section(dataset, f"{_title(dataset)}: provider exposure by artist gender", body)


def build_fairness_report(tables: dict[str, pl.DataFrame], description: dict, run_info: dict,
                          ranking_fairness: dict[str, RankingFairness] | None = None,
                          status: dict[str, dict] | None = None) -> tuple[str, pl.DataFrame]:
    """The whole HTML page as a string, and the summary across datasets (``summary_table``).

    ``ranking_fairness``: the tables of each analysed ranking dataset; ``status``: every ranking dataset's
    status ("analysed", "left out", "not built", "not configured"), note and ``section`` (whether it gets a
    section of its own: the datasets with an artist-demographics source).
    """
    ranking_fairness, status = ranking_fairness or {}, status or {}
    models = _models(description)
    note = left_out_note(tables, description)
    summary = summary_table(tables, description, ranking_fairness, status)
    findings = Section("findings", "Headline findings",
                       bullet_list(headline_findings(tables, description), "findings")
                       + (paragraph(note, "muted") if note else ""))
    kkbox = [
        _coverage_section(tables, description, run_info),
        findings,
        _exposure_section(tables, description, models),
        _first_rank_section(tables, description, models),
        _quality_section(tables, description, models),
        _artists_section(tables, description, models),
    ]
    kkbox = [Section(s.anchor, f"KKBox: {s.title}", s.body) for s in kkbox]
    min_coverage = description["settings"]["min_coverage"]
    ranking_sections = [
        _ranking_section(d, ranking_fairness[d], min_coverage) if d in ranking_fairness
        else _not_analysed_section(d, state)
        for d, state in status.items() if d in ranking_fairness or state.get("section")
    ]
    sections = [_datasets_section(summary), *kkbox, *ranking_sections, _summary_section(description, run_info)]
    datasets = ", ".join(r["dataset"] for r in summary.iter_rows(named=True) if r["status"] == "analysed")
    subtitle = (f"{datasets} · KKBox validation split, threshold {description['threshold']} · "
                f"top-{description['k']} lists · seeds {_seed_text(description['seeds'])} · "
                f"{run_info.get('data_source', '')}")
    return page("Fairness of music recommendations", subtitle, sections), summary


def write_fairness_report(table_paths: dict[str, str], description_path, run_info: dict, out_path,
                          ranking_inputs: dict[str, tuple[dict[str, str], str]] | None = None,
                          status: dict[str, dict] | None = None, summary_path=None) -> None:
    """Read the aggregated tables (parquet) and ``tables.json`` of KKBox and of each analysed ranking
    dataset (``ranking_inputs``: dataset -> (table paths by name, tables.json)), and write the report and,
    with ``summary_path``, the summary across datasets (CSV), atomically."""
    tables = {name: pl.read_parquet(table_paths[name]) for name in REPORT_TABLES}
    description = json.loads(open(description_path, encoding="utf-8").read())
    ranking_fairness = {d: read_ranking_fairness(paths, json_path)
                        for d, (paths, json_path) in (ranking_inputs or {}).items()}
    run_info = {"generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "versions": package_versions(), **run_info}
    document, summary = build_fairness_report(tables, description, run_info, ranking_fairness, status)
    with atomic_path(out_path) as tmp:
        tmp.write_text(document, encoding="utf-8")
    if summary_path is not None:
        write_csv(summary, summary_path)
