"""Layered rule packs: a user's pack and a project config extend the shipped pack in place."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from typer.testing import CliRunner

from drsmcheck.cli import app

from packs import write


@dataclass
class Proc:
    returncode: int
    stdout: str
    stderr: str


def run_cli(*args: str, cwd: Path) -> Proc:
    """The CLI in-process (fast), from `cwd`: what `drsmcheck ARGS` prints there."""
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(app, list(args))
    finally:
        os.chdir(old)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Proc(result.exit_code, result.stdout, result.stderr)

BRE_DATASET = """
dataset: {id: bre, entity: BRE, period: '2019', report: r.txt}
figures:
  - {indicator: ald.admission.paper, value: "100", line: 1, kind: text, quote: q}
  - {indicator: ald.admission.electronic, value: "50", line: 2, kind: text, quote: q}
  - {indicator: ald.admission.total, value: "160", line: 3, kind: text, quote: q}
"""

MY_RULE = """
rules:
  - id: my.total_small
    kind: equation
    severity: warning
    description: {fr: "Petit total", en: "Small total"}
    expr: "ald.admission.total <= 1000 * my.count"
"""


def _rules(report: dict) -> set[str]:
    return {r["rule"] for r in report["rules"]}


def _json(proc) -> dict:
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def test_a_user_pack_adds_an_indicator_and_a_rule_to_the_shipped_pack(tmp_path: Path) -> None:
    write(tmp_path / "mine" / "reference" / "indicators" / "my.yaml",
          "indicators:\n  my.count: {fr: Compte, en: Count, unit: count, additive: true}\n")
    write(tmp_path / "mine" / "checks" / "my.yaml", MY_RULE)
    write(tmp_path / "ds" / "dataset.yaml", BRE_DATASET + "  - {indicator: my.count, value: "
          "\"1\", line: 4, kind: text, quote: q}\n")
    report = _json(run_cli("validate", "ds", "--rules", "mine", "--format", "json", cwd=tmp_path))
    assert {"my.total_small", "ald.admission.parts", "agreement"} <= _rules(report)
    # the shipped rule still finds 100 + 50 ≠ 160 on a région no sample covers
    assert [(a["rule"], a["entity"]) for a in report["anomalies"]] == [
        ("ald.admission.parts", "BRE")]


def test_override_and_disable_shipped_rules_by_id(tmp_path: Path) -> None:
    write(tmp_path / "mine" / "pack.yaml", "disable: [bounds.count]\n")
    write(tmp_path / "mine" / "checks" / "over.yaml", """
        rules:
          - id: ald.admission.parts
            kind: equation
            severity: warning
            description: {fr: "Parties", en: "Parts"}
            expr: "ald.admission.paper + ald.admission.electronic == ald.admission.total"
            tolerance: {absolute: 5}
        """)
    write(tmp_path / "ds" / "dataset.yaml", BRE_DATASET)
    proc = run_cli("rules", "check", "mine", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "overrides ald.admission.parts (was rules/checks/ald.yaml:" in proc.stdout
    assert "disabled: bounds.count" in proc.stdout
    report = _json(run_cli("validate", "ds", "--rules", "mine", "--format", "json",
                           cwd=tmp_path))
    assert "bounds.count" not in _rules(report)
    (a,) = report["anomalies"]
    assert (a["rule"], a["severity"]) == ("ald.admission.parts", "warning")  # 10 > 5: still off


def test_disabling_an_unknown_rule_says_where_and_suggests(tmp_path: Path) -> None:
    write(tmp_path / "mine" / "pack.yaml", "disable:\n  - bounds.cuont\n")
    proc = run_cli("rules", "check", "mine", cwd=tmp_path)
    assert proc.returncode == 2
    assert "mine/pack.yaml:2: cannot disable unknown rule 'bounds.cuont'" in proc.stderr
    assert "did you mean 'bounds.count'?" in proc.stderr


def test_an_indicator_already_shipped_is_refused_with_both_places(tmp_path: Path) -> None:
    write(tmp_path / "mine" / "reference" / "indicators" / "ald.yaml",
          "indicators:\n  ald.admission.total: {fr: T, en: T, unit: count, additive: true}\n")
    proc = run_cli("rules", "check", "mine", cwd=tmp_path)
    assert proc.returncode == 2
    assert "mine/reference/indicators/ald.yaml:2: indicator 'ald.admission.total' is also " \
           "declared in rules/reference/indicators/ald.yaml:" in proc.stderr


def test_the_same_indicator_in_two_shipped_style_files_is_refused(tmp_path: Path) -> None:
    for name in ("a", "b"):
        write(tmp_path / "p" / "reference" / "indicators" / f"{name}.yaml",
              "indicators:\n  x.y: {fr: X, en: X, unit: count, additive: true}\n")
    write(tmp_path / "p" / "pack.yaml", "extend: false\n")
    write(tmp_path / "p" / "reference" / "entities.yaml", "entities:\n  FR: {fr: F, en: F}\n")
    write(tmp_path / "p" / "checks" / "c.yaml", "rules: []\n")
    proc = run_cli("rules", "check", "p", cwd=tmp_path)
    assert proc.returncode == 2
    assert "p/reference/indicators/b.yaml:2: indicator 'x.y' is also declared in " \
           "p/reference/indicators/a.yaml:2" in proc.stderr


def test_project_config_is_found_from_a_subfolder(tmp_path: Path) -> None:
    write(tmp_path / "drsmcheck.yaml", "rules: [packs/mine]\ndisable: [bounds.percent]\n")
    write(tmp_path / "packs" / "mine" / "reference" / "indicators" / "my.yaml",
          "indicators:\n  my.count: {fr: Compte, en: Count, unit: count, additive: true}\n")
    write(tmp_path / "packs" / "mine" / "checks" / "my.yaml", MY_RULE)
    write(tmp_path / "data" / "ds" / "dataset.yaml", BRE_DATASET)
    report = _json(run_cli("validate", "ds", "--format", "json", cwd=tmp_path / "data"))
    rules = _rules(report)
    assert "my.total_small" in rules and "ald.admission.parts" in rules
    assert "bounds.percent" not in rules


def test_pyproject_tool_table_can_make_a_pack_stand_alone(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.drsmcheck]\nextend = false\nrules = ["mine"]\n',
        encoding="utf-8")
    write(tmp_path / "mine" / "reference" / "entities.yaml", "entities:\n  FR: {fr: F, en: F}\n")
    write(tmp_path / "mine" / "reference" / "indicators" / "my.yaml",
          "indicators:\n  my.count: {fr: Compte, en: Count, unit: count, additive: true}\n")
    write(tmp_path / "mine" / "checks" / "my.yaml", "rules: []\n")
    proc = run_cli("rules", "check", "--lang", "en", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("0 rules, 1 indicator, 1 entity: OK")


def test_no_default_rules_uses_the_given_pack_alone(tmp_path: Path) -> None:
    write(tmp_path / "mine" / "reference" / "entities.yaml", "entities:\n  FR: {fr: F, en: F}\n")
    write(tmp_path / "mine" / "reference" / "indicators" / "my.yaml",
          "indicators:\n  my.count: {fr: Compte, en: Count, unit: count, additive: true}\n")
    write(tmp_path / "mine" / "checks" / "my.yaml", "rules: []\n")
    proc = run_cli("rules", "check", "mine", "--no-default-rules", "--lang", "en", cwd=tmp_path)
    assert proc.stdout.startswith("0 rules, 1 indicator, 1 entity: OK"), proc.stderr
    proc = run_cli("rules", "check", "mine", cwd=tmp_path)  # without: FR is relabelled, fine
    assert proc.returncode == 0 and "layers: " in proc.stdout, proc.stderr


def test_unknown_entity_hint_shows_the_yaml_to_add(tmp_path: Path) -> None:
    write(tmp_path / "ds" / "dataset.yaml", BRE_DATASET.replace("entity: BRE", "entity: QQQQ"))
    proc = run_cli("validate", "ds", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown entity 'QQQQ'" in proc.stderr
    assert ("hint: declare it in your own pack's reference/entities.yaml: "
            'entities: {"QQQQ": {fr: "…", en: "…"}} (then pass --rules <your pack>') in proc.stderr


def test_unknown_indicator_hint_shows_the_yaml_to_add(tmp_path: Path) -> None:
    write(tmp_path / "ds" / "dataset.yaml", BRE_DATASET.replace("ald.admission.paper",
                                                                 "zzz.new_thing"))
    proc = run_cli("validate", "ds", cwd=tmp_path)
    assert proc.returncode == 2
    assert ("hint: declare it in your own pack's reference/indicators/zzz.yaml: indicators: "
            '{zzz.new_thing: {fr: "…", en: "…", unit: count, additive: true}}') in proc.stderr


def test_unknown_hierarchy_hint_shows_the_yaml_to_add(tmp_path: Path) -> None:
    write(tmp_path / "mine" / "checks" / "r.yaml", """
        rules:
          - {id: my.up, kind: rollup, severity: error, description: {fr: r, en: r},
             hierarchies: [cpam_zones]}
        """)
    proc = run_cli("rules", "check", "mine", cwd=tmp_path)
    assert proc.returncode == 2
    assert "mine/checks/r.yaml:3: unknown hierarchy 'cpam_zones'" in proc.stderr
    assert ("hint: declare it in your own pack's reference/entities.yaml: hierarchies: "
            "{cpam_zones: {PARENT: [CHILD, …]}}") in proc.stderr


def test_a_bad_project_config_key_is_reported_with_its_line(tmp_path: Path) -> None:
    write(tmp_path / "drsmcheck.yaml", "rules: []\ndisabel: [bounds.count]\n")
    proc = run_cli("rules", "check", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr.startswith("drsmcheck.yaml:2: unknown key")
    assert "drsmcheck.yaml:2: unknown key 'disabel'" in proc.stderr
    assert "did you mean 'disable'?" in proc.stderr
