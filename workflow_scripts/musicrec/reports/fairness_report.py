"""The fairness report: demographic coverage, headline findings, exposure, first-female-artist rank,
per-group quality, run summary.

Input: the aggregated tables of ``musicrec.fairness.kkbox.summarise`` (mean and spread over seeds), the
``tables.json`` that describes them, and the coverage table of ``musicrec.fairness.coverage``. Every
string from data is escaped by ``html``'s helpers.

Headline findings quote only groups with at least ``min_group_size`` validation rows; the smaller ones
are named in a note under them (their numbers stay in the sections below).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import json
import platform

import polars as pl

from ..fairness import coverage
from ..io import atomic_path
from . import figures
from .html import Section, bullet_list, esc, figure, page, paragraph, preformatted, table

REPORT_TABLES = ("group_metrics", "disparities", "exposure", "first_rank_distribution", "first_rank_summary",
                 "artist_exposure", "coverage")
ATTRIBUTE_TITLES = {"artist_gender": "artist gender", "user_gender": "user gender", "age_band": "user age band"}
QUALITY_METRICS = ["auc", "accuracy", "tpr", "fpr", "selection_rate"]
VERSION_PACKAGES = ("snakemake", "polars", "pandas", "numpy", "scikit-learn", "fairlearn", "lightgbm", "keras",
                    "tensorflow-cpu", "matplotlib")
TOP_ARTISTS = 5


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


def build_fairness_report(tables: dict[str, pl.DataFrame], description: dict, run_info: dict) -> str:
    """The whole HTML page as a string."""
    models = _models(description)
    note = left_out_note(tables, description)
    findings = Section("findings", "Headline findings",
                       bullet_list(headline_findings(tables, description), "findings")
                       + (paragraph(note, "muted") if note else ""))
    sections = [
        _coverage_section(tables, description, run_info),
        findings,
        _exposure_section(tables, description, models),
        _first_rank_section(tables, description, models),
        _quality_section(tables, description, models),
        _artists_section(tables, description, models),
        _summary_section(description, run_info),
    ]
    subtitle = (f"KKBox validation split · models {', '.join(models)} · seeds {', '.join(map(str, description['seeds']))}"
                f" · threshold {description['threshold']} · top-{description['k']} lists · {run_info.get('data_source', '')}")
    return page("Fairness of music recommendations", subtitle, sections)


def write_fairness_report(table_paths: dict[str, str], description_path, run_info: dict, out_path) -> None:
    """Read the aggregated tables (parquet) and ``tables.json``, and write the report atomically."""
    tables = {name: pl.read_parquet(table_paths[name]) for name in REPORT_TABLES}
    description = json.loads(open(description_path, encoding="utf-8").read())
    run_info = {"generated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
                "versions": package_versions(), **run_info}
    document = build_fairness_report(tables, description, run_info)
    with atomic_path(out_path) as tmp:
        tmp.write_text(document, encoding="utf-8")
