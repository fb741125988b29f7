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

from conftest import OCC_REASON
from support import run_cli

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
    assert "without visible text" in second.message
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
    assert [e["id"] for e in block["not_checked"]] == ["fedcba9876543210"]
    assert {a["baseline"] for a in applied["anomalies"]} == {"accepted"}
    assert applied["anomalies"][0]["justification"].startswith("Publié ainsi")


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


@pytest.mark.parametrize("blank", ["\u200b\u2800", "\u00a0\u3164", "\u200d\ufeff ", "\u0301"])
def test_invisible_justification_is_refused(tmp_path: Path, blank: str) -> None:
    path = tmp_path / "b.yaml"
    path.write_text("version: 1\nanomalies:\n  abc:\n    rule: agreement\n"
                    f"    justification: {json.dumps(blank)}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_baseline(path)
    assert info.value.line == 5 and "without visible text" in info.value.message


def test_many_unjustified_entries_are_summarised(report: dict[str, Any], tmp_path: Path) -> None:
    many = dict(report, anomalies=[dict(report["anomalies"][0], id=f"{i:016x}")
                                   for i in range(30)])
    path = tmp_path / "b.yaml"
    path.write_text(create_baseline(many), encoding="utf-8")
    with pytest.raises(InputErrors) as info:
        load_baseline(path)
    errors = info.value.errors
    assert len(errors) == 11 and all(e.line for e in errors[:10])
    assert "… and 20 more entries without a justification" in errors[10].message
    assert "--justification" in (errors[10].hint or "")


def test_create_with_one_justification_and_selection(report: dict[str, Any]) -> None:
    from drsmcheck.baseline import Selection

    select = Selection.parse(["category=objective_missed,rounding", "entity=L*"])
    data = yaml.safe_load(create_baseline(report, justification="Revu le 2020-06-12",
                                          select=select))
    chosen = [a for a in report["anomalies"] if a["category"] in ("objective_missed", "rounding")
              and a["entity"].startswith("L")]
    assert chosen and list(data["anomalies"]) == [a["id"] for a in chosen]
    assert {e["justification"] for e in data["anomalies"].values()} == {"Revu le 2020-06-12"}
    with pytest.raises(InputError, match="cannot read 'colour=red'"):
        Selection.parse(["colour=red"])


def test_cli_create_select_justification(occitanie_baseline: dict[str, Any]) -> None:
    created = occitanie_baseline["created"]
    assert "40 anomalie(s) enregistrée(s) (0 justification(s) conservée(s), 40 avec la " \
           "justification donnée, 0 à justifier)" in created.stderr
    data = yaml.safe_load(occitanie_baseline["text"])["anomalies"]
    mine = {k: v for k, v in data.items() if v["justification"] == OCC_REASON}
    assert len(mine) == 40
    rules = sorted({(v["rule"], v["entity"]) for v in mine.values()})
    assert rules == [("agreement", "OCC"), ("cpg.objectives", "LR"), ("cpg.objectives", "MP"),
                     ("rollup.sum", "LR"), ("rollup.sum", "MP"), ("rollup.sum", "OCC")]


def test_cli_accepted_new_stale(occitanie_baseline: dict[str, Any]) -> None:
    done, report = occitanie_baseline["validated"], occitanie_baseline["report"]
    # every error is accepted: the gate passes although the report still lists them
    assert done.returncode == 0, done.stderr
    status = {a["id"]: a["baseline"] for a in report["anomalies"]}
    accepted = [a for a in report["anomalies"] if a["baseline"] == "accepted"]
    new = [a for a in report["anomalies"] if a["baseline"] == "new"]
    assert len(accepted) == 40 and len(new) == 3 and len(status) == 43
    assert {(a["rule"], a["entity"]) for a in new} == {("non_numeric", "OCC")}
    assert all(a["justification"] == OCC_REASON for a in accepted)
    assert all("justification" not in a for a in new)
    block = report["baseline"]
    assert [e["id"] for e in block["stale"]] == ["0123456789abcdef"]
    assert [e["id"] for e in block["not_checked"]] == ["fedcba9876543210"]
    line = occitanie_baseline["text"].splitlines().index("  0123456789abcdef:") + 1
    assert block["stale"][0]["line"] == line
    assert f"{occitanie_baseline['baseline']}:{line}: entrée de baseline obsolète" in done.stderr


def test_cli_new_anomaly_fails_the_gate(occitanie_baseline: dict[str, Any],
                                        tmp_path: Path) -> None:
    """One accepted error removed from the baseline: it is new again, and the gate fails."""
    text = occitanie_baseline["text"]
    lines = text.splitlines(keepends=True)
    start = next(i for i, s in enumerate(lines) if s.strip() == "rule: rollup.sum") - 1
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    path = tmp_path / "b.yaml"
    path.write_text("".join(lines[:start] + lines[end:]), encoding="utf-8")
    removed = lines[start].strip().rstrip(":")
    done = run_cli("validate", "samples/drsm-occitanie-2019", "--baseline", str(path),
                   "--format", "json")
    assert done.returncode == 1, done.stderr
    (new_error,) = [a for a in json.loads(done.stdout)["anomalies"]
                    if a["baseline"] == "new" and a["severity"] == "error"]
    assert new_error["id"] == removed and new_error["rule"] == "rollup.sum"
    # JUnit says which failing anomaly is new
    done = run_cli("validate", "samples/drsm-occitanie-2019", "--baseline", str(path),
                   "--format", "junit")
    assert done.returncode == 1
    case = (f"[error] [nouvelle] rollup.sum · {new_error['entity']} 2019 · "
            f"{new_error['subject']} ({removed})")
    assert case in done.stdout


def test_cli_invisible_justification(tmp_path: Path) -> None:
    done = run_cli("baseline", "create", "samples/drsm-occitanie-2019", "--output",
                   str(tmp_path / "b.yaml"), "--justification", "\u200b\u2800")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("--justification: the justification has no visible text")
    assert not (tmp_path / "b.yaml").exists()
    path = tmp_path / "hand.yaml"
    path.write_text("version: 1\nanomalies:\n  ed536e1427baf7d5:\n    rule: agreement\n"
                    "    justification: \"\u200b\u2800\"\n", encoding="utf-8")
    done = run_cli("validate", "samples/drsm-occitanie-2019", "--baseline", str(path))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert f"{path}:5: baseline entry ed536e1427baf7d5 has a justification without visible " \
           "text" in done.stderr
    done = run_cli("baseline", "create", "samples/drsm-occitanie-2019", "--select", "rule")
    assert done.returncode == 2 and "--select: cannot read 'rule'" in done.stderr


def test_interrupted_rewrite_keeps_the_reviewed_baseline(report: dict[str, Any], tmp_path: Path,
                                                          monkeypatch) -> None:
    """A full disk while rewriting the baseline leaves the reviewers' file as it was."""
    import os

    from drsmcheck import outputs
    from drsmcheck.baseline import write_baseline

    path = tmp_path / "b.yaml"
    reviewed = _justify(create_baseline(report), "déjà revu")
    path.write_text(reviewed, encoding="utf-8")

    def full_disk(*_args: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "replace", full_disk)
    with pytest.raises(InputError, match="no space left"):
        write_baseline(report, path)
    assert path.read_text(encoding="utf-8") == reviewed
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.yaml"]  # no temporary left
    monkeypatch.setattr(outputs.os, "replace", os.replace)
