"""``Interactions``: what every recommender is fitted on, built vectorised from contract tables.

Rows are users and columns are items, each in sorted id order: ``user_ids[r]`` is the dataset id of
row r, ``item_ids[c]`` that of column c (the catalogue). The training matrix is a CSR matrix of float32
weights (repeated user-item rows summed). Optional parts: per-user ordered item sequences, item and user
feature tables aligned to the columns / rows, a user-user neighbour matrix (e.g. friends), and a
user-item matrix of explicit negatives (1 where the user disliked the item, e.g. Yambda's training-window
dislikes).

Memory is linear in the events: at the Yambda 50m shape (10,000 x 934,057, 48M events) the matrix takes
48M x (4 + 4) bytes plus the row pointers, and the sequences as much again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
import scipy.sparse as sp

from .errors import InputDataError
from .schema import INTERACTION_COLUMNS, read_interactions, require_columns


def index_of(sorted_ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Position of each of ``values`` in ``sorted_ids`` (sorted, unique), -1 where absent."""
    values = np.asarray(values)
    if len(sorted_ids) == 0:
        return np.full(len(values), -1, dtype=np.int64)
    positions = np.minimum(np.searchsorted(sorted_ids, values), len(sorted_ids) - 1)
    return np.where(sorted_ids[positions] == values, positions, -1).astype(np.int64)


@dataclass
class Sequences:
    """Per-row ordered item columns in CSR layout: row r's items are ``items[indptr[r]:indptr[r + 1]]``;
    ``times`` (when the source had timestamps) holds each entry's timestamp in the same layout."""

    indptr: np.ndarray
    items: np.ndarray
    times: np.ndarray | None = None

    def of(self, row: int) -> np.ndarray:
        if row < 0:
            return self.items[:0]
        return self.items[self.indptr[row]:self.indptr[row + 1]]

    def lengths(self) -> np.ndarray:
        return np.diff(self.indptr)


def prefixed_matrix(frame: pl.DataFrame, prefix: str, dtype=np.float64) -> tuple[np.ndarray, np.ndarray] | None:
    """The columns of ``frame`` whose names start with ``prefix`` (e.g. audio embeddings ``embed_0..``) as an
    (n_rows, n_columns) array of ``dtype`` with NaN where a value is null, and per row whether every value is
    finite; None when ``frame`` has no such column."""
    columns = [c for c in frame.columns if c.startswith(prefix)]
    if not columns:
        return None
    values = frame.select(pl.col(columns).cast(pl.Float64)).fill_null(np.nan).to_numpy().astype(dtype, order="C")
    return values, np.isfinite(values).all(axis=1)


def _binary_pairs(rows: np.ndarray, columns: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    """A float32 CSR matrix of ``shape`` with 1 at each (row, column) pair; pairs with an unknown side (-1) are
    dropped and repeated pairs count once."""
    keep = (rows >= 0) & (columns >= 0)
    matrix = sp.csr_matrix((np.ones(int(keep.sum()), dtype=np.float32), (rows[keep], columns[keep])), shape=shape)
    matrix.data[:] = 1.0
    return matrix


@dataclass
class Interactions:
    user_ids: np.ndarray
    item_ids: np.ndarray
    matrix: sp.csr_matrix
    sequences: Sequences | None = None
    item_features: pl.DataFrame | None = None
    user_features: pl.DataFrame | None = None
    neighbours: sp.csr_matrix | None = None
    negatives: sp.csr_matrix | None = None
    sources: dict[str, str] = field(default_factory=dict)
    _binary: sp.csr_matrix | None = field(default=None, repr=False)

    @property
    def source(self) -> str:
        """The training file (for messages)."""
        return self.sources.get("train", "train")

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    def rows(self, user_ids) -> np.ndarray:
        """Row of each dataset user id (-1 for users the data does not know)."""
        return index_of(self.user_ids, np.asarray(user_ids))

    def columns(self, item_ids) -> np.ndarray:
        """Column of each dataset item id (-1 for items outside the catalogue)."""
        return index_of(self.item_ids, np.asarray(item_ids))

    def history(self, rows: np.ndarray) -> sp.csr_matrix:
        """Training weights of ``rows`` (in that order); row -1 (unknown user) is empty."""
        rows = np.asarray(rows, dtype=np.int64)
        known = rows >= 0
        if known.all():
            return self.matrix[rows]
        selector = sp.csr_matrix((np.ones(int(known.sum()), dtype=np.float32),
                                  (np.flatnonzero(known), rows[known])), shape=(len(rows), self.n_users))
        return (selector @ self.matrix).tocsr()

    @property
    def binary(self) -> sp.csr_matrix:
        """The matrix with every stored entry set to 1 (who interacted with what)."""
        if self._binary is None:
            self._binary = self.matrix.copy()
            self._binary.data[:] = 1.0
        return self._binary

    def item_counts(self) -> np.ndarray:
        """Number of users per item (column), as float64."""
        return np.asarray(self.binary.sum(axis=0), dtype=np.float64).ravel()

    def sequence_list(self, rows: np.ndarray) -> list[np.ndarray]:
        """The ordered item columns of each of ``rows`` (empty for unknown users)."""
        if self.sequences is None:
            raise InputDataError(self.source, "this model needs ordered sequences, and the data has none")
        return [self.sequences.of(int(r)) for r in rows]

    @classmethod
    def from_frames(cls, train: pl.DataFrame, items: pl.DataFrame | None = None, users: pl.DataFrame | None = None,
                    sequences: pl.DataFrame | None = None, neighbours: pl.DataFrame | None = None,
                    extra_users=None, sources: dict[str, str] | None = None,
                    catalogue: pl.DataFrame | None = None, negatives: pl.DataFrame | None = None) -> "Interactions":
        """Build from contract tables.

        ``train``: user_id, item_id, weight. ``catalogue``: item_id of every item a model may recommend
        (else the ids of ``items``, else the training items); every training item must be in it.
        ``items``: item_id + item features. ``users``: user_id + user features. ``sequences``:
        user_id, item_id, position[, timestamp] (each user's training items in order); without it, a
        ``timestamp`` column of ``train`` orders the events. Timestamps, where given, are kept in
        ``sequences.times`` (time-decayed models read them). ``neighbours``: user_id, neighbour_id.
        ``negatives``: user_id, item_id of explicit negative pairs (users without a row and items outside
        the catalogue are left out).
        ``extra_users``: ids that get a row even without training pairs (e.g. the users to recommend to).
        ``sources`` names the file of each table (keys as in :data:`TABLE_KEYS`) for error messages.
        """
        tables = {"train": train, "catalogue": catalogue, "item_features": items, "user_features": users,
                  "sequences": sequences, "neighbours": neighbours, "negatives": negatives}
        names = {name: name.replace("_", " ") for name in tables} | (sources or {})
        _check_tables(tables, names)
        source = names["train"]
        user_column = train["user_id"].to_numpy()
        item_column = train["item_id"].to_numpy()
        listed = catalogue if catalogue is not None else items
        catalogue_name = "catalogue" if catalogue is not None else "item_features"
        catalogue = np.unique(listed["item_id"].to_numpy()) if listed is not None else np.unique(item_column)
        known_users = [user_column]
        if users is not None:
            known_users.append(users["user_id"].to_numpy())
        if extra_users is not None:
            known_users.append(np.asarray(extra_users))
        user_ids = np.unique(np.concatenate(known_users))
        rows = index_of(user_ids, user_column)
        cols = index_of(catalogue, item_column)
        if (cols < 0).any():
            example = item_column[cols < 0][0]
            catalogue_of = f" ({names[catalogue_name]})" if listed is not None else ""
            raise InputDataError(source, f"{int((cols < 0).sum())} row(s) with item ids absent from the catalogue"
                                 f"{catalogue_of} (e.g. {example})", column="item_id")
        weights = train["weight"].cast(pl.Float32).to_numpy()
        matrix = sp.csr_matrix((weights, (rows, cols)), shape=(len(user_ids), len(catalogue)), dtype=np.float32)
        matrix.sum_duplicates()
        data = cls(user_ids, catalogue, matrix, sources=names)
        if sequences is not None:
            timed = ["timestamp"] if "timestamp" in sequences.columns else []
            data.sequences = _sequences(sequences.select("user_id", "item_id", "position", *timed)
                                        .sort("user_id", "position"), data, names["sequences"])
        elif "timestamp" in train.columns:
            data.sequences = _sequences(train.select("user_id", "item_id", "timestamp")
                                        .sort("user_id", "timestamp", maintain_order=True), data, source)
        if items is not None:
            data.item_features = _aligned(items, "item_id", catalogue)
        if users is not None:
            data.user_features = _aligned(users, "user_id", user_ids)
        if neighbours is not None:
            data.neighbours = _binary_pairs(data.rows(neighbours["user_id"].to_numpy()),
                                            data.rows(neighbours["neighbour_id"].to_numpy()),
                                            (data.n_users, data.n_users))
        if negatives is not None:
            data.negatives = _binary_pairs(data.rows(negatives["user_id"].to_numpy()),
                                           data.columns(negatives["item_id"].to_numpy()),
                                           (data.n_users, data.n_items))
        return data

    @classmethod
    def load(cls, paths: dict[str, str], extra_users=None) -> "Interactions":
        """From parquet files: ``train`` (required), ``catalogue``, ``item_features``, ``user_features``,
        ``sequences``, ``neighbours``, ``negatives``."""
        def optional(name):
            return read_interactions(paths[name], TABLE_KEYS[name], name.replace("_", " ")) if paths.get(name) else None

        return cls.from_frames(read_interactions(paths["train"], INTERACTION_COLUMNS), optional("item_features"),
                               optional("user_features"), optional("sequences"), optional("neighbours"), extra_users,
                               sources={name: str(path) for name, path in paths.items()},
                               catalogue=optional("catalogue"), negatives=optional("negatives"))


# The columns each table of :meth:`Interactions.from_frames` must have.
TABLE_KEYS = {"train": INTERACTION_COLUMNS, "catalogue": ("item_id",), "item_features": ("item_id",), "user_features": ("user_id",),
              "sequences": ("user_id", "item_id", "position"), "neighbours": ("user_id", "neighbour_id"),
              "negatives": ("user_id", "item_id")}
# Which id each key column holds, to check that the tables agree on its type.
ID_OF_COLUMN = {"user_id": "user", "neighbour_id": "user", "item_id": "item"}


def _check_tables(tables: dict[str, pl.DataFrame | None], names: dict[str, str]) -> None:
    """Every given table has its key columns, and user (item) ids have one kind of type across tables."""
    kinds: dict[str, tuple[str, str]] = {}
    for name, table in tables.items():
        if table is None:
            continue
        require_columns(table, names[name], TABLE_KEYS[name], name.replace("_", " "))
        for column in TABLE_KEYS[name]:
            if column not in ID_OF_COLUMN:
                continue
            kind = "integer" if table[column].dtype.is_integer() else str(table[column].dtype)
            first = kinds.setdefault(ID_OF_COLUMN[column], (kind, names[name]))
            if first[0] != kind:
                raise InputDataError(names[name], f"{ID_OF_COLUMN[column]} ids are {kind} here but {first[0]} in "
                                     f"{first[1]}", column=column)


def _sequences(ordered: pl.DataFrame, data: Interactions, source: str) -> Sequences:
    """Sequences of ``ordered`` (rows already in each user's order); every row must be a known user and item."""
    rows = data.rows(ordered["user_id"].to_numpy())
    cols = data.columns(ordered["item_id"].to_numpy())
    unknown = (rows < 0) | (cols < 0)
    if unknown.any():
        raise InputDataError(source, f"{int(unknown.sum())} sequence row(s) of users or items the training data "
                             "does not have", column="item_id" if (cols < 0).any() else "user_id")
    by_row = np.argsort(rows, kind="stable")
    rows, cols = rows[by_row], cols[by_row]
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=data.n_users))]).astype(np.int64)
    times = ordered["timestamp"].to_numpy().astype(np.int64)[by_row] if "timestamp" in ordered.columns else None
    return Sequences(indptr, cols.astype(np.int64), times)


def _aligned(table: pl.DataFrame, key: str, ids: np.ndarray) -> pl.DataFrame:
    """``table`` with one row per id of ``ids`` in that order (null features where an id has no row)."""
    frame = pl.DataFrame({key: ids}).with_columns(pl.col(key).cast(table[key].dtype))
    return frame.join(table.unique(key, keep="first"), on=key, how="left", maintain_order="left")
