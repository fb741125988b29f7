"""Fixtures for the reporter tests: the hand-made sample report and a hostile variant."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from support import assert_valid_report

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "report_sample.json"
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
PAYLOAD = f"{SCRIPT}{IMG}"


def load_sample() -> dict[str, Any]:
    report = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert_valid_report(report, str(FIXTURE))
    return report


def hostile(report: dict[str, Any]) -> dict[str, Any]:
    """The sample with script/markup payloads in every string that comes from data or rules."""
    r = copy.deepcopy(report)
    r["datasets"][0]["title"] = f"Titre {PAYLOAD}"
    r["datasets"][0]["report"] = f"rapport{IMG}.txt"
    for rule in r["rules"]:
        rule["description"] = {"fr": f"Règle {PAYLOAD}", "en": f"Rule {PAYLOAD}"}
    for i, a in enumerate(r["anomalies"]):
        a["message"] = {"fr": f"Message {PAYLOAD} 100 % | pipe", "en": f"Message {PAYLOAD}"}
        a["relation"] = {"fr": f"Relation {PAYLOAD}", "en": f"Relation {PAYLOAD}"}
        a["theme"] = f"th{IMG}"
        if i == 0:
            a["entity"] = f"E{IMG}"
        for f in a["figures"]:
            f["label"] = {"fr": f"Libellé {PAYLOAD}", "en": f"Label {PAYLOAD}"}
            f["source"]["quote"] = f"Citation {SCRIPT} et {IMG}"
            f["source"]["row"] = f"ligne {IMG}"
            f["source"]["column"] = f"col {SCRIPT}"
            f["source"]["table"] = f"t{IMG}"
            f["text"] = f"{f['text']}{IMG}"
        if a.get("suspect"):
            a["suspect"]["reason"] = {"fr": f"Raison {PAYLOAD}", "en": f"Reason {PAYLOAD}"}
    r["objectives"] = [{
        "dataset": r["datasets"][1]["id"], "entity": "LR", "period": "2019",
        "indicator": "cpg.sophia.priority_share", "label": {"fr": f"Sophia {PAYLOAD}",
                                                            "en": f"Sophia {PAYLOAD}"},
        "unit": "percent", "objective": 50.0, "result": 48.2, "direction": "higher",
        "met": False,
    }]
    return r


@pytest.fixture
def report() -> dict[str, Any]:
    return load_sample()


@pytest.fixture
def hostile_report() -> dict[str, Any]:
    return hostile(load_sample())


@pytest.fixture
def payloads() -> dict[str, str]:
    return {"script": SCRIPT, "img": IMG}
