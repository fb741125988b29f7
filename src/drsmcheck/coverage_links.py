"""INTERNAL STAND-IN — to be replaced by the engine's links table (issue 9).

`drsmcheck coverage` needs, for every evaluated relation, the figures it read. The new engine
will return that table; until it lands this module recomputes it with a small per-record
Python evaluator on the same interval algebra (`intervals.eval_bool`). It is slow (a loop per
record, fine for a report, not for 10^6 figures) and approximates statuses (tolerances and
truncation are ignored, which only matters for pass vs fail, never for coverage). Nothing
else may import it.

Links: `ref` (the print the relation read), `rule`, `strength`, `status` (pass / fail / na).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd

from . import expr as E
from .intervals import Env, Interval, eval_bool
from .rules import Rule, RulePack

EQ_OPS = {"=="}


def strength_of(rule: Rule) -> str:
    """equality when the relation pins each figure it reads, else inequality / bounds."""
    if rule.kind == "bounds":
        return "bounds"
    if rule.kind == "rollup":
        return "inequality" if rule.mode == "partial_null" else "equality"
    if rule.kind in ("agreement", "objective"):
        return "equality"  # objective: only its recomputed attainment rates are linked
    if rule.kind == "equation":
        return "equality" if _all_equalities(rule.ast) else "inequality"
    return "inequality"


def _all_equalities(node: object) -> bool:
    if isinstance(node, E.Cmp):
        return node.op in EQ_OPS
    if isinstance(node, E.BoolOp) and node.op == "and":
        return _all_equalities(node.left) and _all_equalities(node.right)
    return False


def _status(ok: bool | None) -> str:
    return "na" if ok is None else "pass" if ok else "fail"


def _interval(row: dict[str, Any]) -> Interval | None:
    if row["value"] is None or pd.isna(row["value"]):
        return None
    return Interval(float(row["lo"]), float(row["hi"]))


def compute_links(figures: pd.DataFrame, pack: RulePack) -> pd.DataFrame:
    """The links table for `figures` under `pack` (see the module docstring)."""
    ref = pack.reference
    known = sorted(ref.indicators)
    rows = figures.sort_values(["prio", "seq"]).to_dict("records")
    primary: dict[tuple[str, str, str, str], dict[str, Any]] = {}
    prints: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        key = (r["dataset"], r["entity"], r["period"], r["indicator"])
        primary.setdefault(key, r)
        prints[key].append(r)
    records: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for (ds, ent, per, ind), r in primary.items():
        records[(ds, ent, per)][ind] = r
    out: list[tuple[str, str, str, str]] = []
    for rule in pack.rules:
        strength = strength_of(rule)
        if rule.kind == "equation":
            _equation(rule, records, known, strength, out)
        elif rule.kind == "bounds":
            for r in primary.values():
                if rule.matches_indicator(r["indicator"]) and (
                        not rule.units or r["unit"] in rule.units):
                    iv = _interval(r)
                    ok = None if iv is None else (
                        (rule.min is None or iv.hi >= rule.min) and
                        (rule.max is None or iv.lo <= rule.max))
                    out.append((r["ref"], rule.id, strength, _status(ok)))
        elif rule.kind == "agreement":
            for group in prints.values():
                if len(group) < 2:
                    continue
                ivs = [_interval(r) for r in group]
                ok = None if any(i is None for i in ivs) else (
                    max(i.lo for i in ivs) <= min(i.hi for i in ivs) + 1e-9)
                out += [(r["ref"], rule.id, strength, _status(ok)) for r in group]
        elif rule.kind == "rollup":
            _rollup(rule, pack, records, strength, out)
        elif rule.kind == "objective":
            _attainment(rule, records, out)
    return pd.DataFrame(out, columns=["ref", "rule", "strength", "status"])


def _equation(rule: Rule, records: dict, known: list[str], strength: str, out: list) -> None:
    plain, globs, prev = E.indicators(rule.ast)
    for (ds, ent, per), rec in records.items():
        if not _selected(rule, ent, per):
            continue
        read = [rec[i] for i in rule.needed if i in rec]
        if not read:
            continue
        prev_rec = records.get((ds, ent, str(int(per) - 1)), {}) if per.isdigit() else {}
        read_prev = [prev_rec[i] for i in rule.needed_prev if i in prev_rec]
        if any(i not in rec for i in plain) or any(i not in prev_rec for i in prev):
            # not evaluable: a figure it needs is not printed; it still read the others
            out += [(r["ref"], rule.id, strength, "na") for r in read + read_prev]
            continue
        env = Env({i: _interval(r) for i, r in rec.items()},
                  {i: _interval(r) for i, r in prev_rec.items()}, known)
        try:
            ok = eval_bool(rule.ast, env, rule.tolerance)
        except ZeroDivisionError:
            ok = None
        if globs and not any(E.expand_glob(g, list(rec)) for g in globs):
            ok = None
        out += [(r["ref"], rule.id, strength, _status(ok)) for r in read + read_prev]


def _attainment(rule: Rule, records: dict, out: list) -> None:
    """An attainment rate printed beside its objective and result is recomputed (an
    equality: result / objective, or objective / result when lower is better); the pair
    alone is only compared (a missed objective is information, not an inconsistency)."""
    for (_ds, ent, per), rec in records.items():
        if not _selected(rule, ent, per):
            continue
        for ind, o in rec.items():
            if not ind.endswith(".objective") or not rule.matches_indicator(ind):
                continue
            base = ind[: -len(".objective")]
            r, a = rec.get(base + ".result"), rec.get(base + ".attainment")
            if r is None or a is None:
                continue
            oi, ri, ai = _interval(o), _interval(r), _interval(a)
            if oi is None or ri is None or ai is None or oi.lo <= 0 or ri.lo <= 0:
                status = "na"
            else:
                ratios = [(100 * ri.lo / oi.hi, 100 * ri.hi / oi.lo),
                          (100 * oi.lo / ri.hi, 100 * oi.hi / ri.lo)]
                status = _status(any(ai.lo <= hi + 1e-9 and lo <= ai.hi + 1e-9
                                     for lo, hi in ratios))
            out += [(x["ref"], rule.id, "equality", status) for x in (o, r, a)]


def _selected(rule: Rule, ent: str, per: str) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(ent, g) for g in rule.entities) and any(
        fnmatch.fnmatchcase(per, g) for g in rule.periods)


def _rollup(rule: Rule, pack: RulePack, records: dict, strength: str, out: list) -> None:
    inds = pack.reference.indicators
    for (ds, ent, per), rec in records.items():
        for h in rule.hierarchies:
            children = pack.reference.hierarchies[h].get(ent)
            if not children or not _selected(rule, ent, per):
                continue
            for ind, parent in rec.items():
                if not rule.matches_indicator(ind):
                    continue
                if rule.method == "sum" and not inds[ind].additive:
                    continue
                kids = [records.get((ds, c, per), {}).get(ind) for c in children]
                present = [k for k in kids if k is not None]
                if not present:
                    continue
                weights = []
                if rule.method == "weighted_mean":
                    weights = [records.get((ds, c, per), {}).get(rule.weight) for c in children]
                complete = all(k is not None for k in kids) and all(
                    w is not None for w in weights)
                if rule.mode == "non_null" and not complete:
                    status = "na"
                else:
                    status = _rollup_status(rule, parent, present, kids, weights)
                read = [parent, *present, *(w for w in weights if w is not None)]
                out += [(r["ref"], rule.id, strength, status) for r in read]


def _rollup_status(rule: Rule, parent: dict, present: list, kids: list, weights: list) -> str:
    p = _interval(parent)
    ivs = [_interval(k) for k in present]
    if p is None or any(i is None for i in ivs):
        return "na"
    if rule.method == "weighted_mean":
        ws = [_interval(w) for w in weights]
        if any(w is None for w in ws) or any(k is None for k in kids):
            return "na"
        num = sum((i.mid * w.mid for i, w in zip(ivs, ws, strict=True)), 0.0)
        den = sum(w.mid for w in ws)
        if not den:
            return "na"
        mean = num / den
        return _status(abs(mean - p.mid) <= (p.hi - p.lo) / 2 + 0.05 * max(1.0, abs(p.mid)))
    lo, hi = sum(i.lo for i in ivs), sum(i.hi for i in ivs)
    if rule.mode == "partial_null":
        return _status(p.hi >= lo)
    return _status(p.lo <= hi and lo <= p.hi)


def links_for(paths: list[Path], pack: RulePack) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Load the datasets like `validate` and return (figures, links)."""
    from .loader import load_figures
    from .schema import validate_figures

    _, figures = load_figures(paths, pack.reference)
    figures = validate_figures(figures, pack.reference)
    if not len(figures):
        return figures, pd.DataFrame(columns=["ref", "rule", "strength", "status"])
    return figures, compute_links(figures, pack)
