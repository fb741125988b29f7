"""`rollup`: across the entity tree, parent = sum (or weighted mean) of its children.

Missing-data modes are SDMX VTL `check_hierarchy`'s: `non_null` (every child needed, else not
evaluable), `partial_null` (with missing children the parent must be at least their sum),
`always_zero` (a missing child counts as 0). The imbalance (parent − children) is reported.
Weighted means (`weight: expertise.count`) need positive weights: a zero, negative or missing
weight makes the item not evaluable (reported), never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import algebra as A
from ..backends.numpy import OPS, lookup_many
from ..errors import InputError
from ..verdicts import CATEGORY_CODE, FAIL, NA, PASS, REASON_CODE, Verdicts
from ..yamlfile import LDict, did_you_mean
from . import Context, list_of_str

KEYS = {"indicators", "hierarchies", "method", "weight", "mode"}
REQUIRED: set[str] = set()
METHODS = ("sum", "weighted_mean")
MODES = ("non_null", "partial_null", "always_zero")


def parse(rule: Any, spec: LDict, file: str, ref: Any) -> None:
    """`hierarchies` (default: all), `method` (sum | weighted_mean with `weight`), `mode`."""
    line = spec.line
    known = sorted(ref.indicators)
    rule.hierarchies = list_of_str(spec, "hierarchies", file, sorted(ref.hierarchies))
    for h in rule.hierarchies:
        if h not in ref.hierarchies:
            raise InputError(file, spec.line_of("hierarchies"), f"unknown hierarchy {h!r}",
                             did_you_mean(h, ref.hierarchies) or
                             "declare it in your own pack's reference/entities.yaml: "
                             f"hierarchies: {{{h}: {{PARENT: [CHILD, …]}}}} (then pass --rules "
                             "<your pack>; it extends the shipped one)")
    rule.method = spec.get("method", "sum")
    if rule.method not in METHODS:
        raise InputError(file, spec.line_of("method"), f"unknown method {rule.method!r}",
                         "method is 'sum' or 'weighted_mean'")
    rule.mode = spec.get("mode", "non_null")
    if rule.mode not in MODES:
        raise InputError(file, spec.line_of("mode"), f"unknown mode {rule.mode!r}",
                         did_you_mean(str(rule.mode), MODES) or f"modes: {', '.join(MODES)}")
    rule.weight = spec.get("weight")
    if "weight" in spec:
        from ..lint import check_weight

        check_weight(rule.weight, ref, file, spec.line_of("weight"))
    if rule.method == "weighted_mean":
        if not rule.weight:
            raise InputError(file, line, "a weighted_mean rollup needs 'weight: <indicator>'")
        if not isinstance(rule.weight, str) or rule.weight not in ref.indicators:
            raise InputError(file, spec.line_of("weight"), f"unknown indicator {rule.weight!r}",
                             did_you_mean(str(rule.weight), known))



@dataclass
class Items:
    """Roll-up items: one parent print, its children's and their weights' figure rows."""

    parent: np.ndarray    # figure row of the parent's print
    children: np.ndarray  # (n × k) figure rows, −1 absent; k = the most children of a parent
    expected: np.ndarray  # number of children each parent has
    weights: np.ndarray | None
    rec: np.ndarray       # the parent's record
    ind: np.ndarray       # indicator code
    hierarchy: np.ndarray  # index into ref.hierarchies (sorted names)
    child_ent: np.ndarray  # (n × k) entity codes of the children, −1 for padding


def gather(rule: Any, ctx: Context) -> Items:
    store, ref = ctx.store, ctx.pack.reference
    inds = [store.ind_code[i] for i in ctx.indicators_of(rule, rule.method == "sum")
            if i in store.ind_code]
    names = sorted(ref.hierarchies)
    all_recs = np.arange(len(store.rec_keys))
    selected = np.zeros(len(all_recs), dtype=bool)
    selected[store.select_records(all_recs, rule.entities, rule.periods)] = True
    base = np.isin(store.res_ind, inds) & selected[store.res_rec]
    wcode = store.ind_code.get(rule.weight or "", -1)
    width = max([len(c) for h in rule.hierarchies for c in ref.hierarchies[h].values()] or [0])
    parts: list[tuple[np.ndarray, ...]] = []
    # the rule's prints grouped by entity once (a stable sort keeps each entity's prints in
    # print order): a mask over every print per parent made a national run's roll-ups
    # rules × parents × figures
    bidx = np.flatnonzero(base)
    bent = store.r_ent[store.res_rec[bidx]]
    order = np.argsort(bent, kind="stable")
    bidx, bent = bidx[order], bent[order]
    for h in rule.hierarchies:
        for parent, children in sorted(ref.hierarchies[h].items()):
            pc = store.ent_code.get(parent)
            if pc is None:
                continue
            lo, hi = np.searchsorted(bent, [pc, pc + 1])
            if lo == hi:
                continue
            m = bidx[lo:hi]
            prec, pind = store.res_rec[m], store.res_ind[m]
            ds, per = store.r_ds[prec], store.r_per[prec]
            n = len(prec)
            cmat = np.full((n, width), -1, dtype=np.int64)
            wmat = np.full((n, width), -1, dtype=np.int64)
            emat = np.full((n, width), -1, dtype=np.int64)
            for j, child in enumerate(children):
                cc = store.ent_code.get(child)
                if cc is None:
                    continue
                crec = store.record_of(store.record_key(ds, np.full(n, cc), per))
                crec = np.where((crec >= 0) & selected[np.maximum(crec, 0)], crec, -1)
                cmat[:, j] = lookup_many(store, pind, crec)
                emat[:, j] = cc
                if wcode >= 0:
                    wmat[:, j] = lookup_many(store, np.full(n, wcode), crec)
            has_child = (cmat >= 0).any(axis=1)
            parts.append((store.res_fig[m][has_child], cmat[has_child],
                          np.full(int(has_child.sum()), len(children)), wmat[has_child],
                          prec[has_child], pind[has_child],
                          np.full(int(has_child.sum()), names.index(h)), emat[has_child]))
    if not parts:
        z = np.zeros(0, dtype=np.int64)
        return Items(z, np.zeros((0, width), dtype=np.int64), z, None, z, z, z,
                     np.zeros((0, width), dtype=np.int64))
    cols = [np.concatenate(p) for p in zip(*parts, strict=True)]
    return Items(cols[0], cols[1], cols[2], cols[3] if wcode >= 0 else None, cols[4], cols[5],
                 cols[6], cols[7])


@dataclass
class Judgement:
    status: np.ndarray
    reason: np.ndarray
    p: A.Iv
    e: A.Iv


def judge(rule: Any, ctx: Context, it: Items, widen: bool = False,
          override: tuple[np.ndarray, ...] | None = None) -> Judgement:
    """The roll-up semantics on gathered items; `override` = (entity code, lo, hi) per item
    replaces the print of that entity (parent or child) — the diagnosis's what-if. A fourth
    array, the figure row overridden, lets a weighted mean's *weight* be the figure read
    otherwise (an item whose weight it is keeps its rates: the weight changes instead)."""
    store = ctx.store
    n, k = it.children.shape
    p = store.interval(it.parent, widen)
    c = store.interval(it.children.reshape(-1), widen)
    c_lo, c_hi = c.lo.reshape(n, k), c.hi.reshape(n, k)
    c_has = (it.children >= 0)
    c_nn = c_has & c.miss.reshape(n, k)
    p_lo, p_hi, p_miss = p.lo, p.hi, p.miss
    hit_w = None
    if override is not None and len(override) > 3 and rule.method == "weighted_mean" \
            and it.weights is not None:
        hit_w = it.weights == np.asarray(override[3])[:, None]
        if hit_w.any():
            w_lo, w_hi = override[1], override[2]
            is_w = hit_w.any(axis=1)
            # the rows whose weight is overridden read their rates as printed
            override = (np.where(is_w, -2, override[0]), w_lo, w_hi)
        else:
            hit_w = None
    if override is not None:
        o_ent, o_lo, o_hi = override[:3]
        hit_p = o_ent == store.r_ent[it.rec]
        p_lo, p_hi = np.where(hit_p, o_lo, p_lo), np.where(hit_p, o_hi, p_hi)
        p_miss = p_miss & ~hit_p
        hit_c = it.child_ent == o_ent[:, None]
        c_lo = np.where(hit_c, o_lo[:, None], c_lo)
        c_hi = np.where(hit_c, o_hi[:, None], c_hi)
        c_has = c_has | hit_c
        c_nn = c_nn & ~hit_c
    ok = c_has & ~c_nn
    bad_w = np.zeros(n, dtype=bool)
    if rule.method == "weighted_mean":
        if it.weights is None:
            w = np.full((n, k), np.nan)
        else:
            wi = store.interval(it.weights.reshape(-1))
            w = np.where(wi.miss, np.nan, (wi.lo + wi.hi) / 2).reshape(n, k)
            if hit_w is not None:
                w = np.where(hit_w, ((w_lo + w_hi) / 2)[:, None], w)
        ok &= ~np.isnan(w)
        bad_w = (ok & (w <= 0)).any(axis=1)
        wv = np.where(ok, w, 0.0)
        sw = wv.sum(axis=1)
        bad_w |= (ok.any(axis=1) & (sw <= 0))
        safe = np.where(sw > 0, sw, 1.0)
        e_lo = (np.where(ok, c_lo, 0.0) * wv).sum(axis=1) / safe
        e_hi = (np.where(ok, c_hi, 0.0) * wv).sum(axis=1) / safe
    else:
        e_lo = np.where(ok, c_lo, 0.0).sum(axis=1)
        e_hi = np.where(ok, c_hi, 0.0).sum(axis=1)
    n_ok, n_present = ok.sum(axis=1), c_has.sum(axis=1)
    false = np.zeros(n, dtype=bool)
    pv = A.Iv(p_lo, p_hi, p_miss, false, false)
    ev = A.Iv(e_lo, e_hi, false, false, bad_w)
    nonnum = p.miss & (it.parent >= 0) | c_nn.any(axis=1)
    status, reason = decide(OPS, rule, pv, ev, n_ok, n_present, it.expected, nonnum)
    return Judgement(np.asarray(status, dtype=np.int32), np.asarray(reason, dtype=np.int32),
                     pv, ev)


def decide(ops: A.Ops, rule: Any, p: A.Iv, e: A.Iv, n_ok: Any, n_present: Any, expected: Any,
           nonnum: Any) -> tuple[Any, Any]:
    """The roll-up's verdict from aggregates, for any backend (ops): status and NA reason.

    `p`: the parent's interval (`miss` if absent or not a number); `e`: the children's sum or
    weighted mean (`undef` when weights are zero, negative or missing); `n_ok` children with a
    number, `n_present` children printed, `expected` children in the hierarchy.
    """
    tol = A.tolerance(ops, A.magnitude(ops, p.lo, p.hi, e.lo, e.hi), rule.tolerance)
    equal = A.holds(ops, "==", p, e, tol)
    complete = n_ok == expected
    parent_ok = ~p.miss
    if rule.mode == "non_null":
        evaluable = complete & parent_ok
        result = equal
    elif rule.mode == "always_zero":
        evaluable = parent_ok & (n_ok == n_present)
        result = equal
    else:  # partial_null: with missing children the parent must be at least their sum
        evaluable = parent_ok & (n_ok >= 1)
        result = ops.where(complete, equal, p.hi + tol >= e.lo)
    evaluable = evaluable & ~e.undef
    status = ops.where(evaluable, ops.where(result, PASS, FAIL), NA)
    reason = ops.where(status != NA, 0, ops.where(e.undef, REASON_CODE["weights"], ops.where(
        nonnum, REASON_CODE["non_numeric"], REASON_CODE["missing"])))
    return status, reason


def evaluate(rule: Any, ridx: int, ctx: Context) -> Verdicts:
    store = ctx.store
    it = gather(rule, ctx)
    j = judge(rule, ctx, it)
    w = judge(rule, ctx, it, widen=True)
    rounding = (j.status == FAIL) & (w.status == PASS)
    category = np.where(j.status == FAIL, np.where(rounding, CATEGORY_CODE["rounding"],
                                                   CATEGORY_CODE["inconsistent"]),
                        np.where(j.reason >= 3, CATEGORY_CODE["missing"], -1))
    refs = [it.parent.reshape(-1, 1), it.children] + (
        [it.weights] if it.weights is not None else [])
    return Verdicts.build(
        len(it.parent), refs, rule=ridx, dataset=store.r_ds[it.rec], entity=store.r_ent[it.rec],
        period=store.r_per[it.rec], subject=it.ind, hierarchy=it.hierarchy, status=j.status,
        reason=j.reason, lhs_lo=j.p.lo, lhs_hi=j.p.hi, rhs_lo=j.e.lo, rhs_hi=j.e.hi,
        diff=(j.p.lo + j.p.hi) / 2 - (j.e.lo + j.e.hi) / 2, rounding=rounding,
        category=category)


def items_of(rule: Any, ctx: Context, it: Items, rows: np.ndarray) -> Items:
    """A subset of gathered items (for what-if batches)."""
    return Items(it.parent[rows], it.children[rows], it.expected[rows],
                 None if it.weights is None else it.weights[rows], it.rec[rows], it.ind[rows],
                 it.hierarchy[rows], it.child_ent[rows])


__all__ = ["evaluate", "gather", "judge", "items_of", "NA"]


def strength(rule: Any) -> str:
    """Coverage strength: parent and children are tied by an equality."""
    return "equality"
