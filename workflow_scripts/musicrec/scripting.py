"""What every thin workflow script shares: logging to the rule's log, typed params, one-line errors."""

from __future__ import annotations

import dataclasses
import logging
import sys
import time

from .errors import MusicrecError

log = logging.getLogger("musicrec")


def setup_logging(log_path: str | None) -> None:
    """Send the package's log records (and warnings) to the rule's log file and to stderr."""
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_path:
        handlers.append(logging.FileHandler(log_path, mode="w", encoding="utf-8"))
    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        handlers=handlers,
        force=True,
    )
    logging.captureWarnings(True)


def typed_params(cls, params):
    """Build dataclass ``cls`` from ``snakemake.params`` (or any mapping), ignoring unknown keys."""
    names = {f.name for f in dataclasses.fields(cls)}
    source = dict(params.items()) if hasattr(params, "items") else dict(params)
    return cls(**{k: v for k, v in source.items() if k in names})


def run_script(main, smk) -> None:
    """Run ``main(smk)`` with logging set up; user errors become one line and exit code 1.

    Snakemake deletes the outputs of a failed job, and the package writes outputs atomically,
    so a failure leaves no partial file behind.
    """
    log_files = list(getattr(smk, "log", []) or [])
    setup_logging(log_files[0] if log_files else None)
    rule = getattr(smk, "rule", "script")
    started = time.perf_counter()
    log.info("rule %s started (wildcards: %s)", rule, dict(getattr(smk, "wildcards", {}).items()))
    try:
        main(smk)
    except MusicrecError as err:
        log.error("%s", err)
        print(f"musicrec error in rule {rule}: {err}", file=sys.stderr, flush=True)
        sys.exit(1)
    log.info("rule %s finished in %.1f s", rule, time.perf_counter() - started)
