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


def big(report: dict[str, Any], copies: int) -> dict[str, Any]:
    """The sample report with every anomaly repeated `copies` times (new ids, entities and
    figures' refs): a report as large as a national run's, still valid against the schema."""
    import hashlib

    r = copy.deepcopy(report)
    items = []
    for k in range(copies):
        for a in report["anomalies"]:
            b = copy.deepcopy(a)
            b["id"] = hashlib.sha256(f"{k}|{a['id']}".encode()).hexdigest()[:16]
            b["period"] = str(2000 + k % 20)
            items.append(b)
    r["anomalies"] = items
    by_sev = {s: sum(a["severity"] == s for a in items) for s in ("error", "warning", "info")}
    r["summary"] = {**r["summary"], "anomalies": len(items), "by_severity": by_sev,
                    "by_category": {c: sum(a["category"] == c for a in items)
                                    for c in r["summary"]["by_category"]}}
    assert_valid_report(r, "big report")
    return r


@pytest.fixture(scope="module")
def big_report() -> dict[str, Any]:
    """1 800 anomalies: 800 errors, 200 warnings, 800 info."""
    return big(load_sample(), 200)
