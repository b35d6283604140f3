"""Where the MSSD files are: the session logs (``log_*.csv``) and track-feature tables (``tf_*.csv``) anywhere
under a folder, as the official archives unpack them (``training_set/``, ``track_features/``), and the names and
sizes of the demo's files.

Kept free of heavy imports: the Snakefile resolves the input paths at parse time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError

PATTERNS = {"logs": "log_*.csv", "track_features": "tf_*.csv"}
FIRST_DAY = dt.date(2018, 7, 14)
TRACK_FEATURES_NAME = "tf_000000000000"


def file_paths(folder) -> dict[str, list[str]]:
    """``logs`` and ``track_features``: the files of each kind under ``folder`` (recursively, sorted by path);
    ConfigError when the folder is missing or holds none of a kind."""
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(f"mssd.data: {folder} is not a folder (give the folder holding log_*.csv and tf_*.csv)")
    paths = {kind: sorted(str(p) for p in folder.rglob(pattern)) for kind, pattern in PATTERNS.items()}
    for kind, pattern in PATTERNS.items():
        if not paths[kind]:
            raise ConfigError(f"mssd.data: no {pattern} file under {folder} (the {kind.replace('_', ' ')} of the "
                              "Music Streaming Sessions Dataset)")
    return paths


@dataclass(frozen=True)
class MssdDemoSize:
    sessions: int
    tracks: int
    clusters: int
    days: int

    @classmethod
    def named(cls, size: str) -> "MssdDemoSize":
        sizes = {"tiny": cls(120, 300, 4, 3), "default": cls(4000, 3000, 12, 7)}
        if size not in sizes:
            raise ValueError(f"unknown demo size {size!r} (tiny or default)")
        return sizes[size]

    def log_names(self) -> list[str]:
        """The log tables' names (one per day), the keys of :func:`generate`'s logs."""
        return [f"log_0_{(FIRST_DAY + dt.timedelta(days=d)).strftime('%Y%m%d')}_000000000000" for d in range(self.days)]

    def table_names(self) -> list[str]:
        return [*self.log_names(), TRACK_FEATURES_NAME]
