"""`drsmcheck compare OLD NEW` on two reports of a resubmitted dataset."""

from __future__ import annotations

import json

from packs import make_dataset, make_pack
from support import run_cli

CHECKS = """
rules:
  - {id: t.parts, kind: equation, severity: error, description: {fr: P, en: P},
     expr: "t.a + t.b == t.total"}
"""


def _report(tmp, name: str, figures: dict[str, tuple[str, str, str]]) -> str:
    body = "figures:\n" + "".join(
        f"  - {{indicator: {ind}, entity: {e}, value: \"{v}\", line: 3, kind: table}}\n"
        for e, vals in figures.items() for ind, v in zip(("t.a", "t.b", "t.total"), vals,
                                                         strict=True))
    folder = make_dataset(tmp / name, body)
    out = tmp / f"{name}.json"
    proc = run_cli("validate", str(folder), "--rules", str(tmp / "pack"), "--format", "json",
                   "--output", str(out), cwd=tmp)
    assert proc.returncode in (0, 1), proc.stderr
    return str(out)


def test_new_still_and_resolved(tmp_path):
    make_pack(tmp_path, CHECKS)
    old = _report(tmp_path, "v1", {"LR": ("1", "2", "4"), "MP": ("1", "2", "5"),
                                   "OCC": ("1", "2", "3")})
    new = _report(tmp_path, "v2", {"LR": ("1", "2", "3"), "MP": ("1", "2", "5"),
                                   "OCC": ("1", "2", "9")})
    proc = run_cli("compare", old, new, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    result = json.loads(proc.stdout)
    assert [a["entity"] for a in result["new"]] == ["OCC"]
    assert [a["entity"] for a in result["still"]] == ["MP"]
    assert [a["entity"] for a in result["resolved"]] == ["LR"]
    text = run_cli("compare", old, new).stdout
    assert text.startswith("1 new\n") and "1 still there" in text and "1 resolved" in text


def test_no_new_anomaly_exits_0(tmp_path):
    make_pack(tmp_path, CHECKS)
    old = _report(tmp_path, "v1", {"LR": ("1", "2", "4")})
    new = _report(tmp_path, "v2", {"LR": ("1", "2", "3")})
    assert run_cli("compare", old, new).returncode == 0


def test_not_a_report_exits_2(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text('{"anomalies": "no"}', encoding="utf-8")
    proc = run_cli("compare", str(bad), str(bad))
    assert proc.returncode == 2 and "not a drsmcheck JSON report" in proc.stderr
    bad.write_text("{", encoding="utf-8")
    proc = run_cli("compare", str(bad), str(bad))
    assert proc.returncode == 2 and "x.json:1: not a JSON report" in proc.stderr
