"""Run a validation and assemble the versioned report (FORMATS.md §5) every reporter reads."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from . import __version__
from .anomalies import NON_NUMERIC_RULE, Anomaly, Builder, non_numeric_anomalies
from .diagnosis import Diagnoser
from .engine import Engine, RuleResult
from .loader import Dataset, load_figures
from .rules import SEVERITY_RANK, RulePack, load_rules
from .schema import validate_figures
from .store import FigureStore

SCHEMA_VERSION = "1"
CATEGORIES = ("inconsistent", "rounding", "bounds", "missing", "unit", "non_numeric",
              "objective_missed")


def validate(paths: list[Path], rules_dir: Path, backend: str = "duckdb") -> dict[str, Any]:
    """Load rules and datasets, run every rule, diagnose, and return the report dict."""
    pack = load_rules(rules_dir)
    datasets, figures = load_figures(paths, pack.reference)
    figures = validate_figures(figures, pack.reference)
    return run(pack, datasets, figures, backend)


def run(pack: RulePack, datasets: list[Dataset], figures: Any, backend: str = "duckdb"
        ) -> dict[str, Any]:
    results: list[RuleResult] = Engine(figures, pack, backend).run() if len(figures) else [
        RuleResult(rule) for rule in pack.rules]
    store = FigureStore(figures)
    builder = Builder(store, pack.reference)
    anomalies: list[Anomaly] = []
    for res in results:
        anomalies.extend(builder.build(res))
    Diagnoser(store, pack.reference, pack.rules, builder).diagnose(anomalies)
    nn = non_numeric_anomalies(store, NON_NUMERIC_RULE)
    anomalies.extend(nn)
    nn_result = RuleResult(NON_NUMERIC_RULE, items=len(figures), passes=len(figures) - len(nn),
                           fails=len(nn))
    out = to_dict(pack, datasets, figures, [*results, nn_result], anomalies)
    out["objectives"] = objectives(pack, store)
    return out


def objectives(pack: RulePack, store: FigureStore) -> list[dict[str, Any]]:
    """Every printed objective/result pair (for the HTML chart), met or not, sorted."""
    ref = pack.reference.indicators
    bases = sorted(i[: -len(".objective")] for i in ref
                   if i.endswith(".objective") and i[: -len(".objective")] + ".result" in ref)
    items = []
    if not bases:
        return items
    wanted = {b + ".objective" for b in bases}
    candidates = store.where(store.frame["indicator"].isin(wanted).to_numpy())
    keys = sorted({(r["dataset"], r["entity"], r["period"], r["indicator"]) for r in candidates})
    for ds, ent, per, ind in keys:
        base = ind[: -len(".objective")]
        o, r = store.resolved((ds, ent, per, ind)), store.resolved((ds, ent, per, base + ".result"))
        if o is None or r is None or o["value"] is None or r["value"] is None:
            continue
        direction = ref[ind].direction or ref[base + ".result"].direction or "higher"
        met = r["value"] >= o["value"] if direction == "higher" else r["value"] <= o["value"]
        res_ind = ref[base + ".result"]
        items.append({"dataset": ds, "entity": ent, "period": per, "indicator": base,
                      "label": {"fr": res_ind.fr, "en": res_ind.en}, "unit": res_ind.unit,
                      "objective": _num(o["value"]), "result": _num(r["value"]),
                      "direction": direction, "met": bool(met)})
    return items


def _num(x: float | None) -> float | int | None:
    if x is None:
        return None
    x = float(x)
    return int(x) if x.is_integer() and abs(x) < 2**53 else round(x, 10)


def figure_dict(row: dict[str, Any], pack: RulePack) -> dict[str, Any]:
    ind = pack.reference.indicators[row["indicator"]]
    return {
        "ref": row["ref"], "entity": row["entity"], "period": row["period"],
        "indicator": row["indicator"], "label": {"fr": ind.fr, "en": ind.en},
        "text": row["text"], "value": _num(row["value"]), "lo": _num(row["lo"]),
        "hi": _num(row["hi"]), "unit": row["unit"],
        "source": {"file": row["file"], "line": int(row["line"]), "report": row["report"],
                   "report_line": None if row["report_line"] is None else int(row["report_line"]),
                   "kind": row["kind"], "table": row["table"], "row": row["row"],
                   "column": row["column"], "quote": row["quote"]},
    }


def anomaly_dict(a: Anomaly, pack: RulePack) -> dict[str, Any]:
    ind = pack.reference.indicators.get(a.subject or "")
    theme = ind.theme if ind else (
        pack.reference.indicators[a.figures[0]["indicator"]].theme if a.figures else None)
    return {
        "id": a.id, "rule": a.rule.id, "kind": a.rule.kind, "severity": a.severity,
        "category": a.category, "dataset": a.dataset, "entity": a.entity, "period": a.period,
        "subject": a.subject, "theme": theme, "message": a.message, "relation": a.relation,
        "lhs": None if a.lhs is None else {"lo": _num(a.lhs.lo), "hi": _num(a.lhs.hi)},
        "rhs": None if a.rhs is None else {"lo": _num(a.rhs.lo), "hi": _num(a.rhs.hi)},
        "difference": _num(a.difference),
        "figures": [figure_dict(r, pack) for r in a.figures],
        "suspect": None if a.suspect is None else {
            "ref": a.suspect["ref"], "suggested": _num(a.suspect["suggested"]),
            "reason": a.suspect["reason"]},
    }


def to_dict(pack: RulePack, datasets: list[Dataset], figures: Any, results: list[RuleResult],
            anomalies: list[Anomaly]) -> dict[str, Any]:
    items = [anomaly_dict(a, pack) for a in anomalies]
    items.sort(key=lambda d: (d["dataset"], SEVERITY_RANK[d["severity"]], d["rule"],
                              d["entity"], d["period"], d["subject"] or "", d["id"]))
    by_sev = Counter(d["severity"] for d in items)
    by_cat = Counter(d["category"] for d in items)
    counts = Counter(figures["dataset"]) if len(figures) else Counter()
    rules = [{
        "rule": r.rule.id, "kind": r.rule.kind, "severity": r.rule.severity,
        "description": r.rule.description, "file": r.rule.file, "line": r.rule.line,
        "items": r.items, "passes": r.passes,
        "fails": r.fails if r.rule.kind != "objective" else sum(
            1 for d in items if d["rule"] == r.rule.id),
        "not_evaluable": r.not_evaluable,
    } for r in results]
    rules.sort(key=lambda d: d["rule"])
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "drsmcheck", "version": __version__},
        "datasets": [{"id": ds.id, "path": ds.path, "title": ds.title, "report": ds.report,
                      "figures": int(counts.get(ds.id, 0))} for ds in datasets],
        "summary": {
            "anomalies": len(items),
            "by_severity": {s: by_sev.get(s, 0) for s in ("error", "warning", "info")},
            "by_category": {c: by_cat.get(c, 0) for c in CATEGORIES},
            "evaluations": sum(r["items"] for r in rules),
            "figures": int(len(figures)),
        },
        "rules": rules,
        "anomalies": items,
    }
