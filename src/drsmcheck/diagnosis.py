"""Which figure is most likely wrong: localize errors on the violated relations only.

A Fellegi–Holt style search restricted to one candidate change: for each figure of a violated
relation, the value that would repair it, how many violated relations that repairs and how many
holding relations it would break. The figure whose repair explains the most with the least damage
is the suspect; a tie that the kind of print (text before box before table) cannot break leaves
the suspect unnamed rather than guessed.

Every what-if question ("does this relation hold if that figure were x?") is asked of the
engine's own kinds (`equation.what_if`, `rollup.judge`), in batches — never re-implemented here.
The relations a figure takes part in are read off the verdict table.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from .anomalies import Anomaly
from .backends.numpy import lookup_many
from .engine import Run
from .formatting import fmt_number
from .kinds import equation, rollup
from .rows import Rows
from .verdicts import FAIL, PASS

KIND_SUSPICION = {"text": 2, "box": 1, "table": 0}
RELATION_KINDS = ("equation", "rollup")


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
        codes = v["rule"]
        self._block_start = {int(k): int(np.argmax(codes == k)) for k in np.unique(codes)}
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
                j = rollup.judge(rule, self.ctx, sub, override=(s.f_ent[figs[m]], lo[m], hi[m]))
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

    def judge_figure(self, requests: list[tuple[int, float | None, float | None]]
                     ) -> list[tuple[list[str], list[str]]]:
        """For each (figure, lo, hi): rule ids of its relations that hold / fail when the
        figure reads [lo, hi] (its own print when lo is None)."""
        out: list[tuple[list[str], list[str]]] = [([], []) for _ in requests]
        for own in (True, False):
            ks = [k for k, r in enumerate(requests) if (r[1] is None) == own]
            if not ks:
                continue
            figs = np.array([requests[k][0] for k in ks], dtype=np.int64)
            lo = None if own else np.array([requests[k][1] for k in ks], dtype=float)
            hi = None if own else np.array([requests[k][2] for k in ks], dtype=float)
            owner, vr, status = self.judged(figs, lo, hi)
            codes = self.run.verdicts["rule"][vr]
            for o, c, st in zip(owner, codes, status, strict=True):
                if st == PASS:
                    out[ks[o]][0].append(self.run.rules[c].id)
                elif st == FAIL:
                    out[ks[o]][1].append(self.run.rules[c].id)
        return out

    # -- repairs -------------------------------------------------------------------------------
    def repairs(self, anomalies: list[Anomaly], cands: list[tuple[int, dict[str, Any]]]
                ) -> list[float | None]:
        """The value of each candidate figure that makes its anomaly's relation hold."""
        out: list[float | None] = [None] * len(cands)
        secant: list[int] = []
        for k, (ai, row) in enumerate(cands):
            a = anomalies[ai]
            if row["lo"] is None:
                continue
            mid = (row["lo"] + row["hi"]) / 2
            if a.rule.kind == "rollup":
                gap = a.difference or 0.0
                value = mid - gap if row["entity"] == a.entity else mid + gap
                out[k] = _round_like(value, row)
            elif a.rule.kind == "equation":
                secant.append(k)
        if not secant:
            return out
        # the secant method, all candidates at once: one batched what-if per iteration
        vrows = np.array([anomalies[cands[k][0]].verdict for k in secant], dtype=np.int64)
        figs = np.array([self.resolved(cands[k][1]["_pos"]) for k in secant], dtype=np.int64)
        x0 = np.array([(cands[k][1]["lo"] + cands[k][1]["hi"]) / 2 for k in secant])
        x1 = x0 + np.maximum(1.0, np.abs(x0) * 0.01)

        def f(x: np.ndarray) -> np.ndarray:
            return self.what_if(vrows, figs, x, x)[1]

        f0, f1 = f(x0), f(x1)
        active = np.ones(len(secant), dtype=bool)
        for _ in range(20):
            bad = np.isnan(f0) | np.isnan(f1) | (f1 == f0)
            x1 = np.where(active & bad, np.nan, x1)
            active &= ~bad
            if not active.any():
                break
            with np.errstate(divide="ignore", invalid="ignore"):
                x2 = np.where(active, x1 - f1 * (x1 - x0) / (f1 - f0), x1)
            x0, f0 = np.where(active, x1, x0), np.where(active, f1, f0)
            x1 = x2
            f1 = np.where(active, f(np.nan_to_num(x1)), f1)
            active &= ~(np.abs(np.nan_to_num(f1, nan=1.0)) < 1e-9)
        for j, k in enumerate(secant):
            if np.isfinite(x1[j]):
                out[k] = _round_like(float(x1[j]), cands[k][1])
        return out

    # -- suspects --------------------------------------------------------------------------------
    def diagnose(self, anomalies: list[Anomaly]) -> None:
        """Name the suspect figure and suggested value on equation, rollup, agreement anomalies."""
        todo = [a for a in anomalies if a.category in ("inconsistent", "rounding")]
        relational = [a for a in todo if a.rule.kind in RELATION_KINDS]
        self._relational(relational)
        for a in todo:
            if a.rule.kind == "agreement":
                self._agreement(a)

    def _agreement(self, a: Anomaly) -> None:
        variants: dict[str, list[dict[str, Any]]] = {}
        for row in a.figures:
            variants.setdefault(row["text"], []).append(row)
        texts = list(variants)
        judged = self.judge_figure([(variants[t][0]["_pos"], variants[t][0]["lo"],
                                     variants[t][0]["hi"]) for t in texts])
        scored = []
        for text, (holding, failing) in zip(texts, judged, strict=True):
            rows = variants[text]
            suspicion = max(KIND_SUSPICION[r["kind"]] for r in rows)
            scored.append((len(holding) - len(failing), len(rows), -suspicion, text,
                           len(holding), len(failing), holding, failing))
        scored.sort(key=lambda s: s[:4], reverse=True)
        if len(scored) < 2 or scored[0][:3] == scored[1][:3]:
            return
        best, worst = scored[0], scored[-1]
        trusted = variants[best[3]][0]
        suspect = sorted(variants[worst[3]], key=lambda r: -KIND_SUSPICION[r["kind"]])[0]
        if best[0] > worst[0]:
            names = ", ".join(sorted(set(best[6])))
            bnames = ", ".join(sorted(set(worst[7])))
            why_fr = (f"{trusted['text']} vérifie les {best[4]} autres relations où ce chiffre "
                      f"figure ({names}) ; {suspect['text']} en met {worst[5]} en échec ({bnames})")
            why_en = (f"{trusted['text']} satisfies the {best[4]} other relations this figure "
                      f"takes part in ({names}); {suspect['text']} breaks {worst[5]} ({bnames})")
        elif best[1] > worst[1]:
            why_fr = f"{trusted['text']} est imprimé {best[1]} fois, {suspect['text']} {worst[1]}"
            why_en = f"{trusted['text']} is printed {best[1]} times, {suspect['text']} {worst[1]}"
        else:
            why_fr = "un tableau fait foi face au texte ou à un encadré"
            why_en = "a table is trusted over text or a headline box"
        a.suspect = {"ref": suspect["ref"], "suggested": trusted["value"],
                     "reason": {"fr": why_fr, "en": why_en}}

    def _relational(self, anomalies: list[Anomaly]) -> None:
        cands: list[tuple[int, dict[str, Any]]] = []
        for ai, a in enumerate(anomalies):
            for row in a.figures:
                if row["lo"] is None:
                    continue
                if a.category == "rounding" and row["lo"] == row["hi"]:
                    continue  # a rounding diagnosis clears the exact counts
                cands.append((ai, row))
        values = self.repairs(anomalies, cands)
        live = [(k, c, val) for k, (c, val) in enumerate(zip(cands, values, strict=True))
                if val is not None]
        figs = np.array([c[1]["_pos"] for _, c, _ in live], dtype=np.int64)
        half = np.array([(c[1]["hi"] - c[1]["lo"]) / 2 for _, c, _ in live], dtype=float)
        vals = np.array([val for _, _, val in live], dtype=float)
        b_hold, b_fail = self.judge_counts(figs)
        m_hold, m_fail = self.judge_counts(figs, vals - half, vals + half)
        per_anomaly: dict[int, list[tuple[tuple, dict[str, Any], float, int]]] = defaultdict(list)
        for k, (_, (ai, row), val) in enumerate(live):
            holds0, fails0 = int(b_hold[k]), int(b_fail[k])
            holds1, fails1 = int(m_hold[k]), int(m_fail[k])
            repaired = fails0 - fails1
            broken = max(0, holds0 - holds1)
            rounded_only = anomalies[ai].category == "rounding"
            width = row["hi"] - row["lo"]
            coarse = width / max(abs((row["hi"] + row["lo"]) / 2), 1e-12) if rounded_only else 0.0
            per_anomaly[ai].append(((repaired - broken, coarse, -holds0,
                                     KIND_SUSPICION[row["kind"]]), row, val, holds0))
        for ai, cs in per_anomaly.items():
            cs.sort(key=lambda c: c[0], reverse=True)
            if len(cs) > 1 and cs[1][0] == cs[0][0]:
                continue
            _, row, value, holds0 = cs[0]
            d = row["decimals"] if row["decimals"] > 0 else None
            lang_val = {lang: fmt_number(value, lang, d) for lang in ("fr", "en")}
            anomalies[ai].suspect = {
                "ref": row["ref"], "suggested": value,
                "reason": {
                    "fr": f"avec {lang_val['fr']}, la relation est vérifiée sans en casser d'autre"
                          + (" ; ce chiffre n'est confirmé par aucune autre relation"
                             if holds0 == 0 else ""),
                    "en": f"with {lang_val['en']} the relation holds and breaks no other"
                          + ("; no other relation confirms this figure" if holds0 == 0 else ""),
                },
            }


def _round_like(value: float, row: dict[str, Any]) -> float:
    d = row["decimals"] if row["decimals"] and row["decimals"] > 0 else 0
    return round(value, d) + 0.0
