"""A column that holds a sibling indicator: Occitanie's PRADO « inclusions » are the objectives."""

from __future__ import annotations

import json

import pytest

from tests.support import assert_valid_report, run_cli


@pytest.fixture(scope="module")
def prado() -> dict[str, dict]:
    proc = run_cli("validate", "samples/drsm-occitanie-2019", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert_valid_report(report)
    return {a["entity"]: a for a in report["anomalies"]
            if a["rule"] == "rollup.sum" and a["subject"] == "cpg.prado_enrolments.result"}


def _line(a: dict, ref: str) -> tuple[str, int]:
    (fig,) = [f for f in a["figures"] if f["ref"] == ref]
    return fig["source"]["kind"], fig["source"]["report_line"]


def test_the_departements_column_is_the_suspect_not_the_cpg_result(prado):
    # LR: 1 058 + 3 940 + 3 855 + 88 + 2 450 = 11 391, the CPG *objective* (l.345), while the
    # CPG result is 15 200: the table's column holds the objectives
    s = prado["LR"]["suspect"]
    assert s["cause"] == "mislabelled column" and s["suggested"] is None
    assert _line(prado["LR"], s["ref"]) == ("table", 618)          # Aude, first LR print
    assert len(s["also"]) == 4                                      # Gard, Hérault, Lozère, P.-O.
    assert s["reason"]["en"] == ("the “nombre d'inclusions” column sums to 11 391, "
                                 "cpg.prado_enrolments.objective of LR, not to 15 200")
    assert "cpg.yaml" not in s["ref"]
    mp = prado["MP"]["suspect"]
    assert (mp["cause"], _line(prado["MP"], mp["ref"])) == ("mislabelled column", ("table", 617))
    assert len(mp["also"]) == 7


def test_the_total_row_is_the_objectives_sum(prado):
    # OCC = LR + MP: the results give 15 200 + 7 061 = 22 261; the table's 17 558 is
    # 11 391 + 6 167, the objectives — its print is the suspect, not the two CPG results
    s = prado["OCC"]["suspect"]
    assert (s["cause"], s["suggested"]) == ("mislabelled column", 22261)
    assert _line(prado["OCC"], s["ref"]) == ("table", 630)
    assert s["reason"]["en"].startswith("17 558 = 11 391 + 6 167, the sum of the “objectifs”")
