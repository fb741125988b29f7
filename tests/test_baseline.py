"""Baselines: create (TODO justifications), load (justification required, file:line), apply."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from drsmcheck.baseline import (
    TODO,
    apply_baseline,
    create_baseline,
    load_baseline,
    split_anomalies,
)
from drsmcheck.errors import InputError, InputErrors

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "report_sample.json"
OCC_ID = "ed536e1427baf7d5"


@pytest.fixture
def report() -> dict[str, Any]:
    return json.loads(FIXTURE.read_text(encoding="utf-8"))


def _justify(text: str, reason: str = "Publié ainsi ; erratum demandé le 2020-06-12") -> str:
    return text.replace(f'"{TODO}"', json.dumps(reason, ensure_ascii=False)).replace(
        f"'{TODO}'", json.dumps(reason, ensure_ascii=False))


def test_create(report: dict[str, Any]) -> None:
    text = create_baseline(report)
    assert text.startswith("# drsmcheck baseline")
    data = yaml.safe_load(text)
    assert data["version"] == 1
    assert list(data["anomalies"]) == [a["id"] for a in report["anomalies"]]
    entry = data["anomalies"][OCC_ID]
    assert entry == {
        "rule": "agreement", "dataset": "drsm-occitanie-2019", "entity": "OCC",
        "period": "2019", "subject": "ald.admission.total",
        "message": "« Avis sur demandes d'admission en ALD » est imprimé 3 fois avec 2 valeurs "
                   "différentes — 162 062 ≠ 162 051, écart 11",
        "justification": TODO,
    }
    assert create_baseline(report) == text  # deterministic
    assert "subject" not in data["anomalies"]["04723bd4ce1adc5e"]  # equation: no subject


def test_fresh_baseline_is_rejected_until_justified(report: dict[str, Any],
                                                    tmp_path: Path) -> None:
    path = tmp_path / "drsmcheck-baseline.yaml"
    path.write_text(create_baseline(report), encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_baseline(path)
    errors = info.value.errors
    assert len(errors) == len(report["anomalies"])
    lines = path.read_text(encoding="utf-8").splitlines()
    for error in errors:
        assert error.file == str(path)
        assert "TODO: justify" in lines[error.line - 1]  # points at the justification line
        assert "not justified yet" in error.message
    assert f"{path}:{errors[0].line}: baseline entry" in str(errors[0])


def test_missing_or_empty_justification(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nanomalies:\n  abc:\n    rule: agreement\n"
                    "  def:\n    justification: '  '\n", encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_baseline(path)
    first, second = info.value.errors
    assert (first.line, second.line) == (3, 6)
    assert "has no justification" in first.message
    assert "not justified yet" in second.message
    path.write_text("version: 1\nanomalies:\n  abc:\n", encoding="utf-8")
    with pytest.raises(InputError, match="has no justification"):
        load_baseline(path)


def test_structure_errors(tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nanomalies:\n  abc:\n    justifcation: x\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_baseline(path)
    assert info.value.line == 4 and "unknown key 'justifcation'" in info.value.message
    assert "justification" in (info.value.hint or "")
    path.write_text("version: 2\nanomalies: {}\n", encoding="utf-8")
    with pytest.raises(InputError, match="unsupported baseline version"):
        load_baseline(path)
    path.write_text("version: 1\nanomalies:\n  abc: {justification: a}\n  abc: "
                    "{justification: b}\n", encoding="utf-8")
    with pytest.raises(InputError, match="duplicate key"):
        load_baseline(path)
    with pytest.raises(InputError, match="baseline file not found"):
        load_baseline(tmp_path / "nope.yaml")
    path.write_text("version: 1\nanomalies:\n", encoding="utf-8")
    assert load_baseline(path).entries == {}


def test_apply(report: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    text = _justify(create_baseline(report))
    # an entry that no longer occurs (stale) and one of a dataset not validated now
    text += ("  0123456789abcdef:\n    rule: agreement\n    dataset: drsm-occitanie-2019\n"
             "    justification: corrigé depuis\n"
             "  fedcba9876543210:\n    rule: agreement\n    dataset: cpam-somme-2022\n"
             "    justification: autre jeu\n")
    path.write_text(text, encoding="utf-8")
    baseline = load_baseline(path)
    assert baseline.entries[OCC_ID].justification.startswith("Publié ainsi")
    report["anomalies"] = report["anomalies"][:5]
    result = split_anomalies(report, baseline)
    assert result.new == [] and len(result.accepted) == 5
    stale_ids = [e.id for e in result.stale]
    assert "0123456789abcdef" in stale_ids and "fedcba9876543210" not in stale_ids
    assert [e.id for e in result.not_checked] == ["fedcba9876543210"]
    applied = apply_baseline(report, baseline)
    assert "baseline" not in report  # the input is not modified
    block = applied["baseline"]
    assert block["file"] == str(path)
    assert [a["id"] for a in block["accepted"]] == [a["id"] for a in report["anomalies"]]
    stale_line = text.splitlines().index("  0123456789abcdef:") + 1
    assert {"id": "0123456789abcdef", "line": stale_line} .items() <= \
        next(s for s in block["stale"] if s["id"] == "0123456789abcdef").items()
    assert block["not_checked"] == 1


def test_new_anomalies_are_not_accepted(report: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    only_occ = dict(report, anomalies=[a for a in report["anomalies"] if a["id"] == OCC_ID])
    path.write_text(_justify(create_baseline(only_occ)), encoding="utf-8")
    result = split_anomalies(report, load_baseline(path))
    assert [a["id"] for a in result.accepted] == [OCC_ID]
    assert len(result.new) == len(report["anomalies"]) - 1


def test_recreate_keeps_justifications(report: dict[str, Any], tmp_path: Path) -> None:
    path = tmp_path / "b.yaml"
    only_occ = dict(report, anomalies=[a for a in report["anomalies"] if a["id"] == OCC_ID])
    path.write_text(_justify(create_baseline(only_occ), "déjà revu"), encoding="utf-8")
    previous = load_baseline(path, require_justification=False)
    data = yaml.safe_load(create_baseline(report, previous=previous))
    assert data["anomalies"][OCC_ID]["justification"] == "déjà revu"
    others = [v["justification"] for k, v in data["anomalies"].items() if k != OCC_ID]
    assert others and set(others) == {TODO}


def test_numeric_looking_ids_are_quoted(report: dict[str, Any], tmp_path: Path) -> None:
    report["anomalies"][0]["id"] = "1234567890123456"
    report["anomalies"][1]["id"] = "0000000000000001"
    path = tmp_path / "b.yaml"
    path.write_text(_justify(create_baseline(report)), encoding="utf-8")
    entries = load_baseline(path).entries
    assert "1234567890123456" in entries and "0000000000000001" in entries
