"""Rule ann_benchmark: recall@10 and queries per second of FAISS IVF-Flat and HNSW (inner product, or the
MIPS-to-L2 reduction) against exact search over the Yambda demo's item vectors plus the projected 50m-shaped
audio embeddings, next to uniform vectors on the sphere."""

from dataclasses import dataclass

import polars as pl

from musicrec.io import write_csv, write_json
from musicrec.retrieval.ann_benchmark import run_benchmark, stage_vectors
from musicrec.scripting import run_script, typed_params


@dataclass(frozen=True)
class Params:
    source: str
    k: int
    variants: list
    nlist: int
    nprobes: list
    max_points_per_centroid: int
    hnsw_m: int
    ef_construction: int
    ef_searches: list
    recall_target: float
    alpha: float
    seed: int


def main(smk):
    params = typed_params(Params, smk.params.settings)
    vectors, queries, projection = stage_vectors(
        smk.input.models, pl.read_parquet(smk.input.train), pl.read_parquet(smk.input.item_features),
        smk.input.embeddings, params.alpha, params.seed)
    curve, summary = run_benchmark(vectors, queries, params.k, params.variants, params.nprobes, params.ef_searches,
                                   params.seed, smk.threads, params.nlist, params.max_points_per_centroid,
                                   params.hnsw_m, params.ef_construction, params.recall_target,
                                   projection["warm_items"])
    write_csv(curve, smk.output.curve)
    write_json({"source": params.source, "projection": projection, **summary}, smk.output.summary)


run_script(main, snakemake)  # noqa: F821
