"""What a user must see on the flagship sample (issue: validate a report end to end)."""

from __future__ import annotations

import json

from support import run_cli


def _occitanie(report: dict) -> list[dict]:
    return [a for a in report["anomalies"] if a["dataset"] == "drsm-occitanie-2019"]


def test_ald_text_figure_is_the_suspect(samples_run) -> None:
    _, report = samples_run
    (a,) = [a for a in _occitanie(report)
            if a["rule"] == "agreement" and a["subject"] == "ald.admission.total"]
    assert a["severity"] == "error" and a["entity"] == "OCC" and a["period"] == "2019"
    assert a["difference"] == 11
    texts = sorted((f["text"], f["source"]["kind"]) for f in a["figures"])
    assert texts == [("162 051", "box"), ("162 051", "table"), ("162 062", "text")]
    for f in a["figures"]:
        src = f["source"]
        assert src["file"].startswith("samples/drsm-occitanie-2019/") and src["line"] > 0
        assert src["report"] == "000_36bfcaf3c454a709.txt" and src["report_line"] > 0
    suspect = next(f for f in a["figures"] if f["ref"] == a["suspect"]["ref"])
    assert suspect["text"] == "162 062" and suspect["source"]["kind"] == "text"
    assert "162 062" in suspect["source"]["quote"]
    assert a["suspect"]["suggested"] == 162051
    # the reason names the relations the table figure satisfies
    assert "ald.admission.parts" in a["suspect"]["reason"]["en"]
    assert "rollup.sum" in a["suspect"]["reason"]["en"]
    assert "écart 11" in a["relation"]["fr"]


def test_caqes_targeted_column(samples_run) -> None:
    _, report = samples_run
    (a,) = [a for a in _occitanie(report)
            if a["rule"] == "rollup.sum" and a["subject"] == "caqes.targeted"]
    assert a["severity"] == "error" and a["entity"] == "OCC"
    assert a["lhs"] == {"lo": 270, "hi": 270} and a["rhs"] == {"lo": 279, "hi": 279}
    assert a["difference"] == -9  # parent − sum of children, as VTL check_hierarchy reports
    assert len(a["figures"]) == 14


def test_relations_that_hold_are_counted_as_passes(samples_run) -> None:
    _, report = samples_run
    flagged = {(a["rule"], a["entity"]) for a in _occitanie(report)}
    assert ("cpg.score.weighted_axes", "LR") not in flagged
    assert ("cpg.score.weighted_axes", "MP") not in flagged
    rules = {r["rule"]: r for r in report["rules"]}
    assert rules["cpg.score.weighted_axes"]["passes"] >= 2
    assert rules["rollup.sum"]["passes"] > 20
    opinions = [a for a in _occitanie(report) if a["subject"] == "opinion.total"]
    assert opinions == []  # 290 821 + 277 820 = 568 641


def test_exit_codes(tmp_path) -> None:
    sample = "samples/drsm-occitanie-2019"
    assert run_cli("validate", sample, "--format", "json", "--output",
                   str(tmp_path / "r.json")).returncode == 1
    proc = run_cli("validate", sample, "--fail-on", "never", "--format", "json")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["schema_version"] == "1"


def test_console_shows_both_places(tmp_path) -> None:
    proc = run_cli("validate", "samples/drsm-occitanie-2019", "--lang", "en")
    assert proc.returncode == 1
    out = proc.stdout
    assert "162,062" in out or "162 062" in out
    assert "dataset.yaml:" in out and "tables.yaml:" in out
    assert "suspect" in out
