"""A tiny end-to-end build of the KKBox stage (2 seeds; per-user AUC and the significance test), incremental
rebuilds, and bad input."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from conftest import make_workdir, run_snakemake
from per_user_checks import check_per_user_files, check_significance
from profile_checks import check_profile
from musicrec.datasets import kkbox_demo
from test_dag import job_counts

pytestmark = pytest.mark.workflow

MODELS = ("lgb", "nn", "blend")


@pytest.fixture
def built_workdir(tiny_build):
    return tiny_build


def test_outputs_exist_and_aucs_are_sane(built_workdir):
    for model in MODELS:
        for seed in (0, 1):
            metrics = json.loads((built_workdir / f"results/kkbox/metrics/{model}/seed{seed}.json").read_text())
            assert 0.5 < metrics["metrics"]["auc"] <= 1.0, (model, seed, metrics)
            assert "time-ordered" in metrics["protocol"]["split"]
            validation = pd.read_csv(built_workdir / f"results/kkbox/predictions/{model}/seed{seed}.csv")
            assert list(validation.columns) == ["row_id", "msno", "song_id", "artist_name", "target", "score"]
            submission = pd.read_csv(built_workdir / f"results/kkbox/submissions/{model}/seed{seed}.csv")
            assert list(submission.columns) == ["id", "target"]
            assert len(submission) == kkbox_demo.KKBoxDemoSize.named("tiny").n_test
            assert submission["target"].between(0, 1).all()
    for job in ("kkbox/classify/lgb/seed0", "kkbox/classify/nn/seed1", "kkbox/blend/seed1"):
        assert (built_workdir / f"results/benchmarks/{job}.tsv").exists()
        assert "finished" in (built_workdir / f"results/logs/{job}.log").read_text()
    summary = pd.read_csv(built_workdir / "results/kkbox/summary.csv")
    assert sorted(set(summary["model"])) == sorted(MODELS) and (summary["n_seeds"] == 2).all()
    assert set(summary["metric"]) == {"auc", "log_loss"}


def test_per_user_auc_of_every_model_and_seed_and_the_paired_test_over_it(built_workdir):
    results = built_workdir / "results/kkbox"
    check_per_user_files(results, means_are_the_metrics=False)
    for model in MODELS:
        for seed in (0, 1):
            per_user = pd.read_parquet(results / f"per_user/{model}/seed{seed}.parquet")
            validation = pd.read_csv(results / f"predictions/{model}/seed{seed}.csv")
            both_classes = (validation.groupby("msno")["target"].nunique() == 2).sum()
            assert (per_user["metric"] == "auc").sum() == both_classes > 0
            assert (per_user["metric"] == "log_loss").sum() == validation["msno"].nunique()
    table = check_significance(built_workdir, "kkbox")
    row = table.row(0, named=True)
    assert row["metric"] == "auc" and row["users"] > 0 and row["seeds"] == "0,1"
    assert "not the auc of all rows" in row["note"]


def test_data_profile_counts_the_train_rows_and_the_repeat_listen_rates(built_workdir):
    values, extras, manifest = check_profile(built_workdir, "kkbox")
    train = pd.read_csv(built_workdir / "resources/kkbox/demo/train.csv")
    assert (values["rows"], values["users"]) == (len(train), train["msno"].nunique())
    assert values["target_rate"] == pytest.approx(train["target"].mean(), abs=1e-6)
    assert values["artists"] > 0 and "demo data" in manifest["source"]
    tabs = extras.filter(extras["table"] == "target rate by source_system_tab")
    assert sum(map(int, tabs["n"])) == len(train)


def test_nothing_left_to_do_after_a_build(built_workdir):
    result = run_snakemake(built_workdir, "-n", "kkbox")
    assert "Nothing to be done" in result.stdout + result.stderr


def test_regenerating_one_seed_runs_only_that_job(built_workdir):
    (built_workdir / "results/kkbox/predictions/lgb/seed1.csv").unlink()
    result = run_snakemake(built_workdir, "results/kkbox/predictions/lgb/seed1.csv", "-n", "--quiet", "rules")
    assert job_counts(result.stdout) == {"classify": 1}
    run_snakemake(built_workdir, "--cores", "2", "results/kkbox/predictions/lgb/seed1.csv")
    assert (built_workdir / "results/kkbox/predictions/lgb/seed1.csv").exists()


def test_editing_lgb_params_reruns_only_lgb_and_downstream(built_workdir):
    config = built_workdir / "config.yaml"
    original = config.read_text()
    try:
        config.write_text(original.replace("num_leaves: 63", "num_leaves: 31"))
        counts = job_counts(run_snakemake(built_workdir, "kkbox", "-n", "--quiet", "rules").stdout)
    finally:
        config.write_text(original)
    assert counts["classify"] == 2 and counts["blend"] == 2 and counts["summary"] == 1
    assert "classify_gpu" not in counts and "kkbox_features" not in counts


# ---- bad input: one clear line naming the culprit, no partial output ------------------------------


@pytest.fixture
def real_style_folder(tmp_path):
    """Tiny KKBox files in a folder, as a user with the real Kaggle files would have them."""
    folder = tmp_path / "kkbox_real"
    folder.mkdir()
    tables = kkbox_demo.generate(kkbox_demo.KKBoxDemoSize(60, 20, 100, 800, 100), seed=1)
    kkbox_demo.write(tables, {name: folder / f"{name}.csv" for name in tables if name != "artist_demographics"})
    return folder


def test_real_data_folder_runs_the_same_rules(tmp_path, real_style_folder):
    workdir = make_workdir(tmp_path, {"seeds": [0], "kkbox": {"data": str(real_style_folder)}})
    run_snakemake(workdir, "--cores", "2", "results/kkbox/predictions/lgb/seed0.csv")
    assert not (workdir / "resources/kkbox/demo").exists(), "the demo generator must not run"
    metrics = json.loads((workdir / "results/kkbox/metrics/lgb/seed0.json").read_text())
    assert metrics["protocol"]["rows"] == 160  # last 20% of the folder's 800 train.csv rows


def real_data_workdir(tmp_path, folder, extra_config=None):
    return make_workdir(tmp_path, {"seeds": [0], "kkbox": {"data": str(folder)}, **(extra_config or {})})


def run_on(tmp_path, folder, extra_config=None):
    """Build the feature step on ``folder``; it must fail and leave no output (not even a temporary file)."""
    workdir = real_data_workdir(tmp_path, folder, extra_config)
    result = run_snakemake(workdir, "--cores", "1", "results/kkbox/features/spec.json", check=False)
    assert result.returncode != 0
    assert written_results(workdir) == []
    return result.stdout + result.stderr


def written_results(workdir) -> list[str]:
    """Every file under results/ other than the logs and benchmark records, hidden ones included."""
    results = workdir / "results"
    files = (p.relative_to(results) for p in results.rglob("*") if p.is_file())
    return sorted(str(f) for f in files if f.parts[0] not in ("logs", "benchmarks"))


def error_line(output: str) -> str:
    lines = [line for line in output.splitlines() if line.startswith("musicrec error")]
    assert len(lines) == 1, output[-3000:]
    return lines[0]


def test_missing_file_is_named(tmp_path, real_style_folder):
    (real_style_folder / "songs.csv").unlink()
    output = run_on(tmp_path, real_style_folder)
    assert "Missing input files" in output and "songs.csv" in output


def test_missing_column_is_named(tmp_path, real_style_folder):
    train = pd.read_csv(real_style_folder / "train.csv")
    train.drop(columns="source_type").to_csv(real_style_folder / "train.csv", index=False)
    line = error_line(run_on(tmp_path, real_style_folder))
    assert "train.csv" in line and "'source_type'" in line and "missing column" in line


def test_empty_train_is_named(tmp_path, real_style_folder):
    header = (real_style_folder / "train.csv").read_text().splitlines()[0]
    (real_style_folder / "train.csv").write_text(header + "\n")
    line = error_line(run_on(tmp_path, real_style_folder))
    assert "train.csv" in line and "no rows" in line


def test_non_numeric_target_is_named(tmp_path, real_style_folder):
    train = pd.read_csv(real_style_folder / "train.csv", dtype=str, keep_default_na=False)
    train.loc[5, "target"] = "maybe"
    train.to_csv(real_style_folder / "train.csv", index=False)
    line = error_line(run_on(tmp_path, real_style_folder))
    assert "train.csv" in line and "'target'" in line and "'maybe'" in line


def rewrite_csv(path, edit) -> None:
    """Apply ``edit`` to the CSV at ``path`` read as text (empty fields stay empty) and write it back."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    edit(frame).to_csv(path, index=False)


def test_blank_trailing_rows_are_dropped_and_counted(tmp_path, real_style_folder):
    with open(real_style_folder / "test.csv", "a") as handle:
        handle.write(",,,,,\n" * 35_000)
    with open(real_style_folder / "songs.csv", "a") as handle:
        handle.write(",,,,,,\n" * 3)
    workdir = real_data_workdir(tmp_path, real_style_folder)
    run_snakemake(workdir, "--cores", "1", "results/kkbox/features/spec.json")
    log = (workdir / "results/logs/kkbox/features.log").read_text()
    for name, count in (("test.csv", 35_000), ("songs.csv", 3)):
        assert f"{real_style_folder / name}: dropped {count} blank row(s) (every field empty)" in log
    assert "train.csv: dropped" not in log
    assert pd.read_parquet(workdir / "results/kkbox/features/test.parquet").shape[0] == 100


def test_utf16_members_is_named(tmp_path, real_style_folder):
    members = real_style_folder / "members.csv"
    members.write_bytes(members.read_text(encoding="utf-8").encode("utf-16"))
    line = error_line(run_on(tmp_path, real_style_folder))
    assert line == (f"musicrec error in rule kkbox_features: {members}: not UTF-8 text: it looks like UTF-16 LE "
                    "(byte-order mark FF FE); re-save it as UTF-8")


def test_duplicate_test_ids_are_named(tmp_path, real_style_folder):
    rewrite_csv(real_style_folder / "test.csv", lambda test: pd.concat([test, test.iloc[[7, 9]]]))
    line = error_line(run_on(tmp_path, real_style_folder))
    test_csv = real_style_folder / "test.csv"
    duplicate = pd.read_csv(test_csv)["id"].iloc[7]
    assert line == (f"musicrec error in rule kkbox_features: {test_csv}: column 'id': 2 row(s) repeat an earlier id "
                    f"(e.g. {duplicate} occurs 2 times); each id must occur once")


def test_nul_bytes_in_train_are_named(tmp_path, real_style_folder):
    train = real_style_folder / "train.csv"
    data = train.read_bytes()
    offset = data.index(b"\n", data.index(b"\n") + 1) - 3  # just before the end of the first data row
    train.write_bytes(data[:offset] + b"\0\0" + data[offset:])
    line = error_line(run_on(tmp_path, real_style_folder))
    assert line == (f"musicrec error in rule kkbox_features: {train}: contains NUL bytes (first at byte {offset}, "
                    "line 2): not a text CSV")


def test_single_target_class_is_named(tmp_path, real_style_folder):
    rewrite_csv(real_style_folder / "train.csv", lambda train: train.assign(target="1"))
    line = error_line(run_on(tmp_path, real_style_folder))
    assert line == (f"musicrec error in rule kkbox_features: {real_style_folder / 'train.csv'}: column 'target': "
                    "every row has target 1, so AUC is undefined (it needs rows of both classes, 0 and 1)")


@pytest.mark.parametrize(
    ("override", "culprit"),
    [({"kkbox": {"validation_fraction": 2}}, "validation_fraction"), ({"seeds": ["x"]}, "seeds"),
     ({"kkbox": {"models": {"lgb": {"num_leafs": 7}}}}, "kkbox.models.lgb: unknown hyper-parameter 'num_leafs'")],
)
def test_bad_config_value_is_named(tmp_path, override, culprit):
    workdir = make_workdir(tmp_path, override)
    result = run_snakemake(workdir, "-n", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    lines = [line for line in output.splitlines() if "config.yaml is invalid" in line]
    assert len(lines) == 1 and culprit in lines[0], output[-3000:]
    assert not (workdir / "results").exists()
