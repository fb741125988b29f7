"""`drsmcheck extract`: a draft dataset a user confirms instead of typing, loadable as it is.

The drafts of the three input types and of a seed report are validated together, in one
`drsmcheck validate` run (the loader and the rule pack accept them as they are).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

import report_docs
from support import ROOT, run_cli

KINDS = ("txt", "docx", "pdf")
SEED = ROOT / "samples/sources/000_36bfcaf3c454a709.txt"


def _extract(report: Path, out: Path, *args: str) -> dict:
    proc = run_cli("extract", str(report), "--output", str(out), *args)
    assert proc.returncode == 0, proc.stderr
    assert " figures (" in proc.stderr and "Traceback" not in proc.stderr
    return yaml.safe_load(out.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def drafts(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], dict, Path]:
    """(draft of each kind and of the seed, the validate JSON report over all, folder)."""
    root = tmp_path_factory.mktemp("drafts")
    out: dict[str, dict] = {}
    for kind in KINDS:
        report = report_docs.write(kind, root)
        out[kind] = _extract(report, root / kind / "dataset.yaml", "--id", f"draft-{kind}")
    out["seed"] = _extract(SEED, root / "seed" / "dataset.yaml")
    json_out = root / "report.json"
    proc = run_cli("validate", *(str(root / k) for k in (*KINDS, "seed")), "--format", "json",
                   "--output", str(json_out))
    assert proc.returncode in (0, 1), proc.stderr  # loaded (2 would be a refused draft)
    return out, json.loads(json_out.read_text(encoding="utf-8")), root


@pytest.mark.parametrize("kind", KINDS)
def test_draft_of_each_input_type_suggests_entities_and_indicators(drafts, kind: str) -> None:
    draft = drafts[0][kind]
    assert draft["dataset"] == {"id": f"draft-{kind}", "title": "report", "entity": "OCC",
                                "period": "2019", "report": f"report.{kind}"}
    (fig,) = draft["figures"]
    assert fig["indicator"] == "ald.admission.total" and fig["value"] == "162 062"
    assert fig["quote"] == report_docs.TEXT and fig["kind"] == "text"
    ald, caqes = draft["tables"]
    assert [c["entity"] for c in ald["columns"]] == ["LR", "MP", "OCC"]
    assert [(r["indicator"], r["values"]) for r in ald["rows"]] == [
        ("ald.admission.paper", ["24 619", "20 954", "45 573"]),
        ("ald.admission.electronic", ["59 768", "56 710", "116 478"]),
        ("ald.admission.total", ["84 387", "77 664", "162 051"])]
    assert [c["indicator"] for c in caqes["columns"]] == ["caqes.targeted", "caqes.transport"]
    assert [r["entity"] for r in caqes["rows"]] == ["09", "11", "12", "OCC"]


@pytest.mark.parametrize("kind", KINDS)
def test_the_rule_pack_reads_each_draft(drafts, kind: str) -> None:
    _, result, _ = drafts
    ds = next(d for d in result["datasets"] if d["id"] == f"draft-{kind}")
    assert ds["figures"] == 1 + 9 + 8
    errors = {(a["rule"], a["entity"], a.get("subject")) for a in result["anomalies"]
              if a["dataset"] == f"draft-{kind}" and a["severity"] == "error"}
    # the text's 162 062 against table 05's 162 051, found by the pack through the draft
    assert ("agreement", "OCC", "ald.admission.total") in errors


def test_seed_draft_keeps_the_162_062_sentence_and_table_05(drafts) -> None:
    data = drafts[0]["seed"]
    figs = [f for f in data["figures"] if f["value"] == "162 062"]
    assert figs == [{"indicator": "ald.admission.total", "value": "162 062", "kind": "text",
                     "line": 871, "quote": figs[0]["quote"]}]
    assert figs[0]["quote"].startswith("En 2019, 162 062 avis ont été donnés")
    t05 = next(t for t in data["tables"] if t["line"] == 884)
    assert [c["entity"] for c in t05["columns"]] == ["LR", "MP", "OCC"]
    assert [r["indicator"] for r in t05["rows"][:3]] == [
        "ald.admission.paper", "ald.admission.electronic", "ald.admission.total"]
    _, result, _ = drafts
    assert any(a["dataset"] == "draft-000_36bfcaf3c454a709" and a["rule"] == "agreement"
               and a.get("subject") == "ald.admission.total" for a in result["anomalies"])


def test_lines_pages_and_confidence_are_written(drafts) -> None:
    text = (drafts[2] / "pdf" / "dataset.yaml").read_text(encoding="utf-8")
    assert "  - indicator: ald.admission.total  # confidence 1.00, page 1; also:" in text
    assert "line: 3  # page 1" in text


def test_unmatched_figures_are_comments_with_candidates(tmp_path: Path) -> None:
    report = tmp_path / "r.txt"
    report.write_text("RAPPORT D'ACTIVITÉ 2019 OCCITANIE\n\nLa cantine a servi 4 321 repas "
                      "végétariens.\n", encoding="utf-8")
    out = tmp_path / "d.yaml"
    data = _extract(report, out)
    assert data["figures"] == []
    text = out.read_text(encoding="utf-8")
    assert "  # unmatched — candidates: " in text
    assert '  #   value: "4 321"\n  #   kind: text\n  #   line: 3\n' in text


def test_entity_and_period_can_be_given(tmp_path: Path) -> None:
    report = report_docs.write("txt", tmp_path)
    data = _extract(report, tmp_path / "d.yaml", "--entity", "LR", "--period", "2020",
                    "--id", "mine")
    assert data["dataset"]["entity"] == "LR" and data["dataset"]["period"] == "2020"
    assert data["dataset"]["id"] == "mine"


def test_unknown_entity_is_an_input_error(tmp_path: Path) -> None:
    report = report_docs.write("txt", tmp_path)
    proc = run_cli("extract", str(report), "--entity", "XX")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "cannot tell the report's entity ('XX')" in proc.stderr and "--entity" in proc.stderr
