"""SARIF 2.1.0: valid against the official schema, locations, levels, fingerprints, baseline."""

from __future__ import annotations

import copy
import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from drsmcheck.baseline import Baseline, BaselineEntry, apply_baseline
from drsmcheck.reporters.sarif import FINGERPRINT, render_sarif

SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _errors(validator: Any, log: dict[str, Any]) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(log)]


def test_valid_against_official_schema(report: dict[str, Any], validator: Any) -> None:
    for lang in ("fr", "en"):
        log = json.loads(render_sarif(report, lang))
        assert _errors(validator, log) == []
        assert log["version"] == "2.1.0"


def test_schema_catches_a_broken_log(report: dict[str, Any], validator: Any) -> None:
    log = json.loads(render_sarif(report))
    log["runs"][0]["results"][0]["level"] = "fatal"
    del log["runs"][0]["tool"]["driver"]["name"]
    assert len(_errors(validator, log)) >= 2


def test_rules_results_levels_and_locations(report: dict[str, Any]) -> None:
    log = json.loads(render_sarif(report))
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert ids == sorted(r["rule"] for r in report["rules"])
    results = run["results"]
    assert len(results) == len(report["anomalies"])
    for result in results:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    levels = {r["partialFingerprints"][FINGERPRINT]: r["level"] for r in results}
    assert levels["ed536e1427baf7d5"] == "error"
    assert levels["226009a056f72ab9"] == "warning"
    assert levels["3e49d01f4f9ea18c"] == "note"
    occ = next(r for r in results if r["partialFingerprints"][FINGERPRINT] == "ed536e1427baf7d5")
    # the physical location is the suspect figure: the text, line 41 of dataset.yaml
    loc = occ["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == "samples/drsm-occitanie-2019/dataset.yaml"
    assert loc["region"]["startLine"] == 41
    assert len(occ["relatedLocations"]) == 3
    assert "162 062" in occ["message"]["text"] and "162 051" in occ["message"]["text"]
    # without a suspect, the first figure
    cpg = next(r for r in results if r["partialFingerprints"][FINGERPRINT] == "3e49d01f4f9ea18c")
    assert cpg["locations"][0]["physicalLocation"]["region"]["startLine"] == 52
    assert "baselineState" not in occ


def test_paths_are_uri_references(report: dict[str, Any], validator: Any) -> None:
    report["anomalies"][0]["figures"][0]["source"]["file"] = "samples\\mon dossier\\données #1.yaml"
    report["anomalies"][0]["suspect"] = None
    log = json.loads(render_sarif(report))
    location = log["runs"][0]["results"][0]["locations"][0]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "samples/mon%20dossier/donn%C3%A9es%20%231.yaml"
    assert _errors(validator, log) == []


def test_figure_without_file_or_line(report: dict[str, Any], validator: Any) -> None:
    for f in report["anomalies"][0]["figures"]:
        f["source"]["line"] = None
    report["anomalies"][1]["figures"] = []
    report["anomalies"][1]["suspect"] = None
    log = json.loads(render_sarif(report))
    results = log["runs"][0]["results"]
    assert "region" not in results[0]["locations"][0]["physicalLocation"]
    assert "locations" not in results[1]
    assert _errors(validator, log) == []


def test_baseline_states_and_suppressions(report: dict[str, Any], validator: Any) -> None:
    baseline = Baseline("b.yaml", {"ed536e1427baf7d5": BaselineEntry(
        "ed536e1427baf7d5", "Erratum envoyé", 3, dataset="drsm-occitanie-2019")})
    log = json.loads(render_sarif(apply_baseline(report, baseline)))
    assert _errors(validator, log) == []
    results = {r["partialFingerprints"][FINGERPRINT]: r for r in log["runs"][0]["results"]}
    assert results["ed536e1427baf7d5"]["baselineState"] == "unchanged"
    assert results["ed536e1427baf7d5"]["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "Erratum envoyé"}]
    assert results["40bd4436c52f6940"]["baselineState"] == "new"
    assert "suppressions" not in results["40bd4436c52f6940"]


def test_hostile_strings_stay_data(hostile_report: dict[str, Any], validator: Any) -> None:
    text = render_sarif(hostile_report)
    assert _errors(validator, json.loads(text)) == []


def test_deterministic(report: dict[str, Any]) -> None:
    first = render_sarif(report)
    shuffled = copy.deepcopy(report)
    random.Random(1).shuffle(shuffled["anomalies"])
    random.Random(2).shuffle(shuffled["rules"])
    assert render_sarif(shuffled) == first == render_sarif(report)
    assert first.endswith("}\n")


def test_a_big_log_is_compact_and_still_valid(big_report: dict[str, Any], validator: Any,
                                              report: dict[str, Any]) -> None:
    """1 800 results: written compact (one line, the C encoder), the same log as indented."""
    text = render_sarif(big_report, "en")
    assert text.endswith("}\n") and text.count("\n") == 1
    log = json.loads(text)
    validator.validate(log)
    assert len(log["runs"][0]["results"]) == 1800
    small = render_sarif(report, "en")
    assert small.count("\n") > 100  # a small log stays indented, for people and diffs
