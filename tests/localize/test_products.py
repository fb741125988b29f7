"""A product of figures (cases × mean amount) is a relation the localization reads too.

The engine checks `Σ cases × mean amount == damage`; the linear form used to leave it out, so a
total typed wrong beside its parts tied with a slip in any part.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support import SAMPLES, assert_valid_report, run_cli


def _somme(tmp_path: Path, old: str, new: str, line: int) -> dict:
    sample = tmp_path / "cpam-somme-2022"
    shutil.copytree(SAMPLES / "cpam-somme-2022", sample)
    (sample / "expected.yaml").unlink()
    ds = sample / "dataset.yaml"
    lines = ds.read_text(encoding="utf-8").split("\n")
    assert f'"{old}"' in lines[line - 1], lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(f'"{old}"', f'"{new}"')
    ds.write_text("\n".join(lines), encoding="utf-8")
    proc = run_cli("validate", str(sample), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert_valid_report(report)
    (parts,) = [a for a in report["anomalies"] if a["rule"] == "fraud.suffered.cases.parts"]
    return parts


def test_a_total_typed_wrong_beside_products_that_hold_is_named(tmp_path: Path) -> None:
    # Somme l.102 « 1 731 574,50 € pour 76 dossiers », typed « 78 »: 31 + 27 + 18 = 76 fails,
    # and 31 × 1 642,50 + 27 × 25 453 + 18 × 55 191 = 1 731 586,50 € holds (the means are
    # rounded to the euro or cent) — changing any part would break it, so the total is named
    parts = _somme(tmp_path, "76", "78", 164)
    s = parts["suspect"]
    assert s["ref"].split("@")[0] == "80|2022|fraud.suffered.cases.total"
    assert (s["suggested"], s["cause"]) == (76, "typo (digit)")
    assert "fraud.suffered.amount.from_means" in s["reason"]["en"]


def test_a_part_typed_wrong_fails_both_and_is_named(tmp_path: Path) -> None:
    # l.95 « Dossiers professionnels de santé 18 » typed « 16 »: 74 ≠ 76, and the damage
    # misses by 2 × 55 191 € — only that part is in both failing relations
    parts = _somme(tmp_path, "18", "16", 191)
    s = parts["suspect"]
    assert s["ref"].split("@")[0] == "80|2022|fraud.suffered.cases.health_professionals"
    assert s["suggested"] == 18
