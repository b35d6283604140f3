"""Read back an offline W&B run folder, independently of the code that wrote it: the records of its
``run-<id>.wandb`` transaction log.

The log is LevelDB's log format behind a 7-byte header (``:W&B``, magic 0xBEE1, version): 32 KiB blocks of
chunks, each a 7-byte header (CRC32, little-endian length, type: 1 full, 2 first, 3 middle, 4 last) and its
bytes; a block's tail shorter than a chunk header is padding. Each whole chunk sequence is one protobuf
``Record`` of wandb's internal schema.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

BLOCK = 32 * 1024
HEADER = 7
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def records(path: Path):
    """Every protobuf Record of a ``.wandb`` file, in order."""
    from wandb.proto import wandb_internal_pb2

    data = path.read_bytes()
    assert data[:4] == b":W&B", f"{path} is not a W&B transaction log"
    position, pending = HEADER, b""
    while position + HEADER <= len(data):
        left_in_block = BLOCK - position % BLOCK
        if left_in_block < HEADER:
            position += left_in_block
            continue
        _, length, kind = struct.unpack("<IHB", data[position:position + HEADER])
        chunk = data[position + HEADER:position + HEADER + length]
        position += HEADER + length
        if kind == 0:
            break
        pending = chunk if kind in (FULL, FIRST) else pending + chunk
        if kind in (FULL, LAST):
            record = wandb_internal_pb2.Record()
            record.ParseFromString(pending)
            yield record


def offline_run(run_folder: Path) -> dict:
    """The run's id, project, group, name, config (key -> value) and summary (the last value of each key)
    as recorded in its transaction log."""
    (log,) = run_folder.glob("run-*.wandb")
    run = {"config": {}, "summary": {}}
    for record in records(log):
        kind = record.WhichOneof("record_type")
        if kind == "run":
            run.update(id=record.run.run_id, project=record.run.project, group=record.run.run_group,
                       name=record.run.display_name)
            run["config"].update({item.key: json.loads(item.value_json) for item in record.run.config.update})
        elif kind == "config":
            run["config"].update({item.key: json.loads(item.value_json) for item in record.config.update})
        elif kind == "summary":
            run["summary"].update({item.key: json.loads(item.value_json) for item in record.summary.update
                                   if item.key})
    return run
