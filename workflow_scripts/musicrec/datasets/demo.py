"""One entry point for every dataset's demo generator: generate from a named size and a seed, write."""

from __future__ import annotations

from . import kkbox_demo, lastfm_demo, mssd_demo, yambda_demo, yandex_music_demo

# Generators that build their tables in memory, then write them.
IN_MEMORY = {
    "kkbox": (kkbox_demo, kkbox_demo.KKBoxDemoSize),
    "lastfm": (lastfm_demo, lastfm_demo.LastfmDemoSize),
    "yandex_music": (yandex_music_demo, yandex_music_demo.YandexMusicDemoSize),
    "mssd": (mssd_demo, mssd_demo.MssdDemoSize),
}
# Generators that write in chunks (their largest size does not fit in memory at once).
CHUNKED = {"yambda": (yambda_demo, yambda_demo.YambdaDemoSize)}


def write_demo(dataset: str, size: str, seed: int, outputs: dict[str, str]) -> None:
    """Generate ``dataset``'s demo tables at the named ``size`` and write each to ``outputs[name]``."""
    if dataset in IN_MEMORY:
        module, sizes = IN_MEMORY[dataset]
        module.write(module.generate(sizes.named(size), seed), outputs)
    elif dataset in CHUNKED:
        module, sizes = CHUNKED[dataset]
        module.write(sizes.named(size), seed, outputs)
    else:
        raise ValueError(f"no demo generator for dataset {dataset!r}; choose one of {sorted(IN_MEMORY | CHUNKED)}")
