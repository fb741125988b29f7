"""Which figure is most likely wrong: localize errors on the violated relations only.

A Fellegi–Holt style search restricted to one candidate change: for each figure of a violated
relation, the value that would repair it, how many violated relations that repairs and how many
holding relations it would break. The figure whose repair explains the most with the least damage
is the suspect; a tie that the kind of print (text before box before table) cannot break leaves
the suspect unnamed rather than guessed.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from .anomalies import Anomaly, Builder
from .formatting import fmt_number
from .intervals import Interval, eval_bool, eval_num, failing_comparison
from .reference import Reference
from .rules import Rule
from .store import FigureStore, Key, row_interval

KIND_SUSPICION = {"text": 2, "box": 1, "table": 0}


class Relation:
    """One (rule, record) a figure takes part in, re-evaluable with one figure overridden."""

    def __init__(self, rule: Rule, record: tuple, diag: Diagnoser):
        self.rule = rule
        self.record = record
        self.diag = diag

    def holds(self, override: dict[Key, Interval]) -> bool | None:
        return self.diag.holds(self, override)


class Diagnoser:
    def __init__(self, store: FigureStore, ref: Reference, rules: list[Rule], builder: Builder):
        self.store = store
        self.ref = ref
        self.builder = builder
        self.eq_by_ind: dict[str, list[Rule]] = defaultdict(list)
        self.eq_by_prev: dict[str, list[Rule]] = defaultdict(list)
        self.rollups = [r for r in rules if r.kind == "rollup"]
        for r in rules:
            if r.kind == "equation":
                for ind in r.needed:
                    self.eq_by_ind[ind].append(r)
                for ind in r.needed_prev:
                    self.eq_by_prev[ind].append(r)
        self._relations: dict[Key, list[Relation]] = {}
        self._base_scores: dict[Key, tuple[int, int]] = {}
        self.parents_of: dict[tuple[str, str], list[str]] = defaultdict(list)
        for h, tree in ref.hierarchies.items():
            for parent, children in tree.items():
                for c in children:
                    self.parents_of[(h, c)].append(parent)

    # -- relations a figure takes part in ------------------------------------------------------
    def relations(self, key: Key) -> list[Relation]:
        """The relations a figure takes part in (memoized: many anomalies share figures)."""
        cached = self._relations.get(key)
        if cached is None:
            cached = self._relations[key] = self._find_relations(key)
        return cached

    def _find_relations(self, key: Key) -> list[Relation]:
        ds, ent, per, ind = key
        out = [Relation(r, ("eq", ds, ent, per), self) for r in self.eq_by_ind.get(ind, [])
               if _selected(r, ent, per)]
        if per.isdigit():
            nxt = str(int(per) + 1)
            out += [Relation(r, ("eq", ds, ent, nxt), self) for r in self.eq_by_prev.get(ind, [])
                    if _selected(r, ent, nxt)]
        for r in self.rollups:
            if not r.matches_indicator(ind) or not _selected(r, ent, per):
                continue
            if r.method == "sum" and not self.ref.indicators[ind].additive:
                continue
            for h in r.hierarchies:
                if ent in self.ref.hierarchies[h]:
                    out.append(Relation(r, ("up", ds, per, ind, h, ent), self))
                for parent in self.parents_of.get((h, ent), []):
                    out.append(Relation(r, ("up", ds, per, ind, h, parent), self))
        return out

    def holds(self, rel: Relation, override: dict[Key, Interval]) -> bool | None:
        rule = rel.rule
        if rel.record[0] == "eq":
            _, ds, ent, per = rel.record
            env = self.builder.env(rule, ds, ent, per, override)
            return eval_bool(rule.ast, env, rule.tolerance)
        _, ds, per, ind, h, parent = rel.record
        return self._rollup_holds(rule, ds, per, ind, h, parent, override)

    def _value(self, key: Key, override: dict[Key, Interval]) -> Interval | None:
        if key in override:
            return override[key]
        return self.store.interval(key)

    def _rollup_holds(self, rule: Rule, ds: str, per: str, ind: str, h: str, parent: str,
                      override: dict[Key, Interval]) -> bool | None:
        p = self._value((ds, parent, per, ind), override)
        children = self.ref.hierarchies[h][parent]
        vals = [self._value((ds, c, per, ind), override) for c in children]
        present = [v for v in vals if v is not None]
        if p is None or not present:
            return None
        if rule.method == "weighted_mean":
            ws = [self.store.interval((ds, c, per, rule.weight or "")) for c in children]
            pairs = [(v, w.mid) for v, w in zip(vals, ws, strict=True) if v and w]
            if len(pairs) != len(children):
                return None
            tw = sum(w for _, w in pairs)
            exp = Interval(sum(v.lo * w for v, w in pairs) / tw,
                           sum(v.hi * w for v, w in pairs) / tw)
            return p.meets(exp, 1e-9 * (1 + abs(p.hi)))
        total = Interval(sum(v.lo for v in present), sum(v.hi for v in present))
        tol = 1e-9 * (1 + abs(total.hi))
        if len(present) == len(children) or rule.mode == "always_zero":
            return p.meets(total, tol)
        if rule.mode == "partial_null":
            return p.hi + tol >= total.lo
        return None

    # -- repairs -----------------------------------------------------------------------------
    def repair_value(self, anomaly: Anomaly, row: dict[str, Any]) -> float | None:
        """The value of `row` that makes the anomaly's relation hold (None if none found)."""
        key = (row["dataset"], row["entity"], row["period"], row["indicator"])
        rule = anomaly.rule
        cur = row_interval(row)
        if cur is None:
            return None
        if rule.kind == "rollup" and anomaly.lhs is not None and anomaly.rhs is not None:
            gap = anomaly.difference or 0.0
            value = cur.mid - gap if row["entity"] == anomaly.entity else cur.mid + gap
            return _round_like(value, row)
        if rule.kind != "equation":
            return None

        def f(x: float) -> float | None:
            env = self.builder.env(rule, anomaly.dataset, anomaly.entity, anomaly.period,
                                   {key: Interval.point(x)})
            cmp = failing_comparison(rule.ast, env, rule.tolerance) or _first_cmp(rule.ast)
            a, b = eval_num(cmp.left, env), eval_num(cmp.right, env)
            return None if a is None or b is None else a.mid - b.mid

        x0, x1 = cur.mid, cur.mid + max(1.0, abs(cur.mid) * 0.01)
        f0, f1 = f(x0), f(x1)
        for _ in range(20):
            if f0 is None or f1 is None or f1 == f0:
                return None
            x2 = x1 - f1 * (x1 - x0) / (f1 - f0)
            x0, f0, x1 = x1, f1, x2
            f1 = f(x1)
            if f1 is not None and abs(f1) < 1e-9:
                break
        return _round_like(x1, row)

    def diagnose(self, anomalies: list[Anomaly]) -> None:
        """Name the suspect figure and suggested value on equation, rollup, agreement anomalies."""
        for a in anomalies:
            if a.category not in ("inconsistent", "rounding"):
                continue
            if a.rule.kind == "agreement":
                self._agreement(a)
            elif a.rule.kind in ("equation", "rollup"):
                self._relation(a)

    def _score(self, key: Key, override: dict[Key, Interval]) -> tuple[int, int]:
        """(holding, failing) relations of a figure with `override` applied."""
        if not override and key in self._base_scores:
            return self._base_scores[key]
        holding, failing = self._judge(key, override)
        score = len(holding), len(failing)
        if not override:
            self._base_scores[key] = score
        return score

    def _judge(self, key: Key, override: dict[Key, Interval]) -> tuple[list[str], list[str]]:
        """Rule ids of the relations a figure takes part in that hold / fail with `override`."""
        holding: list[str] = []
        failing: list[str] = []
        for rel in self.relations(key):
            res = rel.holds(override)
            if res is True:
                holding.append(rel.rule.id)
            elif res is False:
                failing.append(rel.rule.id)
        return holding, failing

    def _agreement(self, a: Anomaly) -> None:
        key = (a.dataset, a.entity, a.period, a.subject or "")
        variants: dict[str, list[dict[str, Any]]] = {}
        for row in a.figures:
            variants.setdefault(row["text"], []).append(row)
        scored = []
        for text, rows in variants.items():
            iv = row_interval(rows[0])
            holds, fails = self._score(key, {key: iv}) if iv else (0, 0)
            suspicion = max(KIND_SUSPICION[r["kind"]] for r in rows)
            scored.append((holds - fails, len(rows), -suspicion, text, holds, fails))
        scored.sort(reverse=True)
        if len(scored) < 2 or scored[0][:3] == scored[1][:3]:
            return
        best = scored[0]
        trusted = variants[best[3]][0]
        wrong = [s for s in scored[1:]]
        worst = wrong[-1]
        suspect_rows = sorted(variants[worst[3]], key=lambda r: -KIND_SUSPICION[r["kind"]])
        suspect = suspect_rows[0]
        if best[0] > worst[0]:
            holding, _ = self._judge(key, {key: row_interval(trusted)})  # type: ignore[dict-item]
            _, broken = self._judge(key, {key: row_interval(suspect)})  # type: ignore[dict-item]
            names = ", ".join(sorted(set(holding)))
            bnames = ", ".join(sorted(set(broken)))
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

    def _relation(self, a: Anomaly) -> None:
        candidates = []
        rounded_only = a.category == "rounding"
        for row in a.figures:
            iv = row_interval(row)
            if iv is None:
                continue
            if rounded_only and iv.exact:
                continue  # a rounding diagnosis clears the exact counts: the rounded print is off
            key = (row["dataset"], row["entity"], row["period"], row["indicator"])
            value = self.repair_value(a, row)
            if value is None:
                continue
            holds0, fails0 = self._score(key, {})
            # the repaired figure keeps its printed precision: "7,36 %" stands for [7,355; 7,365]
            half = (iv.hi - iv.lo) / 2
            holds1, fails1 = self._score(key, {key: Interval(value - half, value + half)})
            repaired = fails0 - fails1
            broken = max(0, holds0 - holds1)
            # a rounding finding blames the most coarsely rounded print (widest relative interval)
            coarse = (iv.hi - iv.lo) / max(abs(iv.mid), 1e-12) if rounded_only else 0.0
            candidates.append(((repaired - broken, coarse, -holds0, KIND_SUSPICION[row["kind"]]),
                               row, value, holds0, fails0))
        if not candidates:
            return
        candidates.sort(key=lambda c: c[0], reverse=True)
        best = candidates[0]
        if len(candidates) > 1 and candidates[1][0] == best[0]:
            return
        row, value = best[1], best[2]
        lang_val = {lang: fmt_number(value, lang, row["decimals"] if row["decimals"] > 0 else None)
                    for lang in ("fr", "en")}
        a.suspect = {
            "ref": row["ref"], "suggested": value,
            "reason": {
                "fr": f"avec {lang_val['fr']}, la relation est vérifiée sans en casser d'autre ; "
                      f"ce chiffre n'est confirmé par aucune autre relation"
                      if best[3] == 0 else
                      f"avec {lang_val['fr']}, la relation est vérifiée sans en casser d'autre",
                "en": f"with {lang_val['en']} the relation holds and breaks no other"
                      + ("; no other relation confirms this figure" if best[3] == 0 else ""),
            },
        }


def _round_like(value: float, row: dict[str, Any]) -> float:
    d = row["decimals"] if row["decimals"] and row["decimals"] > 0 else 0
    return round(value, d) + 0.0


def _first_cmp(node: object) -> Any:
    from . import expr as E

    for n in E.walk(node):
        if isinstance(n, E.Cmp):
            return n
    raise ValueError("no comparison")


def _selected(rule: Rule, entity: str, period: str) -> bool:
    import fnmatch

    return any(fnmatch.fnmatchcase(entity, p) for p in rule.entities) and any(
        fnmatch.fnmatchcase(period, p) for p in rule.periods)
