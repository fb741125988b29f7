"""`print_unit` (built in): a print's own unit must agree with the indicator's.

`13,74 M€` on a € indicator is converted (13 740 000 € ± 5 000 €) before any comparison;
`12 %` on a count, or `19,70 €` on a percentage, contradicts the catalogue: the figure is
reported (category `unit`), since no relation can tell what it was meant to be.
Objective / result pairs are left to the `objective` kind, which names both sides.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..figures import unit_factor
from ..verdicts import CATEGORY_CODE, FAIL, PASS, Verdicts
from . import Context

KEYS: set[str] = set()
REQUIRED: set[str] = set()


def parse(rule: Any, spec: Any, file: str, ref: Any) -> None:
    """No keys of its own: built in."""


def evaluate(rule: Any, ridx: int, ctx: Context) -> Verdicts:
    store = ctx.store
    # a small table (printed unit × indicator unit) of contradictions, then one lookup
    table = np.array([[unit_factor(pu or None, u) is None for u in store.units]
                      for pu in store.uprints], dtype=bool).reshape(len(store.uprints),
                                                                    len(store.units))
    bad = table[store.f_uprint, store.f_unit] if store.n else np.zeros(0, dtype=bool)
    paired = [k for k, i in enumerate(store.indicators)
              if i.endswith((".objective", ".result"))]
    bad &= ~np.isin(store.f_ind, paired)
    rows = np.arange(store.n)
    return Verdicts.build(
        store.n, np.where(bad, rows, -1).reshape(-1, 1), rule=ridx, dataset=store.f_ds,
        entity=store.f_ent, period=store.f_per, subject=store.f_ind,
        status=np.where(bad, FAIL, PASS).astype(np.int32),
        category=np.where(bad, CATEGORY_CODE["unit"], -1))


def strength(rule: Any) -> str | None:
    """Not a relation: no coverage."""
    return None
