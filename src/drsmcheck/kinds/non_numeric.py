"""`non_numeric` (built in): a word or a dash where a number is printed, reported once.

Such a figure has no value: every relation reading it is not evaluable, and the reviewer
must know which cells could not be checked.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..verdicts import CATEGORY_CODE, FAIL, PASS, Verdicts
from . import Context

KEYS: set[str] = set()
REQUIRED: set[str] = set()


def parse(rule: Any, spec: Any, file: str, ref: Any) -> None:
    """No keys of its own beyond the common selectors."""




def evaluate(rule: Any, ridx: int, ctx: Context) -> Verdicts:
    store = ctx.store
    rows = np.arange(store.n)
    nn = store.f_nn
    status = np.where(nn, FAIL, PASS).astype(np.int32)
    return Verdicts.build(
        store.n, np.where(nn, rows, -1).reshape(-1, 1), rule=ridx, dataset=store.f_ds,
        entity=store.f_ent, period=store.f_per, subject=store.f_ind, status=status,
        category=np.where(nn, CATEGORY_CODE["non_numeric"], -1))


def strength(rule: Any) -> str | None:
    """Not a relation: no coverage."""
    return None
