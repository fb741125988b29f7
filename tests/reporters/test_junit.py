"""JUnit XML: one testsuite per dataset, one testcase per rule, failures = the rule's anomalies."""

from __future__ import annotations

import copy
import random
import xml.etree.ElementTree as ET
from typing import Any

from drsmcheck.baseline import Baseline, BaselineEntry, apply_baseline
from drsmcheck.reporters.junit import render_junit


def _suites(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    return {s.get("name"): s for s in root.findall("testsuite")}


def test_structure(report: dict[str, Any]) -> None:
    text = render_junit(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    suites = _suites(text)
    assert list(suites) == ["drsm-bfc-2019", "drsm-occitanie-2019"]
    occ = suites["drsm-occitanie-2019"]
    cases = {c.get("name"): c for c in occ.findall("testcase")}
    assert sorted(cases) == sorted(r["rule"] for r in report["rules"])
    assert occ.get("tests") == str(len(cases))
    failing = sorted(n for n, c in cases.items() if c.find("failure") is not None)
    assert failing == ["agreement", "cpg.objectives", "rollup.sum"]
    assert occ.get("failures") == "3"
    failure = cases["agreement"].find("failure")
    assert failure.get("type") == "error"
    assert "162 062 ≠ 162 051, écart 11" in failure.get("message")
    assert "samples/drsm-occitanie-2019/dataset.yaml:41" in failure.text
    assert "162 062 → valeur suggérée 162\u202f051" in failure.text
    assert cases["cpg.objectives"].find("failure").get("message").startswith("4 anomalie(s)")
    assert cases["bounds.percent"].find("failure") is None
    assert "éléments 96, conformes 96" in cases["bounds.percent"].find("system-out").text


def test_fail_on_error_moves_info_to_system_out(report: dict[str, Any]) -> None:
    occ = _suites(render_junit(report, "en", fail_on="error"))["drsm-occitanie-2019"]
    cases = {c.get("name"): c for c in occ.findall("testcase")}
    assert cases["cpg.objectives"].find("failure") is None
    assert "(below the threshold)" in cases["cpg.objectives"].find("system-out").text
    assert occ.get("failures") == "2"


def test_baseline_accepted_do_not_fail(report: dict[str, Any]) -> None:
    baseline = Baseline("b.yaml", {"ed536e1427baf7d5": BaselineEntry(
        "ed536e1427baf7d5", "ok", 1, dataset="drsm-occitanie-2019")})
    occ = _suites(render_junit(apply_baseline(report, baseline)))["drsm-occitanie-2019"]
    case = next(c for c in occ.findall("testcase") if c.get("name") == "agreement")
    assert case.find("failure") is None
    assert "acceptée par la baseline" in case.find("system-out").text


def test_rule_with_no_item_is_skipped(report: dict[str, Any]) -> None:
    report["rules"].append({"rule": "zz.none", "kind": "equation", "severity": "error",
                            "description": {"fr": "x", "en": "x"}, "items": 0, "passes": 0,
                            "fails": 0, "not_evaluable": 0})
    suites = _suites(render_junit(report))
    case = next(c for c in suites["drsm-bfc-2019"].findall("testcase")
                if c.get("name") == "zz.none")
    assert case.find("skipped") is not None


def test_hostile_and_control_characters_stay_well_formed(hostile_report: dict[str, Any]) -> None:
    hostile_report["anomalies"][0]["message"]["fr"] += "\x00\x07\x1b]"
    text = render_junit(hostile_report)
    suites = _suites(text)  # parses: well-formed
    assert "<script>" not in text
    failure = suites["drsm-bfc-2019"].find("testcase/failure")
    assert "<script>alert(1)</script>" in failure.text  # as text, escaped in the XML


def test_deterministic(report: dict[str, Any]) -> None:
    first = render_junit(report)
    shuffled = copy.deepcopy(report)
    random.Random(3).shuffle(shuffled["anomalies"])
    assert render_junit(shuffled) == first == render_junit(report)
