"""One entry point for every dataset's demo generator: generate from a named size and a seed, write."""

from __future__ import annotations

from . import kkbox_demo, lastfm_demo

GENERATORS = {
    "kkbox": (kkbox_demo, kkbox_demo.KKBoxDemoSize),
    "lastfm": (lastfm_demo, lastfm_demo.LastfmDemoSize),
}


def write_demo(dataset: str, size: str, seed: int, outputs: dict[str, str]) -> None:
    """Generate ``dataset``'s demo tables at the named ``size`` and write each to ``outputs[name]``."""
    if dataset not in GENERATORS:
        raise ValueError(f"no demo generator for dataset {dataset!r}; choose one of {sorted(GENERATORS)}")
    module, sizes = GENERATORS[dataset]
    module.write(module.generate(sizes.named(size), seed), outputs)
