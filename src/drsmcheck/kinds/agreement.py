"""`agreement`: the same (entity, period, indicator) printed in several places must agree.

Always on in the shipped pack: this is what catches a text saying 162 062 where the headline
box and the table say 162 051. Items are the figures printed at least twice with a number.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import algebra as A
from ..backends.numpy import OPS
from ..verdicts import CATEGORY_CODE, FAIL, PASS, Verdicts
from . import Context

KEYS: set[str] = {"indicators"}
REQUIRED: set[str] = set()


def parse(rule: Any, spec: Any, file: str, ref: Any) -> None:
    """No keys of its own beyond the common selectors."""




def groups(rule: Any, ctx: Context) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(figure rows sorted by group, group start offsets, group sizes) of groups of ≥ 2 prints."""
    store = ctx.store
    inds = [store.ind_code[i] for i in ctx.indicators_of(rule) if i in store.ind_code]
    order = store.by_key_order
    keep = (~store.f_nn[order] & np.isin(store.f_ind[order], inds)
            & store.figure_selected(rule.entities, rule.periods)[order])
    rows = order[keep]
    if not len(rows):
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    key = store.f_rec[rows] * (len(store.indicators) + 1) + store.f_ind[rows]
    start = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    size = np.diff(np.r_[start, len(rows)])
    many = size > 1
    sel = np.repeat(many, size)
    rows = rows[sel]
    size = size[many]
    if not len(size):
        z = np.zeros(0, dtype=np.int64)
        return z, z, z
    start = np.r_[0, np.cumsum(size)[:-1]].astype(np.int64)
    return rows, start, size


def decide(ops: A.Ops, rule: Any, max_lo: Any, min_hi: Any, mag: Any) -> Any:
    """For any backend: the prints of one figure agree when the highest lower bound does not
    exceed the lowest upper bound (all intervals share a point), within tolerance."""
    return max_lo <= min_hi + A.tolerance(ops, mag, rule.tolerance)


def evaluate(rule: Any, ridx: int, ctx: Context) -> Verdicts:
    store = ctx.store
    rows, start, size = groups(rule, ctx)
    n = len(start)
    if not n:
        return Verdicts.build(0, np.zeros((0, 0), dtype=np.int64), rule=ridx)
    gid = np.repeat(np.arange(n), size)

    def spread(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, ...]:
        # the print with the highest lower bound, and the one with the lowest upper bound
        by_lo = np.lexsort((lo, gid))
        top = by_lo[start + size - 1]
        by_hi = np.lexsort((hi, gid))
        bottom = by_hi[start]
        mag = np.maximum.reduceat(np.maximum(np.abs(np.where(np.isinf(lo), 0, lo)),
                                             np.abs(np.where(np.isinf(hi), 0, hi))), start)
        return top, bottom, mag

    lo, hi = store.f_lo[rows], store.f_hi[rows]
    top, bottom, mag = spread(lo, hi)
    ok = decide(OPS, rule, lo[top], hi[bottom], mag)
    tlo, thi = store.f_tlo[rows], store.f_thi[rows]
    wtop, wbottom, wmag = spread(tlo, thi)
    wok = decide(OPS, rule, tlo[wtop], thi[wbottom], wmag)
    status = np.where(ok, PASS, FAIL).astype(np.int32)
    rounding = ~ok & wok
    width = int(size.max())
    mat = np.full((n, width), -1, dtype=np.int64)
    mat[gid, np.arange(len(rows)) - start[gid]] = rows
    first = rows[start]
    return Verdicts.build(
        n, mat, rule=ridx, dataset=store.f_ds[first], entity=store.f_ent[first],
        period=store.f_per[first], subject=store.f_ind[first], status=status,
        lhs_lo=lo[top], lhs_hi=hi[top], rhs_lo=lo[bottom], rhs_hi=hi[bottom],
        diff=(lo[top] + hi[top]) / 2 - (lo[bottom] + hi[bottom]) / 2, rounding=rounding,
        category=np.where(status == FAIL, np.where(rounding, CATEGORY_CODE["rounding"],
                                                   CATEGORY_CODE["inconsistent"]), -1))


def strength(rule: Any) -> str:
    """Coverage strength: two prints of one figure are tied by an equality."""
    return "equality"
