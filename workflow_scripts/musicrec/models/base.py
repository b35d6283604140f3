"""The small interface every model follows, and the feature-matrix view the KKBox models share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import polars as pl


class BinaryClassifier(Protocol):
    """``__init__`` stores hyper-parameters and the seed; ``fit`` trains; ``score`` returns P(y = 1)."""

    def fit(self, train: pl.DataFrame, labels: np.ndarray) -> "BinaryClassifier": ...

    def score(self, frame: pl.DataFrame) -> np.ndarray: ...


@dataclass(frozen=True)
class FeatureSpec:
    """Which columns of the feature tables are categorical codes (with cardinality) and which numeric."""

    categorical: dict[str, int]
    lgb_categorical: list[str]
    numeric: list[str]

    @classmethod
    def from_json(cls, spec: dict) -> "FeatureSpec":
        return cls(dict(spec["categorical"]), list(spec["lgb_categorical"]), list(spec["numeric"]))
