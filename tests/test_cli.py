"""The command line: exit codes 0/1/2, `file:line: message` on bad input, never a traceback."""

from __future__ import annotations

import json

from packs import make_dataset, make_pack, write
from support import run_cli

CHECKS = """
rules:
  - {id: parts, kind: equation, severity: error, description: {fr: d, en: d},
     expr: "t.a + t.b == t.total"}
"""


def test_malformed_dataset_exit_2(tmp_path) -> None:
    pack = make_pack(tmp_path, CHECKS)
    ds = make_dataset(tmp_path, """
        figures:
          - {indicator: t.a, value: "12", line: 1, quote: q}
          - {indicator: t.aa, value: "12", line: 2, quote: q}
        """)
    proc = run_cli("validate", str(ds), "--rules", str(pack))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    first = proc.stderr.splitlines()[0]
    assert first.endswith("dataset.yaml:4: unknown indicator 't.aa'"), first
    assert "did you mean 't.a'?" in proc.stderr


def test_bad_number_exit_2(tmp_path) -> None:
    pack = make_pack(tmp_path, CHECKS)
    ds = make_dataset(tmp_path, """
        figures:
          - {indicator: t.a, value: "1 23", line: 1, quote: q}
        """)
    proc = run_cli("validate", str(ds), "--rules", str(pack))
    assert proc.returncode == 2
    assert "dataset.yaml:3: bad value: cannot read '1 23' as a number" in proc.stderr


def test_malformed_rule_file_exit_2(tmp_path) -> None:
    pack = make_pack(tmp_path, """
        rules:
          - id: bad
            kind: equation
            severity: error
            description: {fr: d, en: d}
            expr: "t.a + __import__('os') == t.total"
          - id: typo
            kind: equation
            severity: eror
            description: {fr: d, en: d}
            expr: "t.a == t.b"
        """)
    ds = make_dataset(tmp_path, "figures: []\n")
    for args in (["validate", str(ds), "--rules", str(pack)], ["rules", "check", str(pack)]):
        proc = run_cli(*args)
        assert proc.returncode == 2
        assert "Traceback" not in proc.stderr
        assert "checks/t.yaml:6: rule bad: unexpected character '_' at column 7" in proc.stderr
        assert "checks/t.yaml:9: unknown severity 'eror'" in proc.stderr
        assert "did you mean 'error'?" in proc.stderr


def test_rules_check_ok_on_shipped_pack() -> None:
    proc = run_cli("rules", "check")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith(": OK")


def test_fail_on_levels(tmp_path) -> None:
    pack = make_pack(tmp_path, """
        rules:
          - {id: parts, kind: equation, severity: warning, description: {fr: d, en: d},
             expr: "t.a + t.b == t.total"}
        """)
    ds = make_dataset(tmp_path, """
        figures:
          - {indicator: t.a, value: "1", line: 1, quote: q}
          - {indicator: t.b, value: "1", line: 1, quote: q}
          - {indicator: t.total, value: "3", line: 1, quote: q}
        """)
    base = ["validate", str(ds), "--rules", str(pack), "--format", "json"]
    assert run_cli(*base).returncode == 0                       # default: error
    assert run_cli(*base, "--fail-on", "warning").returncode == 1
    assert run_cli(*base, "--fail-on", "info").returncode == 1
    proc = run_cli(*base, "--fail-on", "never")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["summary"]["by_severity"]["warning"] == 1


def test_missing_path_and_usage(tmp_path) -> None:
    proc = run_cli("validate", str(tmp_path / "nope"))
    assert proc.returncode == 2 and "no such file or folder" in proc.stderr
    proc = run_cli("validate", "samples", "--fail-on", "sometimes")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_csv_dataset(tmp_path) -> None:
    pack = make_pack(tmp_path, CHECKS)
    ds = make_dataset(tmp_path, "")
    write(ds / "figures.csv", """
        indicator,entity,value,line,kind
        t.a,OCC,24 619,10,table
        t.b,OCC,59 768,11,table
        t.total,OCC,84 380,12,table
        """)
    proc = run_cli("validate", str(ds), "--rules", str(pack), "--format", "json")
    assert proc.returncode == 1
    (a,) = json.loads(proc.stdout)["anomalies"]
    # computed values are formatted by Babel with a no-break space, printed ones kept as printed
    assert a["relation"]["fr"].replace("\u00a0", " ") == "24 619 + 59 768 = 84 387 ≠ 84 380, écart 7"
    assert {f["source"]["line"] for f in a["figures"]} == {2, 3, 4}
