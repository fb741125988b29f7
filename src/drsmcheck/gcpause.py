"""The cyclic garbage collector paused while a stage builds many small records.

Rendering 25 000 anomalies makes ~10⁶ dicts, lists and strings, none in a reference cycle:
each allocation burst triggers collections that rescan every live object (the figures table's
Python objects included) — ~0.2 s of the report dict at 10⁶ figures. Reference counting still
frees everything as usual; the collector resumes (and runs at its next threshold) when the
block ends, so no cyclic garbage outlives it for long.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic collector for the block (nested blocks are fine)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
