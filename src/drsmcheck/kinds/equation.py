"""`equation`: an arithmetic relation between indicators of one record (entity, period).

`ald.admission.paper + ald.admission.electronic == ald.admission.total`; operators `+ - * /`,
comparisons, `sum()` (with globs), `abs()`, `min()`, `max()`, `prev()`, joined by `and`, `or`,
`not`, `if … then …` (Kleene logic). Items: every record that prints at least one of the
indicators (and every record a dataset declares); a missing figure makes it not evaluable.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import algebra as A
from .. import expr as E
from ..backends.numpy import Env
from ..errors import InputError
from ..reference import declare_indicator_hint
from ..verdicts import CATEGORY_CODE, FAIL, NA, PASS, Verdicts
from ..yamlfile import LDict, did_you_mean
from . import Context, na_reason

KEYS = {"expr"}
REQUIRED = {"expr"}


def parse(rule: Any, spec: LDict, file: str, ref: Any) -> None:
    """`expr`: the relation, parsed by the whitelist parser (never evaluated as code)."""
    _parse_equation(rule, spec, file, ref)



def items(rule: Any, ctx: Context) -> np.ndarray:
    store = ctx.store
    recs = store.records_with([store.ind_code.get(i, -1) for i in rule.needed])
    if store.declared is not None:
        recs = np.union1d(recs, store.declared)
    return store.select_records(recs, rule.entities, rule.periods)


def _run(rule: Any, ctx: Context, recs: np.ndarray, widen: bool = False,
         override: Any = None) -> tuple[A.Evaluation, Env]:
    env = Env(ctx.store, recs, widen=widen, override=override)
    return A.evaluate(rule.ast, env, rule.tolerance, ctx.known), env


def _status(tv: A.Tv, n: int) -> np.ndarray:
    t = np.broadcast_to(tv.t, (n,))
    f = np.broadcast_to(tv.f, (n,))
    return np.where(t, PASS, np.where(f, FAIL, NA)).astype(np.int32)


def _sides(ev: A.Evaluation, status: np.ndarray, n: int
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The comparison each verdict is about: the first one that fails, else the first."""
    cmp = np.full(n, -1, dtype=np.int32)
    lhs_lo, lhs_hi, rhs_lo, rhs_hi = (np.full(n, np.nan) for _ in range(4))
    for k, (_node, a, b, tv) in enumerate(ev.comparisons):
        f = np.broadcast_to(tv.f, (n,))
        ok = np.broadcast_to(tv.t | tv.f, (n,))
        take = (cmp < 0) & f & (status == FAIL)
        first = np.isnan(lhs_lo) & ok
        for mask in (take, first & ~take):
            if mask.any():
                lhs_lo[mask] = np.broadcast_to(a.lo, (n,))[mask]
                lhs_hi[mask] = np.broadcast_to(a.hi, (n,))[mask]
                rhs_lo[mask] = np.broadcast_to(b.lo, (n,))[mask]
                rhs_hi[mask] = np.broadcast_to(b.hi, (n,))[mask]
        cmp[take] = k
    return cmp, lhs_lo, lhs_hi, rhs_lo, rhs_hi


def evaluate(rule: Any, ridx: int, ctx: Context) -> Verdicts:
    store = ctx.store
    recs = items(rule, ctx)
    n = len(recs)
    if not n:
        return Verdicts.build(0, np.zeros((0, 0), dtype=np.int64), rule=ridx)
    ev, env = _run(rule, ctx, recs)
    status = _status(ev.truth, n)
    rounding = np.zeros(n, dtype=bool)
    failed = np.flatnonzero(status == FAIL)
    if len(failed):  # would truncation instead of rounding explain the miss?
        wide, _ = _run(rule, ctx, recs[failed], widen=True)
        rounding[failed] = np.broadcast_to(wide.truth.t, (len(failed),))
    refs = env.refs()
    nonnum = np.zeros(n, dtype=bool)
    if refs.size:
        nonnum = (store.f_nn[np.maximum(refs, 0)] & (refs >= 0)).any(axis=1)
    tv = ev.truth
    reason = na_reason(status, np.broadcast_to(tv.miss, (n,)), np.broadcast_to(tv.div0, (n,)),
                       np.broadcast_to(tv.undef, (n,)), nonnum)
    cmp, llo, lhi, rlo, rhi = _sides(ev, status, n)
    category = np.where(status == FAIL, np.where(rounding, CATEGORY_CODE["rounding"],
                                                 CATEGORY_CODE["inconsistent"]),
                        np.where(reason >= 3, CATEGORY_CODE["missing"], -1))
    return Verdicts.build(
        n, refs, rule=ridx, dataset=store.r_ds[recs], entity=store.r_ent[recs],
        period=store.r_per[recs], status=status, reason=reason, cmp=cmp, lhs_lo=llo,
        lhs_hi=lhi, rhs_lo=rlo, rhs_hi=rhi, diff=(llo + lhi) / 2 - (rlo + rhi) / 2,
        rounding=rounding, category=category)


def what_if(rule: Any, ctx: Context, recs: np.ndarray, o_ind: np.ndarray, o_lo: np.ndarray,
            o_hi: np.ndarray, o_prev: np.ndarray, cmp: np.ndarray | None = None
            ) -> tuple[np.ndarray, np.ndarray]:
    """Re-evaluate on `recs` with row i's figure `o_ind[i]` (of the previous period when
    `o_prev[i]`) read as [o_lo[i], o_hi[i]]: (status, lhs.mid − rhs.mid of comparison `cmp`)."""
    n = len(recs)
    ev, _ = _run(rule, ctx, recs, override=(o_ind, o_lo, o_hi, o_prev))
    status = _status(ev.truth, n)
    diff = np.full(n, np.nan)
    if cmp is not None:
        for k, (_node, a, b, _tv) in enumerate(ev.comparisons):
            m = cmp == k
            if m.any():
                d = (np.broadcast_to(a.lo, (n,)) + np.broadcast_to(a.hi, (n,))) / 2 - (
                    np.broadcast_to(b.lo, (n,)) + np.broadcast_to(b.hi, (n,))) / 2
                ok = np.broadcast_to(a.ok() & b.ok(), (n,))
                diff[m] = np.where(ok, d, np.nan)[m]
    return status, diff


def _parse_equation(rule: Any, spec: LDict, file: str, ref: Any) -> None:
    text = spec["expr"]
    eline = spec.line_of("expr")
    if not isinstance(text, str):
        raise InputError(file, eline, "'expr' must be a string")
    try:
        rule.ast = E.parse(text)
    except E.ExprError as exc:
        from ..lint import SIZE_HINT

        raise InputError(file, eline, f"rule {rule.id}: {exc.message} at column {exc.column} "
                         f"of {_excerpt(text, exc.column)!r}", SIZE_HINT
                         if isinstance(exc, E.ExprTooLarge) else "operators: + - * / == != < <= "
                         "> >= and or not if…then; functions: sum abs min max prev") from None
    rule.expr_text = text
    plain, globs, prev = E.indicators(rule.ast)
    known = sorted(ref.indicators)
    for ident in sorted(plain | prev):
        if ident not in ref.indicators:
            raise InputError(file, eline, f"rule {rule.id}: unknown indicator {ident!r}",
                             did_you_mean(ident, known) or declare_indicator_hint(ident))
    expanded: set[str] = set()
    matches: dict[str, int] = {}
    for g in sorted(globs):
        ids = E.expand_glob(g, known)
        if not ids:
            raise InputError(file, eline, f"rule {rule.id}: '{g}' matches no indicator")
        expanded.update(ids)
        matches[g] = len(ids)
    rule.needed = sorted(plain | expanded)
    rule.needed_prev = sorted(prev)
    from ..lint import check_expression_size

    check_expression_size(rule, file, eline, lambda col: _excerpt(text, col), matches)


def _excerpt(text: str, column: int, width: int = 60) -> str:
    """The expression, or for a long one the part around the column (one readable line)."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    start = max(0, min(column - 1 - width // 2, len(text) - width))
    return ("…" if start else "") + text[start:start + width] + (
        "…" if start + width < len(text) else "")


def strength(rule: Any) -> str:
    """Coverage strength: an equality if the relation has an `==`, else an inequality."""
    return "equality" if any(c.op == "==" for c in A.comparisons(rule.ast)) else "inequality"
