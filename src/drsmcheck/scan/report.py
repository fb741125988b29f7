"""Run every structure check on one report and build a report dict the reporters render.

The dict has the shape of `drsmcheck validate`'s (docs/FORMATS.md §5): a finding is an anomaly
with `kind: "scan"`, its rule (`scan.total_row`, …), both places as figures whose source is the
report file and line, the relation with its arithmetic, and a `confidence` (0-1) and `inferred`
flag. The dataset is the report itself (`scan:<file name>`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import __version__
from ..extract import read_document
from ..extract.document import Document
from ..extract.text import find_numbers
from ..reference import load_reference
from ..reporters._common import sorted_anomalies
from .context import Context
from .findings import RULES, Finding
from .sections import section_sums
from .tables import CHECKS
from .text_table import text_vs_tables

CATEGORIES = ("inconsistent", "rounding", "bounds", "missing", "unit", "non_numeric",
              "objective_missed", "not_available", "garbled")


def _dataset_id(doc: Document) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", Path(doc.name).stem).strip("-") or "report"
    return f"scan-{stem}"


def findings_of(ctx: Context) -> tuple[list[Finding], Counter[str], Counter[str]]:
    """Every finding, with per-rule items (relations checked) and fails."""
    items: Counter[str] = Counter()
    fails: Counter[str] = Counter()
    out: list[Finding] = []

    def take(rule: str, results: Iterable[object]) -> None:
        for res in results:
            items[rule] += 1
            if isinstance(res, Finding):
                fails[res.rule] += 1
                out.append(res)

    for table in ctx.doc.tables:
        for check in CHECKS:
            rule = "scan." + {"total_rows": "total_row", "total_columns": "total_column",
                              "entity_columns": "entity_sum", "dont_parts": "dont_row",
                              "percent_columns": "percent_ratio",
                              "unit_mismatch": "unit_mismatch"}[check.__name__]
            take(rule, check(ctx, table))
    take("scan.section_sum", section_sums(ctx))
    take("scan.text_table", text_vs_tables(ctx))
    return out, items, fails


def _n(x: float | None) -> float | int | None:
    """Whole numbers as integers in the JSON, as `validate` writes them."""
    return int(x) if x is not None and float(x).is_integer() and abs(x) < 1e15 else x


def _figure(doc: Document, ctx: Context, f: Any, i: int) -> dict[str, Any]:
    entity = f.entity or ctx.entity
    return {
        "ref": f"{entity}|{ctx.period}|{f.place.kind}@{f.place.line}:{f.place.column or ''}#{i}",
        "entity": entity, "period": ctx.period, "indicator": None,
        "label": {"fr": f.label, "en": f.label},
        "text": f.value.text, "value": _n(f.value.value), "lo": _n(f.value.lo),
        "hi": _n(f.value.hi),
        "unit": f.value.unit,
        "source": {"file": doc.path, "line": f.place.line, "report": doc.name,
                   "report_line": f.place.line, "page": f.place.page, "kind": f.place.kind,
                   "table": f.place.table, "row": f.place.row, "column": f.place.column,
                   "quote": f.place.quote},
    }


def anomaly(doc: Document, ctx: Context, f: Finding) -> dict[str, Any]:
    figures = [_figure(doc, ctx, fig, i) for i, fig in enumerate(f.figures)]
    suspect = None
    if f.suspect is not None:
        suspect = {"ref": figures[f.suspect]["ref"], "suggested": f.suggested,
                   "reason": f.reason or {
                       "fr": "le chiffre que la structure du rapport ne confirme pas",
                       "en": "the figure the report's structure does not confirm"}}
    conf = f"{f.confidence:.0%}".replace("%", " %")
    relation = {
        "fr": f"{f.relation['fr']} — confiance {conf}" + (", structure déduite" if f.inferred
                                                          else ""),
        "en": f"{f.relation['en']} — confidence {f.confidence:.0%}" + (
            ", inferred structure" if f.inferred else ""),
    }
    return {
        "id": f.id(doc.name), "rule": f.rule, "kind": "scan", "severity": f.severity,
        "category": f.category, "dataset": _dataset_id(doc), "entity": f.entity or ctx.entity,
        "period": ctx.period, "subject": f.subject, "theme": "scan",
        "message": f.message, "relation": relation,
        "lhs": {"lo": _n(f.lhs[0]), "hi": _n(f.lhs[1])} if f.lhs else None,
        "rhs": {"lo": _n(f.rhs[0]), "hi": _n(f.rhs[1])} if f.rhs else None,
        "difference": _n(f.difference), "figures": figures, "suspect": suspect,
        "confidence": round(f.confidence, 2), "inferred": f.inferred,
    }


def scan_document(doc: Document, ctx: Context) -> dict[str, Any]:
    found, items, fails = findings_of(ctx)
    anomalies = sorted_anomalies(anomaly(doc, ctx, f) for f in found)
    by_sev = Counter(a["severity"] for a in anomalies)
    by_cat = Counter(a["category"] for a in anomalies)
    figures = sum(1 for t in doc.tables for r in t.rows for c in r.cells if c.number) + sum(
        len(find_numbers(p.text)) for p in doc.paragraphs)
    return {
        "schema_version": "1",
        "tool": {"name": "drsmcheck", "version": __version__},
        "datasets": [{"id": _dataset_id(doc), "path": doc.path, "title": doc.name,
                      "report": doc.name, "figures": figures}],
        "summary": {"anomalies": len(anomalies), "figures": figures,
                    "by_severity": {s: by_sev.get(s, 0) for s in ("error", "warning", "info")},
                    "by_category": {c: by_cat.get(c, 0) for c in CATEGORIES},
                    "evaluations": sum(items.values())},
        "rules": [{"rule": rule, "kind": "scan", "severity": "error",
                   "description": {"fr": fr, "en": en}, "items": items.get(rule, 0),
                   "passes": items.get(rule, 0) - fails.get(rule, 0),
                   "fails": fails.get(rule, 0), "not_evaluable": 0}
                  for rule, (fr, en) in RULES.items()],
        "anomalies": anomalies,
    }


def run_scan(path: Path, rules_dir: Path) -> dict[str, Any]:
    """Read the report at `path` and check its structure; InputError on a bad file."""
    ref = load_reference(rules_dir)
    doc = read_document(path, ref.entities)
    return scan_document(doc, Context.of(doc, ref))
