"""`drsmcheck scan` on the five source reports finds exactly the findings of the golden file,
each of which was read against the report (tests/fixtures/scan/findings.yaml, `why`)."""

from __future__ import annotations

import json

import pytest
import yaml

from support import ROOT, run_cli

GOLDEN = yaml.safe_load((ROOT / "tests/fixtures/scan/findings.yaml").read_text(encoding="utf-8"))
SOURCES = ROOT / "samples" / "sources"


@pytest.mark.parametrize("report", sorted(GOLDEN))
def test_scan_findings_are_the_golden_ones(report: str, tmp_path) -> None:
    out = tmp_path / "scan.json"
    proc = run_cli("scan", str(SOURCES / report), "--format", "json", "--output", str(out),
                   "--fail-on", "never")
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    got = [(a["rule"], a["severity"], a["category"],
            [f["source"]["line"] for f in a["figures"]], a["relation"]["fr"])
           for a in result["anomalies"]]
    want = [(e["rule"], e["severity"], e["category"], e["lines"], e["relation"])
            for e in GOLDEN[report] or ()]
    assert sorted(map(repr, got)) == sorted(map(repr, want))
    for a in result["anomalies"]:
        assert a["kind"] == "scan" and 0 < a["confidence"] <= 1
        assert all(f["source"]["file"].endswith(report) for f in a["figures"])


def test_every_golden_finding_says_why_it_is_right() -> None:
    for report, entries in GOLDEN.items():
        for e in entries or ():
            assert e["verdict"] == "correct", (report, e)
            assert len(e["why"]) > 60 and "l." in e["why"], (report, e)
