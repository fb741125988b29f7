"""The ESSnet validation report: one event per rule × record, outcome 0 / 1 / NA."""

from __future__ import annotations

import json

import pytest

from drsmcheck.reporters.ess import render_ess

REPORT = {
    "tool": {"name": "drsmcheck", "version": "0.1.0"},
    "datasets": [{"id": "d1", "path": "data/d1", "title": "Rapport 1"}],
    "rules": [{"rule": "t.parts", "kind": "equation", "severity": "error",
               "description": {"fr": "Parties", "en": "Parts"}},
              {"rule": "bounds.count", "kind": "bounds", "severity": "warning",
               "description": {"fr": "Comptes", "en": "Counts"}}],
    "verdicts": [
        {"rule": "t.parts", "dataset": "d1", "entity": "OCC", "period": "2019", "subject": None,
         "status": "fail"},
        {"rule": "t.parts", "dataset": "d1", "entity": "LR", "period": "2019", "subject": None,
         "status": "pass"},
        {"rule": "t.parts", "dataset": "d1", "entity": "MP", "period": "2019", "subject": None,
         "status": "na"},
        {"rule": "bounds.count", "dataset": "d1", "entity": "LR", "period": "2019",
         "subject": "t.total", "status": "pass"},
    ],
}


def test_one_event_per_verdict_with_keys_and_outcome():
    doc = json.loads(render_ess(REPORT, "en"))
    events = {(e["rule"], e["target"]["entity"]): e for e in doc["events"]}
    assert len(doc["events"]) == 4
    assert events[("t.parts", "OCC")]["outcome"] == 1
    assert events[("t.parts", "LR")]["outcome"] == 0
    assert events[("t.parts", "MP")]["outcome"] == "NA"
    bounds = events[("bounds.count", "LR")]
    assert bounds["target"] == {"entity": "LR", "period": "2019", "subject": "t.total"}
    assert bounds["data_source"] == "d1" and bounds["severity"] == "warning"
    assert doc["summary"] == {"events": 4, "outcome_0": 2, "outcome_1": 1, "outcome_NA": 1}
    assert doc["data_sources"] == [{"id": "d1", "path": "data/d1", "title": "Rapport 1"}]
    assert {r["id"]: r["description"] for r in doc["rules"]} == {"t.parts": "Parts",
                                                                 "bounds.count": "Counts"}
    assert json.loads(render_ess(REPORT, "fr"))["rules"][1]["description"] == "Parties"


def test_unknown_status_is_refused():
    bad = {**REPORT, "verdicts": [{**REPORT["verdicts"][0], "status": "maybe"}]}
    with pytest.raises(ValueError, match="maybe"):
        render_ess(bad, "en")


def test_cli_format_ess_one_event_per_verdict(tmp_path) -> None:
    """`--format ess` through the real CLI: one event per rule × record of the run."""
    import json as _json

    from support import run_cli

    out = tmp_path / "r.ess.json"
    proc = run_cli("validate", "samples/cpam-somme-2022", "--format", "ess", "--output",
                   str(out))
    assert proc.returncode == 1, proc.stderr
    ess = _json.loads(out.read_text(encoding="utf-8"))
    proc = run_cli("validate", "samples/cpam-somme-2022", "--format", "json", "--output",
                   str(tmp_path / "r.json"))
    report = _json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert len(ess["events"]) == sum(r["items"] for r in report["rules"])
