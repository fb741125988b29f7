"""The relations of a dataset in the solver's linear form: one Figure per print, Rows per rule.

Each printed figure is a variable (its true value); the relations rules state between them:
- agreement: every print of the same (entity, period, indicator) has the same true value
  (identical prints are one variable, weighted a little more per copy);
- equation: the rule's comparisons as affine rows (`a + b == c`, `x <= y`), ratios
  `r == k·N/D` through `linearize_ratio`'s guarded rows, `and` as several rows; a rule with
  `or`, `not`, `if`, `abs`, `min`, `max` or a product of figures is left out (not linear);
- rollup: parent − Σ children == 0 (sum; `partial_null` ≥ over the printed children), or the
  weighted mean linearised at the printed values, its weights variables too (exact for one
  change: solver.linearize_weighted_mean);
- objective: the printed attainment rate == 100 × result / objective (or objective / result);
- bounds: one-figure rows (a repair never leaves [0, 100] for a percent).
A record reads the print the rules read (table before box before text, then file order).
"""

from __future__ import annotations

import bisect
import fnmatch
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .. import expr as E
from .solver import Figure, Row, linearize_weighted_mean

Key = tuple[str, str, str, str]  # dataset, entity, period, indicator
Affine = dict[str, float]   # ref → coefficient, "" → constant
COPY_WEIGHT = 0.25   # change cost of each extra identical print of a figure
MISLABEL_FACTOR = 0.5   # a parent's print that is exactly a sibling column's sum is suspect
# a print a power of ten away from its comparables is a likelier culprit: ≥ 10^0.8 off the
# median of the same indicator elsewhere in the dataset (≥ 10^1 off its record's same-family
# indicators, which differ more by nature), and within 10^0.5 of it once ÷ or × 10^k
OUTLIER_FACTOR = 0.8
OUTLIER_OFF = 0.8
OUTLIER_OFF_FAMILY = 1.0
OUTLIER_BACK = 0.5


@dataclass
class Relations:
    figures: dict[str, Figure]          # by ref
    rows: list[Row]
    rows_of: dict[str, list[int]]       # ref → indices of the rows it takes part in
    prints: dict[Key, list[dict[str, Any]]]   # every numeric print of a key, read order
    rows_by_ref: dict[str, dict[str, Any]]
    alias: dict[str, str]               # ref of a print → ref of its variable (first identical)
    groups: dict[str, list[str]]        # variable → the refs of its identical prints
    ratios: dict[str, tuple[float, Affine, Affine]] = field(default_factory=dict)
    # rate ref → (k, numerator, denominator) of `rate == k·N/D`, for the wrong-denominator cause
    weights: set[str] = field(default_factory=set)   # weighted means' weights (variables)

    def resolved(self, key: Key) -> dict[str, Any] | None:
        p = self.prints.get(key)
        return p[0] if p else None


class _NotLinear(Exception):
    pass


# the columns of the figures table the localization and the cause searches read: a record
# holds these only (a dict of 17 keys, not 28 — a third less to build per print)
RECORD_COLUMNS = ("dataset", "ref", "entity", "period", "indicator", "unit", "unit_printed",
                  "text", "value", "lo", "hi", "decimals", "scale", "prio", "seq", "table",
                  "column")


def records(frame: Any) -> list[dict[str, Any]]:
    """The rows of a figures table as dicts of the RECORD_COLUMNS it has — built column by
    column (`tolist` converts in C: ~8× faster than pandas' per-cell boxing)."""
    have = set(frame.columns)
    cols = [c for c in RECORD_COLUMNS if c in have]
    values = [frame[c].tolist() for c in cols]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def figure_of(row: dict[str, Any], weight: float = 1.0) -> Figure:
    d = int(row["decimals"])
    lo, hi = float(row["lo"]), float(row["hi"])
    return Figure(row["ref"], float(row["value"]), lo, hi, weight, row["text"], max(d, 0),
                  integer=d <= 0 and lo == hi, scale=float(row.get("scale") or 1.0))


def build(pack: Any, figures: Any, index: Any | None = None,
          recs: list[dict[str, Any]] | None = None) -> Relations:
    """Every relation of the rule pack over the figures table, in linear form.

    `index` (causes.Prints) is the print rules read of every key of the whole dataset, when
    `figures` is only the part of it the localization needs: the mislabelled-column weight
    searches a parent's siblings there. `recs`: the numeric prints of `figures` as records in
    read order, when the caller already has them."""
    ref = pack.reference
    if recs is None:
        recs = records(figures[figures["value"].notna()].sort_values(
            ["dataset", "prio", "seq"]))
    by_ref = {r["ref"]: r for r in recs}
    prints: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for r in recs:
        prints[(r["dataset"], r["entity"], r["period"], r["indicator"])].append(r)
    if index is None:
        from .causes import Prints

        index = Prints(recs)
    first = _Columns(index)
    # identical prints of one figure are one variable: a wrong figure copied into the text,
    # the box and the table is one error, not three (each extra copy adds a little evidence)
    parents = {p for tree in ref.hierarchies.values() for p in tree}
    outlier = _Outliers(index, parents)
    siblings: dict[str, list[str]] = defaultdict(list)
    for i in ref.indicators:
        siblings[i.rsplit(".", 1)[0]].append(i)
    figs: dict[str, Figure] = {}
    alias: dict[str, str] = {}
    groups: dict[str, list[str]] = {}
    distinct: dict[Key, list[dict[str, Any]]] = {}
    for key, ps in prints.items():
        if len(ps) == 1:   # most keys: one print, its own variable
            (head,) = ps
            alias[head["ref"]] = head["ref"]
            groups[head["ref"]] = [head["ref"]]
            heads_of = ps
        else:
            firsts: dict[str, dict[str, Any]] = {}
            for r in ps:
                head = firsts.setdefault(r["text"], r)
                alias[r["ref"]] = head["ref"]
                groups.setdefault(head["ref"], []).append(r["ref"])
            heads_of = list(firsts.values())
        distinct[key] = heads_of
        for head in heads_of:
            n = len(groups[head["ref"]])
            w = (1.0 + COPY_WEIGHT * (n - 1)) * (
                MISLABEL_FACTOR if key[1] in parents and _sums_a_sibling(
                    head, key, ref, first, siblings) else 1.0) * (
                OUTLIER_FACTOR if outlier(head, key) else 1.0)
            figs[head["ref"]] = figure_of(head, w)
    rows: list[Row] = []

    def val(row: dict[str, Any]) -> tuple[float, float]:
        return float(row["lo"]), float(row["hi"])

    by_record: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = defaultdict(dict)
    for (ds, ent, per, ind), ps in distinct.items():
        by_record[(ds, ent, per)][ind] = ps[0]
        for other in ps[1:]:   # agreement: the same figure printed twice has one true value
            rows.append(Row.of({other["ref"]: 1.0, ps[0]["ref"]: -1.0}, "==",
                               name=f"agreement|{ds}|{ent}|{per}|{ind}"))
    ratios: dict[str, tuple[float, Affine, Affine]] = {}
    weights: set[str] = set()
    # what several rules of a kind read, gathered once: the first print of each entity per
    # (dataset, period, indicator) for the roll-ups, the variables' prints for the bounds
    by_entity: dict[tuple[str, str, str], dict[str, dict[str, Any]]] | None = None
    heads: list[dict[str, Any]] | None = None
    for rule in pack.rules:
        if rule.kind == "equation":
            rows += _equation(rule, by_record, ratios, by_ref)
        elif rule.kind == "rollup":
            if by_entity is None:
                by_entity = defaultdict(dict)
                for (ds, ent, per, ind), ps in prints.items():
                    by_entity[(ds, per, ind)][ent] = ps[0]
            rows += _rollup(rule, ref, prints, val, weights, by_entity)
        elif rule.kind == "objective":
            rows += _objective(rule, ref, by_record)
        elif rule.kind == "bounds":
            if heads is None:
                heads = [r for r in recs if r["ref"] in figs]
            rows += _bounds(rule, ref, heads)
    rows_of: dict[str, list[int]] = defaultdict(list)
    for k, row in enumerate(rows):
        for j, _ in row.coefs:
            rows_of[j].append(k)
    return Relations(figs, rows, dict(rows_of), dict(prints), by_ref,
                     alias, groups, ratios, weights)


class _Outliers:
    """`scale_outlier` for every print of a dataset, from magnitudes sorted once per (dataset,
    indicator, level): a print's comparables are its group less its own record's print, so the
    median of the rest is read off the sorted group (no list built per print)."""

    def __init__(self, index: Any, parents: set[str]):
        self.index = index
        self.parents = parents
        self._groups: dict[tuple[str, str, bool], tuple[int, list[float]]] = {}

    def _group(self, ds: str, ind: str, level: bool) -> tuple[int, list[float]]:
        g = self._groups.get((ds, ind, level))
        if g is None:
            index, parents = self.index, self.parents
            counts = {True: 0, False: 0}
            mags: dict[bool, list[float]] = {True: [], False: []}
            entity, value = index.col("entity"), index.col("value")
            for p in sorted(index.periods.get((ds, ind), ())):
                for i in index.indicator_pos.get((ds, p, ind), ()):
                    lv = entity[i] in parents
                    counts[lv] += 1
                    v = value[i]
                    if v is not None and float(v) != 0:
                        mags[lv].append(math.log10(abs(float(v))))
            for lv in (True, False):
                self._groups[(ds, ind, lv)] = (counts[lv], sorted(mags[lv]))
            g = self._groups[(ds, ind, level)]
        return g

    def __call__(self, head: dict[str, Any], key: Key) -> bool:
        """The print is far off its comparables — the same indicator for the other entities of
        its level (a region among regions, an ELSM among ELSM) and periods of the dataset, else
        the same-family indicators of its record in the same unit — and a power-of-ten slip
        (×10, ×100, ×1000) brings it back among them: "16 940" among ELSM totals of 600 to
        1 700. At least two comparables; magnitudes on a log10 scale."""
        ds, ent, per, ind = key
        v = abs(float(head["value"]))
        if v == 0 or not math.isfinite(v):
            return False
        index = self.index
        count, group = self._group(ds, ind, ent in self.parents)
        own = index.best.get(key)
        if own is not None and (own["entity"], own["period"]) == (ent, per):
            count -= 1   # the record's own print is no comparable of itself
        far = OUTLIER_OFF
        if count >= 2:
            skip = None
            if own is not None and own["value"] is not None and float(own["value"]) != 0:
                skip = bisect.bisect_left(group, math.log10(abs(float(own["value"]))))
            n = len(group) - (skip is not None)

            def at(i: int) -> float:
                return group[i + 1] if skip is not None and i >= skip else group[i]
        else:   # other quantities of its family: they differ more by nature
            far = OUTLIER_OFF_FAMILY
            fam = ind.rsplit(".", 1)[0]
            same = [r for r in index.record.get((ds, ent, per), []) if r["indicator"] != ind
                    and r["indicator"].rsplit(".", 1)[0] == fam and r["unit"] == head["unit"]]
            mags = sorted(math.log10(abs(float(r["value"]))) for r in same
                          if r["value"] is not None and float(r["value"]) != 0)
            n, at = len(mags), mags.__getitem__
        if n < 2:
            return False
        mid = at(n // 2) if n % 2 else (at(n // 2 - 1) + at(n // 2)) / 2
        off = math.log10(v) - mid
        return abs(off) >= far and any(abs(off - k) <= OUTLIER_BACK for k in (1, 2, 3, -1, -2, -3))


class _Columns:
    """The interval of the print rules read of a key, off the dataset index's columns (no
    record built for the siblings a parent is compared with)."""

    def __init__(self, index: Any):
        self.pos = index.first.get
        self.lo, self.hi = index.col("lo"), index.col("hi")


def _sums_a_sibling(head: dict[str, Any], key: Key, ref: Any, first: _Columns,
                    siblings: dict[str, list[str]]) -> bool:
    """The print equals the sum over the entity's children of a sibling indicator (same
    family): the mislabelled-column pattern (causes.mislabelled_column names it)."""
    ds, ent, per, ind = key
    fam = ind.rsplit(".", 1)[0]
    lo, hi = float(head["lo"]), float(head["hi"])
    pos, lo_of, hi_of = first.pos, first.lo, first.hi
    for tree in ref.hierarchies.values():
        children = tree.get(ent)
        if not children:
            continue
        for sib in siblings.get(fam, []):
            if sib == ind:
                continue
            ps = [pos((ds, c, per, sib)) for c in children]
            if None in ps:
                continue
            s_lo = sum(float(lo_of[i]) for i in ps)
            s_hi = sum(float(hi_of[i]) for i in ps)
            if lo <= s_hi + 1e-9 * (1 + abs(s_hi)) and s_lo <= hi + 1e-9 * (1 + abs(hi)):
                return True
    return False


def _selected(rule: Any, entity: str, period: str) -> bool:
    return _matches(tuple(rule.entities), entity) and _matches(tuple(rule.periods), period)


@lru_cache(maxsize=65536)
def _matches(patterns: tuple[str, ...], value: str) -> bool:
    return any(p == "*" or fnmatch.fnmatchcase(value, p) for p in patterns)


def _tol(rule: Any, magnitude: float) -> float:
    t = rule.tolerance
    if not t:
        return 0.0
    return float(t["absolute"]) if "absolute" in t else float(t["relative"]) * magnitude


# ----------------------------------------------------------------------------- equations


def _affine(node: object, env: dict[str, dict[str, Any]] | None,
            prev_env: dict[str, dict[str, Any]] | None) -> dict[Any, float]:
    """The affine form of `node` over a record's prints (refs; "" the constant). With `env`
    None, over slots instead — ("c", indicator), ("p", indicator) of prev() — the same
    operations in the same order, so a record's form is the slot form with each slot renamed
    to its print's ref (`_template`); a glob or a product of figures depends on the record
    there: _NotLinear."""
    if isinstance(node, E.Num):
        return {"": float(node.value)}
    if isinstance(node, E.Ind):
        if env is None:
            return {("c", node.id): 1.0}
        row = env.get(node.id)
        if row is None:
            raise KeyError(node.id)
        return {row["ref"]: 1.0}
    if isinstance(node, E.Glob):
        if env is None:
            raise _NotLinear("glob")
        out: Affine = {}
        for ind in sorted(env):
            if E.expand_glob(node.pattern, [ind]):
                out[env[ind]["ref"]] = 1.0
        if not out:
            raise KeyError(node.pattern)
        return out
    if isinstance(node, E.Neg):
        return {k: -v for k, v in _affine(node.operand, env, prev_env).items()}
    if isinstance(node, E.Call):
        if node.name == "prev":
            if prev_env is None:
                return {("p", node.args[0].id): 1.0}
            row = prev_env.get(node.args[0].id)
            if row is None:
                raise KeyError(node.args[0].id)
            return {row["ref"]: 1.0}
        if node.name == "sum":
            out = {}
            for a in node.args:
                for k, v in _affine(a, env, prev_env).items():
                    out[k] = out.get(k, 0.0) + v
            return out
        raise _NotLinear(node.name)
    if isinstance(node, E.Bin):
        a, b = _affine(node.left, env, prev_env), _affine(node.right, env, prev_env)
        if node.op in "+-":
            s = 1.0 if node.op == "+" else -1.0
            out = dict(a)
            for k, v in b.items():
                out[k] = out.get(k, 0.0) + s * v
            return out
        if node.op == "*":
            if set(a) <= {""}:
                return {k: v * a.get("", 0.0) for k, v in b.items()}
            if set(b) <= {""}:
                return {k: v * b.get("", 0.0) for k, v in a.items()}
            if env is None or prev_env is None:
                raise _NotLinear("product")
            return _product(a, b, env, prev_env)
        if node.op == "/" and set(b) <= {""} and b.get("", 0.0) != 0.0:
            return {k: v / b[""] for k, v in a.items()}
        raise _NotLinear(node.op)
    raise _NotLinear(type(node).__name__)


def _product(a: Affine, b: Affine, env: dict[str, dict[str, Any]],
             prev_env: dict[str, dict[str, Any]]) -> Affine:
    """`a × b` of two affine forms, linearised at the prints: a₀·b + b₀·a − a₀·b₀, exact for a
    change of either factor with the other at its print (Σ cases × mean amount = total). Only
    when one factor is exact (a count): its rounding then adds no cross term to the interval."""
    prints = {r["ref"]: r for r in (*env.values(), *prev_env.values())}
    if (set(a) & set(b)) - {""}:
        raise _NotLinear("square")

    def at(f: Affine) -> tuple[float, bool]:
        v, exact = f.get("", 0.0), True
        for k, c in f.items():
            if k:
                r = prints[k]
                v += c * float(r["value"])
                exact &= float(r["lo"]) == float(r["hi"])
        return v, exact

    (a0, ea), (b0, eb) = at(a), at(b)
    if not (ea or eb) or not (math.isfinite(a0) and math.isfinite(b0)):
        raise _NotLinear("product of rounded figures")
    out: Affine = {}
    for f, w in ((a, b0), (b, a0)):
        for k, c in f.items():
            out[k] = out.get(k, 0.0) + c * w
    out[""] = out.get("", 0.0) - a0 * b0
    return out


def interval_of(aff: Affine, rows_by_ref: dict[str, dict[str, Any]]) -> tuple[float, float]:
    lo = hi = aff.get("", 0.0)
    for k, c in aff.items():
        if k == "":
            continue
        r = rows_by_ref[k]
        a, b = c * float(r["lo"]), c * float(r["hi"])
        lo += min(a, b)
        hi += max(a, b)
    return lo, hi


def _ratio_parts(node: object) -> tuple[float, object, object] | None:
    """k, N, D of `k * N / D`, `N / D * k`, `N / D` (D not constant)."""
    k = 1.0
    if isinstance(node, E.Bin) and node.op == "*":
        if isinstance(node.left, E.Num):
            k, node = float(node.left.value), node.right
        elif isinstance(node.right, E.Num):
            k, node = float(node.right.value), node.left
    if isinstance(node, E.Bin) and node.op == "/":
        num, den = node.left, node.right
        if isinstance(num, E.Bin) and num.op == "*" and isinstance(num.left, E.Num):
            k, num = k * float(num.left.value), num.right
        return k, num, den
    return None


def _cmp_rows(cmp: E.Cmp, env: dict[str, dict[str, Any]], prev_env: dict[str, dict[str, Any]],
              rule: Any, name: str, ratios: dict[str, tuple[float, Affine, Affine]],
              by_ref: dict[str, dict[str, Any]]) -> list[Row]:
    op = {"==": "==", "<=": "<=", "<": "<=", ">=": ">=", ">": ">="}.get(cmp.op)
    if op is None:
        raise _NotLinear(cmp.op)
    try:
        left, right = _affine(cmp.left, env, prev_env), _affine(cmp.right, env, prev_env)
    except _NotLinear:
        return _ratio_rows(cmp, env, prev_env, rule, name, ratios, by_ref)
    li, ri = interval_of(left, by_ref), interval_of(right, by_ref)
    mag = max((abs(x) for x in (*li, *ri) if math.isfinite(x)), default=0.0)
    coefs = dict(left)
    for k, v in right.items():
        coefs[k] = coefs.get(k, 0.0) - v
    const = coefs.pop("", 0.0)
    return [Row.of(coefs, op, -const, _tol(rule, mag), name)]


def _ratio_rows(cmp: E.Cmp, env: dict[str, dict[str, Any]], prev_env: dict[str, dict[str, Any]],
                rule: Any, name: str, ratios: dict[str, tuple[float, Affine, Affine]],
                by_ref: dict[str, dict[str, Any]]) -> list[Row]:
    """`r op k·N/D` with r one figure, N and D affine, D > 0: guarded rows (see solver)."""
    if cmp.op != "==":
        raise _NotLinear("ratio inequality")
    side, other = (cmp.left, cmp.right) if isinstance(cmp.left, E.Ind) else (cmp.right, cmp.left)
    parts = _ratio_parts(other)
    if not isinstance(side, E.Ind) or parts is None:
        raise _NotLinear("product")
    k, num_node, den_node = parts
    r_aff = _affine(side, env, prev_env)
    num, den = _affine(num_node, env, prev_env), _affine(den_node, env, prev_env)
    (rate,) = r_aff
    if rate in num or rate in den or "" in den:
        raise _NotLinear("ratio shape")
    r_lo, r_hi = float(by_ref[rate]["lo"]), float(by_ref[rate]["hi"])
    n_lo, n_hi = interval_of(num, by_ref)
    d_lo, d_hi = interval_of(den, by_ref)
    if d_lo <= 0:
        raise _NotLinear("denominator may be 0")
    tol = _tol(rule, max(abs(r_lo), abs(r_hi)))
    n_const = num.get("", 0.0)
    nk = {key: k * c for key, c in num.items() if key}

    def combo(rbound: float) -> dict[str, float]:
        out = dict(nk)
        for key, c in den.items():
            out[key] = out.get(key, 0.0) - rbound * c
        return out

    rows = [Row.of(combo(r_hi + tol), "<=", -k * n_const, 0.0, name, ("unchanged", rate)),
            Row.of(combo(r_lo - tol), ">=", -k * n_const, 0.0, name, ("unchanged", rate))]
    q = [k * a / b for a in (n_lo, n_hi) for b in (d_lo, d_hi)]
    rows += [Row.of({rate: 1.0}, ">=", min(q) - tol, 0.0, name, ("changed", rate)),
             Row.of({rate: 1.0}, "<=", max(q) + tol, 0.0, name, ("changed", rate))]
    ratios[rate] = (k, num, den)
    return rows


def _comparisons(node: object) -> list[E.Cmp]:
    if isinstance(node, E.Cmp):
        return [node]
    if isinstance(node, E.BoolOp) and node.op == "and":
        return _comparisons(node.left) + _comparisons(node.right)
    raise _NotLinear(type(node).__name__)


Slot = tuple[str, str]   # ("c", indicator) of the record, ("p", indicator) of its prev()
Template = tuple[tuple[tuple[Slot, float], ...], float, str,
                 tuple[tuple[Slot, float], ...], float, tuple[tuple[Slot, float], ...], float]


def _split(aff: dict[Any, float]) -> tuple[tuple[tuple[Slot, float], ...], float]:
    return tuple((k, v) for k, v in aff.items() if k != ""), aff.get("", 0.0)


def _template(cmp: E.Cmp) -> Template | None:
    """A comparison's row with slots for refs (None: it needs the record-by-record path):
    (coefficients, constant, op, and each side's terms and constant, for the tolerance)."""
    op = {"==": "==", "<=": "<=", "<": "<=", ">=": ">=", ">": ">="}.get(cmp.op)
    if op is None:
        return None
    try:
        left, right = _affine(cmp.left, None, None), _affine(cmp.right, None, None)
    except _NotLinear:
        return None
    coefs = dict(left)
    for k, v in right.items():
        coefs[k] = coefs.get(k, 0.0) - v
    const = coefs.pop("", 0.0)
    return (tuple(coefs.items()), const, op, *_split(left), *_split(right))


def _slot_interval(terms: tuple[tuple[Slot, float], ...], const: float, refs: dict[Slot, str],
                   by_ref: dict[str, dict[str, Any]]) -> tuple[float, float]:
    return interval_of({"": const, **{refs[s]: c for s, c in terms}}, by_ref)


def _template_rows(templates: list[Template], env: dict[str, dict[str, Any]],
                   prev_env: dict[str, dict[str, Any]], rule: Any, name: str,
                   by_ref: dict[str, dict[str, Any]]) -> list[Row]:
    """The rows `_cmp_rows` gives a record, from its comparisons' templates."""
    out = []
    for terms, const, op, lt, lc, rt, rc in templates:
        refs: dict[Slot, str] = {}
        coefs: dict[str, float] = {}
        for slot, c in terms:
            r = (env if slot[0] == "c" else prev_env).get(slot[1])
            if r is None:
                raise KeyError(slot[1])
            refs[slot] = r["ref"]
            coefs[r["ref"]] = c
        tol = 0.0
        if rule.tolerance:
            for slot, _ in (*lt, *rt):
                if slot not in refs:   # a term whose coefficients cancelled in the row
                    r = (env if slot[0] == "c" else prev_env).get(slot[1])
                    if r is None:
                        raise KeyError(slot[1])
                    refs[slot] = r["ref"]
            li = _slot_interval(lt, lc, refs, by_ref)
            ri = _slot_interval(rt, rc, refs, by_ref)
            tol = _tol(rule, max((abs(x) for x in (*li, *ri) if math.isfinite(x)),
                                 default=0.0))
        out.append(Row.of(coefs, op, -const, tol, name))
    return out


def _equation(rule: Any, by_record: dict[tuple[str, str, str], dict[str, dict[str, Any]]],
              ratios: dict[str, tuple[float, Affine, Affine]],
              by_ref: dict[str, dict[str, Any]]) -> list[Row]:
    try:
        cmps = _comparisons(rule.ast)
    except _NotLinear:
        return []
    plain, _globs, prev = E.indicators(rule.ast)
    # linear comparisons are compiled once per rule (a record renames their slots); a ratio,
    # glob or product reads the record's prints, comparison by comparison (`_cmp_rows`)
    templates = [_template(c) for c in cmps]
    compiled = None if any(t is None for t in templates) else templates
    out: list[Row] = []
    for (ds, ent, per), env in by_record.items():
        if not plain <= env.keys() or not _selected(rule, ent, per):
            continue
        prev_env: dict[str, dict[str, Any]] = {}
        if prev:
            pp = str(int(per) - 1) if per.isdigit() and len(per) == 4 else None
            prev_env = {i: r for i, r in by_record.get((ds, ent, pp or ""), {}).items()
                        if i in prev}
        name = f"{rule.id}|{ds}|{ent}|{per}"
        try:
            if compiled is not None:
                rows = _template_rows(compiled, env, prev_env, rule, name, by_ref)
            else:
                rows = [row for c in cmps
                        for row in _cmp_rows(c, env, prev_env, rule, name, ratios, by_ref)]
        except (KeyError, _NotLinear):
            continue
        out += rows
    return out


# ------------------------------------------------------------------------------- roll-ups
def _rollup(rule: Any, ref: Any, prints: dict[Key, list[dict[str, Any]]], val: Any,
            weights: set[str],
            keys: dict[tuple[str, str, str], dict[str, dict[str, Any]]]) -> list[Row]:
    out: list[Row] = []
    match: dict[str, bool] = {}   # the rule's selector, asked once per indicator
    for (ds, per, ind), by_ent in keys.items():
        ok = match.get(ind)
        if ok is None:
            ok = match[ind] = rule.matches_indicator(ind)
        if not ok:
            continue
        if rule.method == "sum" and not ref.indicators[ind].additive:
            continue
        for h in rule.hierarchies:
            for parent, children in ref.hierarchies[h].items():
                p = by_ent.get(parent)
                if p is None or not _selected(rule, parent, per):
                    continue
                present = [by_ent[c] for c in children if c in by_ent]
                name = f"{rule.id}|{ds}|{parent}|{per}|{ind}|{h}"
                if rule.method == "weighted_mean":
                    ws = [prints.get((ds, c, per, rule.weight or ""), [None])[0]
                          for c in children]
                    if len(present) != len(children) or any(w is None for w in ws):
                        continue
                    pairs = [(r["ref"], float(w["value"])) for r, w in zip(present, ws,
                                                                             strict=True)]
                    halves = [(float(w["hi"]) - float(w["lo"])) / 2 for w in ws]  # type: ignore[index]
                    values = {r["ref"]: val(r) for r in [p, *present]}
                    out += linearize_weighted_mean(p["ref"], pairs, halves, values,
                                                   _tol(rule, abs(float(p["value"]))), name,
                                                   [w["ref"] for w in ws])  # type: ignore[index]
                    weights.update(w["ref"] for w in ws)  # type: ignore[index]
                    continue
                if not present:
                    continue
                coefs = {p["ref"]: 1.0}
                for r in present:
                    coefs[r["ref"]] = coefs.get(r["ref"], 0.0) - 1.0
                tol = _tol(rule, abs(float(p["value"])))
                if len(present) == len(children) or rule.mode == "always_zero":
                    out.append(Row.of(coefs, "==", 0.0, tol, name))
                elif rule.mode == "partial_null":
                    out.append(Row.of(coefs, ">=", 0.0, tol, name))
    return out


def _objective(rule: Any, ref: Any, by_record: dict[tuple[str, str, str], dict[str, Any]]
               ) -> list[Row]:
    from .solver import linearize_ratio

    out: list[Row] = []
    for (ds, ent, per), env in by_record.items():
        if not _selected(rule, ent, per):
            continue
        for ind, a in env.items():
            if not ind.endswith(".attainment") or not rule.matches_indicator(ind):
                continue
            base = ind[: -len(".attainment")]
            o, r = env.get(base + ".objective"), env.get(base + ".result")
            if o is None or r is None or float(o["lo"]) <= 0 or float(r["lo"]) <= 0:
                continue
            meta = ref.indicators.get(base + ".objective")
            lower = meta is not None and meta.direction == "lower"
            num, den = (o, r) if lower else (r, o)
            values = {x["ref"]: (float(x["lo"]), float(x["hi"])) for x in (a, num, den)}
            out += linearize_ratio(a["ref"], num["ref"], den["ref"], values, 100.0,
                                   name=f"{rule.id}|{ds}|{ent}|{per}|{base}.attainment")
    return out


def _bounds(rule: Any, ref: Any, recs: Iterable[dict[str, Any]]) -> list[Row]:
    out: list[Row] = []
    # a rule's selectors asked once per indicator and per (entity, period), not per print
    ind_ok: dict[str, bool] = {}
    sel_ok: dict[tuple[str, str], bool] = {}
    for r in recs:
        ind = r["indicator"]
        ok = ind_ok.get(ind)
        if ok is None:
            ok = ind_ok[ind] = rule.matches_indicator(ind)
        if not ok:
            continue
        ep = (r["entity"], r["period"])
        ok = sel_ok.get(ep)
        if ok is None:
            ok = sel_ok[ep] = _selected(rule, *ep)
        if not ok:
            continue
        if rule.units and r["unit"] not in rule.units:
            continue
        name = f"{rule.id}|{r['dataset']}|{r['entity']}|{r['period']}|{r['ref']}"
        if rule.min is not None:
            out.append(Row.of({r["ref"]: 1.0}, ">=", float(rule.min), 0.0, name,
                              informative=False))
        if rule.max is not None:
            out.append(Row.of({r["ref"]: 1.0}, "<=", float(rule.max), 0.0, name,
                              informative=False))
    return out


# ----------------------------------------------------------------------------- components
def violated(rel: Relations, focus: set[str] | None = None) -> list[int]:
    """Indices of the rows that fail on the printed intervals (with `focus`: only those
    reading one of its figures — the membership test is cheaper than the row's check)."""
    from .solver import active, row_holds

    figs = rel.figures
    if focus is not None:
        return [k for k, row in enumerate(rel.rows)
                if any(j in focus for j, _ in row.coefs) and active(row, None)
                and not row_holds(row, figs)]
    return [k for k, row in enumerate(rel.rows)
            if active(row, None) and not row_holds(row, figs)]


def problems(rel: Relations, focus: set[str] | None = None
             ) -> list[tuple[list[Figure], list[Row], list[int]]]:
    """One localization problem per connected group of violated rows.

    A problem holds the violated rows, every other row its figures take part in (so a repair
    never breaks a relation that holds) and those rows' figures; a figure that is in no
    violated row is frozen (weight ∞): changing it cannot repair anything, and its own other
    relations are not in the problem. Returns (figures, rows, indices of the violated rows).
    """
    from .solver import components

    # built on a neighbourhood (`focus` its core): only its core's violations are whole
    bad = violated(rel, focus)
    bad_set = set(bad)
    suspects = {j for k in bad for j, _ in rel.rows[k].coefs}
    guards = {rel.rows[k].guard[1] for k in bad if rel.rows[k].guard}
    suspects |= guards
    keep = sorted({k for j in suspects for k in rel.rows_of.get(j, [])})
    sub = [rel.rows[k] for k in keep]
    out = []
    for comp in components(sub):
        rows = [sub[i] for i in comp]
        ids = {j for r in rows for j, _ in r.coefs} | {r.guard[1] for r in rows if r.guard}
        figs = [rel.figures[j] if j in suspects else _frozen(rel.figures[j]) for j in sorted(ids)]
        out.append((figs, rows, [keep[i] for i in comp if keep[i] in bad_set]))
    return [p for p in out if p[2]]


def _frozen(f: Figure) -> Figure:
    return Figure(f.id, f.value, f.lo, f.hi, math.inf, f.text, f.decimals, f.integer, f.scale)
