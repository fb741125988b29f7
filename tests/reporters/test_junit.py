"""JUnit XML: one testsuite per dataset, one testcase per rule, failures = the rule's anomalies."""

from __future__ import annotations

import copy
import random
import xml.etree.ElementTree as ET
from typing import Any

from drsmcheck.baseline import Baseline, BaselineEntry, apply_baseline
from drsmcheck.reporters.junit import render_junit


def _suites(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    return {s.get("name"): s for s in root.findall("testsuite")}


def test_structure(report: dict[str, Any]) -> None:
    text = render_junit(report)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n')
    suites = _suites(text)
    assert list(suites) == ["drsm-bfc-2019", "drsm-occitanie-2019"]
    occ = suites["drsm-occitanie-2019"]
    cases = {c.get("name"): c for c in occ.findall("testcase")}
    assert sorted(cases) == sorted(r["rule"] for r in report["rules"])
    assert occ.get("tests") == str(len(cases))
    failing = sorted(n for n, c in cases.items() if c.find("failure") is not None)
    assert failing == ["agreement", "cpg.objectives", "rollup.sum"]
    assert occ.get("failures") == "3"
    failure = cases["agreement"].find("failure")
    assert failure.get("type") == "error"
    assert "162 062 ≠ 162 051, écart 11" in failure.get("message")
    assert "samples/drsm-occitanie-2019/dataset.yaml:41" in failure.text
    assert "162 062 → valeur suggérée 162\u202f051" in failure.text
    assert cases["cpg.objectives"].find("failure").get("message").startswith("4 anomalie(s)")
    assert cases["bounds.percent"].find("failure") is None
    assert "éléments 96, conformes 96" in cases["bounds.percent"].find("system-out").text


def test_fail_on_error_moves_info_to_system_out(report: dict[str, Any]) -> None:
    occ = _suites(render_junit(report, "en", fail_on="error"))["drsm-occitanie-2019"]
    cases = {c.get("name"): c for c in occ.findall("testcase")}
    assert cases["cpg.objectives"].find("failure") is None
    assert "(below the threshold)" in cases["cpg.objectives"].find("system-out").text
    assert occ.get("failures") == "2"


def test_baseline_accepted_do_not_fail(report: dict[str, Any]) -> None:
    baseline = Baseline("b.yaml", {"ed536e1427baf7d5": BaselineEntry(
        "ed536e1427baf7d5", "ok", 1, dataset="drsm-occitanie-2019")})
    occ = _suites(render_junit(apply_baseline(report, baseline)))["drsm-occitanie-2019"]
    case = next(c for c in occ.findall("testcase") if c.get("name") == "agreement")
    assert case.find("failure") is None
    assert "acceptée par la baseline" in case.find("system-out").text


def _rule(rule: str, items: int, ne: int = 0, fails: int = 0) -> dict[str, Any]:
    return {"rule": rule, "kind": "equation", "severity": "error",
            "description": {"fr": "x", "en": "x"}, "items": items,
            "passes": items - ne - fails, "fails": fails, "not_evaluable": ne}


def test_rules_that_did_not_apply_have_no_case(report: dict[str, Any]) -> None:
    report["rules"] += [_rule("zz.none", 0), _rule("zz.unevaluable", 3, ne=3)]
    cases = {c.get("name"): c for c in _suites(render_junit(report))["drsm-bfc-2019"]
             .findall("testcase")}
    assert "zz.none" not in cases
    skipped = cases["zz.unevaluable"].find("skipped")
    assert skipped is not None
    assert skipped.get("message") == ("aucun des 3 élément(s) n'est évaluable (chiffre "
                                      "manquant ou non numérique)")
    # two datasets and no per-dataset counts: the run's counts, said to be so
    assert "(tous jeux de données)" in cases["zz.unevaluable"].find("system-out").text


def test_per_dataset_counts(report: dict[str, Any]) -> None:
    """With `rules_by_dataset`, each suite holds the rules that applied to that dataset."""
    report["rules_by_dataset"] = {
        "drsm-bfc-2019": [_rule("agreement", 5), _rule("atmp.crrmp.al3.unfavourable_share", 1,
                                                        fails=1),
                          _rule("staff.parts", 2, ne=2), _rule("zz.none", 0)],
        "drsm-occitanie-2019": [_rule("agreement", 9, fails=1), _rule("bounds.percent", 96)],
    }
    suites = _suites(render_junit(report, "en"))
    bfc = {c.get("name"): c for c in suites["drsm-bfc-2019"].findall("testcase")}
    occ = {c.get("name"): c for c in suites["drsm-occitanie-2019"].findall("testcase")}
    bfc_rules = {a["rule"] for a in report["anomalies"] if a["dataset"] == "drsm-bfc-2019"}
    assert set(bfc) == {"agreement", "atmp.crrmp.al3.unfavourable_share", "staff.parts"} | \
        bfc_rules
    assert bfc["staff.parts"].find("skipped") is not None
    assert bfc["agreement"].find("failure") is None
    assert bfc["agreement"].find("system-out").text == (
        "items 5, passes 5, fails 0, not evaluable 0")
    assert {"agreement", "bounds.percent", "cpg.objectives", "rollup.sum"} == set(occ)
    assert suites["drsm-occitanie-2019"].get("tests") == "4"
    assert suites["drsm-bfc-2019"].get("skipped") == "1"


def test_hostile_and_control_characters_stay_well_formed(hostile_report: dict[str, Any]) -> None:
    hostile_report["anomalies"][0]["message"]["fr"] += "\x00\x07\x1b]"
    text = render_junit(hostile_report)
    suites = _suites(text)  # parses: well-formed
    assert "<script>" not in text
    failure = suites["drsm-bfc-2019"].find("testcase/failure")
    assert "<script>alert(1)</script>" in failure.text  # as text, escaped in the XML


def test_deterministic(report: dict[str, Any]) -> None:
    first = render_junit(report)
    shuffled = copy.deepcopy(report)
    random.Random(3).shuffle(shuffled["anomalies"])
    assert render_junit(shuffled) == first == render_junit(report)


def test_cli_occitanie_with_baseline(occitanie_baseline: dict[str, Any]) -> None:
    """Through the CLI: one case per rule that applied (about half of the pack), rules
    whose items were all not evaluable skipped, accepted errors not failing."""
    report = occitanie_baseline["report"]
    text = (occitanie_baseline["out"] / "report.junit.xml").read_text(encoding="utf-8")
    root = ET.fromstring(text.encode("utf-8"))
    (suite,) = root.findall("testsuite")
    assert suite.get("name") == "drsm-occitanie-2019"
    cases = {c.get("name"): c for c in suite.findall("testcase")}
    applied = {r["rule"] for r in report["rules"] if r["items"] > 0}
    assert 0 < len(applied) < len(report["rules"]) / 1.5
    assert set(cases) == applied
    unevaluable = {r["rule"] for r in report["rules"] if r["items"] and
                   r["items"] == r["not_evaluable"]}
    assert {n for n, c in cases.items() if c.find("skipped") is not None} == unevaluable
    assert suite.get("skipped") == str(len(unevaluable)) and len(unevaluable) > 10
    # agreement and rollup.sum errors are accepted: no failure at --fail-on error
    assert suite.get("failures") == "0" and root.get("failures") == "0"
    out = cases["agreement"].find("system-out").text
    assert "(acceptée par la baseline: Publié ainsi ; erratum demandé le 2020-06-12) [error]" \
        in out
    stale = suite.find("system-out").text
    assert "entrée de baseline obsolète 0123456789abcdef (agreement)" in stale
    assert "fedcba9876543210" not in stale


def test_per_dataset_cases_from_the_verdict_table() -> None:
    """All five samples in one run, with the engine's verdict table: each suite holds only
    the rules that checked something in its dataset, with that dataset's counts."""
    from drsmcheck.loader import load_figures
    from drsmcheck.report import run
    from drsmcheck.rules import default_rules_dir, load_rules
    from drsmcheck.schema import validate_figures

    from support import SAMPLES, assert_valid_report

    pack = load_rules(default_rules_dir())
    datasets, figures = load_figures([SAMPLES], pack.reference)
    report = run(pack, datasets, validate_figures(figures, pack.reference), with_verdicts=True)
    assert_valid_report(report)
    suites = _suites(render_junit(report, "en", fail_on="error"))
    assert len(suites) == 5
    total = 0
    for ds, suite in suites.items():
        verdicts = [v for v in report["verdicts"] if v["dataset"] == ds]
        applied = {v["rule"] for v in verdicts}
        cases = {c.get("name"): c for c in suite.findall("testcase")}
        assert set(cases) == applied | {a["rule"] for a in report["anomalies"]
                                        if a["dataset"] == ds}
        total += len(cases)
        for name, case in cases.items():
            mine = [v for v in verdicts if v["rule"] == name]
            out = case.find("system-out").text
            assert out.startswith(f"items {len(mine)}, passes "
                                  f"{sum(v['status'] == 'pass' for v in mine)}, "), (ds, name)
            assert "(all datasets)" not in out
            unevaluable = mine and all(v["status"] == "na" for v in mine)
            assert (case.find("skipped") is not None) == bool(unevaluable), (ds, name)
    somme = suites["cpam-somme-2022"]
    assert int(somme.get("tests")) < 40  # not the 138 rules of the pack
    assert total < 5 * len(report["rules"]) / 2
