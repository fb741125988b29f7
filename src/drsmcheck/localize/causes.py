"""Why a figure is off: a named cause for every finding the localization makes.

Given the suspect figure and the range its true value must lie in (its repair), the causes are
tried from the most specific to the least:
- `mislabelled column`: the print equals another indicator of the same family — for the same
  entity, or summed over the entity's children (Alsace-Moselle's 2 231 peer exchanges =
  772 + 949 + 510, the ELSM *objectives*, not the results);
- `unit`: the print's unit contradicts the indicator's, or the repair is ×1000 / ×10⁶ of a
  money print (k€ vs €);
- `truncation` / `rounding`: a named rounding practice explains the miss — truncation (p with
  d decimals, p ≤ v < p + 10⁻ᵈ) or double rounding (v rounded to d + 1 decimals, then to d).
  Anything wider ("within one unit of the last digit") is not a rounding: it is an error;
- `typo (digit)`, `transposition`, `scale`, `sign`: a typist slip away from the repair (priors);
- `wrong denominator`: a rate that fits another printed total of the same record;
- `unexplained`: none of these.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from . import priors

CAUSES = ("typo (digit)", "transposition", "scale", "sign", "rounding", "truncation",
          "mislabelled column", "wrong denominator", "unit", "unexplained")
WARNING_CAUSES = frozenset({"rounding", "truncation"})


@dataclass(frozen=True)
class Cause:
    name: str                       # one of CAUSES
    detail: Mapping[str, str]       # {"fr": …, "en": …}
    refs: tuple[str, ...] = ()      # figures that explain it (siblings, denominator)
    typo: priors.Typo | None = None

    @property
    def severity(self) -> str:
        """`warning` for a named rounding practice, `error` for everything else."""
        return "warning" if self.name in WARNING_CAUSES else "error"


def _fmt(x: float, lang: str) -> str:
    if float(x).is_integer():
        s = f"{int(x):,}"
        return s.replace(",", "\u00a0") if lang == "fr" else s
    s = f"{x:,.6f}".rstrip("0").rstrip(".")
    return s.replace(",", "\u00a0").replace(".", ",") if lang == "fr" else s


def _meets(a_lo: float, a_hi: float, b_lo: float, b_hi: float, rel: float = 1e-9) -> bool:
    eps = rel * (1.0 + max(abs(v) for v in (a_lo, a_hi, b_lo, b_hi) if math.isfinite(v)))
    return a_lo <= b_hi + eps and b_lo <= a_hi + eps


# --------------------------------------------------------------------------------- rounding
def rounding_practice(printed: float, decimals: int, lo: float, hi: float, scale: float = 1.0
                      ) -> str | None:
    """'truncation' or 'double rounding' when that practice turns a true value in [lo, hi]
    into the print, else None. The ordinary rounding interval is excluded (it would hold)."""
    d = max(decimals, 0)
    step = 10.0 ** -d * scale
    eps = 1e-9 * (1 + abs(printed))
    if printed >= 0:
        t_lo, t_hi = printed, printed + step - eps
    else:
        t_lo, t_hi = printed - step + eps, printed
    r_lo, r_hi = printed - step / 2, printed + step / 2
    if _meets(lo, hi, r_lo, r_hi, 0.0):
        return None   # plain rounding: the relation would have held
    if _meets(lo, hi, t_lo, t_hi, 0.0):
        return "truncation"
    u = step / 10   # rounded first to d + 1 decimals, then to d (half up)
    if _meets(lo, hi, printed - 5.5 * u, printed + 4.5 * u - eps, 0.0):
        return "double rounding"
    return None


# ------------------------------------------------------------------------- dataset searches
def _family(indicator: str) -> str:
    return indicator.rsplit(".", 1)[0] if "." in indicator else indicator


# the columns a print's record holds (relations.RECORD_COLUMNS: what the searches read)
_COLUMNS = ("dataset", "ref", "entity", "period", "indicator", "unit", "unit_printed", "text",
            "value", "lo", "hi", "decimals", "scale", "prio", "seq", "table", "column")


class _Lazy(Mapping[Any, Any]):
    """A read-only mapping whose values are made from positions on first access: the index
    of a dataset's prints is read at a few thousand keys, so its records are not all built."""

    def __init__(self, pos: Mapping[Any, Any], make: Any):
        self._pos, self._make, self._cache = pos, make, {}

    def __getitem__(self, key: Any) -> Any:
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._make(self._pos[key])
        return got

    def get(self, key: Any, default: Any = None) -> Any:
        return self[key] if key in self._pos else default

    def __contains__(self, key: object) -> bool:
        return key in self._pos

    def __iter__(self) -> Any:
        return iter(self._pos)

    def __len__(self) -> int:
        return len(self._pos)


class _Best(Mapping[tuple[str, str, str, str], dict[str, Any]]):
    """key → the record of its first print (the one rules read), built on first use."""

    def __init__(self, first: dict[tuple[str, str, str, str], int], row: Any):
        self._first, self._row = first, row

    def __getitem__(self, key: tuple[str, str, str, str]) -> dict[str, Any]:
        return self._row(self._first[key])  # type: ignore[no-any-return]

    def get(self, key: tuple[str, str, str, str], default: Any = None) -> Any:
        i = self._first.get(key)
        return default if i is None else self._row(i)

    def __contains__(self, key: object) -> bool:
        return key in self._first

    def __iter__(self) -> Any:
        return iter(self._first)

    def __len__(self) -> int:
        return len(self._first)


class _Scope(Mapping[tuple[str, str], dict[str, Any]]):
    """(entity, indicator) → the print rules read, within one (dataset, period)."""

    def __init__(self, first: dict[tuple[str, str, str, str], int], row: Any, ds: str,
                 per: str):
        self._first, self._row, self._ds, self._per = first, row, ds, per

    def __getitem__(self, key: tuple[str, str]) -> dict[str, Any]:
        return self._row(self._first[(self._ds, key[0], self._per, key[1])])  # type: ignore[no-any-return]

    def get(self, key: tuple[str, str], default: Any = None) -> Any:
        i = self._first.get((self._ds, key[0], self._per, key[1]))
        return default if i is None else self._row(i)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, tuple) and (self._ds, key[0], self._per, key[1]) in self._first

    def __iter__(self) -> Any:
        return ((e, i) for d, e, p, i in self._first if d == self._ds and p == self._per)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _coded(frame: Any, table: list[Any], tables: dict[tuple[str, str, str], set[str]]
           ) -> tuple[dict[tuple[str, str, str, str], int], dict[tuple[str, str, str], list[int]],
                      dict[tuple[str, str, str], list[int]]] | None:
    """(key → its first position, (dataset, entity, period) → and (dataset, period,
    indicator) → the first prints' positions ascending) of a table in read order, from its
    categorical keys' codes — one sort, where a loop over a national dataset's 10⁶ prints was
    a fifth of its diagnosis; and each (dataset, period, table)'s indicators into `tables`.
    None when a key column is not categorical or has a missing value (`Prints._looped`)."""
    import numpy as np
    import pandas as pd

    cols = [frame[c] for c in ("dataset", "entity", "period", "indicator")]
    if not all(isinstance(c.dtype, pd.CategoricalDtype) for c in cols):
        return None
    codes = [c.cat.codes.to_numpy().astype(np.int64) for c in cols]
    if any(len(c) and int(c.min()) < 0 for c in codes):
        return None
    cats = [np.asarray(c.cat.categories, dtype=object) for c in cols]
    d, e, p, i = codes
    sizes = [len(c) + 1 for c in cats]
    key = ((d * sizes[1] + e) * sizes[2] + p) * sizes[3] + i
    _, at = np.unique(key, return_index=True)
    firsts = np.sort(at)
    names = [c[k[firsts]].tolist() for c, k in zip(cats, codes, strict=True)]
    pos = firsts.tolist()
    first = dict(zip(zip(*names, strict=True), pos, strict=True))

    def grouped(code: np.ndarray, parts: tuple[int, ...]) -> dict[tuple[str, ...], list[int]]:
        g = code[firsts]
        if not len(g):
            return {}
        order = np.argsort(g, kind="stable")   # positions stay ascending inside a group
        sorted_g, sorted_pos = g[order], firsts[order]
        starts = np.flatnonzero(np.r_[True, sorted_g[1:] != sorted_g[:-1]])
        ends = np.r_[starts[1:], len(g)].astype(np.int64)
        heads = order[starts].tolist()   # a group's first print, in firsts' order
        labels = zip(*([names[j][h] for h in heads] for j in parts), strict=True)
        chunks = sorted_pos.tolist()
        return {lab: chunks[a:b] for lab, a, b in zip(labels, starts.tolist(), ends.tolist(),
                                                       strict=True)}

    by_record = grouped((d * sizes[1] + e) * sizes[2] + p, (0, 1, 2))
    by_indicator = grouped((d * sizes[2] + p) * sizes[3] + i, (0, 2, 3))
    # a print's table counts when truthy, as `if t:` reads it (None and "" do not); a table
    # that is no string (a NaN) is a key by identity, as a dict reads it: print by print
    table_f = np.asarray(table, dtype=object)[firsts]   # the column's own objects
    per_kind = np.fromiter((2 if type(t) is str and t else 1 if t else 0 for t in table_f),
                           dtype=np.int8, count=len(table_f))
    has = np.flatnonzero(per_kind == 2)
    if len(has):
        t_codes, t_names = pd.factorize(table_f[has])
        combo = ((d[firsts][has] * sizes[2] + p[firsts][has]) * (len(t_names) + 1)
                 + t_codes) * sizes[3] + i[firsts][has]
        _, one = np.unique(combo, return_index=True)
        for j in np.sort(has[one]).tolist():
            tables.setdefault((names[0][j], names[2][j], table_f[j]), set()).add(names[3][j])
    for j in np.flatnonzero(per_kind == 1).tolist():
        tables.setdefault((names[0][j], names[2][j], table_f[j]), set()).add(names[3][j])
    return first, by_record, by_indicator


class Prints:
    """The print rules read of every (dataset, entity, period, indicator): built once per
    figures table, so the dataset searches below cost a dictionary lookup, not a scan.

    `figures` is the figures table, or its numeric prints as records already in read order
    (table before box before text, then file order: relations.build sorts them so);
    `ordered=True` says a table is already in that order. From a table, a print's record (a
    dict) is built only when a search reads it (`row`)."""

    def __init__(self, figures: Any, ordered: bool = False):
        if isinstance(figures, list):
            rows: list[dict[str, Any] | None] = list(figures)
            n = len(rows)
            self._cols: dict[str, list[Any]] = {}
            names: tuple[str, ...] = ()
        else:
            frame = figures[figures["value"].notna()]
            if not ordered:
                frame = frame.sort_values(["prio", "seq"])
            names = tuple(c for c in _COLUMNS if c in frame.columns)
            self._cols = {c: frame[c].tolist() for c in names}
            n = len(frame)
            rows = [None] * n
        self._rows, self._names = rows, names
        self._records = _Records(rows, self._cols, names)
        row = self._records.row   # (the lazy maps below call it: no method of self, no cycle)
        self._sums: dict[tuple[str, str, str, tuple[str, ...]],
                         tuple[float, float, list[int]] | None] = {}
        self._siblings: dict[tuple[str, str, str, tuple[str, ...]],
                             list[tuple[str, tuple[float, float, list[int]] | None]]] = {}
        self.family: dict[tuple[str, str, str], set[str]] = {}
        self.table: dict[tuple[str, str, str], set[str]] = {}
        self.periods: dict[tuple[str, str], set[str]] = {}   # (dataset, indicator) → periods
        # the first print of each key (the one rules read), and the positions of each
        # record's and each (dataset, period, indicator)'s first prints, ascending
        coded = None if isinstance(figures, list) else _coded(frame, self.col("table"),
                                                              self.table)
        if coded is not None:
            first, by_record, by_indicator = coded
        else:
            first, by_record, by_indicator = self._looped()
        self.first = first
        self.best = _Best(first, row)
        # (dataset, period) → {(entity, indicator): print}; and the indicators of each family,
        # of each table, and the prints of each record, so a search reads only its neighbours
        scopes: dict[tuple[str, str], tuple[str, str]] = {}
        # per (dataset, period, indicator), far fewer than prints: families, periods, scopes
        fam_of: dict[str, str] = {}
        for d, p, k in by_indicator:
            fam = fam_of.get(k)
            if fam is None:
                fam = fam_of[k] = _family(k)
            scopes[(d, p)] = (d, p)
            self.family.setdefault((d, p, fam), set()).add(k)
            self.periods.setdefault((d, k), set()).add(p)
        self.record_pos, self.indicator_pos = by_record, by_indicator
        self.scope: _Lazy = _Lazy(scopes, lambda sc: _Scope(first, row, sc[0], sc[1]))
        self.record: _Lazy = _Lazy(by_record, self._records.rows_at)
        self.indicator: _Lazy = _Lazy(by_indicator, self._records.rows_at)

    def _looped(self) -> tuple[dict[tuple[str, str, str, str], int],
                               dict[tuple[str, str, str], list[int]],
                               dict[tuple[str, str, str], list[int]]]:
        """`_coded`'s answer, print by print (records given as a list)."""
        ds, ent, per, ind = (self.col(c) for c in ("dataset", "entity", "period", "indicator"))
        keys = list(zip(ds, ent, per, ind, strict=True))
        n = len(keys)
        # later assignments win, so reversed: each key's smallest position
        first: dict[tuple[str, str, str, str], int] = dict(zip(reversed(keys),
                                                               range(n - 1, -1, -1), strict=True))
        table = self.col("table")
        by_record: dict[tuple[str, str, str], list[int]] = {}
        by_indicator: dict[tuple[str, str, str], list[int]] = {}
        for i in sorted(first.values()):
            d, e, p, k = keys[i]
            by_record.setdefault((d, e, p), []).append(i)
            by_indicator.setdefault((d, p, k), []).append(i)
            t = table[i]
            if t:
                self.table.setdefault((d, p, t), set()).add(k)
        return first, by_record, by_indicator

    def column_sum(self, ds: str, per: str, ind: str, children: tuple[str, ...]
                   ) -> tuple[float, float, list[int]] | None:
        """Σ lo, Σ hi of the children's prints of `ind` and their positions (None: a child
        has none) — the anomalies of a group ask it of the same column, it is summed once."""
        key = (ds, per, ind, children)
        memo = self._sums
        if key in memo:
            return memo[key]
        first = self.first
        pos = [first.get((ds, c, per, ind)) for c in children]
        got = None
        if None not in pos:
            lo, hi = self.col("lo"), self.col("hi")
            got = (sum(float(lo[i]) for i in pos), sum(float(hi[i]) for i in pos), pos)
        memo[key] = got  # type: ignore[assignment]
        return got  # type: ignore[return-value]

    def sibling_sums(self, ds: str, per: str, ind: str, children: tuple[str, ...]
                     ) -> list[tuple[str, tuple[float, float, list[int]] | None]]:
        """The columns a print of `ind` may have been read from instead, in search order —
        its family's other indicators, then the other value columns of the tables the
        children's prints are in — each with its children's `column_sum` (None without
        children): the same for every print of the (dataset, period, indicator, children),
        so the anomalies of a group gather it once."""
        key = (ds, per, ind, children)
        got = self._siblings.get(key)
        if got is None:
            siblings = sorted(self.family.get((ds, per, _family(ind)), set()) - {ind})
            if children:
                prints = self.scope.get((ds, per), {})
                tables = {r["table"] for r in (prints.get((c, ind)) for c in children)
                          if r is not None and r["table"]}
                # the indicators with a print (any entity) in one of those tables
                inds = set().union(*(self.table.get((ds, per, t), set()) for t in tables))
                siblings += sorted(inds - {ind} - set(siblings))
            got = self._siblings[key] = [
                (sib, self.column_sum(ds, per, sib, children) if children else None)
                for sib in siblings]
        return got

    def col(self, name: str) -> list[Any]:
        """Every print's value of one column, by position."""
        got = self._cols.get(name)
        if got is None:
            got = self._cols[name] = [r[name] for r in self._rows]  # type: ignore[index]
        return got

    def row(self, i: int) -> dict[str, Any]:
        """The record of the print at position i, built on first use."""
        return self._records.row(i)

    def rows_at(self, positions: Iterable[int]) -> list[dict[str, Any]]:
        return self._records.rows_at(positions)


class _Records:
    """The records of an index's prints by position, each built on first use. Apart from
    the index: its lazy maps calling the index's own methods made it a reference cycle, so
    a national dataset's ~10⁶ keys and records waited for the cyclic collector (0.8 s)."""

    __slots__ = ("_rows", "_cols", "_names")

    def __init__(self, rows: list[dict[str, Any] | None], cols: dict[str, list[Any]],
                 names: tuple[str, ...]):
        self._rows, self._cols, self._names = rows, cols, names

    def row(self, i: int) -> dict[str, Any]:
        r = self._rows[i]
        if r is None:
            r = self._rows[i] = {c: self._cols[c][i] for c in self._names}
        return r

    def rows_at(self, positions: Iterable[int]) -> list[dict[str, Any]]:
        row = self.row
        return [row(i) for i in positions]


def _prints(figures: Any) -> Prints:
    return figures if isinstance(figures, Prints) else Prints(figures)


def mislabelled_column(target: Mapping[str, Any], figures: Any,
                       children: Sequence[str] | None = None) -> Cause | None:
    """The print equals a sibling indicator (same family) of its entity, or that sibling's sum
    over `children`: the figure was read from the wrong column or line."""
    index = _prints(figures)
    ds, per = target["dataset"], target["period"]
    ind = target["indicator"]
    lo, hi = float(target["lo"]), float(target["hi"])
    kids = tuple(children) if children else ()
    # the intervals are read off the index's columns: a record is built only for a match
    first, lo_of, hi_of, ref_of = index.first, index.col("lo"), index.col("hi"), index.col("ref")
    for sib, summed in index.sibling_sums(ds, per, ind, kids):
        if summed is not None:
            s_lo, s_hi, pos = summed
            if _meets(lo, hi, s_lo, s_hi):
                rows = index.rows_at(pos)
                col = rows[0]["column"] or sib
                parts = " + ".join(r["text"] for r in rows)
                return Cause("mislabelled column", {
                    "fr": f"{target['text']} = {parts}, la somme de la colonne « {col} » "
                          f"({sib}) et non de {ind}",
                    "en": f"{target['text']} = {parts}, the sum of the “{col}” column "
                          f"({sib}), not of {ind}"},
                    tuple(r["ref"] for r in rows))
        i = first.get((ds, target["entity"], per, sib))
        if i is not None and ref_of[i] != target.get("ref") and _meets(
                lo, hi, float(lo_of[i]), float(hi_of[i])):
            own = index.row(i)
            return Cause("mislabelled column", {
                "fr": f"{target['text']} est la valeur de {sib} ({own['text']}), pas de {ind}",
                "en": f"{target['text']} is the value of {sib} ({own['text']}), not of {ind}"},
                (own["ref"],))
    return None


def _parent_and_column(rows: Sequence[Mapping[str, Any]], children: Sequence[str],
                       figures: Any) -> tuple[Prints, Mapping[str, Any], list[Any]] | None:
    """A failing sum roll-up's parent print and its children's prints of the same indicator
    (the column), with the dataset index; None without a parent, two children, or a print of
    every child."""
    index = _prints(figures)
    kids = set(children)
    parents = [r for r in rows if r["entity"] not in kids]
    if not parents or len(children) < 2:
        return None
    parent = parents[0]
    ds, per, ind = parent["dataset"], parent["period"], parent["indicator"]
    column = [index.best.get((ds, c, per, ind)) for c in children]
    return (index, parent, column) if all(column) else None


def children_column(rows: Sequence[Mapping[str, Any]], children: Sequence[str], figures: Any
                    ) -> dict[str, Any] | None:
    """A sum roll-up whose children add up to another indicator of the parent's (same
    family), not to the parent's own print: the children's column holds that indicator —
    Occitanie's PRADO table « nombre d'inclusions » by département sums to the CPG
    *objectives* (LR 1 058 + 3 940 + 3 855 + 88 + 2 450 = 11 391), not to the results
    (15 200). The suspect is the children's column, not the parent: a finding over the
    children's prints (the first, the others in `also`), with no single repaired value.

    `rows` are the anomaly's prints (parent and children), `figures` the figures table or its
    `Prints` index. None when no sibling of the parent matches the children's sum."""
    found = _parent_and_column(rows, children, figures)
    if found is None:
        return None
    index, parent, column = found
    ds, per, ind = parent["dataset"], parent["period"], parent["indicator"]
    s_lo = sum(float(r["lo"]) for r in column)  # type: ignore[index]
    s_hi = sum(float(r["hi"]) for r in column)  # type: ignore[index]
    if _meets(s_lo, s_hi, float(parent["lo"]), float(parent["hi"])):
        return None
    for sib in sorted(index.family.get((ds, per, _family(ind)), set()) - {ind}):
        own = index.best.get((ds, parent["entity"], per, sib))
        if own is None or not _meets(s_lo, s_hi, float(own["lo"]), float(own["hi"])):
            continue
        col = column[0]["column"] or ind  # type: ignore[index]
        detail = {
            "fr": f"la colonne « {col} » somme à {own['text']}, {sib} de {parent['entity']}, "
                  f"et non à {parent['text']}",
            "en": f"the “{col}” column sums to {own['text']}, {sib} of {parent['entity']}, "
                  f"not to {parent['text']}"}
        return {"ref": column[0]["ref"], "suggested": None,  # type: ignore[index]
                "reason": detail, "cause": "mislabelled column", "severity": "error",
                "also": [r["ref"] for r in column[1:]]}  # type: ignore[index]
    return None


def parent_column(rows: Sequence[Mapping[str, Any]], children: Sequence[str], figures: Any
                  ) -> dict[str, Any] | None:
    """The parent's print of a failing sum roll-up is the children's sum of a sibling
    indicator (`mislabelled_column`): the suspect is the parent's print, its repair the
    children's own sum — Occitanie's PRADO total row « 17 558 » = 11 391 + 6 167, the LR and
    MP CPG objectives, where the results give 15 200 + 7 061 = 22 261. For the anomalies the
    localization leaves ambiguous (the two results could each be changed instead)."""
    found = _parent_and_column(rows, children, figures)
    if found is None:
        return None
    index, parent, column = found
    cause = mislabelled_column(parent, index, list(children))
    if cause is None or not cause.refs or len(cause.refs) != len(children):
        return None
    total = sum(float(r["value"]) for r in column)  # type: ignore[index]
    return {"ref": parent["ref"], "suggested": total, "reason": cause.detail,
            "cause": cause.name, "severity": "error", "also": []}


def wrong_denominator(rate: Mapping[str, Any], numerator: tuple[float, float], figures: Any,
                      denominator_ref: str | None = None, k: float = 100.0) -> Cause | None:
    """A rate that is k × numerator / T for another printed count T of the same record."""
    index = _prints(figures)
    ds, ent, per = rate["dataset"], rate["entity"], rate["period"]
    totals = index.record.get((ds, ent, per), [])
    r_lo, r_hi = float(rate["lo"]), float(rate["hi"])
    a_lo, a_hi = numerator
    best = None
    for t in sorted(totals, key=lambda t: (t["prio"], t["seq"])):
        if t["unit"] != "count":
            continue
        if t["ref"] == denominator_ref or t["lo"] is None or float(t["lo"]) <= 0:
            continue
        q = [k * a / b for a in (a_lo, a_hi) for b in (float(t["lo"]), float(t["hi"]))]
        if _meets(r_lo, r_hi, min(q), max(q)):
            if best is None:
                best = t
    if best is None:
        return None
    return Cause("wrong denominator", {
        "fr": f"{rate['text']} correspond au rapport à {best['indicator']} ({best['text']})",
        "en": f"{rate['text']} matches the ratio to {best['indicator']} ({best['text']})"},
        (best["ref"],))


_MONEY = {"eur": 1.0, "keur": 1e3, "meur": 1e6}


def unit_cause(row: Mapping[str, Any], lo: float, hi: float) -> Cause | None:
    """The print's own unit contradicts the indicator's, or the repair is a k€/M€ slip."""
    printed, unit = row.get("unit_printed"), row["unit"]
    if printed and unit not in ("number",) and printed != unit and not (
            printed in _MONEY and unit in _MONEY):
        return Cause("unit", {"fr": f"{row['text']} est imprimé en {printed}, l'indicateur est "
                                    f"en {unit}",
                              "en": f"{row['text']} is printed in {printed}, the indicator is "
                                    f"in {unit}"})
    v = row["value"]
    if unit in _MONEY and v:
        for f in (1e3, 1e6, 1e-3, 1e-6):
            if _meets(lo, hi, v * f, v * f):
                return Cause("unit", {"fr": f"{row['text']} lu ×{_fmt(f, 'fr')} : k€/M€ et € "
                                            "confondus",
                                      "en": f"{row['text']} off by ×{_fmt(f, 'en')}: k€/M€ "
                                            "mistaken for €"})
    return None


# ------------------------------------------------------------------------------ the verdict
def suggestion(cause: Cause, lo: float, hi: float, fallback: float) -> float:
    """The value to suggest for a suspect whose true value must lie in [lo, hi].

    A slip's own value when it lies in the range. A slip that fits only through its own
    rounding interval (the text's « 111 % » read as « 113 » typed, against a table's 113,6 %
    that pins [113,55 ; 113,65]) explains the print, but the value the relations pin is more
    precise: the suggestion is the range's shortest decimal (113,6), with at least the slip's
    decimals — not the print's precision (113 or 114, outside the range)."""
    if cause.typo is None:
        return fallback
    v = cause.typo.value
    eps = 1e-9 * (1.0 + abs(v))
    if lo - eps <= v <= hi + eps or not (math.isfinite(lo) and math.isfinite(hi)):
        return v
    return shortest_in(lo, hi, cause.typo.decimals) if lo <= hi else fallback


def shortest_in(lo: float, hi: float, decimals: int = 0) -> float:
    """The value of [lo, hi] with the fewest decimals (at least `decimals`), nearest its
    middle: [113,55 ; 113,65] → 113,6; [1 799,5 ; 1 800,5] → 1 800."""
    mid = (lo + hi) / 2
    eps = 1e-9 * (1.0 + abs(mid))
    for d in range(max(decimals, 0), 16):
        step = 10.0 ** -d
        v = round(round(mid / step) * step, d)
        if lo - eps <= v <= hi + eps:
            return v + 0.0
    return mid


def explain(row: Mapping[str, Any], lo: float, hi: float, figures: Any | None = None,
            children: Sequence[str] | None = None,
            numerator: tuple[float, float] | None = None,
            denominator_ref: str | None = None) -> Cause:
    """The cause of a suspect figure whose true value must lie in [lo, hi].

    `row` is the figure (columns of figures.py); `figures` the dataset's figures table, or its
    `Prints` index built once (for the mislabelled-column and wrong-denominator searches),
    `children` the entity's children (roll-ups), `numerator` the numerator's interval when the
    figure is a rate k·a/b.
    """
    text, value = row["text"], float(row["value"])
    decimals = int(row["decimals"])
    scale = float(row.get("scale") or 1.0)
    if figures is not None:
        c = mislabelled_column(row, figures, children)
        if c is not None:
            return c
    c = unit_cause(row, lo, hi)
    if c is not None:
        return c
    exact = row.get("lo") is not None and float(row["lo"]) == float(row["hi"])
    practice = None if exact else rounding_practice(value, decimals, lo, hi, scale)
    if practice is not None:
        name = "truncation" if practice == "truncation" else "rounding"
        return Cause(name, {
            "fr": f"{text} : valeur {'tronquée' if name == 'truncation' else 'arrondie deux fois'}"
                  f" (valeur attendue entre {_fmt(lo, 'fr')} et {_fmt(hi, 'fr')})",
            "en": f"{text}: value {'truncated' if name == 'truncation' else 'rounded twice'} "
                  f"(expected between {_fmt(lo, 'en')} and {_fmt(hi, 'en')})"})
    half = (float(row["hi"]) - float(row["lo"])) / 2 if row.get("lo") is not None else 0.0
    integer = decimals <= 0 and half == 0.0
    typo = priors.best_fit(text, lo, hi, half if math.isfinite(half) else 0.0, scale, integer)
    if typo is not None:
        return Cause(typo.cause, {"fr": f"faute de frappe probable : {typo.detail_in('fr')}",
                                  "en": f"likely typing slip: {typo.detail_in('en')}"},
                     typo=typo)
    if figures is not None and numerator is not None:
        c = wrong_denominator(row, numerator, figures, denominator_ref)
        if c is not None:
            return c
    return Cause("unexplained", {
        "fr": f"{text} : écart qu'aucune cause connue n'explique",
        "en": f"{text}: a difference no known cause explains"})
