"""`--format ess`: the ESSnet standard validation report (one event per rule × record).

The ESS validation report (ESSnet ValiDat Integration, "Standard Validation Report") lists
for each validation rule and each unit it applies to one event with the outcome coded 0 (the
rule holds), 1 (it fails) or NA (it cannot be evaluated), with the data source and the target
keys of the unit. It reads the engine's verdict table (`report["verdicts"]`: one row per rule ×
record, status pass / fail / na).
"""

from __future__ import annotations

import json
from typing import Any

from ._common import check_lang, loc

SPEC = "ESS Standard Validation Report 1.0 (ESSnet ValiDat Integration)"
_OUTCOME = {"pass": 0, "fail": 1, "na": "NA"}


def render_ess(report: dict[str, Any], lang: str = "fr") -> str:
    """The report as ESS validation-report JSON: rules, data sources and one event per verdict."""
    lang = check_lang(lang)
    rules = {r["rule"]: r for r in report.get("rules", [])}
    datasets = {d["id"]: d for d in report.get("datasets", [])}
    used_rules = sorted({v["rule"] for v in report.get("verdicts", [])})
    events = []
    for v in sorted(report.get("verdicts", []), key=lambda v: (
            v["rule"], v["dataset"], v["entity"], v["period"], v.get("subject") or "")):
        status = v["status"]
        if status not in _OUTCOME:
            raise ValueError(f"verdict status {status!r} is not pass, fail or na")
        keys = {"entity": v["entity"], "period": v["period"]}
        if v.get("subject"):
            keys["subject"] = v["subject"]
        events.append({
            "rule": v["rule"],
            "data_source": v["dataset"],
            "target": keys,
            "outcome": _OUTCOME[status],
            "severity": rules.get(v["rule"], {}).get("severity"),
        })
    doc = {
        "standard": SPEC,
        "tool": report.get("tool"),
        "data_sources": [{"id": ds, "path": datasets[ds].get("path"),
                          "title": datasets[ds].get("title")} for ds in sorted(datasets)],
        "rules": [{"id": r, "kind": rules.get(r, {}).get("kind"),
                   "severity": rules.get(r, {}).get("severity"),
                   "description": loc(rules.get(r, {}).get("description") or "", lang)}
                  for r in used_rules],
        "summary": {"events": len(events),
                    "outcome_0": sum(1 for e in events if e["outcome"] == 0),
                    "outcome_1": sum(1 for e in events if e["outcome"] == 1),
                    "outcome_NA": sum(1 for e in events if e["outcome"] == "NA")},
        "events": events,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"
