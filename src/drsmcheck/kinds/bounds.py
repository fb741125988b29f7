"""`bounds`: every print of the selected indicators / units lies within [min, max].

`unit: percent` → [0, 100]; counts ≥ 0. Items are prints (a wrong value anywhere is wrong);
a print with no number is not evaluable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import algebra as A
from ..backends.numpy import OPS
from ..errors import InputError
from ..verdicts import CATEGORY_CODE, FAIL, NA, PASS, REASON_CODE, Verdicts
from ..yamlfile import LDict, did_you_mean
from . import Context, list_of_str, number

KEYS = {"indicators", "units", "min", "max"}
REQUIRED: set[str] = set()


def parse(rule: Any, spec: LDict, file: str, ref: Any) -> None:
    """`units` (selector), `min`, `max` (at least one)."""
    from ..reference import UNITS

    rule.units = list_of_str(spec, "units", file, [])
    for u in rule.units:
        if u not in UNITS:
            raise InputError(file, spec.line_of("units"), f"unknown unit {u!r}",
                             did_you_mean(u, UNITS) or f"units: {', '.join(UNITS)}")
    rule.min = number(spec, "min", file)
    rule.max = number(spec, "max", file)
    if rule.min is None and rule.max is None:
        raise InputError(file, spec.line, "a bounds rule needs 'min', 'max' or both")



def decide(ops: A.Ops, rule: Any, lo: Any, hi: Any) -> tuple[Any, Any]:
    """For any backend: (below min, above max) masks of a print's interval, within tolerance."""
    below = above = ops.false()
    if rule.min is not None:
        tol = A.tolerance(ops, A.magnitude(ops, lo, hi, ops.lit(rule.min)), rule.tolerance)
        below = hi + tol < rule.min
    if rule.max is not None:
        tol = A.tolerance(ops, A.magnitude(ops, lo, hi, ops.lit(rule.max)), rule.tolerance)
        above = (lo > rule.max + tol) & ~below
    return below, above


def evaluate(rule: Any, ridx: int, ctx: Context) -> Verdicts:
    store = ctx.store
    inds = [store.ind_code[i] for i in ctx.indicators_of(rule) if i in store.ind_code]
    mask = np.isin(store.f_ind, inds) & store.figure_selected(rule.entities, rule.periods)
    if rule.units:
        ucodes = [k for k, u in enumerate(store.units) if u in rule.units]
        mask &= np.isin(store.f_unit, ucodes)
    rows = np.flatnonzero(mask)
    lo, hi, nn = store.f_lo[rows], store.f_hi[rows], store.f_nn[rows]
    n = len(rows)
    below, above = decide(OPS, rule, lo, hi)
    ok = ~(below | above)
    bound = np.where(below, rule.min if rule.min is not None else np.nan,
                     np.where(above, rule.max if rule.max is not None else np.nan, np.nan))
    status = np.where(nn, NA, np.where(ok, PASS, FAIL)).astype(np.int32)
    gap = np.where(below, hi - bound, lo - bound)
    return Verdicts.build(
        n, rows.reshape(-1, 1), rule=ridx, dataset=store.f_ds[rows], entity=store.f_ent[rows],
        period=store.f_per[rows], subject=store.f_ind[rows], status=status,
        reason=np.where(nn, REASON_CODE["non_numeric"], 0), lhs_lo=lo, lhs_hi=hi,
        rhs_lo=bound, rhs_hi=bound, diff=np.where(status == FAIL, gap, np.nan),
        category=np.where(status == FAIL, CATEGORY_CODE["bounds"], -1))


def strength(rule: Any) -> str:
    """Coverage strength: a range only (a ×10 typo inside the range passes)."""
    return "bounds"
