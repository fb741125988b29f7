"""The reviewer's HTML anomaly report: one self-contained file, French by default.

`render_html(report, lang)` turns the JSON report dict (docs/FORMATS.md §5) into one HTML page:
no network access (no CDN: CSS and vanilla JS are inlined, a Content-Security-Policy forbids any
fetch), sortable and filterable anomaly table, every figure with its provenance, the suspect
figure highlighted, and an objectives-vs-results chart drawn as inline SVG on the server side.

Jinja2 renders with autoescape on, so every string that comes from data or rules is escaped;
the SVG chart is built here with `markupsafe.escape` on every text. Numbers are formatted by
Babel (`162 062`, `71,9 %` in French; `162,062`, `71.9%` in English).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from ._common import (
    CATEGORIES,
    SEVERITIES,
    Report,
    accepted_ids,
    baseline_info,
    check_lang,
    figure_by_ref,
    fmt_number,
    fmt_value,
    loc,
    printed_decimals,
    severity_counts,
    severity_rank,
    sorted_anomalies,
    suspect_figure,
)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
ENTITIES_FILE = Path(__file__).resolve().parent.parent / "rules" / "reference" / "entities.yaml"

STRINGS: dict[str, dict[str, str]] = {
    "fr": {
        "title": "Rapport d'anomalies drsmcheck",
        "doc_title": "drsmcheck — anomalies",
        "datasets": "Jeux de données",
        "figures_n": "chiffres",
        "source_report": "rapport source",
        "summary": "Synthèse",
        "anomalies": "Anomalies",
        "evaluations": "Contrôles évalués",
        "by_category": "Par catégorie",
        "by_entity": "Par entité",
        "by_theme": "Par thème",
        "entity": "Entité",
        "theme": "Thème",
        "total": "Total",
        "suspects": "Chiffres les plus probablement faux",
        "suspects_intro": "Pour chaque anomalie, le chiffre dont la correction rétablit la "
                          "cohérence "
                          "avec le moins de changements.",
        "no_suspect": "Aucun chiffre suspect désigné.",
        "printed": "Imprimé",
        "suggested": "Valeur suggérée",
        "where": "Où",
        "why": "Pourquoi",
        "indicator": "Indicateur",
        "objectives": "Objectifs et résultats du CPG",
        "objectives_intro": "Barre : résultat ; trait vertical : objectif. Chaque ligne a "
                            "sa propre "
                            "échelle (les unités diffèrent).",
        "met": "atteint",
        "missed": "non atteint",
        "objective": "objectif",
        "result": "résultat",
        "rules": "Bilan par règle",
        "rules_intro": "Pour chaque règle : éléments contrôlés, conformes, en échec et non "
                       "évaluables (un chiffre manquant ou non numérique ; jamais compté "
                       "conforme). Règles en échec en premier.",
        "rule": "Règle",
        "kind": "Type",
        "severity": "Sévérité",
        "description": "Description",
        "items_h": "Éléments",
        "passes": "Conformes",
        "fails": "Échecs",
        "not_evaluable": "Non évaluables",
        "distribution": "Répartition",
        "category": "Catégorie",
        "dataset": "Jeu de données",
        "period": "Période",
        "subject": "Sujet",
        "relation": "Relation",
        "difference": "Écart",
        "all": "Toutes",
        "all_m": "Tous",
        "search": "Rechercher",
        "search_placeholder": "entité, indicateur, valeur, citation…",
        "shown": "anomalies affichées sur",
        "expand_all": "Tout déplier",
        "collapse_all": "Tout replier",
        "details": "Détails",
        "message": "Constat",
        "lhs": "Membre de gauche",
        "rhs": "Membre de droite",
        "figures": "Chiffres en cause",
        "value": "Valeur",
        "interval": "Intervalle",
        "dataset_file": "Fichier du jeu de données",
        "report_line": "Rapport source",
        "place": "Emplacement",
        "quote": "Citation",
        "line": "l.",
        "table": "tableau",
        "row": "ligne",
        "column": "colonne",
        "suspect": "suspect",
        "suggested_short": "valeur suggérée",
        "no_anomaly": "Aucune anomalie : toutes les règles évaluées sont respectées.",
        "no_match": "Aucune anomalie ne correspond aux filtres.",
        "status": "Statut",
        "new": "nouvelle",
        "accepted": "acceptée (baseline)",
        "justification": "Justification",
        "baseline": "Baseline",
        "stale": "Entrées de baseline obsolètes (l'anomalie n'apparaît plus)",
        "stale_short": "obsolètes",
        "new_short": "nouvelles",
        "accepted_short": "acceptées",
        "footer": "Fichier autonome : aucune ressource externe n'est chargée. Produit par",
        "sort_hint": "Cliquer pour trier",
        "none": "—",
        "more": "… et {n} autres",
        "text": "texte",
        "box": "encadré",
        "kind_table": "tableau",
    },
    "en": {
        "title": "drsmcheck anomaly report",
        "doc_title": "drsmcheck — anomalies",
        "datasets": "Datasets",
        "figures_n": "figures",
        "source_report": "source report",
        "summary": "Summary",
        "anomalies": "Anomalies",
        "evaluations": "Checks evaluated",
        "by_category": "By category",
        "by_entity": "By entity",
        "by_theme": "By theme",
        "entity": "Entity",
        "theme": "Theme",
        "total": "Total",
        "suspects": "Most likely wrong figures",
        "suspects_intro": "For each anomaly, the figure whose correction restores consistency "
                          "with the fewest changes.",
        "no_suspect": "No suspect figure named.",
        "printed": "Printed",
        "suggested": "Suggested value",
        "where": "Where",
        "why": "Why",
        "indicator": "Indicator",
        "objectives": "CPG objectives and results",
        "objectives_intro": "Bar: result; vertical tick: objective. Each row has its own scale "
                            "(units differ).",
        "met": "met",
        "missed": "missed",
        "objective": "objective",
        "result": "result",
        "rules": "Per-rule summary",
        "rules_intro": "For each rule: items checked, passes, fails and not evaluable (a figure "
                       "is missing or not a number; never counted as a pass). Failing rules "
                       "first.",
        "rule": "Rule",
        "kind": "Kind",
        "severity": "Severity",
        "description": "Description",
        "items_h": "Items",
        "passes": "Passes",
        "fails": "Fails",
        "not_evaluable": "Not evaluable",
        "distribution": "Distribution",
        "category": "Category",
        "dataset": "Dataset",
        "period": "Period",
        "subject": "Subject",
        "relation": "Relation",
        "difference": "Difference",
        "all": "All",
        "all_m": "All",
        "search": "Search",
        "search_placeholder": "entity, indicator, value, quote…",
        "shown": "anomalies shown of",
        "expand_all": "Expand all",
        "collapse_all": "Collapse all",
        "details": "Details",
        "message": "Finding",
        "lhs": "Left-hand side",
        "rhs": "Right-hand side",
        "figures": "Figures involved",
        "value": "Value",
        "interval": "Interval",
        "dataset_file": "Dataset file",
        "report_line": "Source report",
        "place": "Place",
        "quote": "Quote",
        "line": "l.",
        "table": "table",
        "row": "row",
        "column": "column",
        "suspect": "suspect",
        "suggested_short": "suggested value",
        "no_anomaly": "No anomaly: every rule evaluated holds.",
        "no_match": "No anomaly matches the filters.",
        "status": "Status",
        "new": "new",
        "accepted": "accepted (baseline)",
        "justification": "Justification",
        "baseline": "Baseline",
        "stale": "Stale baseline entries (the anomaly no longer occurs)",
        "stale_short": "stale",
        "new_short": "new",
        "accepted_short": "accepted",
        "footer": "Self-contained file: no external resource is loaded. Produced by",
        "sort_hint": "Click to sort",
        "none": "—",
        "more": "… and {n} more",
        "text": "text",
        "box": "box",
        "kind_table": "table",
    },
}

SEVERITY_LABELS = {
    "fr": {"error": "erreur", "warning": "avertissement", "info": "information"},
    "en": {"error": "error", "warning": "warning", "info": "info"},
}
SEVERITY_PLURALS = {
    "fr": {"error": "Erreurs", "warning": "Avertissements", "info": "Informations"},
    "en": {"error": "Errors", "warning": "Warnings", "info": "Info"},
}
CATEGORY_LABELS = {
    "fr": {"inconsistent": "incohérence", "rounding": "arrondi", "bounds": "hors bornes",
           "missing": "manquant", "unit": "unité", "non_numeric": "non numérique",
           "objective_missed": "objectif non atteint"},
    "en": {"inconsistent": "inconsistent", "rounding": "rounding", "bounds": "out of bounds",
           "missing": "missing", "unit": "unit", "non_numeric": "non-numeric",
           "objective_missed": "objective missed"},
}
KIND_LABELS = {
    "fr": {"equation": "équation", "rollup": "agrégation", "bounds": "bornes",
           "agreement": "concordance", "objective": "objectif",
           "non_numeric": "non numérique"},
    "en": {"equation": "equation", "rollup": "roll-up", "bounds": "bounds",
           "agreement": "agreement", "objective": "objective",
           "non_numeric": "non-numeric"},
}

_OBJECTIVE_RE = re.compile(r"^(cpg\..+)\.(objective|result)$")
_LABEL_SUFFIX_RE = re.compile(
    r"\s*(?:[—–:-]\s*|\()\s*(?:résultats?|results?|objectifs?|objectives?)\)?\s*$", re.IGNORECASE,
)


_LABEL_PREFIX_RE = re.compile(
    r"^\s*(?:cpg\s*[—–:-]\s*)?(?:résultats?|results?|objectifs?|objectives?)\s*[—–:-]\s*",
    re.IGNORECASE,
)
_SEPARATORS = " \t—–-:;,·|("


def objective_label(objective: str, result: str) -> str:
    """The name of an objective/result pair from the two figures' labels.

    `CPG — objectif : taux X` + `CPG — résultat : taux X` → `taux X`;
    `Taux X — objectif` + `Taux X — résultat` → `Taux X`.
    """
    a, b = objective.split(), result.split()
    if a and b and a != b:
        suffix: list[str] = []
        while len(suffix) < min(len(a), len(b)) and a[-1 - len(suffix)] == b[-1 - len(suffix)]:
            suffix.insert(0, a[-1 - len(suffix)])
        prefix: list[str] = []
        while len(prefix) < min(len(a), len(b)) and a[len(prefix)] == b[len(prefix)]:
            prefix.append(a[len(prefix)])
        tail = " ".join(suffix).lstrip(_SEPARATORS)
        head = " ".join(prefix).rstrip(_SEPARATORS)
        best = tail if len(tail) >= len(head) else head
        if len(best) >= 4:
            return best[:1].upper() + best[1:]
    text = _LABEL_PREFIX_RE.sub("", result or objective)
    text = _LABEL_SUFFIX_RE.sub("", text).strip(_SEPARATORS)
    return (text[:1].upper() + text[1:]) if text else result


def load_entity_labels(path: Path = ENTITIES_FILE) -> dict[str, dict[str, str]]:
    """Entity code → {fr, en} labels from the rule pack's reference data ({} if unavailable)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return {}
    entities = data.get("entities") if isinstance(data, dict) else None
    if not isinstance(entities, dict):
        return {}
    return {str(k): v for k, v in entities.items() if isinstance(v, dict)}


def _env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True,
                                     default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env


def _read_asset(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return ("default-src 'none'; "
            f"script-src 'sha256-{digest}'; "
            "style-src 'unsafe-inline'; img-src data:; "
            "base-uri 'none'; form-action 'none'")


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 2) if whole else 0.0


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


class _View:
    """Everything the template shows, computed once, as plain strings and numbers."""

    def __init__(self, report: Report, lang: str, entity_labels: Mapping[str, Any]):
        self.report = report
        self.lang = lang
        self.t = STRINGS[lang]
        self.entity_labels = entity_labels
        self.accepted = accepted_ids(report)
        self.rule_descriptions = {str(r.get("rule")): loc(r.get("description"), lang)
                                  for r in report.get("rules") or ()}

    # -- small helpers -------------------------------------------------------------------
    def entity_name(self, code: Any) -> str:
        if code is None:
            return ""
        return loc(self.entity_labels.get(str(code)), self.lang)

    def sev(self, severity: Any) -> str:
        return SEVERITY_LABELS[self.lang].get(str(severity), str(severity))

    def cat(self, category: Any) -> str:
        return CATEGORY_LABELS[self.lang].get(str(category), str(category))

    def kind(self, kind: Any) -> str:
        return KIND_LABELS[self.lang].get(str(kind), str(kind))

    def fig_kind(self, kind: Any) -> str:
        return {"text": self.t["text"], "box": self.t["box"],
                "table": self.t["kind_table"]}.get(str(kind), str(kind or ""))

    def interval(self, lo: Any, hi: Any, unit: Any) -> str:
        if _num(lo) is None and _num(hi) is None:
            return ""
        if lo == hi or _num(hi) is None:
            return fmt_value(lo, unit, self.lang)
        if _num(lo) is None:
            return fmt_value(hi, unit, self.lang)
        sep = " ; " if self.lang == "fr" else ", "
        return f"[{fmt_number(lo, self.lang, max_decimals=4)}{sep}" \
               f"{fmt_number(hi, self.lang, max_decimals=4)}]"

    # -- sections --------------------------------------------------------------------------
    def datasets(self) -> list[dict[str, Any]]:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
        for a in self.report.get("anomalies") or ():
            counts[str(a.get("dataset"))][str(a.get("severity"))] = \
                counts[str(a.get("dataset"))].get(str(a.get("severity")), 0) + 1
        out = []
        for ds in self.report.get("datasets") or ():
            out.append({
                "id": str(ds.get("id") or ""),
                "title": str(ds.get("title") or ""),
                "path": str(ds.get("path") or ""),
                "report": str(ds.get("report") or ""),
                "figures": fmt_number(ds.get("figures"), self.lang),
                "counts": counts.get(str(ds.get("id")), dict.fromkeys(SEVERITIES, 0)),
            })
        return out

    def kpis(self) -> dict[str, Any]:
        anomalies = list(self.report.get("anomalies") or ())
        counts = severity_counts(anomalies)
        summary = self.report.get("summary") or {}
        info = baseline_info(self.report)
        kpis = {
            "total": fmt_number(len(anomalies), self.lang),
            "severities": [{"key": s, "label": SEVERITY_PLURALS[self.lang][s],
                            "value": fmt_number(counts.get(s, 0), self.lang),
                            "zero": counts.get(s, 0) == 0} for s in SEVERITIES],
            "evaluations": fmt_number(summary.get("evaluations"), self.lang)
            if summary.get("evaluations") is not None else None,
            "baseline": None,
        }
        if info is not None:
            kpis["baseline"] = {
                "new": fmt_number(len(anomalies) - len(self.accepted), self.lang),
                "accepted": fmt_number(len(self.accepted), self.lang),
                "stale": fmt_number(len(info.get("stale") or ()), self.lang),
                "file": str(info.get("file") or ""),
            }
        return kpis

    def categories(self) -> list[dict[str, Any]]:
        counts: dict[str, int] = defaultdict(int)
        for a in self.report.get("anomalies") or ():
            counts[str(a.get("category"))] += 1
        keys = list(CATEGORIES) + sorted(k for k in counts if k not in CATEGORIES)
        top = max(counts.values(), default=0)
        return [{"key": k, "label": self.cat(k), "count": fmt_number(counts.get(k, 0), self.lang),
                 "zero": counts.get(k, 0) == 0, "width": _pct(counts.get(k, 0), top)}
                for k in keys]

    def _group(self, key: str) -> list[dict[str, Any]]:
        groups: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SEVERITIES, 0))
        for a in self.report.get("anomalies") or ():
            g = str(a.get(key) or "")
            groups[g][str(a.get("severity"))] = groups[g].get(str(a.get("severity")), 0) + 1
        rows = []
        for g, counts in groups.items():
            total = sum(counts.values())
            rows.append({
                "key": g or self.t["none"],
                "label": self.entity_name(g) if key == "entity" else "",
                "counts": [{"key": s, "value": fmt_number(counts.get(s, 0), self.lang),
                            "zero": counts.get(s, 0) == 0} for s in SEVERITIES],
                "total": fmt_number(total, self.lang),
                "_sort": (-total, *(-counts.get(s, 0) for s in SEVERITIES), g),
            })
        rows.sort(key=lambda r: r["_sort"])
        return rows

    def suspects(self) -> list[dict[str, Any]]:
        rows = []
        for a in sorted_anomalies(self.report.get("anomalies") or ()):
            suspect = a.get("suspect") or None
            figure = suspect_figure(a)
            if not suspect or figure is None:
                continue
            source = figure.get("source") or {}
            rows.append({
                "anomaly": str(a.get("id") or ""),
                "severity": str(a.get("severity") or ""),
                "severity_label": self.sev(a.get("severity")),
                "entity": str(figure.get("entity") or a.get("entity") or ""),
                "entity_label": self.entity_name(figure.get("entity") or a.get("entity")),
                "period": str(figure.get("period") or a.get("period") or ""),
                "label": loc(figure.get("label"), self.lang),
                "indicator": str(figure.get("indicator") or ""),
                "printed": str(figure.get("text") or ""),
                "suggested": fmt_value(suspect.get("suggested"), figure.get("unit"), self.lang),
                "file": str(source.get("file") or ""),
                "line": source.get("line"),
                "report": str(source.get("report") or ""),
                "report_line": source.get("report_line"),
                "reason": loc(suspect.get("reason"), self.lang),
                "rule": str(a.get("rule") or ""),
            })
        return rows

    def rules(self) -> list[dict[str, Any]]:
        rows = []
        ordered = sorted(self.report.get("rules") or (), key=lambda r: (
            -int(r.get("fails") or 0), -int(r.get("not_evaluable") or 0), str(r.get("rule"))))
        for r in ordered:
            items = int(r.get("items") or 0)
            passes, fails, ne = (int(r.get(k) or 0) for k in ("passes", "fails", "not_evaluable"))
            rows.append({
                "rule": str(r.get("rule") or ""),
                "kind": self.kind(r.get("kind")),
                "severity": str(r.get("severity") or ""),
                "severity_label": self.sev(r.get("severity")),
                "description": loc(r.get("description"), self.lang),
                "n_items": fmt_number(items, self.lang),
                "n_passes": fmt_number(passes, self.lang),
                "n_fails": fmt_number(fails, self.lang),
                "n_not_evaluable": fmt_number(ne, self.lang),
                "fails_zero": fails == 0, "ne_zero": ne == 0,
                "bar": [("pass", _pct(passes, items)), ("fail", _pct(fails, items)),
                        ("ne", _pct(ne, items))],
            })
        return rows

    def anomalies(self) -> list[dict[str, Any]]:
        rows = []
        for index, a in enumerate(sorted_anomalies(self.report.get("anomalies") or ())):
            suspect = a.get("suspect") or None
            suspect_ref = (suspect or {}).get("ref")
            figures = []
            for f in a.get("figures") or ():
                source = f.get("source") or {}
                place = []
                if source.get("table") not in (None, ""):
                    place.append(f"{self.t['table']} {source['table']}")
                if source.get("row") not in (None, ""):
                    place.append(f"{self.t['row']} « {source['row']} »" if self.lang == "fr"
                                 else f"{self.t['row']} “{source['row']}”")
                if source.get("column") not in (None, ""):
                    place.append(f"{self.t['column']} « {source['column']} »" if self.lang == "fr"
                                 else f"{self.t['column']} “{source['column']}”")
                is_suspect = bool(suspect_ref) and f.get("ref") == suspect_ref
                figures.append({
                    "ref": str(f.get("ref") or ""),
                    "indicator": str(f.get("indicator") or ""),
                    "label": loc(f.get("label"), self.lang),
                    "entity": str(f.get("entity") or ""),
                    "period": str(f.get("period") or ""),
                    "printed": str(f.get("text") if f.get("text") is not None else ""),
                    "value": fmt_value(f.get("value"), f.get("unit"), self.lang),
                    "interval": self.interval(f.get("lo"), f.get("hi"), f.get("unit"))
                    if f.get("lo") != f.get("hi") else "",
                    "file": str(source.get("file") or ""),
                    "line": source.get("line"),
                    "report": str(source.get("report") or ""),
                    "report_line": source.get("report_line"),
                    "kind": self.fig_kind(source.get("kind")),
                    "place": ", ".join(place),
                    "quote": str(source.get("quote") or ""),
                    "suspect": is_suspect,
                    "suggested": fmt_value((suspect or {}).get("suggested"), f.get("unit"),
                                           self.lang) if is_suspect else "",
                })
            subject = str(a.get("subject") or "")
            subject_label = ""
            if subject:
                for f in a.get("figures") or ():
                    if f.get("indicator") == subject:
                        subject_label = loc(f.get("label"), self.lang)
                        break
                else:
                    for f in a.get("figures") or ():
                        if str(f.get("indicator") or "").startswith(subject + "."):
                            subject_label = _LABEL_SUFFIX_RE.sub("", loc(f.get("label"), self.lang))
                            break
            if not subject_label and not subject:
                subject_label = self.rule_descriptions.get(str(a.get("rule")), "")
            diff = _num(a.get("difference"))
            unit = None
            first = (a.get("figures") or [None])[0]
            if first is not None:
                unit = first.get("unit")
            lhs, rhs = a.get("lhs") or {}, a.get("rhs") or {}
            sfig = figure_by_ref(a, suspect_ref)
            accepted = self.accepted.get(str(a.get("id")))
            rows.append({
                "index": index,
                "id": str(a.get("id") or ""),
                "severity": str(a.get("severity") or ""),
                "severity_rank": severity_rank(a.get("severity")),
                "severity_label": self.sev(a.get("severity")),
                "category": str(a.get("category") or ""),
                "category_label": self.cat(a.get("category")),
                "kind": self.kind(a.get("kind")),
                "dataset": str(a.get("dataset") or ""),
                "entity": str(a.get("entity") or ""),
                "entity_label": self.entity_name(a.get("entity")),
                "period": str(a.get("period") or ""),
                "rule": str(a.get("rule") or ""),
                "theme": str(a.get("theme") or ""),
                "subject": subject,
                "subject_label": subject_label,
                "message": loc(a.get("message"), self.lang),
                "relation": loc(a.get("relation"), self.lang),
                "difference": fmt_number(diff, self.lang, signed=True,
                                         max_decimals=2 if abs(diff) >= 1 else 3)
                if diff is not None else self.t["none"],
                "difference_sort": f"{abs(diff):.6f}" if diff is not None else "-1",
                "lhs": self.interval(lhs.get("lo"), lhs.get("hi"), unit) if lhs else "",
                "rhs": self.interval(rhs.get("lo"), rhs.get("hi"), unit) if rhs else "",
                "figures": figures,
                "suspect_label": loc(sfig.get("label"), self.lang) if sfig else "",
                "suspect_printed": str(sfig.get("text") or "") if sfig else "",
                "suggested": fmt_value((suspect or {}).get("suggested"),
                                       sfig.get("unit") if sfig else None, self.lang)
                if suspect else "",
                "reason": loc((suspect or {}).get("reason"), self.lang),
                "accepted": accepted is not None,
                "justification": accepted or "",
            })
        return rows

    def stale(self) -> list[dict[str, Any]]:
        info = baseline_info(self.report)
        if not info:
            return []
        return [{k: ("" if e.get(k) is None else str(e.get(k)))
                 for k in ("id", "rule", "dataset", "entity", "period", "subject", "line",
                           "justification")}
                for e in info.get("stale") or ()]

    # -- objectives chart ----------------------------------------------------------------------
    def objective_items(self) -> list[dict[str, Any]]:
        items: dict[tuple[str, ...], dict[str, Any]] = {}
        explicit = self.report.get("objectives")
        if isinstance(explicit, list) and explicit:
            for o in explicit:
                if not isinstance(o, Mapping):
                    continue
                objective, result = _num(o.get("objective")), _num(o.get("result"))
                if objective is None or result is None:
                    continue
                key = (str(o.get("dataset") or ""), str(o.get("entity") or ""),
                       str(o.get("period") or ""), str(o.get("indicator") or ""))
                direction = str(o.get("direction") or "higher")
                met = o.get("met")
                if not isinstance(met, bool):
                    met = result >= objective if direction != "lower" else result <= objective
                items[key] = {"dataset": key[0], "entity": key[1], "indicator": key[3],
                              "label": loc(o.get("label"), self.lang) or key[3],
                              "unit": o.get("unit"), "objective": objective, "result": result,
                              "direction": direction, "met": met}
        else:
            for a in self.report.get("anomalies") or ():
                pairs: dict[tuple[str, str, str], dict[str, Any]] = {}
                for f in a.get("figures") or ():
                    m = _OBJECTIVE_RE.match(str(f.get("indicator") or ""))
                    if not m or _num(f.get("value")) is None:
                        continue
                    k = (str(f.get("entity") or a.get("entity") or ""),
                         str(f.get("period") or a.get("period") or ""), m.group(1))
                    pairs.setdefault(k, {})[m.group(2)] = f
                for (entity, period, base), pair in pairs.items():
                    if "objective" not in pair or "result" not in pair:
                        continue
                    objective = float(pair["objective"]["value"])
                    result = float(pair["result"]["value"])
                    missed = a.get("category") == "objective_missed"
                    if missed:
                        direction = "lower" if result > objective else "higher"
                        met = False
                    else:
                        direction = "higher"
                        met = result >= objective
                    label = objective_label(loc(pair["objective"].get("label"), self.lang),
                                            loc(pair["result"].get("label"), self.lang))
                    key = (str(a.get("dataset") or ""), entity, period, base)
                    items.setdefault(key, {
                        "dataset": key[0], "entity": entity, "indicator": base,
                        "label": label or base, "unit": pair["result"].get("unit"),
                        "objective": objective, "result": result, "direction": direction,
                        "met": met,
                        "decimals": printed_decimals(pair["result"].get("text")),
                    })
        return [items[k] for k in sorted(items)]

    def objectives_svg(self) -> Markup | None:
        items = self.objective_items()
        if not items:
            return None
        return _objectives_svg(items, self)


def _f(x: float) -> str:
    return f"{x:.1f}"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _objectives_svg(items: list[dict[str, Any]], view: _View) -> Markup:
    """A bullet chart: one row per objective, result bar vs objective tick, own scale per row."""
    t = view.t
    width, label_w, bar_w, row_h, head_h = 1040, 380, 300, 28, 26
    bar_x = label_w + 10
    value_x = bar_x + bar_w + 14
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in items:
        groups[(item["dataset"], item["entity"])].append(item)
    multi_ds = len({k[0] for k in groups}) > 1
    parts: list[str] = []
    y = 30.0
    parts.append(
        f'<g class="legend">'
        f'<rect x="{bar_x}" y="8" width="14" height="10" class="ok"/>'
        f'<text x="{bar_x + 20}" y="17">{escape(t["result"])} ({escape(t["met"])})</text>'
        f'<rect x="{bar_x + 130}" y="8" width="14" height="10" class="ko"/>'
        f'<text x="{bar_x + 150}" y="17">{escape(t["result"])} ({escape(t["missed"])})</text>'
        f'<line x1="{bar_x + 285}" y1="5" x2="{bar_x + 285}" y2="21" class="target"/>'
        f'<text x="{bar_x + 293}" y="17">{escape(t["objective"])}</text></g>'
    )
    for (dataset, entity), rows in sorted(groups.items()):
        name = view.entity_name(entity)
        head = f"{entity} — {name}" if name else entity
        if multi_ds:
            head = f"{head} · {dataset}"
        y += head_h
        parts.append(f'<text x="0" y="{_f(y - 8)}" class="group">{escape(head)}</text>')
        parts.append(f'<line x1="0" y1="{_f(y - 3)}" x2="{width}" y2="{_f(y - 3)}" '
                     f'class="rule"/>')
        for item in rows:
            objective, result = item["objective"], item["result"]
            lo = min(0.0, objective, result)
            hi = max(0.0, objective, result)
            span = (hi - lo) * 1.15 or 1.0

            def x(v: float, lo: float = lo, span: float = span) -> float:
                return bar_x + (v - lo) / span * bar_w

            x0, xr, xo = x(0.0), x(result), x(objective)
            cls = "ok" if item["met"] else "ko"
            status = t["met"] if item["met"] else t["missed"]
            decimals = item.get("decimals")
            res_txt = fmt_value(result, item["unit"], view.lang, decimals=decimals)
            obj_txt = fmt_value(objective, item["unit"], view.lang, decimals=decimals)
            arrow = "↓" if item["direction"] == "lower" else "↑"
            title = (f"{item['label']} ({item['indicator']}) — {t['result']} {res_txt}, "
                     f"{t['objective']} {obj_txt} {arrow}, {status}")
            cy = y + row_h / 2
            zero = (f'<line x1="{_f(x0)}" y1="{_f(cy - 9)}" x2="{_f(x0)}" y2="{_f(cy + 9)}" '
                    f'class="zero"/>' if lo < 0 else "")
            parts.append(
                f'<g class="row {cls}"><title>{escape(title)}</title>'
                f'<text x="0" y="{_f(cy + 4)}" class="label">'
                f'{escape(_truncate(item["label"], 54))}</text>'
                f'<rect x="{bar_x}" y="{_f(cy - 7)}" width="{bar_w}" height="14" class="track"/>'
                f'<rect x="{_f(min(x0, xr))}" y="{_f(cy - 7)}" width="{_f(abs(xr - x0))}" '
                f'height="14" class="{cls}"/>{zero}'
                f'<line x1="{_f(xo)}" y1="{_f(cy - 11)}" x2="{_f(xo)}" y2="{_f(cy + 11)}" '
                f'class="target"/>'
                f'<text x="{value_x}" y="{_f(cy + 4)}" class="value">'
                f'<tspan class="{cls}-text">{escape(res_txt)}</tspan>'
                f'<tspan class="muted"> / {escape(t["objective"])} {escape(obj_txt)} '
                f'{escape(arrow)}</tspan></text></g>'
            )
            y += row_h
    height = int(y + 8)
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="chart-title"><title id="chart-title">{escape(t["objectives"])}</title>'
        + "".join(parts) + "</svg>"
    )
    return Markup(svg)


def render_html(
    report: Report,
    lang: str = "fr",
    *,
    entity_labels: Mapping[str, Any] | None = None,
) -> str:
    """The HTML report as one string (deterministic: same report → same bytes)."""
    check_lang(lang)
    if entity_labels is None:
        entity_labels = load_entity_labels()
    view = _View(report, lang, entity_labels)
    script = _read_asset("report.js")
    css = _read_asset("report.css")
    anomalies = view.anomalies()
    entities = sorted({a["entity"] for a in anomalies if a["entity"]})
    categories_present = [c for c in list(CATEGORIES) + sorted(
        {a["category"] for a in anomalies} - set(CATEGORIES)) if any(
        a["category"] == c for a in anomalies)]
    tool = report.get("tool") or {}
    context = {
        "lang": lang,
        "t": view.t,
        "csp": _csp(script),
        "css": Markup(css),
        "script": Markup(script),
        "tool_name": str(tool.get("name") or "drsmcheck"),
        "tool_version": str(tool.get("version") or ""),
        "schema_version": str(report.get("schema_version") or ""),
        "datasets": view.datasets(),
        "kpis": view.kpis(),
        "categories": view.categories(),
        "by_entity": view._group("entity"),
        "by_theme": view._group("theme"),
        "suspects": view.suspects(),
        "chart": view.objectives_svg(),
        "rules": view.rules(),
        "anomalies": anomalies,
        "stale": view.stale(),
        "has_baseline": baseline_info(report) is not None,
        "severities": [{"key": s, "label": SEVERITY_LABELS[lang][s]} for s in SEVERITIES],
        "filter_categories": [{"key": c, "label": view.cat(c)} for c in categories_present],
        "filter_entities": [{"key": e, "label": view.entity_name(e)} for e in entities],
        "filter_datasets": sorted({a["dataset"] for a in anomalies}),
    }
    return _env().get_template("report.html.j2").render(**context)
