"""Rule coverage on hand-built figures and links tables, and `drsmcheck coverage` end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from drsmcheck.cli import app
from drsmcheck.coverage import compute_coverage

from packs import make_dataset, make_pack
from support import SAMPLES


def figures(*rows: tuple[str, str, str, str | None, float | None]) -> pd.DataFrame:
    return pd.DataFrame([{"ref": r, "dataset": d, "indicator": i, "entity": "OCC",
                          "period": "2019", "table": t, "file": "f.yaml", "line": n + 1,
                          "value": v} for n, (r, d, i, t, v) in enumerate(rows)])


def links(*rows: tuple[str, str, str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ref", "rule", "strength", "status"])


FIGS = figures(
    ("a", "ds1", "t.a", "t1", 1.0),       # equality (pass)
    ("b", "ds1", "t.b", "t1", 2.0),       # equality (fail) and an inequality
    ("c", "ds1", "t.total", "t1", 3.0),   # only an inequality
    ("d", "ds1", "t.share", None, 40.0),  # only bounds
    ("e", "ds2", "t.a", None, 5.0),       # an equality that was not evaluable: nothing
    ("f", "ds2", "t.b", None, None),      # not a number
)
LINKS = links(
    ("a", "t.parts", "equality", "pass"), ("b", "t.parts", "equality", "fail"),
    ("b", "t.le", "inequality", "pass"), ("c", "t.le", "inequality", "fail"),
    ("d", "bounds.percent", "bounds", "pass"), ("e", "t.parts", "equality", "na"),
)


def test_levels_totals_and_groups() -> None:
    cov = compute_coverage(FIGS, LINKS)
    assert cov["totals"] == {"figures": 6, "numeric": 5, "non_numeric": 1, "equality": 2,
                             "inequality": 1, "bounds": 1, "none": 1, "equality_pct": 40.0,
                             "checked_pct": 80.0}
    by_ds = {d["dataset"]: (d["equality"], d["numeric"]) for d in cov["datasets"]}
    assert by_ds == {"ds1": (2, 4), "ds2": (0, 1)}
    by_table = {(t["dataset"], t["table"]): t["equality_pct"] for t in cov["tables"]}
    assert by_table == {("ds1", "(text)"): 0.0, ("ds1", "t1"): 66.7, ("ds2", "(text)"): 0.0}
    by_ind = {i["indicator"]: (i["equality"], i["inequality"], i["none"]) for i in cov["indicators"]}
    assert by_ind["t.a"] == (1, 0, 1) and by_ind["t.total"] == (0, 1, 0)
    assert [(w["ref"], w["level"]) for w in cov["not_pinned"]] == [
        ("c", "inequality"), ("d", "bounds"), ("e", "none")]
    assert cov["not_pinned"][0]["rules"] == ["t.le"]
    json.dumps(cov)  # JSON-ready


def test_no_links_means_nothing_covered() -> None:
    cov = compute_coverage(FIGS, links())
    assert cov["totals"]["none"] == 5 and cov["totals"]["equality_pct"] == 0.0


def test_unknown_strength_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown link strength 'strong'"):
        compute_coverage(FIGS, links(("a", "r", "strong", "pass")))


CHECKS = """
rules:
  - {id: t.parts, kind: equation, severity: error, description: {fr: p, en: p},
     expr: "t.a + t.b == t.total"}
  - {id: t.le, kind: equation, severity: error, description: {fr: l, en: l},
     expr: "t.a <= t.total"}
  - {id: bounds.percent, kind: bounds, severity: error, description: {fr: b, en: b},
     units: [percent], min: 0, max: 100}
"""


def _run(tmp_path: Path, *extra: str):
    pack = make_pack(tmp_path, CHECKS)
    ds = make_dataset(tmp_path, """
        figures:
          - {indicator: t.a, value: "10", line: 1, kind: text, quote: q}
          - {indicator: t.b, value: "5", line: 2, kind: text, quote: q}
          - {indicator: t.total, value: "15", line: 3, kind: text, quote: q}
          - {indicator: t.a, entity: LR, value: "3", line: 4, kind: text, quote: q}
          - {indicator: t.total, entity: LR, value: "9", line: 5, kind: text, quote: q}
          - {indicator: t.share, value: "40 %", line: 6, kind: text, quote: q}
        """)
    return CliRunner().invoke(app, ["coverage", str(ds), "--rules", str(pack), *extra])


def test_coverage_command_json(tmp_path: Path) -> None:
    out = _run(tmp_path, "--format", "json")
    assert out.exit_code == 0, out.stderr
    cov = json.loads(out.stdout)
    # OCC's three figures are pinned by t.parts; LR has no t.b: t.le only; the share: bounds
    t = cov["totals"]
    assert (t["numeric"], t["equality"], t["inequality"], t["bounds"]) == (6, 3, 2, 1)
    assert t["equality_pct"] == 50.0


def test_coverage_fail_under_is_a_gate(tmp_path: Path) -> None:
    out = _run(tmp_path, "--fail-under", "60")
    assert out.exit_code == 1
    assert "coverage 50.0 % of numeric figures in an equality is under --fail-under 60" \
        in out.stderr
    assert "rule coverage: 3 of 6 numeric figures in an equality (50.0 %)" in out.stdout
    assert _run(tmp_path / "again", "--fail-under", "50").exit_code == 0


def test_printed_attainment_pins_objective_and_result(tmp_path: Path) -> None:
    # Objective vs result alone is an inequality (a ×10 typo in a met objective passes); a
    # printed attainment rate = 100 × result / objective ties the three by an equality.
    indicators = INDICATORS_WITH_ATTAINMENT
    pack = make_pack(tmp_path, """
        rules:
          - {id: cpg.objectives, kind: objective, severity: info, description: {fr: o, en: o},
             indicators: ["cpg.*"]}
        """, indicators)
    ds = make_dataset(tmp_path, """
        figures:
          - {indicator: cpg.n.objective, entity: LR, value: "200", line: 1, kind: text, quote: q}
          - {indicator: cpg.n.result, entity: LR, value: "250", line: 2, kind: text, quote: q}
          - {indicator: cpg.n.attainment, entity: LR, value: "125 %", line: 3, kind: text, quote: q}
          - {indicator: cpg.n.objective, entity: MP, value: "100", line: 4, kind: text, quote: q}
          - {indicator: cpg.n.result, entity: MP, value: "120", line: 5, kind: text, quote: q}
        """)
    out = CliRunner().invoke(app, ["coverage", str(ds), "--rules", str(pack), "--format", "json"])
    assert out.exit_code == 0, out.stderr
    cov = json.loads(out.stdout)
    assert (cov["totals"]["equality"], cov["totals"]["inequality"]) == (3, 2)
    assert sorted(w["line"] for w in cov["not_pinned"]) == [6, 7]  # dataset.yaml lines (MP)


INDICATORS_WITH_ATTAINMENT = """
indicators:
  cpg.n.objective: {fr: Objectif, en: Objective, unit: count, additive: true, direction: higher}
  cpg.n.result: {fr: Résultat, en: Result, unit: count, additive: true, direction: higher}
  cpg.n.attainment: {fr: Atteinte, en: Attainment, unit: percent, additive: false}
"""


def test_shipped_samples_keep_their_coverage() -> None:
    """The shipped pack's coverage of the five samples (docs/PACKS.md quotes it, with what caps
    it) does not fall back: a rule or a transcription that unpins figures fails here."""
    out = CliRunner().invoke(app, ["coverage", str(SAMPLES), "--format", "json",
                                   "--fail-under", "57"])
    assert out.exit_code == 0, out.stdout[-500:] + out.stderr
    cov = json.loads(out.stdout)
    assert cov["totals"]["equality"] >= 864  # of 1 515 numeric figures
    floor = {"cpam-somme-2022": 89.5, "drsm-alsace-moselle-2018": 28.4, "drsm-bfc-2019": 76.8,
             "drsm-occitanie-2019": 42.3, "elsm-seine-saint-denis-2016": 26.5}
    assert {d["dataset"]: d["equality_pct"] >= floor[d["dataset"]] for d in cov["datasets"]} \
        == dict.fromkeys(floor, True)
