"""The embedded backend: the figures table as integer-coded NumPy columns, in process.

Chosen by measurement (issue 9): the whole shipped pack on a 648-figure report costs a few
milliseconds here, against seconds of SQL compilation through Ibis/DuckDB, and it stays
vectorized at 10⁶ figures (sorts, searchsorted lookups, reduceat — no per-figure Python).
"""

from __future__ import annotations

import fnmatch
from typing import Any

import numpy as np

from .. import algebra as A

TRUE = np.True_
FALSE = np.False_


class NumpyOps:
    """The algebra's operations on NumPy arrays (errors from ∞ − ∞ are handled, not warned)."""

    def lit(self, x: float) -> Any:
        return np.float64(x)

    def true(self) -> Any:
        return TRUE

    def false(self) -> Any:
        return FALSE

    def where(self, cond: Any, a: Any, b: Any) -> Any:
        return np.where(cond, a, b)

    def minimum(self, *xs: Any) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = np.minimum(out, x)
        return out

    def maximum(self, *xs: Any) -> Any:
        out = xs[0]
        for x in xs[1:]:
            out = np.maximum(out, x)
        return out

    def isnan(self, x: Any) -> Any:
        return np.isnan(x)

    def isinf(self, x: Any) -> Any:
        return np.isinf(x)

    def abs(self, x: Any) -> Any:
        return np.abs(x)


OPS = NumpyOps()


def _factorize(values: Any) -> tuple[np.ndarray, list[Any]]:
    """pd.factorize of a string column (null → -1); a Categorical's own codes, renumbered
    over the categories present, without hashing a string per figure."""
    import pandas as pd

    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        cat = values.array if isinstance(values, pd.Series) else values
        raw = np.asarray(cat.codes, dtype=np.int64)
        cats = list(cat.categories)
        present = np.flatnonzero(np.bincount(raw[raw >= 0], minlength=len(cats)))
        lut = np.full(len(cats) + 1, -1, dtype=np.int64)  # the last entry: null (-1) stays -1
        lut[present] = np.arange(len(present))
        return lut[raw], [cats[k] for k in present.tolist()]
    return pd.factorize(np.asarray(values, dtype=object))


def codes(values: Any) -> tuple[np.ndarray, list[str]]:
    """Integer codes and the sorted category list of a column of strings (None → "")."""
    inv, uniq = _factorize(values)  # null → -1
    words = [str(u) for u in uniq]
    cats = sorted({*words, ""} if (inv < 0).any() else set(words))
    pos = {c: k for k, c in enumerate(cats)}
    lut = np.array([pos[w] for w in words] + [pos.get("", -1)], dtype=np.int64)
    return (lut[inv] if len(inv) else np.zeros(0, dtype=np.int64)), cats


def _distinct(col: Any) -> tuple[np.ndarray, list[str]]:
    """Codes of a string column (hashed in C, once) and its distinct values as str."""
    inv, uniq = _factorize(col)  # a key is never null
    return inv, [str(u) for u in uniq]


class Store:
    """The figures, integer-coded, with the lookups every rule kind needs.

    - *records* are (dataset, entity, period) triples; every figure belongs to one;
    - the *resolved* print of (record, indicator) is the one rules read: table before box
      before text, then the order in the dataset (the loader's `seq`);
    - lookups are sorted keys + `searchsorted`, vectorized over many records at once.
    """

    # the figures-table columns a Store reads (another backend ships exactly these to it)
    READS = ("dataset", "entity", "period", "indicator", "unit", "unit_printed", "lo", "hi",
             "tlo", "thi", "non_numeric", "text", "prio", "seq")

    def __init__(self, figures: Any, indicators: list[str], entities: list[str],
                 records: list[tuple[str, str, str]] | None = None):
        n = len(figures)
        self.n = n
        self.indicators = list(indicators)
        self.ind_code = {i: k for k, i in enumerate(self.indicators)}
        self.entities = list(entities)
        self.ent_code = {e: k for k, e in enumerate(self.entities)}
        # each key column hashed once (in C); its distinct values mapped to the codes below
        distinct = {c: _distinct(figures[c]) for c in ("dataset", "entity", "period",
                                                        "indicator")}
        self.datasets = sorted(set(distinct["dataset"][1]) | {r[0] for r in records or []})
        self.ds_code = {d: k for k, d in enumerate(self.datasets)}
        per_values = set(distinct["period"][1]) | {r[2] for r in records or []}
        per_values |= {p for p in (self._prev_period(p) for p in list(per_values)) if p}
        self.periods = sorted(per_values)
        self.per_code = {p: k for k, p in enumerate(self.periods)}

        def enc(col: str, mapping: dict[str, int]) -> np.ndarray:
            inv, words = distinct[col]
            lut = np.array([mapping.get(w, -1) for w in words], dtype=np.int64)
            assert (lut >= 0).all(), f"unknown {col} value"
            return lut[inv] if len(inv) else np.zeros(0, dtype=np.int64)

        self.f_ds = enc("dataset", self.ds_code)
        self.f_ent = enc("entity", self.ent_code)
        self.f_per = enc("period", self.per_code)
        self.f_ind = enc("indicator", self.ind_code)
        self.f_lo = np.array(figures["lo"], dtype=np.float64)
        self.f_hi = np.array(figures["hi"], dtype=np.float64)
        self.f_tlo = np.array(figures["tlo"], dtype=np.float64)
        self.f_thi = np.array(figures["thi"], dtype=np.float64)
        self.f_nn = np.isnan(self.f_lo) | np.asarray(figures["non_numeric"], dtype=bool)
        for arr in (self.f_lo, self.f_hi, self.f_tlo, self.f_thi):
            arr[self.f_nn] = 0.0
        # the print of each cell that holds no number (kinds/non_numeric: marker or garbled)
        # the texts of the non-numeric prints only (the column is Arrow-held: no str each)
        self.nn_text = np.asarray(figures["text"].iloc[np.flatnonzero(self.f_nn)], dtype=object)
        self.f_unit, self.units = codes(figures["unit"])
        self.f_uprint, self.uprints = codes(figures["unit_printed"])
        self.f_prio = np.asarray(figures["prio"], dtype=np.int64)
        self.f_seq = np.asarray(figures["seq"], dtype=np.int64)

        # records: figures' own, plus those a dataset declares
        nE, nP = len(self.entities) + 1, len(self.periods) + 1
        self._nE, self._nP = nE, nP
        fkey = (self.f_ds * nE + self.f_ent) * nP + self.f_per
        extra = np.array([(self.ds_code[d] * nE + self.ent_code[e]) * nP + self.per_code[p]
                          for d, e, p in records or []], dtype=np.int64)
        self.rec_keys = np.unique(np.concatenate([fkey, extra]))
        self.f_rec = np.searchsorted(self.rec_keys, fkey)
        self.r_ds = self.rec_keys // (nE * nP)
        self.r_ent = (self.rec_keys // nP) % nE
        self.r_per = self.rec_keys % nP
        self.declared = np.searchsorted(self.rec_keys, extra) if len(extra) else None
        prev_per = np.array([self.per_code.get(self._prev_period(p) or "", -1)
                             for p in self.periods], dtype=np.int64)
        pp = prev_per[self.r_per]
        pkey = (self.r_ds * nE + self.r_ent) * nP + pp
        self.r_prev = self.record_of(pkey, valid=pp >= 0)

        # resolved prints: first of each (record, indicator) by (prio, seq)
        order = np.lexsort((self.f_seq, self.f_prio, self.f_rec, self.f_ind))
        ind_s, rec_s = self.f_ind[order], self.f_rec[order]
        first = np.ones(n, dtype=bool)
        if n:
            first[1:] = (ind_s[1:] != ind_s[:-1]) | (rec_s[1:] != rec_s[:-1])
        self.res_fig = order[first]               # figure row of each resolved print
        self.res_ind = ind_s[first]
        self.res_rec = rec_s[first]
        self.res_key = self.res_ind * len(self.rec_keys) + self.res_rec  # sorted
        bounds = np.searchsorted(self.res_ind, np.arange(len(self.indicators) + 1))
        self.ind_start, self.ind_end = bounds[:-1], bounds[1:]
        # all prints grouped by (record, indicator), for agreement
        self.by_key_order = np.lexsort((self.f_seq, self.f_prio, self.f_ind, self.f_rec))

    @staticmethod
    def _prev_period(period: str) -> str | None:
        return str(int(period) - 1) if period.isdigit() and len(period) == 4 else None

    # -- lookups ---------------------------------------------------------------------------------
    def record_of(self, key: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        """Record codes of (ds, ent, per) keys; −1 where there is no such record."""
        if not len(self.rec_keys):
            return np.full(len(key), -1, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.rec_keys, key), 0, len(self.rec_keys) - 1)
        found = self.rec_keys[pos] == key
        if valid is not None:
            found &= valid
        return np.where(found, pos, -1)

    def record_key(self, ds: np.ndarray, ent: np.ndarray, per: np.ndarray) -> np.ndarray:
        return (ds * self._nE + ent) * self._nP + per

    def lookup(self, ind: int, recs: np.ndarray) -> np.ndarray:
        """Figure row of the resolved print of `ind` on each record (−1 if none)."""
        out = np.full(len(recs), -1, dtype=np.int64)
        if ind < 0:
            return out
        s, e = self.ind_start[ind], self.ind_end[ind]
        if s == e or not len(recs):
            return out
        seg = self.res_rec[s:e]
        pos = np.clip(np.searchsorted(seg, recs), 0, e - s - 1)
        found = (seg[pos] == recs) & (recs >= 0)
        out[found] = self.res_fig[s + pos[found]]
        return out

    def records_with(self, inds: list[int]) -> np.ndarray:
        parts = [self.res_rec[self.ind_start[i]:self.ind_end[i]] for i in inds if i >= 0]
        if not parts:
            return np.zeros(0, dtype=np.int64)
        seen = np.zeros(len(self.rec_keys), dtype=bool)  # a mask, not a sort of the union
        for part in parts:
            seen[part] = True
        return np.flatnonzero(seen).astype(np.int64)

    def interval(self, figs: np.ndarray, widen: bool = False) -> A.Iv:
        """The intervals of figure rows (−1 → missing) as the algebra's Iv."""
        has = figs >= 0
        safe = np.where(has, figs, 0)
        lo = (self.f_tlo if widen else self.f_lo)[safe] if self.n else np.zeros(len(figs))
        hi = (self.f_thi if widen else self.f_hi)[safe] if self.n else np.zeros(len(figs))
        nn = self.f_nn[safe] & has if self.n else np.zeros(len(figs), dtype=bool)
        miss = ~has | nn
        return A.Iv(np.where(miss, 0.0, lo), np.where(miss, 0.0, hi), miss,
                    np.zeros(len(figs), dtype=bool), np.zeros(len(figs), dtype=bool))

    # -- selectors ---------------------------------------------------------------------------------
    def select_records(self, recs: np.ndarray, entities: list[str], periods: list[str]
                       ) -> np.ndarray:
        keep = np.ones(len(recs), dtype=bool)
        if entities != ["*"]:
            allowed = np.array([k for k, e in enumerate(self.entities)
                                if any(fnmatch.fnmatchcase(e, p) for p in entities)], dtype=np.int64)
            keep &= np.isin(self.r_ent[recs], allowed)
        if periods != ["*"]:
            allowed = np.array([k for k, p in enumerate(self.periods)
                                if any(fnmatch.fnmatchcase(p, g) for g in periods)], dtype=np.int64)
            keep &= np.isin(self.r_per[recs], allowed)
        return recs[keep]

    def figure_selected(self, entities: list[str], periods: list[str]) -> np.ndarray:
        """Mask over all figures of the entity / period selectors."""
        keep = np.ones(self.n, dtype=bool)
        if entities != ["*"]:
            allowed = [k for k, e in enumerate(self.entities)
                       if any(fnmatch.fnmatchcase(e, p) for p in entities)]
            keep &= np.isin(self.f_ent, allowed)
        if periods != ["*"]:
            allowed = [k for k, p in enumerate(self.periods)
                       if any(fnmatch.fnmatchcase(p, g) for g in periods)]
            keep &= np.isin(self.f_per, allowed)
        return keep


class Env:
    """The figures of a set of records for one expression (algebra.Env), with optional
    what-if overrides: row i reads `override_lo[i], override_hi[i]` for `override_ind[i]`."""

    def __init__(self, store: Store, recs: np.ndarray, widen: bool = False,
                 override: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None):
        self.ops = OPS
        self.store = store
        self.recs = recs
        self.widen = widen
        self.override = override
        self.read: dict[tuple[str, str], np.ndarray] = {}  # (which, indicator) → figure rows
        self._prev_recs: np.ndarray | None = None

    def _figs(self, which: str, indicator: str, recs: np.ndarray) -> np.ndarray:
        key = (which, indicator)
        if key not in self.read:
            self.read[key] = self.store.lookup(self.store.ind_code.get(indicator, -1), recs)
        return self.read[key]

    def _apply(self, iv: A.Iv, indicator: str, prev: bool = False) -> A.Iv:
        if self.override is None:
            return iv
        o_ind, o_lo, o_hi, o_prev = self.override
        hit = (o_ind == self.store.ind_code.get(indicator, -2)) & (o_prev == prev)
        if not hit.any():
            return iv
        return A.Iv(np.where(hit, o_lo, iv.lo), np.where(hit, o_hi, iv.hi), iv.miss & ~hit,
                    iv.div0, iv.undef)

    def figure(self, indicator: str) -> A.Iv:
        figs = self._figs("cur", indicator, self.recs)
        return self._apply(self.store.interval(figs, self.widen), indicator)

    def previous(self, indicator: str) -> A.Iv:
        if self._prev_recs is None:
            self._prev_recs = np.where(self.recs >= 0, self.store.r_prev[np.maximum(self.recs, 0)],
                                       -1) if len(self.recs) else self.recs
        figs = self._figs("prev", indicator, self._prev_recs)
        return self._apply(self.store.interval(figs, self.widen), indicator, prev=True)

    def glob_sum(self, indicators: list[str]) -> A.Iv:
        n = len(self.recs)
        lo, hi = np.zeros(n), np.zeros(n)
        any_has = np.zeros(n, dtype=bool)
        any_nn = np.zeros(n, dtype=bool)
        for ind in indicators:
            figs = self._figs("cur", ind, self.recs)
            iv = self._apply(self.store.interval(figs, self.widen), ind)
            has = (figs >= 0) | ~iv.miss
            nn = has & iv.miss
            any_has |= has
            any_nn |= nn
            lo += np.where(iv.miss, 0.0, iv.lo)
            hi += np.where(iv.miss, 0.0, iv.hi)
        miss = ~any_has | any_nn
        return A.Iv(np.where(miss, 0.0, lo), np.where(miss, 0.0, hi), miss,
                    np.zeros(n, dtype=bool), np.zeros(n, dtype=bool))

    def refs(self) -> np.ndarray:
        """(records × k) figure rows read, −1 where absent."""
        if not self.read:
            return np.zeros((len(self.recs), 0), dtype=np.int64)
        return np.stack([self.read[k] for k in sorted(self.read)], axis=1)


def lookup_many(store: Store, inds: np.ndarray, recs: np.ndarray) -> np.ndarray:
    """Figure rows of the resolved prints of (indicator, record) pairs (−1 where none)."""
    out = np.full(len(recs), -1, dtype=np.int64)
    if not len(store.res_key) or not len(recs):
        return out
    valid = (recs >= 0) & (inds >= 0)
    key = inds * len(store.rec_keys) + recs
    pos = np.clip(np.searchsorted(store.res_key, key), 0, len(store.res_key) - 1)
    found = valid & (store.res_key[pos] == key)
    out[found] = store.res_fig[pos[found]]
    return out
