"""`non_numeric` (built in): a cell where a number is printed but none can be read, reported once.

Such a figure has no value: every relation reading it is not evaluable, and the reviewer must
know which cells could not be checked — and whether anything was lost. A conventional marker
of statistical tables (`-`, `/`, `ns`, `nd`, `NC`, `s` for secret, `Neutralisé`, a blank) says
the figure is not available, and why: `not_available`, an `info` finding with the marker's
meaning. Anything else in a numeric cell (initials such as `FCU`, a label shifted into the value
column) is no convention: a number was lost in layout or transcription, a `garbled` error.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..localize import markers
from ..verdicts import CATEGORY_CODE, FAIL, PASS, Verdicts
from . import Context

KEYS: set[str] = set()
REQUIRED: set[str] = set()
# the severity of each category this kind reports (the built-in rule has no severity of its own)
SEVERITY = {markers.NOT_AVAILABLE: "info", markers.GARBLED: "error"}


def parse(rule: Any, spec: Any, file: str, ref: Any) -> None:
    """No keys of its own beyond the common selectors."""


def category_codes(texts: np.ndarray) -> np.ndarray:
    """Category code of each non-numeric print: a marker (not available) or garbled."""
    memo: dict[Any, int] = {}
    out = np.empty(len(texts), dtype=np.int32)
    for k, t in enumerate(texts):
        code = memo.get(t)
        if code is None:
            code = memo[t] = CATEGORY_CODE[markers.classify(None if t is None else str(t))[0]]
        out[k] = code
    return out


def evaluate(rule: Any, ridx: int, ctx: Context) -> Verdicts:
    store = ctx.store
    rows = np.arange(store.n)
    nn = store.f_nn
    status = np.where(nn, FAIL, PASS).astype(np.int32)
    category = np.full(store.n, -1, dtype=np.int32)
    category[nn] = category_codes(store.nn_text)
    return Verdicts.build(
        store.n, np.where(nn, rows, -1).reshape(-1, 1), rule=ridx, dataset=store.f_ds,
        entity=store.f_ent, period=store.f_per, subject=store.f_ind, status=status,
        category=category)


def relation(text: str | None) -> dict[str, str]:
    """What the reviewer reads: the marker and its meaning, or that a figure was lost."""
    return {lang: markers.describe(text, lang) for lang in ("fr", "en")}


def strength(rule: Any) -> str | None:
    """Not a relation: no coverage."""
    return None
