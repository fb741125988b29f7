"""Which figure is most likely wrong, and why: exact localization checked by the engine.

The search is Fellegi–Holt error localization (`localize/`): every group of violated relations
is solved exactly for the minimum-weight set of figures to change (a MILP, its analytic
one-figure case, or an exact search over typist slips), with typist priors (a digit changed, a
transposition, ×10, a sign) lowering the cost of a change one slip away from the print, and a
named cause for each finding. When the minimum-cost repairs disagree on a figure, no suspect
is named: the ranked candidates are listed, each with the repair it would need.

The engine has the last word: a suspect's repaired value is re-evaluated through the engine's
own kinds (`equation.what_if`, `rollup.judge`, batched) and a repair the engine does not accept
is not proposed. The relations a figure takes part in are read off the verdict table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import budget
from .anomalies import Anomaly
from .backends.numpy import lookup_many
from .engine import Run
from .gcpause import paused_gc
from .kinds import equation, rollup
from .localize.diagnose import finding, localize_dataset
from .rows import Rows
from .verdicts import FAIL, PASS

RELATION_KINDS = ("equation", "rollup")
# the kinds whose verdicts tie figures together in the localization's relations
LINKED_KINDS = ("equation", "rollup", "agreement", "objective", "bounds")
CATEGORIES = budget.CATEGORIES


@dataclass
class Reach:
    """`Diagnoser.reach`: verdict links, figure keys, the prints and relations reached."""

    vrows: np.ndarray
    frows: np.ndarray
    key: np.ndarray      # per figure: its (record, indicator) key
    core: np.ndarray     # per figure: read by a failing relation
    touch: np.ndarray    # per verdict row: a relation reading a core print

    def having(self, keys: np.ndarray) -> np.ndarray:
        """The figures whose key is among `keys` (a lookup table: O(n), where np.isin
        sorts)."""
        hit = np.zeros(int(self.key.max()) + 1 if len(self.key) else 0, dtype=bool)
        hit[keys] = True
        return hit[self.key]


class Diagnoser:
    def __init__(self, run: Run, rows: Rows):
        self.run = run
        self.rows = rows
        self.store = run.store
        self.ctx = run.context
        v = run.verdicts
        kinds = np.array([r.kind for r in run.rules])
        self.kind_of_row = kinds[v["rule"]] if len(v) else np.zeros(0, dtype=str)
        vrows, frows = v.links()
        keep = np.isin(self.kind_of_row[vrows], RELATION_KINDS) if len(vrows) else vrows > 0
        vrows, frows = vrows[keep], frows[keep]
        order = np.argsort(frows, kind="stable")
        self._link_f, self._link_v = frows[order], vrows[order]
        # where each rule's block starts in the verdict table (rollup items are in block order)
        # (np.unique's first occurrences: one sort, where an argmax per rule read the whole
        # table once per rule, ~0.3 s at 10⁶ figures)
        first_codes, first_rows = np.unique(v["rule"], return_index=True)
        self._block_start = dict(zip(first_codes.tolist(), first_rows.tolist(), strict=True))
        self._items: dict[int, Any] = {}
        # the resolved print of every figure's (record, indicator), computed once
        self._resolved = lookup_many(self.store, self.store.f_ind, self.store.f_rec)
        self._rec = self.store.record_of(self.store.record_key(
            v["dataset"].astype(np.int64), v["entity"].astype(np.int64),
            v["period"].astype(np.int64))) if len(v) else np.zeros(0, dtype=np.int64)

    # -- relations a figure takes part in -------------------------------------------------------
    def resolved(self, fig: int) -> int:
        return int(self._resolved[fig])

    def relations(self, fig: int) -> np.ndarray:
        """Verdict rows (equations, roll-ups) that read the resolved print of this figure."""
        res = self._resolved[fig]
        lo = np.searchsorted(self._link_f, res)
        hi = np.searchsorted(self._link_f, res + 1)
        return self._link_v[lo:hi]

    # -- batched what-if ----------------------------------------------------------------------
    def _rollup_items(self, ridx: int) -> Any:
        if ridx not in self._items:
            self._items[ridx] = rollup.gather(self.run.rules[ridx], self.ctx)
        return self._items[ridx]

    def what_if(self, vrows: np.ndarray, figs: np.ndarray, lo: np.ndarray, hi: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray]:
        """Status (and, for equations, the failing comparison's lhs − rhs) of each verdict row
        `vrows[i]` re-evaluated with figure `figs[i]` read as [lo[i], hi[i]]."""
        v, s = self.run.verdicts, self.store
        n = len(vrows)
        status = np.zeros(n, dtype=np.int32)
        diff = np.full(n, np.nan)
        codes = v["rule"][vrows]
        for ridx in np.unique(codes):
            m = np.flatnonzero(codes == ridx)
            rule = self.run.rules[int(ridx)]
            rows = vrows[m]
            if rule.kind == "equation":
                recs = self._rec[rows]
                o_prev = s.f_rec[figs[m]] != recs
                cmp = v["cmp"][rows].copy()
                cmp[cmp < 0] = 0
                st, d = equation.what_if(rule, self.ctx, recs, s.f_ind[figs[m]], lo[m], hi[m],
                                         o_prev, cmp)
                status[m], diff[m] = st, d
            else:
                it = self._rollup_items(int(ridx))
                sub = rollup.items_of(rule, self.ctx, it, rows - self._block_start[int(ridx)])
                j = rollup.judge(rule, self.ctx, sub,
                                 override=(s.f_ent[figs[m]], lo[m], hi[m], figs[m]))
                status[m] = j.status
                diff[m] = (j.p.lo + j.p.hi) / 2 - (j.e.lo + j.e.hi) / 2
        return status, diff

    def judged(self, figs: np.ndarray, lo: np.ndarray | None, hi: np.ndarray | None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """All relations of many figures at once: (owner request, verdict row, status), the
        status re-evaluated with figure figs[k] read as [lo[k], hi[k]] (or as printed when
        lo is None) — vectorized: one what-if per rule for the whole batch."""
        res = self._resolved[figs]
        start = np.searchsorted(self._link_f, res, side="left")
        end = np.searchsorted(self._link_f, res, side="right")
        counts = end - start
        owner = np.repeat(np.arange(len(figs)), counts)
        offsets = np.repeat(start - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
        vr = self._link_v[np.arange(int(counts.sum())) + offsets] if len(owner) else owner
        if lo is None or hi is None:
            return owner, vr, self.run.verdicts["status"][vr]
        status, _ = self.what_if(vr, res[owner], lo[owner], hi[owner])
        return owner, vr, status

    def judge_counts(self, figs: np.ndarray, lo: np.ndarray | None = None,
                     hi: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(relations holding, relations failing) per figure, vectorized."""
        owner, _, status = self.judged(figs, lo, hi)
        n = len(figs)
        return (np.bincount(owner[status == PASS], minlength=n),
                np.bincount(owner[status == FAIL], minlength=n))

    def neighbourhood(self, failing: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(near, core) masks over the figures: `core` every print of a (record, indicator)
        that a failing relation reads, `near` every print of what any relation reading a core
        figure reads — all a localization problem can hold (its violated rows, the other
        rows of their figures, those rows' figures), so the rest of a large run is never
        built into relations. Vectorized over the verdict table's links. `failing`: the
        failing verdict rows to start from (a mask; default every one: `budget.part`)."""
        n = self.store.n
        if not len(self.run.verdicts) or not n:
            return np.ones(n, dtype=bool), np.ones(n, dtype=bool)
        r = self.reach(failing)
        near = r.having(r.key[r.frows[r.touch[r.vrows]]]) | r.core
        return near, r.core

    def reach(self, failing: np.ndarray | None = None) -> Reach:
        """What the failing relations (a mask over the verdict rows; default every failing
        relation) reach: the prints they read (`core`) and the relations reading one of those
        (`touch`), with the links and (record, indicator) keys they were read through."""
        v, s = self.run.verdicts, self.store
        vrows, frows = v.links()
        relk = np.isin(self.kind_of_row, LINKED_KINDS)
        key = s.f_rec * (len(s.indicators) + 1) + s.f_ind
        if failing is None:
            failing = (v["status"] == FAIL) & relk
        r = Reach(vrows, frows, key, np.zeros(0, dtype=bool), np.zeros(len(v), dtype=bool))
        r.core = r.having(key[frows[failing[vrows]]])
        r.touch[vrows[r.core[frows] & relk[vrows]]] = True
        return r

    # -- suspects --------------------------------------------------------------------------------
    def diagnose(self, anomalies: list[Anomaly]) -> dict[str, int]:
        """Suspect, suggested value, cause and ranked candidates of each anomaly that a figure
        could explain (inconsistent, rounding, bounds). Returns, per dataset the budget
        localized in part, how many of its anomalies were left without a diagnosis."""
        # the relations, records and search nodes are ~10⁶ small objects without cycles: the
        # cyclic collector's full passes over them were a fifth of the diagnosis (gcpause)
        with paused_gc():
            return self._diagnose(anomalies)

    def _diagnose(self, anomalies: list[Anomaly]) -> dict[str, int]:
        partly: dict[str, int] = {}
        todo = [a for a in anomalies if a.category in CATEGORIES]
        if not todo:
            return partly
        pack = self.ctx.pack
        frame = self.rows.frame
        # exact localization costs ~0.1 ms per figure it reads: beyond a budget the
        # anomalies are reported without a suspect rather than making a national run take
        # minutes (`budget`: whole datasets in id order, the first one in part when larger)
        sizes = frame["dataset"].value_counts()
        kept = budget.datasets({a.dataset for a in todo}, sizes)
        failing = None
        if len(kept) == 1 and int(sizes.get(kept[0], 0)) > budget.LOCALIZE_BUDGET:
            failing, left = budget.part(self, kept[0], todo)
            if left:
                partly[kept[0]] = len(left)
                out = {id(a) for a in left}
                todo = [a for a in todo if id(a) not in out]
        todo = [a for a in todo if a.dataset in kept]
        if len(kept) < frame["dataset"].nunique():   # clean datasets need no localization
            frame = frame[frame["dataset"].isin(kept)]
        near, core = self.neighbourhood(failing)
        keep = frame.index.to_numpy()
        loc = localize_dataset(pack, frame, near=near[keep], core=core[keep])
        checks: list[tuple[Anomaly, dict[str, Any], float, float]] = []
        for a in todo:
            weights = self._weights(a)
            refs = [r["ref"] for r in a.figures] + [r["ref"] for r in weights]
            children = None
            h = (a.context or {}).get("hierarchy")
            if a.rule.kind == "rollup" and h:
                children = pack.reference.hierarchies.get(h, {}).get(a.entity)
            f = finding(loc, refs, frame, children, a.category)
            if f is None:
                continue
            for c in f.candidates:   # a variable's ref → this anomaly's own print of it
                own = _print_of(a, loc.rel.alias, c["ref"])
                if own is not None:
                    c["ref"] = own["ref"]
            a.context = {**(a.context or {}), "candidates": f.candidates}
            if f.suspect is None:
                continue
            row = _print_of(a, loc.rel.alias, f.suspect["ref"])
            if row is None:
                row = _print_of_rows(weights, loc.rel.alias, f.suspect["ref"])
                if row is None:
                    continue
                # a weight is the suspect: the anomaly lists it, so the reviewer sees its print
                a.figures = [*a.figures, row]
            suspect = {**f.suspect, "ref": row["ref"], "candidates": f.candidates}
            if suspect["suggested"] is None:   # a column, not one value: nothing to re-check
                a.suspect = suspect
                continue
            half = (row["hi"] - row["lo"]) / 2 if row["lo"] is not None else 0.0
            half = half if np.isfinite(half) else 0.0   # "> 95 %": the repair is a point
            value = float(suspect["suggested"])
            a.suspect = suspect
            if a.rule.kind in RELATION_KINDS and a.verdict >= 0:
                checks.append((a, row, value - half, value + half))
        self._confirm(checks)
        return partly

    def _weights(self, a: Anomaly) -> list[dict[str, Any]]:
        """The weights' prints a weighted-mean anomaly's verdict read: the anomaly lists only
        the rates, but a weight typed wrong (« 1 645 » for 16 459) is a suspect of its own."""
        rule = a.rule
        if rule.kind != "rollup" or getattr(rule, "method", None) != "weighted_mean" \
                or not getattr(rule, "weight", None) or a.verdict < 0:
            return []
        shown = {r["ref"] for r in a.figures}
        return [r for r in self.rows.many(self.run.verdicts.refs(a.verdict))
                if r["indicator"] == rule.weight and r["ref"] not in shown]

    def _confirm(self, checks: list[tuple[Anomaly, dict[str, Any], float, float]]) -> None:
        """Ask the engine whether each suspect's repair makes its relation hold; drop the
        suspects it refuses (the linearised search is never the judge)."""
        if not checks:
            return
        vrows = np.array([a.verdict for a, _, _, _ in checks], dtype=np.int64)
        figs = np.array([self.resolved(row["_pos"]) for _, row, _, _ in checks], dtype=np.int64)
        lo = np.array([c[2] for c in checks], dtype=float)
        hi = np.array([c[3] for c in checks], dtype=float)
        own = figs == np.array([row["_pos"] for _, row, _, _ in checks], dtype=np.int64)
        with np.errstate(invalid="ignore"):   # an unbounded print elsewhere in the record
            status, _ = self.what_if(vrows, figs, lo, hi)
        for (a, _, _, _), st, read in zip(checks, status, own, strict=True):
            # only the print the relation reads can be re-evaluated through it
            if read and st != PASS:
                a.suspect = None


def _print_of(a: Anomaly, alias: dict[str, str], ref: str) -> dict[str, Any] | None:
    """The anomaly's own print of the figure (variable) `ref`."""
    return _print_of_rows(a.figures, alias, ref)


def _print_of_rows(rows: list[dict[str, Any]], alias: dict[str, str], ref: str
                   ) -> dict[str, Any] | None:
    for row in rows:
        if row["ref"] == ref:
            return row
    for row in rows:
        if alias.get(row["ref"]) == ref:
            return row
    return None
