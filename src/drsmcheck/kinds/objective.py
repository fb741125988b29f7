"""`objective`: objective vs result pairs (CPG), `<base>.objective` beside `<base>.result`.

Two aspects per pair, each a verdict: *met* — the result is on the right side of the
objective, honouring the indicator's direction (higher / lower is better), and both are in the
same unit (an objective in € with a result in % is an error); *attainment* — a printed
`<base>.attainment` rate equals result / objective (or objective / result for lower-is-better).
A missed objective is reported at the rule's `severity` (CPG packs use `info`: reviewers list
them); a unit mismatch or a wrong attainment rate is an inconsistency, reported at the rule's
`consistency_severity` (default `error`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import algebra as A
from ..backends.numpy import OPS
from ..errors import InputError
from ..verdicts import CATEGORY_CODE, FAIL, NA, PASS, REASON_CODE, Verdicts
from ..yamlfile import LDict
from . import Context

KEYS = {"indicators", "consistency_severity"}
REQUIRED: set[str] = set()


def parse(rule: Any, spec: LDict, file: str, ref: Any) -> None:
    """`consistency_severity`: severity of unit mismatches and wrong attainment rates."""
    rule.consistency_severity = spec.get("consistency_severity", "error")
    if rule.consistency_severity not in ("error", "warning", "info"):
        raise InputError(file, spec.line_of("consistency_severity"),
                         f"unknown severity {rule.consistency_severity!r}", "error, warning or info")

MET, ATTAINMENT = 0, 1


def pairs(rule: Any, ctx: Context) -> list[tuple[str, str | None]]:
    """(base, direction) of every objective/result pair the rule selects."""
    ref = ctx.pack.reference.indicators
    out = []
    for ind in ctx.indicators_of(rule):
        if not ind.endswith(".objective"):
            continue
        base = ind[: -len(".objective")]
        if f"{base}.result" not in ref:
            continue
        direction = (ref[ind].direction or ref[f"{base}.result"].direction
                     or (ref[base].direction if base in ref else None))
        out.append((base, direction))
    return out


def missed_objective(ops: A.Ops, rule: Any, direction: str | None, o: A.Iv, r: A.Iv) -> Any:
    """For any backend: the result cannot meet the objective (honouring the direction)."""
    tol = A.tolerance(ops, A.magnitude(ops, o.lo, o.hi, r.lo, r.hi), rule.tolerance)
    if direction == "higher":
        return r.hi + tol < o.lo
    if direction == "lower":
        return r.lo > o.hi + tol
    return ops.false()


def attainment_fits(ops: A.Ops, rule: Any, o: A.Iv, r: A.Iv, a: A.Iv) -> tuple[Any, Any, A.Iv,
                                                                              A.Iv]:
    """For any backend: (fits, evaluable, 100·r/o, 100·o/r) of a printed attainment rate."""
    hundred = A.const(ops, 100.0)
    up = A.mul(ops, hundred, A.div(ops, r, o))
    down = A.mul(ops, hundred, A.div(ops, o, r))
    fits = A.compare(ops, "==", a, up, rule.tolerance).t | A.compare(
        ops, "==", a, down, rule.tolerance).t
    evaluable = (o.lo > 0) & (r.lo > 0) & ~a.miss & up.ok() & down.ok()
    return fits, evaluable, up, down


def evaluate(rule: Any, ridx: int, ctx: Context) -> Verdicts:
    store = ctx.store
    blocks = []
    for base, direction in pairs(rule, ctx):
        oc, rc = store.ind_code.get(f"{base}.objective", -1), store.ind_code.get(f"{base}.result", -1)
        ac = store.ind_code.get(f"{base}.attainment", -1)
        recs = np.intersect1d(store.records_with([oc]), store.records_with([rc]))
        recs = store.select_records(recs, rule.entities, rule.periods)
        if not len(recs):
            continue
        of, rf, af = store.lookup(oc, recs), store.lookup(rc, recs), store.lookup(ac, recs)
        o, r = store.interval(of), store.interval(rf)
        n = len(recs)
        unit_bad = store.f_unit[of] != store.f_unit[rf]
        po, pr = store.f_uprint[of], store.f_uprint[rf]
        empty = store.uprints.index("") if "" in store.uprints else -1
        unit_bad |= (po != empty) & (pr != empty) & (po != pr)
        missed = np.broadcast_to(missed_objective(OPS, rule, direction, o, r), (n,))
        values = ~(o.miss | r.miss)
        known = values & (direction is not None)
        status = np.where(unit_bad, FAIL, np.where(known, np.where(missed, FAIL, PASS), NA))
        category = np.where(unit_bad, CATEGORY_CODE["unit"],
                            np.where(status == FAIL, CATEGORY_CODE["objective_missed"], -1))
        reason = np.where(status == NA, np.where(values, REASON_CODE["missing"],
                                                 REASON_CODE["non_numeric"]), 0)
        blocks.append(Verdicts.build(
            n, np.stack([of, rf, af], axis=1), rule=ridx, dataset=store.r_ds[recs],
            entity=store.r_ent[recs], period=store.r_per[recs], subject=oc, aspect=MET,
            status=status, reason=reason, category=category, lhs_lo=r.lo, lhs_hi=r.hi,
            rhs_lo=o.lo, rhs_hi=o.hi, diff=np.where(values, (r.lo + r.hi - o.lo - o.hi) / 2,
                                                     np.nan)))
        has_a = af >= 0
        if ac >= 0 and has_a.any():
            sel = np.flatnonzero(has_a)
            a = store.interval(af[sel])
            os_, rs = A.Iv(o.lo[sel], o.hi[sel], o.miss[sel], o.div0[sel], o.undef[sel]), \
                A.Iv(r.lo[sel], r.hi[sel], r.miss[sel], r.div0[sel], r.undef[sel])
            fits, evaluable, up, down = attainment_fits(OPS, rule, os_, rs, a)
            st = np.where(evaluable, np.where(fits, PASS, FAIL), NA)
            ratio = up if direction != "lower" else down
            blocks.append(Verdicts.build(
                len(sel), np.stack([of[sel], rf[sel], af[sel]], axis=1), rule=ridx,
                dataset=store.r_ds[recs[sel]], entity=store.r_ent[recs[sel]],
                period=store.r_per[recs[sel]], subject=ac, aspect=ATTAINMENT, status=st,
                reason=np.where(st == NA, np.where(a.miss, REASON_CODE["non_numeric"],
                                                   REASON_CODE["undefined"]), 0),
                category=np.where(st == FAIL, CATEGORY_CODE["inconsistent"], -1),
                lhs_lo=a.lo, lhs_hi=a.hi, rhs_lo=ratio.lo, rhs_hi=ratio.hi,
                diff=np.where(st != NA, (a.lo + a.hi - ratio.lo - ratio.hi) / 2, np.nan)))
    return Verdicts.concat(blocks) if blocks else Verdicts.build(0, np.zeros((0, 0), np.int64),
                                                                 rule=ridx)


def strength(rule: Any, aspect: int | None = None) -> str:
    """Coverage strength: objective vs result is an inequality; a printed attainment rate
    ties objective, result and rate by an equality (its verdicts, aspect *attainment*)."""
    return "equality" if aspect == ATTAINMENT else "inequality"
