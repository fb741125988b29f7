"""Render verdicts as anomalies: values substituted, difference, figures with provenance.

The verdict table decides (pass / fail / not evaluable, rounding or not, the sides' intervals);
this module only puts it in words, and only for the verdicts that are reported.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import numpy as np

from . import algebra as A
from . import expr as E
from .backends.numpy import Env
from .engine import Run
from .figures import unit_factor
from .formatting import KIND_LABEL, fmt_number, fmt_with_unit
from .gcpause import paused_gc
from .i18n.numbers import fmt_diffs, fmt_intervals
from .intervals import Interval
from .kinds import non_numeric
from .rows import Rows
from .rules import SEVERITY_RANK, Rule
from .verdicts import CATEGORIES, REASONS

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}
NEGATED = {"==": "≠", "!=": "=", "<=": ">", "<": "≥", ">=": "<", ">": "≤"}
LANGS = ("fr", "en")


@dataclass
class Anomaly:
    rule: Rule
    category: str
    severity: str
    dataset: str
    entity: str
    period: str
    subject: str | None
    figures: list[dict[str, Any]]
    relation: dict[str, str]
    message: dict[str, str]
    lhs: Interval | None = None
    rhs: Interval | None = None
    difference: float | None = None
    suspect: dict[str, Any] | None = None
    extra_key: str = ""
    context: dict[str, Any] = field(default_factory=dict)
    verdict: int = -1  # row of the verdict table this anomaly renders

    @property
    def id(self) -> str:
        keys = [f"{e}|{p}|{i}|{k}|{t or ''}" for e, p, i, k, t in map(_ID_COLUMNS, self.figures)]
        keys.sort()
        raw = "\n".join([self.rule.id, self.dataset, self.entity, self.period,
                         self.subject or "", self.extra_key, *keys])
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


_QUALIFIER = {"<": "< ", "<=": "≤ ", ">": "> ", ">=": "≥ "}
_ID_COLUMNS = itemgetter("entity", "period", "indicator", "kind", "table")  # what an id reads


def fig_text(row: dict[str, Any], lang: str) -> str:
    """The figure as printed (French), or written the English way; made once per row (a
    figure shown by several anomalies, or twice in one relation, is formatted once)."""
    if lang == "fr" or row["value"] is None:
        return row["text"]
    text = row.get("_text_en")
    if text is None:
        d = row["decimals"]
        printed, unit = row["unit_printed"], row["unit"]
        factor = 1.0 if printed is None or printed == unit else (
            unit_factor(printed, unit) or 1.0)
        text = fmt_with_unit(row["value"] / factor, printed, "en", d if d >= 0 else None)
        qualifier = row["qualifier"]
        if qualifier:
            text = _QUALIFIER.get(qualifier, "") + text
        row["_text_en"] = text
    return text


def render(node: object, rows: dict[str, dict[str, Any]], prev_rows: dict[str, dict[str, Any]],
           lang: str, top: bool = True) -> str:
    """An expression with the printed figures substituted for the indicators."""
    if isinstance(node, E.Num):
        return fmt_number(node.value, lang)
    if isinstance(node, E.Ind):
        row = rows.get(node.id)
        return fig_text(row, lang) if row else "?"
    if isinstance(node, E.Glob):
        parts = [fig_text(rows[i], lang) for i in sorted(rows)
                 if E.expand_glob(node.pattern, [i])]
        return " + ".join(parts) if parts else "?"
    if isinstance(node, E.Neg):
        return "-" + render(node.operand, rows, prev_rows, lang, False)
    if isinstance(node, E.Call):
        if node.name == "prev":
            row = prev_rows.get(node.args[0].id)
            return fig_text(row, lang) if row else "?"
        inner = ", ".join(render(a, rows, prev_rows, lang, True) for a in node.args)
        if node.name == "sum":
            return f"({inner})" if not top else inner
        return f"{node.name}({inner})"
    if isinstance(node, E.Bin):
        op = _OP[node.op]
        left, right = _parenthesized(node, render(node.left, rows, prev_rows, lang, True),
                                     render(node.right, rows, prev_rows, lang, True))
        return f"{left} {op} {right}"
    raise TypeError(node)


_OP = {"*": "×", "/": "/", "+": "+", "-": "-"}  # how an operator is printed


def _parenthesized(node: E.Bin, left: str, right: str) -> tuple[str, str]:
    """The operands' texts, in parentheses only where precedence or a non-associative right
    operand needs them (one rule for `render` and its templates)."""
    prec = _PREC[node.op]
    if isinstance(node.left, E.Bin) and _PREC[node.left.op] < prec:
        left = f"({left})"
    if isinstance(node.right, E.Bin) and (
            _PREC[node.right.op] < prec
            or (_PREC[node.right.op] == prec and node.op in "-/")):
        right = f"({right})"
    return left, right


Slot = tuple[bool, str]  # (read from the previous period, indicator)


def _compile(node: object, lang: str, top: bool = True) -> tuple[str, list[Slot]] | None:
    """What `render` writes for `node`, as a `str.format` template whose fields are the
    figures' texts (made once per rule and comparison: the text around the figures does not
    depend on the record); None when it does (a glob's terms are the figures present)."""
    if isinstance(node, E.Num):
        return _literal(fmt_number(node.value, lang)), []
    if isinstance(node, E.Ind):
        return "{}", [(False, node.id)]
    if isinstance(node, E.Neg):
        inner = _compile(node.operand, lang, False)
        return None if inner is None else ("-" + inner[0], inner[1])
    if isinstance(node, E.Call):
        if node.name == "prev":
            return "{}", [(True, node.args[0].id)]
        args = [_compile(a, lang, True) for a in node.args]
        if any(a is None for a in args):
            return None
        inner = ", ".join(a[0] for a in args if a is not None)
        slots = [slot for a in args if a is not None for slot in a[1]]
        if node.name == "sum":
            return (f"({inner})" if not top else inner), slots
        return f"{_literal(node.name)}({inner})", slots
    if isinstance(node, E.Bin):
        left, right = _compile(node.left, lang, True), _compile(node.right, lang, True)
        if left is None or right is None:
            return None
        ltxt, rtxt = _parenthesized(node, left[0], right[0])
        op = _OP[node.op]
        return f"{ltxt} {op} {rtxt}", left[1] + right[1]
    return None


def _literal(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def _fill(template: tuple[str, list[Slot]], rows: dict[str, dict[str, Any]],
          prev_rows: dict[str, dict[str, Any]], lang: str) -> str:
    texts = []
    for prev, ind in template[1]:
        row = (prev_rows if prev else rows).get(ind)
        texts.append("?" if row is None else row["text"] if lang == "fr" else fig_text(row, lang))
    return template[0].format(*texts)


def _iv(lo: float, hi: float) -> Interval | None:
    return None if math.isnan(lo) or math.isnan(hi) else Interval(float(lo), float(hi))


def _sides(r: dict[str, Any]) -> tuple[Interval | None, Interval | None]:
    """A verdict's two sides as intervals, made once (the kind's text and the anomaly)."""
    sides = r.get("_sides")
    if sides is None:
        sides = r["_sides"] = (_iv(r["lhs_lo"], r["lhs_hi"]), _iv(r["rhs_lo"], r["rhs_hi"]))
    return sides


class Builder:
    """Builds the anomalies of every reported verdict (fails, and checks that could not be
    made for an arithmetic reason)."""

    def __init__(self, run: Run, rows: Rows):
        self.run = run
        self.rows = rows
        self.store = run.store
        self.ref = run.context.pack.reference
        self.hierarchies = sorted(self.ref.hierarchies)
        self._templates: dict[tuple[int, int], tuple[Any, list[tuple[Any, Any]]]] = {}

    def build(self) -> list[Anomaly]:
        with paused_gc():  # ~10⁵ records, no cycles: see gcpause
            return self._build()

    def _build(self) -> list[Anomaly]:
        v = self.run.verdicts
        reported = np.flatnonzero(v["category"] >= 0)
        if not len(reported):
            return []
        sub = v.take(reported)
        self.rows.prefetch(sub.idx)
        # the reported verdicts' columns as Python values, once (a NumPy scalar read costs
        # ~10× a list's), and each verdict's figures as row dicts
        names = list(sub.cols)
        rows = self.rows
        idx, ptr = sub.idx.tolist(), sub.ptr.tolist()
        handlers = {kind: getattr(self, f"_{kind}") for kind in {r.kind for r in self.run.rules}}
        out: list[Anomaly] = []
        columns = [sub[n].tolist() for n in names]
        for k, (i, values) in enumerate(zip(reported.tolist(), zip(*columns, strict=True),
                                            strict=True)):
            r = dict(zip(names, values, strict=True))
            r["figures"] = rows.many(idx[ptr[k]:ptr[k + 1]])
            rule = self.run.rules[r["rule"]]
            anomaly = handlers[rule.kind](rule, i, r)
            if anomaly is not None:
                anomaly.verdict = i
                out.append(anomaly)
        return out

    # -- shared --------------------------------------------------------------------------------
    def _base(self, rule: Rule, r: dict[str, Any], subject: str | None,
              figures: list[dict[str, Any]], relation: dict[str, str], extra_key: str = ""
              ) -> Anomaly:
        s = self.store
        category = CATEGORIES[r["category"]]
        severity = rule.severity
        if category == "rounding":
            severity = _cap(rule.severity, "warning")
        elif rule.kind == "objective" and category in ("unit", "inconsistent"):
            severity = rule.consistency_severity
        diff = r["diff"]
        return Anomaly(rule, category, severity, s.datasets[r["dataset"]],
                       s.entities[r["entity"]], s.periods[r["period"]], subject,
                       figures, relation, _message(rule, category),
                       *_sides(r), None if math.isnan(diff) else diff, extra_key=extra_key)

    def _subject(self, r: dict[str, Any]) -> str | None:
        code = r["subject"]
        return None if code < 0 else self.store.indicators[code]

    # -- per kind ------------------------------------------------------------------------------
    def _equation(self, rule: Rule, i: int, r: dict[str, Any]) -> Anomaly:
        rows = r["figures"]
        per = self.store.periods[r["period"]]
        by_ind: dict[str, dict[str, Any]] = {}
        prev_rows: dict[str, dict[str, Any]] = {}
        for f in rows:
            (by_ind if f["period"] == per else prev_rows)[f["indicator"]] = f
        category = CATEGORIES[r["category"]]
        relation: dict[str, str] = {}
        if category == "missing":
            return self._unevaluable(rule, i, r, by_ind, prev_rows)
        k = r["cmp"]
        if k >= 0:
            cmp, templates = self._comparison(rule, k)
            lhs, rhs = _sides(r)
            lvalue = rvalue = None
            if not isinstance(cmp.left, E.Ind) and lhs is not None:
                lvalue = fmt_intervals(lhs.lo, lhs.hi, LANGS)
            if not isinstance(cmp.right, E.Ind | E.Num) and rhs is not None:
                rvalue = fmt_intervals(rhs.lo, rhs.hi, LANGS)
            diffs = fmt_diffs(r["diff"], LANGS)
            for n, lang in enumerate(LANGS):
                left, right = templates[n]
                ltxt = (_fill(left, by_ind, prev_rows, lang) if left is not None
                        else render(cmp.left, by_ind, prev_rows, lang))
                rtxt = (_fill(right, by_ind, prev_rows, lang) if right is not None
                        else render(cmp.right, by_ind, prev_rows, lang))
                if lvalue is not None:
                    ltxt += " = " + lvalue[n]
                if rvalue is not None:
                    rtxt += " = " + rvalue[n]
                word = "écart" if lang == "fr" else "difference"
                relation[lang] = f"{ltxt} {NEGATED[cmp.op]} {rtxt}, {word} {diffs[n]}"
            a = self._base(rule, r, None, rows, relation)
        else:
            relation = {lang: E.to_text(rule.ast) for lang in LANGS}
            a = self._base(rule, r, None, rows, relation)
            a.lhs = a.rhs = a.difference = None
        return a

    def _comparison(self, rule: Rule, k: int) -> tuple[Any, list[tuple[Any, Any]]]:
        """A rule's k-th comparison and its sides' templates, per language (`_compile`)."""
        key = (id(rule), k)
        made = self._templates.get(key)
        if made is None:
            cmp = A.comparisons(rule.ast)[k]
            made = self._templates[key] = (cmp, [
                (_compile(cmp.left, lang), _compile(cmp.right, lang)) for lang in LANGS])
        return made

    def _unevaluable(self, rule: Rule, i: int, r: dict[str, Any],
                     by_ind: dict[str, dict[str, Any]], prev_rows: dict[str, dict[str, Any]]
                     ) -> Anomaly:
        """A record whose figures are all there but whose check cannot be made: a divisor
        that is (or may be, once rounded) zero, or an undefined operation (∞ − ∞). Reported at
        the rule's severity, category `missing`: a check that could not be made fails the gate
        like a failed one (`--fail-on`)."""
        v, s = self.run.verdicts, self.store
        reason = REASONS[r["reason"]]
        relation = {}
        if reason == "division":
            rec = s.record_of(s.record_key(v["dataset"][i:i + 1].astype(np.int64),
                                           v["entity"][i:i + 1].astype(np.int64),
                                           v["period"][i:i + 1].astype(np.int64)))
            env = Env(s, rec)
            known = self.run.context.known
            division = None
            for n in E.walk(rule.ast):
                if isinstance(n, E.Bin) and n.op == "/":
                    left = A.evaluate_number(n.left, env, known)
                    right = A.evaluate_number(n.right, env, known)
                    if bool(np.atleast_1d(left.ok())[0]) and bool(
                            np.atleast_1d(right.ok())[0]) and (
                            np.atleast_1d(right.lo)[0] <= 0 <= np.atleast_1d(right.hi)[0]):
                        division = n
                        break
            node = division if division is not None else rule.ast
            divisor = E.to_text(division.right).strip("()") if division is not None else "?"
            for lang in LANGS:
                text = (render(node, by_ind, prev_rows, lang) if division is not None
                        else E.to_text(node))
                relation[lang] = (f"{text} : division par zéro ({divisor} peut valoir 0), "
                                  "relation non évaluable" if lang == "fr" else
                                  f"{text}: division by zero ({divisor} may be 0), the relation "
                                  "cannot be evaluated")
        else:
            for lang in LANGS:
                relation[lang] = (f"{E.to_text(rule.ast)} : opération indéfinie (∞ − ∞ ou "
                                  "0 × ∞), relation non évaluable" if lang == "fr" else
                                  f"{E.to_text(rule.ast)}: undefined operation (∞ − ∞ or 0 × ∞),"
                                  " the relation cannot be evaluated")
        a = self._base(rule, r, None, r["figures"], relation, extra_key="not_evaluable")
        a.lhs = a.rhs = a.difference = None
        return a

    def _rollup(self, rule: Rule, i: int, r: dict[str, Any]) -> Anomaly:
        rows = r["figures"]
        ind = self._subject(r)
        h = self.hierarchies[r["hierarchy"]]
        parent = self.store.entities[r["entity"]]
        children = self.ref.hierarchies[h][parent]
        # the subject's figures in one pass: the parent's first print, the children's
        prow = None
        crows: list[dict[str, Any]] = []
        shown: list[dict[str, Any]] = []
        for f in rows:
            if f["indicator"] == ind:
                shown.append(f)
                if f["entity"] != parent:
                    crows.append(f)
                elif prow is None:
                    prow = f
        unit = self.ref.indicators[ind].unit if ind else None
        lhs, rhs = _sides(r)
        relation = {}
        if CATEGORIES[r["category"]] == "missing":
            for lang in LANGS:
                relation[lang] = ("moyenne pondérée non évaluable : poids nuls, négatifs ou "
                                  "absents" if lang == "fr" else "weighted mean cannot be "
                                  "evaluated: zero, negative or missing weights")
            a = self._base(rule, r, ind, shown, relation, extra_key=h)
            a.lhs = a.rhs = a.difference = None
            a.context = {"hierarchy": h, "children": children}
            return a
        assert lhs is not None and rhs is not None
        numeric_children = sum(1 for f in crows if f["value"] is not None)
        weighted = rule.method == "weighted_mean"
        sums = fmt_intervals(rhs.lo, rhs.hi, LANGS, unit if weighted else None)
        diffs = fmt_diffs(r["diff"], LANGS)
        for n, lang in enumerate(LANGS):
            if weighted:
                what = ("moyenne pondérée des enfants" if lang == "fr"
                        else "weighted mean of the children")
                rtxt = f"{what} = {sums[n]}"
            elif len(crows) <= 8:
                rtxt = " + ".join([f["text"] for f in crows] if lang == "fr" else
                                  [fig_text(f, lang) for f in crows])
                rtxt += " = " + sums[n]
            else:
                what = "somme des" if lang == "fr" else "sum of the"
                rtxt = f"{what} {len(crows)} = {sums[n]}"
            ptxt = fig_text(prow, lang) if prow else "?"
            word = "écart" if lang == "fr" else "difference"
            relation[lang] = f"{rtxt} ≠ {ptxt}, {word} {diffs[n]}"
            if rule.mode == "partial_null" and numeric_children < len(children):
                relation[lang] = f"{ptxt} < {rtxt}"
        a = self._base(rule, r, ind, shown, relation, extra_key=h)
        a.context = {"hierarchy": h, "children": children}
        return a

    def _agreement(self, rule: Rule, i: int, r: dict[str, Any]) -> Anomaly:
        rows = sorted(r["figures"], key=lambda f: (f["prio"], f["seq"]))
        groups: dict[str, list[dict[str, Any]]] = {}
        for f in rows:
            groups.setdefault(f["text"], []).append(f)
        relation = {}
        diffs = fmt_diffs(r["diff"], LANGS)
        for n, lang in enumerate(LANGS):
            parts = []
            for grp in groups.values():
                where = " ; ".join(f"{KIND_LABEL[lang][f['kind']]}"
                                   f"{' ' + f['table'] if f['table'] else ''}"
                                   f", l. {f['report_line']}" for f in grp)
                parts.append(f"{fig_text(grp[0], lang)} ({where})")
            word = "écart" if lang == "fr" else "difference"
            relation[lang] = " ≠ ".join(parts) + f", {word} {diffs[n]}"
        return self._base(rule, r, self._subject(r), rows, relation)

    def _bounds(self, rule: Rule, i: int, r: dict[str, Any]) -> Anomaly:
        (row,) = r["figures"]
        bound = float(r["rhs_lo"])
        below = rule.min is not None and bound == rule.min and r["lhs_hi"] < bound
        relation = {lang: (f"{fig_text(row, lang)} < {fmt_number(bound, lang)}" if below else
                           f"{fig_text(row, lang)} > {fmt_number(bound, lang)}") for lang in LANGS}
        return self._base(rule, r, row["indicator"], [row], relation,
                          extra_key=f"{row['kind']}|{row['table'] or ''}|{row['report_line']}")

    def _objective(self, rule: Rule, i: int, verdict: dict[str, Any]) -> Anomaly:
        rows = verdict["figures"]
        subject = self._subject(verdict) or ""
        category = CATEGORIES[verdict["category"]]
        by_role = {f["indicator"].rsplit(".", 1)[1]: f for f in rows}
        o, r = by_role["objective"], by_role["result"]
        if category == "inconsistent":  # attainment rate does not fit result / objective
            base = subject[: -len(".attainment")]
            a = by_role["attainment"]
            relation = {lang: f"{fig_text(r, lang)} / {fig_text(o, lang)} ≠ {fig_text(a, lang)}"
                        for lang in LANGS}
            return self._base(rule, verdict, f"{base}.attainment", rows, relation,
                              extra_key="attainment")
        base = subject[: -len(".objective")]
        if category == "unit":
            relation = {lang: f"{fig_text(o, lang)} ({_unit_of(o)}) / {fig_text(r, lang)} "
                        f"({_unit_of(r)})" for lang in LANGS}
            an = self._base(rule, verdict, base, rows, relation, extra_key="unit")
            an.lhs = an.rhs = an.difference = None
            return an
        higher = verdict["lhs_hi"] < verdict["rhs_lo"]
        relation = {}
        for lang in LANGS:
            res_word = "résultat" if lang == "fr" else "result"
            obj_word = "objectif" if lang == "fr" else "objective"
            op = "<" if higher else ">"
            relation[lang] = f"{res_word} {fig_text(r, lang)} {op} {obj_word} {fig_text(o, lang)}"
        return self._base(rule, verdict, base, rows, relation)

    def _print_unit(self, rule: Rule, i: int, r: dict[str, Any]) -> Anomaly:
        (row,) = r["figures"]
        rel = {"fr": f"« {row['text']} » n'est pas en {_UNIT_WORD['fr'][row['unit']]}",
               "en": f"“{row['text']}” is not in {_UNIT_WORD['en'][row['unit']]}"}
        return self._base(rule, r, row["indicator"], [row], rel,
                          extra_key=f"{row['kind']}|{row['table'] or ''}|{row['report_line']}")

    def _non_numeric(self, rule: Rule, i: int, r: dict[str, Any]) -> Anomaly:
        (row,) = r["figures"]
        a = self._base(rule, r, row["indicator"], [row], non_numeric.relation(row["text"]),
                       extra_key=f"{row['kind']}|{row['table'] or ''}|{row['report_line']}")
        a.severity = non_numeric.SEVERITY[a.category]
        return a


_UNIT_WORD = {
    "fr": {"count": "nombre (effectif)", "percent": "pourcentage", "eur": "euros",
           "keur": "milliers d'euros", "meur": "millions d'euros", "days": "jours",
           "points": "points", "number": "nombre"},
    "en": {"count": "a count", "percent": "percent", "eur": "euros", "keur": "thousand euros",
           "meur": "million euros", "days": "days", "points": "points", "number": "a number"},
}

_MESSAGES = {
    "inconsistent": ("Relation non vérifiée", "Relation does not hold"),
    "rounding": ("Écart explicable par une troncature plutôt qu'un arrondi",
                 "Difference explained by truncation rather than rounding"),
    "bounds": ("Valeur hors bornes", "Value out of bounds"),
    "unit": ("Objectif et résultat dans des unités différentes",
             "Objective and result in different units"),
    "print_unit": ("Unité imprimée incompatible avec l'indicateur",
                   "Printed unit does not match the indicator"),
    "objective_missed": ("Objectif non atteint", "Objective missed"),
    "non_numeric": ("Valeur non numérique", "Non-numeric value"),
    "not_available": ("Donnée non disponible", "Figure not available"),
    "garbled": ("Chiffre perdu", "Figure lost"),
    "missing": ("Relation non évaluable", "Relation could not be evaluated"),
}


_MADE: dict[tuple[int, str], tuple[Rule, dict[str, str]]] = {}


def _message(rule: Rule, category: str) -> dict[str, str]:
    """One dict per (rule, category), shared by its anomalies (25 000 anomalies, a few
    dozen messages); nobody mutates it."""
    key = (id(rule), category)
    made = _MADE.get(key)
    if made is not None and made[0] is rule:
        return made[1]
    fr, en = _MESSAGES["print_unit" if rule.kind == "print_unit" else category]
    message = {"fr": f"{fr} : {rule.description['fr']}", "en": f"{en}: {rule.description['en']}"}
    if len(_MADE) > 10_000:
        _MADE.clear()
    _MADE[key] = (rule, message)
    return message


def _unit_of(row: dict[str, Any]) -> str:
    return row["unit_printed"] or row["unit"]


def _cap(severity: str, cap: str) -> str:
    return severity if SEVERITY_RANK[severity] >= SEVERITY_RANK[cap] else cap
