"""The report's types (drsmcheck.model) and its JSON Schema say the same thing, the schema is
shipped in the package, and it refuses reports a reporter could not read."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from drsmcheck import model
from drsmcheck.model import load_schema

from support import assert_valid_report

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "report_sample.json"
TYPES = {
    "localized": model.Localized, "tool": model.Tool, "dataset": model.Dataset,
    "summary": model.Summary, "rule_summary": model.RuleSummary, "interval": model.Interval,
    "source": model.Source, "figure": model.Figure, "suspect": model.Suspect,
    "candidate": model.Candidate,
    "anomaly": model.Anomaly, "objective": model.Objective,
    "baseline_accepted": model.BaselineAccepted, "baseline_entry": model.BaselineEntryInfo,
    "baseline": model.BaselineInfo, "verdict": model.Verdict,
}


def test_schema_is_draft_2020_12_and_shipped() -> None:
    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    Draft202012Validator.check_schema(schema)
    shipped = Path(model.__file__).parent / "schemas" / "report.schema.json"
    assert json.loads(shipped.read_text(encoding="utf-8")) == schema


@pytest.mark.parametrize("name", sorted(TYPES))
def test_types_match_schema(name: str) -> None:
    definition = load_schema()["$defs"][name]
    cls = TYPES[name]
    assert set(definition["properties"]) == set(cls.__annotations__), name
    assert set(definition["required"]) == set(cls.__required_keys__), name


def test_report_type_matches_top_level() -> None:
    schema = load_schema()
    assert set(schema["properties"]) == set(model.Report.__annotations__)
    assert set(schema["required"]) == set(model.Report.__required_keys__)


def _errors(report: dict[str, Any]) -> list[str]:
    with pytest.raises(AssertionError) as info:
        assert_valid_report(report)
    return str(info.value).splitlines()[1:]


def test_schema_refuses_what_reporters_cannot_read() -> None:
    good = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert_valid_report(good)
    bad = copy.deepcopy(good)
    bad["anomalies"][0]["severity"] = "fatal"
    del bad["anomalies"][1]["id"]
    bad["anomalies"][2]["figures"][0]["source"]["line"] = "12"
    bad["anomalies"][3]["extra"] = 1
    bad["schema_version"] = "2"
    errors = _errors(bad)
    assert any("/anomalies/0/severity" in e and "'fatal'" in e for e in errors)
    assert any("/anomalies/1:" in e and "'id' is a required property" in e for e in errors)
    assert any("/anomalies/2/figures/0/source/line" in e for e in errors)
    assert any("/anomalies/3:" in e and "'extra'" in e for e in errors)
    assert any("/schema_version" in e for e in errors)


def test_announced_fields_are_allowed() -> None:
    report = json.loads(FIXTURE.read_text(encoding="utf-8"))
    report["verdicts"] = [{"rule": "agreement", "dataset": "drsm-bfc-2019", "entity": "BFC",
                           "period": "2019", "subject": None, "status": "na",
                           "reason": "missing"}]
    report["coverage"] = {"figures": 10, "read": 8}
    report["rules_by_dataset"] = {"drsm-bfc-2019": report["rules"][:2]}
    report["anomalies"][0]["baseline"] = "accepted"
    report["anomalies"][0]["justification"] = "publié ainsi"
    assert_valid_report(report)
    report["anomalies"][0]["baseline"] = "maybe"
    report["verdicts"][0]["status"] = "ok"
    errors = _errors(report)
    assert any("/anomalies/0/baseline" in e for e in errors)
    assert any("/verdicts/0/status" in e for e in errors)
