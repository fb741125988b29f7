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

from ..model import Anomaly, Figure, Report, Suspect
from ._common import (
    CATEGORIES,
    SEVERITIES,
    accepted_ids,
    baseline_info,
    check_lang,
    fmt_number,
    fmt_value,
    loc,
    printed_decimals,
    severity_counts,
    severity_rank,
    sorted_anomalies,
    suspect_figure,
)

# a page a browser opens quickly and a reviewer can read: beyond, the JSON report has them all
MAX_ANOMALIES = 1000
PAGE_SIZE = 100
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
        "page": "Page",
        "page_of": "sur",
        "prev": "‹ Précédente",
        "next": "Suivante ›",
        "pages": "Pages d'anomalies",
        "capped": "Ce rapport détaille les {shown} premières anomalies, nouvelles et les plus "
                  "graves d'abord ; les {rest} autres ({counts}) ne sont pas détaillées ici : "
                  "elles sont toutes dans report.json et report.jsonl "
                  "(drsmcheck validate --format json,jsonl). La synthèse et la répartition "
                  "comptent toutes les anomalies.",
        "suspects_capped": "… et {n} autres chiffres suspects : voir chaque anomalie, et "
                           "report.json pour celles qui ne sont pas détaillées ici.",
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
        "accepted": "acceptée",
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
        "contents": "Sommaire",
        "rules_summary": "{applied} règle(s) appliquée(s) sur {total}, {failing} en échec, "
                         "{unevaluable} sans élément évaluable — afficher le détail",
        "rules_none": "Aucune règle n'a contrôlé d'élément.",
        "accepted_kpi": "acceptées (baseline)",
        "stale_kpi": "entrées de baseline obsolètes",
        "new_kpi": "nouvelles",
        "counted_note": "Les anomalies acceptées par la baseline ne sont pas comptées dans "
                        "les erreurs, avertissements et informations.",
        "breakdown": "Répartition",
        "accepted_col": "Acceptées",
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
        "page": "Page",
        "page_of": "of",
        "prev": "‹ Previous",
        "next": "Next ›",
        "pages": "Anomaly pages",
        "capped": "This report details the first {shown} anomalies, new and most severe "
                  "first; the other {rest} ({counts}) are not detailed here: every anomaly is "
                  "in report.json and report.jsonl (drsmcheck validate --format json,jsonl). "
                  "The summary and the breakdown count every anomaly.",
        "suspects_capped": "… and {n} more suspect figures: see each anomaly, and "
                           "report.json for those not detailed here.",
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
        "accepted": "accepted",
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
        "contents": "Contents",
        "rules_summary": "{applied} rule(s) applied of {total}, {failing} failing, "
                         "{unevaluable} with no evaluable item — show the details",
        "rules_none": "No rule checked any item.",
        "accepted_kpi": "accepted (baseline)",
        "stale_kpi": "stale baseline entries",
        "new_kpi": "new",
        "counted_note": "Anomalies the baseline accepts are not counted in the errors, "
                        "warnings and info.",
        "breakdown": "Breakdown",
        "accepted_col": "Accepted",
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
           "objective_missed": "objectif non atteint", "not_available": "non disponible",
           "garbled": "chiffre perdu"},
    "en": {"inconsistent": "inconsistent", "rounding": "rounding", "bounds": "out of bounds",
           "missing": "missing", "unit": "unit", "non_numeric": "non-numeric",
           "objective_missed": "objective missed", "not_available": "not available",
           "garbled": "garbled"},
}
KIND_LABELS = {
    "fr": {"equation": "équation", "rollup": "agrégation", "bounds": "bornes",
           "agreement": "concordance", "objective": "objectif",
           "non_numeric": "non numérique"},
    "en": {"equation": "equation", "rollup": "roll-up", "bounds": "bounds",
           "agreement": "agreement", "objective": "objective",
           "non_numeric": "non-numeric"},
}

# Theme ids of the indicators (reference `theme:`, else the id's first segment).
THEME_LABELS = {
    "fr": {
        "accompaniment": "Accompagnement des professionnels", "ald": "Affections de longue "
        "durée (ALD)", "appliance": "Appareillage", "atmp": "Accidents du travail et maladies "
        "professionnelles", "benefit_control": "Contrôle des prestations",
        "caqes": "CAQES (qualité et efficience des soins)", "cmra": "Recours en CMRA",
        "contacts": "Contacts et courriers", "coordinated_care": "Exercice coordonné",
        "cpg": "Contrat pluriannuel de gestion (CPG)", "csam": "Conseillers service Assurance "
        "Maladie", "digital": "Services numériques", "fraud": "Lutte contre la fraude",
        "gdr": "Gestion du risque", "grc": "Relation client", "health_services": "Services en "
        "santé", "ij": "Indemnités journalières", "innovation": "Innovation (article 51)",
        "invalidity": "Invalidité", "legal": "Jurisprudence", "litigation": "Contentieux",
        "opinion": "Avis médicaux", "pdp": "Prévention de la désinsertion professionnelle",
        "population": "Population", "prado": "Retour à domicile (PRADO)",
        "prestations": "Prestations", "prevention": "Prévention",
        "provider_control": "Contrôle des professionnels de santé", "staff": "Effectifs",
        "supply": "Offre de soins", "support": "Demandes de documentation",
    },
    "en": {
        "accompaniment": "Support to health professionals", "ald": "Long-term conditions (ALD)",
        "appliance": "Medical appliances", "atmp": "Occupational accidents and diseases",
        "benefit_control": "Benefit control", "caqes": "CAQES (quality and efficiency of care)",
        "cmra": "CMRA appeals", "contacts": "Contacts and mail",
        "coordinated_care": "Coordinated care", "cpg": "Multi-year management contract (CPG)",
        "csam": "Health-insurance service advisers", "digital": "Digital services",
        "fraud": "Fraud control", "gdr": "Risk management", "grc": "Customer relations",
        "health_services": "Health services", "ij": "Daily sickness allowances",
        "innovation": "Innovation (article 51)", "invalidity": "Invalidity",
        "legal": "Case law", "litigation": "Litigation", "opinion": "Medical opinions",
        "pdp": "Prevention of job loss", "population": "Population",
        "prado": "Return home from hospital (PRADO)", "prestations": "Benefits",
        "prevention": "Prevention", "provider_control": "Control of health professionals",
        "staff": "Staff", "supply": "Healthcare supply", "support": "Documentation requests",
    },
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


def _pair_label(label: str) -> str:
    """`CPG — résultat : taux X` → `Taux X`: the name of an objective/result pair."""
    text = _LABEL_SUFFIX_RE.sub("", _LABEL_PREFIX_RE.sub("", label)).strip(_SEPARATORS)
    return (text[:1].upper() + text[1:]) if text else label


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

    def __init__(self, report: Report, lang: str, entity_labels: Mapping[str, Any],
                 limit: int | None = None):
        self.report = report
        self.lang = lang
        self.t = STRINGS[lang]
        self.entity_labels = entity_labels
        self.accepted = accepted_ids(report)
        self.has_baseline = baseline_info(report) is not None
        self.all = sorted_anomalies(report["anomalies"])
        # what the counts count: anomalies a baseline accepts are shown, not counted
        self.counted = [a for a in self.all if not self.is_accepted(a)]
        # the anomalies detailed in the page: all of them up to `limit`, else the first
        # `limit` by (new before accepted, severity), shown in the report's order
        if limit is None or len(self.all) <= limit:
            self.shown = list(enumerate(self.all))
        else:
            first = sorted(range(len(self.all)), key=lambda i: (
                self.is_accepted(self.all[i]), severity_rank(self.all[i]["severity"]), i))
            self.shown = [(i, self.all[i]) for i in sorted(first[:max(0, limit)])]
        self.omitted = len(self.all) - len(self.shown)
        self.rule_descriptions = {r["rule"]: loc(r["description"], lang)
                                  for r in report["rules"]}

    # -- small helpers -------------------------------------------------------------------
    def is_accepted(self, anomaly: Anomaly) -> bool:
        status = anomaly.get("baseline")
        return status == "accepted" if status is not None else anomaly["id"] in self.accepted

    def entity_name(self, code: Any) -> str:
        if code is None:
            return ""
        return loc(self.entity_labels.get(str(code)), self.lang)

    def theme_name(self, theme: Any) -> str:
        return THEME_LABELS[self.lang].get(str(theme), "") if theme else ""

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
        for a in self.counted:
            counts[a["dataset"]][a["severity"]] += 1
        return [{
            "id": ds["id"], "title": ds["title"] or "", "path": ds["path"] or "",
            "report": ds["report"] or "", "figures": fmt_number(ds["figures"], self.lang),
            "counts": counts.get(ds["id"], dict.fromkeys(SEVERITIES, 0)),
        } for ds in self.report["datasets"]]

    def kpis(self) -> dict[str, Any]:
        counts = severity_counts(self.counted)
        info = baseline_info(self.report)
        kpis = {
            "total": fmt_number(len(self.all), self.lang),
            "severities": [{"key": s, "label": SEVERITY_PLURALS[self.lang][s],
                            "value": fmt_number(counts.get(s, 0), self.lang),
                            "zero": counts.get(s, 0) == 0} for s in SEVERITIES],
            "evaluations": fmt_number(self.report["summary"]["evaluations"], self.lang),
            "baseline": None,
        }
        if info is not None:
            kpis["baseline"] = {
                "new": fmt_number(len(self.counted), self.lang),
                "accepted": fmt_number(len(self.all) - len(self.counted), self.lang),
                "stale": fmt_number(len(info["stale"]), self.lang),
                "stale_zero": not info["stale"],
                "file": info["file"],
            }
        return kpis

    def categories(self) -> list[dict[str, Any]]:
        counts: dict[str, int] = defaultdict(int)
        for a in self.counted:
            counts[a["category"]] += 1
        keys = list(CATEGORIES) + sorted(k for k in counts if k not in CATEGORIES)
        top = max(counts.values(), default=0)
        return [{"key": k, "label": self.cat(k), "count": fmt_number(counts.get(k, 0), self.lang),
                 "zero": counts.get(k, 0) == 0, "width": _pct(counts.get(k, 0), top)}
                for k in keys]

    def _group(self, key: str) -> list[dict[str, Any]]:
        groups: dict[str, dict[str, int]] = defaultdict(
            lambda: dict.fromkeys((*SEVERITIES, "accepted"), 0))
        for a in self.all:
            group = str(a.get(key) or "")
            groups[group]["accepted" if self.is_accepted(a) else a["severity"]] += 1
        rows = []
        for g, counts in groups.items():
            total = sum(counts[s] for s in SEVERITIES)
            columns = [*SEVERITIES, "accepted"] if self.has_baseline else list(SEVERITIES)
            rows.append({
                "key": g or self.t["none"],
                "label": self.entity_name(g) if key == "entity" else self.theme_name(g),
                "counts": [{"key": s, "value": fmt_number(counts[s], self.lang),
                            "zero": counts[s] == 0} for s in columns],
                "total": fmt_number(total, self.lang),
                "_sort": (-total, *(-counts[s] for s in SEVERITIES), -counts["accepted"], g),
            })
        rows.sort(key=lambda r: r["_sort"])
        return rows

    def suspects(self) -> list[dict[str, Any]]:
        rows = []
        for _, a in self.shown:
            suspect = a["suspect"]
            figure = suspect_figure(a)
            if suspect is None or figure is None:
                continue
            source = figure["source"]
            rows.append({
                "anomaly": a["id"],
                "severity": a["severity"],
                "severity_label": self.sev(a["severity"]),
                "accepted": self.is_accepted(a),
                "entity": figure["entity"] or a["entity"],
                "entity_label": self.entity_name(figure["entity"] or a["entity"]),
                "period": figure["period"] or a["period"],
                "label": loc(figure["label"], self.lang),
                "indicator": figure["indicator"],
                "printed": figure["text"] or "",
                "suggested": fmt_value(suspect["suggested"], figure["unit"], self.lang),
                "file": source["file"],
                "line": source["line"],
                "report": source["report"] or "",
                "report_line": source["report_line"],
                "reason": loc(suspect["reason"], self.lang),
                "rule": a["rule"],
            })
        # new anomalies first: they are what the reviewer has to look at
        rows.sort(key=lambda r: r["accepted"])
        return rows

    def rules(self) -> dict[str, Any]:
        """The rules that applied (checked an item or reported an anomaly), failing first."""
        with_anomalies = {a["rule"] for a in self.all}
        applied = [r for r in self.report["rules"]
                   if r["items"] > 0 or r["rule"] in with_anomalies]
        applied.sort(key=lambda r: (-r["fails"], -r["not_evaluable"], r["rule"]))
        rows = []
        for r in applied:
            items, passes, fails, ne = r["items"], r["passes"], r["fails"], r["not_evaluable"]
            rows.append({
                "rule": r["rule"],
                "kind": self.kind(r["kind"]),
                "severity": r["severity"],
                "severity_label": self.sev(r["severity"]),
                "description": loc(r["description"], self.lang),
                "n_items": fmt_number(items, self.lang),
                "n_passes": fmt_number(passes, self.lang),
                "n_fails": fmt_number(fails, self.lang),
                "n_not_evaluable": fmt_number(ne, self.lang),
                "fails_zero": fails == 0, "ne_zero": ne == 0,
                "bar": [("pass", _pct(passes, items)), ("fail", _pct(fails, items)),
                        ("ne", _pct(ne, items))],
            })
        summary = self.t["rules_summary"].format(
            applied=fmt_number(len(applied), self.lang),
            total=fmt_number(len(self.report["rules"]), self.lang),
            failing=fmt_number(sum(1 for r in applied if r["fails"]), self.lang),
            unevaluable=fmt_number(sum(1 for r in applied if r["items"]
                                       and r["items"] == r["not_evaluable"]), self.lang))
        return {"rows": rows, "summary": summary, "applied": len(applied)}

    def _figure(self, f: Figure, suspect: Suspect | None) -> dict[str, Any]:
        source = f["source"]
        quote_open, quote_close = ("« ", " »") if self.lang == "fr" else ("“", "”")
        place = []
        if source["table"] not in (None, ""):
            place.append(f"{self.t['table']} {source['table']}")
        if source["row"] not in (None, ""):
            place.append(f"{self.t['row']} {quote_open}{source['row']}{quote_close}")
        if source["column"] not in (None, ""):
            place.append(f"{self.t['column']} {quote_open}{source['column']}{quote_close}")
        is_suspect = suspect is not None and f["ref"] == suspect["ref"]
        return {
            "ref": f["ref"],
            "indicator": f["indicator"],
            "label": loc(f["label"], self.lang),
            "entity": f["entity"],
            "period": f["period"],
            "printed": f["text"] if f["text"] is not None else "",
            "value": fmt_value(f["value"], f["unit"], self.lang),
            "interval": self.interval(f["lo"], f["hi"], f["unit"]) if f["lo"] != f["hi"] else "",
            "file": source["file"],
            "line": source["line"],
            "report": source["report"] or "",
            "report_line": source["report_line"],
            "kind": self.fig_kind(source["kind"]),
            "place": ", ".join(place),
            "quote": source["quote"] or "",
            "suspect": is_suspect,
            "suggested": fmt_value(suspect["suggested"], f["unit"], self.lang)
            if is_suspect and suspect is not None else "",
        }

    def _subject_label(self, a: Anomaly) -> str:
        subject = a["subject"] or ""
        if not subject:
            return self.rule_descriptions.get(a["rule"], "")
        for f in a["figures"]:
            if f["indicator"] == subject:
                return loc(f["label"], self.lang)
        for f in a["figures"]:
            if (f["indicator"] or "").startswith(subject + "."):
                return _pair_label(loc(f["label"], self.lang))
        return ""

    def omitted_suspects(self) -> int:
        shown = {id(a) for _, a in self.shown}
        return sum(1 for a in self.all if id(a) not in shown and a["suspect"] is not None
                   and suspect_figure(a) is not None)

    def capped(self) -> str | None:
        """What the page leaves out, with its counts, or None when it shows everything."""
        if not self.omitted:
            return None
        shown = {id(a) for _, a in self.shown}
        rest = severity_counts(a for a in self.all if id(a) not in shown)
        counts = ", ".join(f"{fmt_number(rest[s], self.lang)} "
                           f"{SEVERITY_PLURALS[self.lang][s].lower()}"
                           for s in SEVERITIES if rest.get(s))
        return (self.t["capped"].replace("{shown}", fmt_number(len(self.shown), self.lang))
                .replace("{rest}", fmt_number(self.omitted, self.lang))
                .replace("{counts}", counts))

    def anomalies(self) -> list[dict[str, Any]]:
        rows = []
        for index, a in self.shown:
            suspect = a["suspect"]
            diff = _num(a["difference"])
            unit = a["figures"][0]["unit"] if a["figures"] else None
            lhs, rhs = a["lhs"], a["rhs"]
            sfig = suspect_figure(a)
            accepted = self.is_accepted(a)
            rows.append({
                "index": index,
                "id": a["id"],
                "severity": a["severity"],
                "severity_rank": severity_rank(a["severity"]),
                "severity_label": self.sev(a["severity"]),
                "category": a["category"],
                "category_label": self.cat(a["category"]),
                "kind": self.kind(a["kind"]),
                "dataset": a["dataset"],
                "entity": a["entity"],
                "entity_label": self.entity_name(a["entity"]),
                "period": a["period"],
                "rule": a["rule"],
                "theme": a["theme"] or "",
                "theme_label": self.theme_name(a["theme"]),
                "subject": a["subject"] or "",
                "subject_label": self._subject_label(a),
                "message": loc(a["message"], self.lang),
                "relation": loc(a["relation"], self.lang),
                "difference": fmt_number(diff, self.lang, signed=True,
                                         max_decimals=2 if abs(diff) >= 1 else 3)
                if diff is not None else self.t["none"],
                "difference_sort": f"{abs(diff):.6f}" if diff is not None else "-1",
                "lhs": self.interval(lhs["lo"], lhs["hi"], unit) if lhs else "",
                "rhs": self.interval(rhs["lo"], rhs["hi"], unit) if rhs else "",
                "figures": [self._figure(f, suspect) for f in a["figures"]],
                "suspect_label": loc(sfig["label"], self.lang) if sfig else "",
                "suspect_printed": (sfig["text"] or "") if sfig else "",
                "suggested": fmt_value(suspect["suggested"], sfig["unit"] if sfig else None,
                                       self.lang) if suspect else "",
                "reason": loc(suspect["reason"], self.lang) if suspect else "",
                "accepted": accepted,
                "new": self.has_baseline and not accepted,
                "justification": (a.get("justification") or self.accepted.get(a["id"], ""))
                if accepted else "",
            })
        return rows

    def stale(self) -> list[dict[str, Any]]:
        info = baseline_info(self.report)
        if not info:
            return []
        return [{k: ("" if e[k] is None else str(e[k]))
                 for k in ("id", "rule", "dataset", "entity", "period", "subject", "line",
                           "justification")}
                for e in info["stale"]]

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
                              "label": _pair_label(loc(o.get("label"), self.lang)) or key[3],
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


def _more_suspects(view: _View, listed: int, page_size: int) -> str:
    """The suspects the table leaves out (it lists one page), or ''."""
    n = max(0, listed - page_size) + view.omitted_suspects()
    return view.t["suspects_capped"].replace("{n}", fmt_number(n, view.lang)) if n else ""


def render_html(
    report: Report,
    lang: str = "fr",
    *,
    entity_labels: Mapping[str, Any] | None = None,
    limit: int | None = MAX_ANOMALIES,
    page_size: int = PAGE_SIZE,
) -> str:
    """The HTML report as one string (deterministic: same report → same bytes).

    At scale the page stays readable: it details at most `limit` anomalies (None: all), new
    and most severe first, says how many it leaves out (by severity) and where they are
    (report.json / report.jsonl); the summary, the counts per category, entity and theme count
    them all. In the browser the detailed anomalies are paged by `page_size` (filters and
    sorting work on all of them; without JavaScript they are all visible).
    """
    check_lang(lang)
    if entity_labels is None:
        entity_labels = load_entity_labels()
    view = _View(report, lang, entity_labels, limit)
    script = _read_asset("report.js")
    css = _read_asset("report.css")
    anomalies = view.anomalies()
    entities = sorted({a["entity"] for a in anomalies if a["entity"]})
    categories_present = [c for c in list(CATEGORIES) + sorted(
        {a["category"] for a in anomalies} - set(CATEGORIES)) if any(
        a["category"] == c for a in anomalies)]
    tool = report["tool"]
    suspects = view.suspects()
    chart = view.objectives_svg()
    rules = view.rules()
    stale = view.stale()
    t = view.t
    toc = [("summary", t["summary"], None), ("suspects", t["suspects"], len(suspects)),
           ("anomalies", t["anomalies"], len(view.all)),
           ("breakdown", t["breakdown"], None)]
    if chart is not None:
        toc.append(("objectives", t["objectives"], None))
    toc.append(("rules", t["rules"], rules["applied"]))
    if stale:
        toc.append(("stale", t["stale"], len(stale)))
    group_columns = [{"key": s, "label": SEVERITY_LABELS[lang][s]} for s in SEVERITIES]
    if view.has_baseline:
        group_columns.append({"key": "accepted", "label": t["accepted_col"]})
    context = {
        "lang": lang,
        "t": t,
        "csp": _csp(script),
        "css": Markup(css),
        "script": Markup(script),
        "tool_name": tool["name"],
        "tool_version": tool["version"],
        "schema_version": report["schema_version"],
        "datasets": view.datasets(),
        "kpis": view.kpis(),
        "toc": [{"id": i, "label": label, "count": None if n is None else fmt_number(n, lang)}
                for i, label, n in toc],
        "categories": view.categories(),
        "by_entity": view._group("entity"),
        "by_theme": view._group("theme"),
        "group_columns": group_columns,
        "suspects": suspects,
        "chart": chart,
        "rules": rules,
        "anomalies": anomalies,
        "capped": view.capped(),
        "suspects_more": _more_suspects(view, len(suspects), page_size),
        "page_size": page_size,
        "stale": stale,
        "has_baseline": view.has_baseline,
        "severities": [{"key": s, "label": SEVERITY_LABELS[lang][s]} for s in SEVERITIES],
        "filter_categories": [{"key": c, "label": view.cat(c)} for c in categories_present],
        "filter_entities": [{"key": e, "label": view.entity_name(e)} for e in entities],
        "filter_datasets": sorted({a["dataset"] for a in anomalies}),
    }
    return _env().get_template("report.html.j2").render(**context)
