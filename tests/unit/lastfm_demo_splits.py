"""The tiny Last.fm demo prepared as the workflow's data stages write it, into a tmp folder: both splits'
train, targets, cold users, ordered sequences, summary, item and user features, and the friendship graph;
and the inputs a registered model's job reads from them (as rules/common.smk's ``_ranking_inputs``)."""

from __future__ import annotations

from pathlib import Path

from musicrec import models
from musicrec.datasets import lastfm, lastfm_demo, spotify
from musicrec.features.lastfm import build_tables
from musicrec.io import write_json, write_parquet

SPLIT_PARTS = ("train", "targets", "cold_users", "sequences")


def write_demo_splits(folder: Path, demo_seed: int = 1,
                      params: lastfm.SplitParams = lastfm.SplitParams(cold_users=4)) -> dict[str, dict[str, str]]:
    """Generate, write and load the tiny demo, then write both splits; returns split -> part -> path."""
    raw = folder / "raw"
    raw.mkdir(parents=True)
    files = {name: str(raw / f"{name}.dat") for name in lastfm.TABLE_NAMES}
    files |= {"spotify": str(raw / "spotify_songs.csv"), "artist_demographics": str(raw / "demographics.csv")}
    lastfm_demo.write(lastfm_demo.generate(lastfm_demo.LastfmDemoSize.named("tiny"), demo_seed), files)
    tables = lastfm.load(files)
    songs = spotify.load(files["spotify"])
    splits = lastfm.prepare_splits(tables, params)
    neighbours = str(folder / "neighbours.parquet")
    write_parquet(splits["neighbours"], neighbours)
    catalogue = str(folder / "catalogue.parquet")
    write_parquet(splits["catalogue"], catalogue)
    paths = {}
    for split in ("test", "valid"):
        base = folder / split
        paths[split] = {part: str(base / f"{part}.parquet") for part in SPLIT_PARTS}
        for part in SPLIT_PARTS:
            write_parquet(splits[split][part], paths[split][part])
        paths[split]["summary"] = str(base / "summary.json")
        write_json(splits[split]["summary"], paths[split]["summary"])
        items, users, _ = build_tables(tables, songs, splits[split]["train"])
        paths[split] |= {"item_features": str(base / "items.parquet"), "user_features": str(base / "users.parquet"),
                         "neighbours": neighbours, "catalogue": catalogue}
        write_parquet(items, paths[split]["item_features"])
        write_parquet(users, paths[split]["user_features"])
    return paths


def model_inputs(registry: str, split_paths: dict[str, str]) -> dict[str, str]:
    """The files a ranking job of ``registry`` reads: train, targets, the catalogue and its registry entry's
    data parts (the optional ones where the split has them)."""
    return {part: split_paths[part]
            for part in ("train", "targets", "catalogue", *models.data_parts(registry, split_paths))}
