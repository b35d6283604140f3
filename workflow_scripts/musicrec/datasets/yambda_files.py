"""Where the Yambda files of one scale are: each table's file, under either of the names copies use.

Kept free of heavy imports: the Snakefile resolves the input paths at parse time.
"""

from __future__ import annotations

from pathlib import Path

EVENT_TABLE = "multi_event"
# File stems each table may have, first the Hugging Face name.
FILE_NAMES = {
    EVENT_TABLE: ("multi_event",),
    "embeddings": ("embeddings",),
    "artist_item_mapping": ("artist_item_mapping", "artist_mapping"),
    "album_item_mapping": ("album_item_mapping", "album_mapping"),
}
TABLE_NAMES = tuple(FILE_NAMES)


def file_paths(folder) -> dict[str, str]:
    """The file of each table in ``folder``: the first of its names that exists (the Hugging Face name
    when none does, so that a missing file is reported under the name users download)."""
    folder = Path(folder)
    paths = {}
    for table, stems in FILE_NAMES.items():
        found = [folder / f"{stem}.parquet" for stem in stems if (folder / f"{stem}.parquet").exists()]
        paths[table] = str(found[0] if found else folder / f"{stems[0]}.parquet")
    return paths
