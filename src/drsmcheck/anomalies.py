"""Turn failing records into anomalies: values substituted, difference, category, figures.

Runs only on what failed, so plain Python is fine here.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from . import expr as E
from .engine import RuleResult
from .formatting import KIND_LABEL, fmt_diff, fmt_interval, fmt_number, fmt_with_unit
from .intervals import Env, Interval, eval_bool, eval_num, failing_comparison
from .reference import Reference
from .rules import SEVERITY_RANK, Rule
from .store import FigureStore, Key, row_interval, truncation

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

    @property
    def id(self) -> str:
        keys = sorted(f"{f['entity']}|{f['period']}|{f['indicator']}|{f['kind']}|{f['table'] or ''}"
                      for f in self.figures)
        raw = "\n".join([self.rule.id, self.dataset, self.entity, self.period,
                         self.subject or "", self.extra_key, *keys])
        return hashlib.sha256(raw.encode()).hexdigest()[:16]


def _fig_text(row: dict[str, Any], lang: str) -> str:
    if lang == "fr" or row["value"] is None:
        return row["text"]
    d = row["decimals"] if row["decimals"] >= 0 else None
    text = fmt_with_unit(row["value"], row["unit_printed"], "en", d)
    return {"<": "< ", "<=": "≤ ", ">": "> ", ">=": "≥ "}.get(row["qualifier"] or "", "") + text


class Builder:
    """Builds the anomalies of every rule result."""

    def __init__(self, store: FigureStore, ref: Reference):
        self.store = store
        self.ref = ref
        self.known = sorted(ref.indicators)

    # -- environment of one record ---------------------------------------------------------
    def env(self, rule: Rule, dataset: str, entity: str, period: str,
            override: dict[Key, Interval] | None = None, widen: bool = False) -> Env:
        override = override or {}
        values: dict[str, Interval | None] = {}
        for ind in rule.needed:
            key = (dataset, entity, period, ind)
            if key in override:
                values[ind] = override[key]
            elif not widen:
                if self.store.resolved(key) is not None:
                    values[ind] = self.store.interval(key)
            elif (row := self.store.resolved(key)) is not None:
                values[ind] = truncation(row)
        prev: dict[str, Interval | None] = {}
        pper = _prev_period(period)
        for ind in rule.needed_prev:
            key = (dataset, entity, pper, ind) if pper else None
            row = self.store.resolved(key) if key else None
            if key in override:
                prev[ind] = override[key]  # type: ignore[index]
            elif row is not None:
                prev[ind] = truncation(row) if widen else row_interval(row)
        return Env(values, prev, self.known)

    def equation_rows(self, rule: Rule, dataset: str, entity: str, period: str
                      ) -> list[dict[str, Any]]:
        rows = []
        for ind in rule.needed:
            row = self.store.resolved((dataset, entity, period, ind))
            if row is not None:
                rows.append(row)
        pper = _prev_period(period)
        for ind in rule.needed_prev:
            row = self.store.resolved((dataset, entity, pper, ind)) if pper else None
            if row is not None:
                rows.append(row)
        return rows

    # -- rendering -------------------------------------------------------------------------
    def render(self, node: object, rows: dict[str, dict[str, Any]],
               prev_rows: dict[str, dict[str, Any]], lang: str, top: bool = True) -> str:
        if isinstance(node, E.Num):
            return fmt_number(node.value, lang)
        if isinstance(node, E.Ind):
            row = rows.get(node.id)
            return _fig_text(row, lang) if row else "?"
        if isinstance(node, E.Glob):
            parts = [_fig_text(rows[i], lang) for i in sorted(rows)
                     if E.expand_glob(node.pattern, [i])]
            return " + ".join(parts) if parts else "?"
        if isinstance(node, E.Neg):
            return "-" + self.render(node.operand, rows, prev_rows, lang, False)
        if isinstance(node, E.Call):
            if node.name == "prev":
                row = prev_rows.get(node.args[0].id)
                return _fig_text(row, lang) if row else "?"
            inner = ", ".join(self.render(a, rows, prev_rows, lang, True) for a in node.args)
            if node.name == "sum":
                return f"({inner})" if not top else inner
            return f"{node.name}({inner})"
        if isinstance(node, E.Bin):
            op = {"*": "×", "/": "/", "+": "+", "-": "-"}[node.op]
            prec = _PREC[node.op]
            left = self.render(node.left, rows, prev_rows, lang, True)
            right = self.render(node.right, rows, prev_rows, lang, True)
            # parentheses only where precedence or a non-associative right operand needs them
            if isinstance(node.left, E.Bin) and _PREC[node.left.op] < prec:
                left = f"({left})"
            if isinstance(node.right, E.Bin) and (
                    _PREC[node.right.op] < prec
                    or (_PREC[node.right.op] == prec and node.op in "-/")):
                right = f"({right})"
            return f"{left} {op} {right}"
        raise TypeError(node)

    # -- per kind ----------------------------------------------------------------------------
    def build(self, result: RuleResult) -> list[Anomaly]:
        out: list[Anomaly] = []
        if result.failing is not None and not result.failing.empty:
            method = getattr(self, f"_build_{result.rule.kind}")
            for rec in result.failing.to_dict("records"):
                anomaly = method(result.rule, rec)
                if anomaly is not None:
                    out.append(anomaly)
        if result.unevaluable is not None and not result.unevaluable.empty:
            for rec in result.unevaluable.to_dict("records"):
                anomaly = self._build_unevaluable(result.rule, rec)
                if anomaly is not None:
                    out.append(anomaly)
        return out

    def _build_unevaluable(self, rule: Rule, rec: dict[str, Any]) -> Anomaly | None:
        """A record whose figures are all there but the rule still has no truth value.

        A missing figure leaves the item not evaluable in the per-rule counts (reports do not
        print every figure), and a word in a cell is reported once as non_numeric; but a
        division by a figure that is (or may be, once rounded) zero means the check could not
        be made on figures that are all present. That is reported, never passed over: category
        `missing`, at the rule's own severity — a check that could not be made fails the gate
        like a failed one (`--fail-on`), with the record's figures.
        """
        ds, ent, per = rec["dataset"], rec["entity"], rec["period"]
        env = self.env(rule, ds, ent, per)
        if eval_bool(rule.ast, env, rule.tolerance) is not None:
            return None
        division = next((n for n in E.walk(rule.ast) if isinstance(n, E.Bin) and n.op == "/"
                         and eval_num(n.left, env) is not None
                         and (d := eval_num(n.right, env)) is not None and d.lo <= 0 <= d.hi),
                        None)
        if division is None:
            return None
        rows = self.equation_rows(rule, ds, ent, per)
        by_ind = {r["indicator"]: r for r in rows if r["period"] == per}
        prev_rows = {r["indicator"]: r for r in rows if r["period"] != per}
        relation = {}
        for lang in LANGS:
            text = self.render(division, by_ind, prev_rows, lang)
            divisor = E.to_text(division.right).strip("()")
            relation[lang] = (f"{text} : division par zéro ({divisor} peut valoir 0), relation "
                              "non évaluable" if lang == "fr" else
                              f"{text}: division by zero ({divisor} may be 0), the relation "
                              "cannot be evaluated")
        return Anomaly(rule, "missing", rule.severity, ds, ent, per, None, rows,
                       relation, _message(rule, "missing"), extra_key="not_evaluable")

    def _build_equation(self, rule: Rule, rec: dict[str, Any]) -> Anomaly | None:
        ds, ent, per = rec["dataset"], rec["entity"], rec["period"]
        env = self.env(rule, ds, ent, per)
        cmp = failing_comparison(rule.ast, env, rule.tolerance)
        rows = self.equation_rows(rule, ds, ent, per)
        by_ind = {r["indicator"]: r for r in rows if r["period"] == per}
        prev_rows = {r["indicator"]: r for r in rows if r["period"] != per}
        relation: dict[str, str] = {}
        lhs = rhs = None
        diff = None
        if cmp is not None:
            lhs, rhs = eval_num(cmp.left, env), eval_num(cmp.right, env)
            assert lhs is not None and rhs is not None
            diff = lhs.mid - rhs.mid
            for lang in LANGS:
                ltxt = self.render(cmp.left, by_ind, prev_rows, lang)
                rtxt = self.render(cmp.right, by_ind, prev_rows, lang)
                if not isinstance(cmp.left, E.Ind):
                    ltxt += " = " + fmt_interval(lhs.lo, lhs.hi, lang)
                if not isinstance(cmp.right, E.Ind | E.Num):
                    rtxt += " = " + fmt_interval(rhs.lo, rhs.hi, lang)
                word = "écart" if lang == "fr" else "difference"
                relation[lang] = (f"{ltxt} {NEGATED[cmp.op]} {rtxt}, {word} "
                                  f"{fmt_diff(diff, lang)}")
        else:
            for lang in LANGS:
                relation[lang] = E.to_text(rule.ast)
        widened = self.env(rule, ds, ent, per, widen=True)
        rounding = eval_bool(rule.ast, widened, rule.tolerance) is True
        category = "rounding" if rounding else "inconsistent"
        severity = _cap(rule.severity, "warning") if rounding else rule.severity
        return Anomaly(rule, category, severity, ds, ent, per, None, rows, relation,
                       _message(rule, category), lhs, rhs, diff)

    def _build_rollup(self, rule: Rule, rec: dict[str, Any]) -> Anomaly | None:
        ds, per, ind, h, parent = (rec["dataset"], rec["period"], rec["indicator"],
                                   rec["hierarchy"], rec["parent"])
        prow = self.store.resolved((ds, parent, per, ind))
        children = self.ref.hierarchies[h][parent]
        crows = [r for c in children if (r := self.store.resolved((ds, c, per, ind)))]
        lhs = Interval(float(rec["p_lo"]), float(rec["p_hi"]))
        rhs = Interval(float(rec["e_lo"]), float(rec["e_hi"]))
        diff = lhs.mid - rhs.mid  # the imbalance, parent − children (VTL check_hierarchy)
        unit = self.ref.indicators[ind].unit
        relation = {}
        for lang in LANGS:
            if rule.method == "weighted_mean":
                what = ("moyenne pondérée des enfants" if lang == "fr"
                        else "weighted mean of the children")
                rtxt = f"{what} = {fmt_interval(rhs.lo, rhs.hi, lang, unit)}"
            elif len(crows) <= 8:
                rtxt = " + ".join(_fig_text(r, lang) for r in crows)
                rtxt += " = " + fmt_interval(rhs.lo, rhs.hi, lang)
            else:
                what = "somme des" if lang == "fr" else "sum of the"
                rtxt = f"{what} {len(crows)} = {fmt_interval(rhs.lo, rhs.hi, lang)}"
            ptxt = _fig_text(prow, lang) if prow else "?"
            word = "écart" if lang == "fr" else "difference"
            relation[lang] = f"{rtxt} ≠ {ptxt}, {word} {fmt_diff(diff, lang)}"
            if rule.mode == "partial_null" and int(rec["n_ok"]) < int(rec["n_expected"]):
                relation[lang] = f"{ptxt} < {rtxt}"
        rows = [prow, *crows] if prow else crows
        rounding = False
        if prow is not None:
            plo = truncation(prow)
            wide = [truncation(r) for r in crows]
            if plo is not None and all(w is not None for w in wide) and rule.method == "sum":
                total = Interval(sum(w.lo for w in wide), sum(w.hi for w in wide))  # type: ignore[union-attr]
                rounding = plo.meets(total)
        category = "rounding" if rounding else "inconsistent"
        severity = _cap(rule.severity, "warning") if rounding else rule.severity
        a = Anomaly(rule, category, severity, ds, parent, per, ind, rows, relation,
                    _message(rule, category), lhs, rhs, diff, extra_key=h)
        a.context = {"hierarchy": h, "children": children}
        return a

    def _build_bounds(self, rule: Rule, rec: dict[str, Any]) -> Anomaly | None:
        row = self.store.by_ref(rec["ref"])
        iv = row_interval(row)
        assert iv is not None
        relation = {}
        for lang in LANGS:
            if rule.min is not None and iv.hi < rule.min:
                relation[lang] = f"{_fig_text(row, lang)} < {fmt_number(rule.min, lang)}"
            else:
                relation[lang] = f"{_fig_text(row, lang)} > {fmt_number(rule.max or 0, lang)}"
        bound = Interval.point(rule.min if rule.min is not None and iv.hi < rule.min
                               else (rule.max or 0.0))
        return Anomaly(rule, "bounds", rule.severity, row["dataset"], row["entity"],
                       row["period"], row["indicator"], [row], relation,
                       _message(rule, "bounds"), iv, bound, iv.gap(bound),
                       extra_key=f"{row['kind']}|{row['table'] or ''}|{row['report_line']}")

    def _build_agreement(self, rule: Rule, rec: dict[str, Any]) -> Anomaly | None:
        key = (rec["dataset"], rec["entity"], rec["period"], rec["indicator"])
        rows = [r for r in self.store.rows(key) if row_interval(r) is not None]
        groups: dict[str, list[dict[str, Any]]] = {}
        for r in sorted(rows, key=lambda r: (r["prio"], r["seq"])):
            groups.setdefault(r["text"], []).append(r)
        relation = {}
        for lang in LANGS:
            parts = []
            for _text, grp in groups.items():
                where = " ; ".join(f"{KIND_LABEL[lang][r['kind']]}"
                                   f"{' ' + r['table'] if r['table'] else ''}"
                                   f", l. {r['report_line']}" for r in grp)
                parts.append(f"{_fig_text(grp[0], lang)} ({where})")
            relation[lang] = " ≠ ".join(parts)
        ivs = [row_interval(r) for r in rows]
        lo_iv = min(ivs, key=lambda i: i.hi)  # type: ignore[union-attr]
        hi_iv = max(ivs, key=lambda i: i.lo)  # type: ignore[union-attr]
        diff = hi_iv.mid - lo_iv.mid  # type: ignore[union-attr]
        for lang in LANGS:
            word = "écart" if lang == "fr" else "difference"
            relation[lang] += f", {word} {fmt_diff(diff, lang)}"
        rounding = all(truncation(a).meets(truncation(b))  # type: ignore[union-attr, arg-type]
                       for a in rows for b in rows)
        category = "rounding" if rounding else "inconsistent"
        severity = _cap(rule.severity, "warning") if rounding else rule.severity
        return Anomaly(rule, category, severity, key[0], key[1], key[2], key[3], rows, relation,
                       _message(rule, category), hi_iv, lo_iv, diff)

    def _build_objective(self, rule: Rule, rec: dict[str, Any]) -> Anomaly | None:
        ds, ent, per, base = rec["dataset"], rec["entity"], rec["period"], rec["base"]
        rows = [r for role in ("objective", "result", "attainment")
                if (r := self.store.resolved((ds, ent, per, f"{base}.{role}")))]
        o = self.store.resolved((ds, ent, per, f"{base}.objective"))
        r = self.store.resolved((ds, ent, per, f"{base}.result"))
        if rec.get("attainment_bad") is True:
            a = self.store.resolved((ds, ent, per, f"{base}.attainment"))
            relation = {lang: f"{_fig_text(r, lang)} / {_fig_text(o, lang)} ≠ "  # type: ignore[arg-type]
                        f"{_fig_text(a, lang)}" for lang in LANGS}  # type: ignore[arg-type]
            return Anomaly(rule, "inconsistent", "error", ds, ent, per, f"{base}.attainment",
                           rows, relation, _message(rule, "inconsistent"), extra_key="attainment")
        if rec.get("unit_bad") is True:
            relation = {lang: f"{_fig_text(o, lang)} ({_unit_of(o)}) / "  # type: ignore[arg-type]
                        f"{_fig_text(r, lang)} ({_unit_of(r)})" for lang in LANGS}  # type: ignore[arg-type]
            return Anomaly(rule, "unit", "error", ds, ent, per, base, rows, relation,
                           _message(rule, "unit"), extra_key="unit")
        direction = rec.get("direction")
        lo_word = {"fr": "objectif", "en": "objective"}
        res_word = {"fr": "résultat", "en": "result"}
        relation = {}
        for lang in LANGS:
            op = "<" if direction == "higher" else ">"
            relation[lang] = (f"{res_word[lang]} {_fig_text(r, lang)} {op} "  # type: ignore[arg-type]
                              f"{lo_word[lang]} {_fig_text(o, lang)}")  # type: ignore[arg-type]
        lhs, rhs = row_interval(r), row_interval(o)  # type: ignore[arg-type]
        diff = lhs.mid - rhs.mid if lhs and rhs else None
        return Anomaly(rule, "objective_missed", rule.severity, ds, ent, per, base, rows,
                       relation, _message(rule, "objective_missed"), lhs, rhs, diff)


def non_numeric_anomalies(store: FigureStore, rule: Rule) -> list[Anomaly]:
    """Each figure printed as a word or a dash, reported once with its position."""
    out = []
    for row in store.where(store.frame["non_numeric"].astype(bool).to_numpy()):
        rel = {"fr": f"« {row['text']} » n'est pas un nombre",
               "en": f"“{row['text']}” is not a number"}
        out.append(Anomaly(rule, "non_numeric", rule.severity, row["dataset"], row["entity"],
                           row["period"], row["indicator"], [row], rel,
                           _message(rule, "non_numeric"),
                           extra_key=f"{row['kind']}|{row['table'] or ''}|{row['report_line']}"))
    return out


NON_NUMERIC_RULE = Rule(
    id="non_numeric", kind="non_numeric", severity="warning",
    description={"fr": "Une cellule numérique contient un mot ou un tiret : chiffre non vérifiable",
                 "en": "A numeric cell holds a word or a dash: the figure cannot be checked"},
    file="(built-in)", line=0)


_MESSAGES = {
    "inconsistent": ("Relation non vérifiée", "Relation does not hold"),
    "rounding": ("Écart explicable par une troncature plutôt qu'un arrondi",
                 "Difference explained by truncation rather than rounding"),
    "bounds": ("Valeur hors bornes", "Value out of bounds"),
    "unit": ("Objectif et résultat dans des unités différentes",
             "Objective and result in different units"),
    "objective_missed": ("Objectif non atteint", "Objective missed"),
    "non_numeric": ("Valeur non numérique", "Non-numeric value"),
    "missing": ("Relation non évaluable", "Relation could not be evaluated"),
}


def _message(rule: Rule, category: str) -> dict[str, str]:
    fr, en = _MESSAGES[category]
    return {"fr": f"{fr} : {rule.description['fr']}", "en": f"{en}: {rule.description['en']}"}


def _unit_of(row: dict[str, Any]) -> str:
    return row["unit_printed"] or row["unit"]


def _cap(severity: str, cap: str) -> str:
    return severity if SEVERITY_RANK[severity] >= SEVERITY_RANK[cap] else cap


def _prev_period(period: str) -> str | None:
    return str(int(period) - 1) if period.isdigit() and len(period) == 4 else None
