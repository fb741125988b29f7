"""examples/: a région no sample covers validates with the shipped pack, no reference edit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from drsmcheck.cli import app

from support import ROOT

BRETAGNE = ROOT / "examples" / "drsm-bretagne-2019"


def _validate(path: Path) -> tuple[int, dict]:
    out = CliRunner().invoke(app, ["validate", str(path), "--format", "json"])
    return out.exit_code, json.loads(out.stdout)


def test_bretagne_validates_with_the_shipped_pack() -> None:
    code, report = _validate(BRETAGNE)
    assert code == 0 and report["anomalies"] == []
    rules = {r["rule"]: r for r in report["rules"]}
    # BRE = 22 + 29 + 35 + 56 for paper, electronic, total, opinions, in-person opinions
    assert rules["rollup.sum"]["passes"] == 5
    assert rules["ald.admission.parts"]["passes"] == 5
    assert rules["ald.admission.electronic_share.ratio"]["passes"] == 5


def test_a_typo_in_the_bretagne_table_is_caught(tmp_path: Path) -> None:
    work = tmp_path / "bre"
    shutil.copytree(BRETAGNE, work)
    data = work / "dataset.yaml"
    data.write_text(data.read_text(encoding="utf-8").replace('"22 190"', '"22 910"'),
                    encoding="utf-8")
    code, report = _validate(work)
    assert code == 1
    got = {(a["rule"], a["entity"], a["subject"]) for a in report["anomalies"]}
    assert ("ald.admission.parts", "29", None) in got or ("ald.admission.parts", "29",
                                                          "ald.admission.total") in got
    assert any(rule == "rollup.sum" and ent == "BRE" for rule, ent, _ in got)


def test_bretagne_is_fully_covered_by_equalities() -> None:
    out = CliRunner().invoke(app, ["coverage", str(BRETAGNE), "--fail-under", "100",
                                   "--format", "json"])
    assert out.exit_code == 0, out.stderr
    assert json.loads(out.stdout)["totals"]["equality_pct"] == 100.0
