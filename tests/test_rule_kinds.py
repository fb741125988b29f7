"""Each rule kind on a tiny dataset: passes, fails, not evaluable, and what the anomaly says."""

from __future__ import annotations

from drsmcheck.report import validate

from packs import make_dataset, make_pack

DESC = "description: {fr: d, en: d}"


def run(tmp_path, checks: str, data: str) -> dict:
    pack = make_pack(tmp_path, checks)
    return validate([make_dataset(tmp_path, data)], pack)


def rule(report: dict, rid: str) -> dict:
    return next(r for r in report["rules"] if r["rule"] == rid)


def test_equation_pass_fail_and_not_evaluable(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: parts, kind: equation, severity: error, {DESC}, expr: "t.a + t.b == t.total"}}
        """, """
        tables:
          - id: t1
            line: 1
            columns: [{entity: LR}, {entity: MP}, {entity: OCC}, {entity: "34"}]
            rows:
              - {indicator: t.a, line: 2, values: ["10", "20", "30", "5"]}
              - {indicator: t.b, line: 3, values: ["1", "2", "4", null]}
              - {indicator: t.total, line: 4, values: ["11", "22", "33", "5"]}
        """)
    r = rule(report, "parts")
    assert (r["items"], r["passes"], r["fails"], r["not_evaluable"]) == (4, 2, 1, 1)
    (a,) = [a for a in report["anomalies"] if a["rule"] == "parts"]
    assert a["entity"] == "OCC" and a["category"] == "inconsistent"
    assert a["relation"]["fr"] == "30 + 4 = 34 ≠ 33, écart 1"
    assert a["relation"]["en"] == "30 + 4 = 34 ≠ 33, difference 1"
    assert a["difference"] == 1


def test_ratio_rounding_is_a_warning(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: ratio, kind: equation, severity: error, {DESC}, expr: "t.share == 100 * t.a / t.total"}}
        """, """
        figures:
          - {indicator: t.a, value: "249", line: 1, quote: q}
          - {indicator: t.total, value: "842", line: 1, quote: q}
          - {indicator: t.share, value: "29,5 %", line: 1, quote: q}
          - {indicator: t.a, entity: LR, value: "249", line: 2, quote: q}
          - {indicator: t.total, entity: LR, value: "842", line: 2, quote: q}
          - {indicator: t.share, entity: LR, value: "31,5 %", line: 2, quote: q}
          - {indicator: t.a, entity: MP, value: "249", line: 3, quote: q}
          - {indicator: t.total, entity: MP, value: "842", line: 3, quote: q}
          - {indicator: t.share, entity: MP, value: "29,6 %", line: 3, quote: q}
        """)
    found = {a["entity"]: a for a in report["anomalies"]}
    assert found["OCC"]["category"] == "rounding" and found["OCC"]["severity"] == "warning"
    assert found["LR"]["category"] == "inconsistent" and found["LR"]["severity"] == "error"
    assert "MP" not in found
    # the rounded print is the suspect, not the exact counts
    occ = found["OCC"]
    suspect = next(f for f in occ["figures"] if f["ref"] == occ["suspect"]["ref"])
    assert suspect["indicator"] == "t.share"


def test_rollup_sum_modes(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: up, kind: rollup, severity: error, {DESC}, hierarchies: [merger_2019]}}
          - {{id: up.elsm, kind: rollup, severity: error, {DESC}, hierarchies: [elsm], mode: partial_null}}
        """, """
        figures:
          - {indicator: t.a, entity: LR, value: "290 821", line: 1, quote: q}
          - {indicator: t.a, entity: MP, value: "277 820", line: 1, quote: q}
          - {indicator: t.a, entity: OCC, value: "568 641", line: 1, quote: q}
          - {indicator: t.b, entity: LR, value: "10", line: 2, quote: q}
          - {indicator: t.b, entity: MP, value: "10", line: 2, quote: q}
          - {indicator: t.b, entity: OCC, value: "21", line: 2, quote: q}
          - {indicator: t.total, entity: LR, value: "10", line: 3, quote: q}
          - {indicator: t.total, entity: OCC, value: "21", line: 3, quote: q}
          - {indicator: t.a, entity: "34", value: "300 000", line: 4, quote: q}
        """)
    up = rule(report, "up")
    assert (up["items"], up["passes"], up["fails"], up["not_evaluable"]) == (3, 1, 1, 1)
    (a,) = [a for a in report["anomalies"] if a["rule"] == "up"]
    assert a["subject"] == "t.b" and a["difference"] == 1
    assert a["relation"]["fr"] == "10 + 10 = 20 ≠ 21, écart 1"
    # partial_null: LR has only one of its five départements; 290 821 < 300 000 is flagged
    (p,) = [a for a in report["anomalies"] if a["rule"] == "up.elsm"]
    assert p["entity"] in ("LR", "OCC") and p["subject"] == "t.a"


def test_weighted_mean_rollup(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: wm, kind: rollup, severity: error, {DESC}, hierarchies: [merger_2019],
              method: weighted_mean, weight: t.total, indicators: [t.rate]}}
        """, """
        figures:
          - {indicator: t.total, entity: LR, value: "100", line: 1, quote: q}
          - {indicator: t.total, entity: MP, value: "300", line: 1, quote: q}
          - {indicator: t.rate, entity: LR, value: "50 %", line: 2, quote: q}
          - {indicator: t.rate, entity: MP, value: "10 %", line: 2, quote: q}
          - {indicator: t.rate, entity: OCC, value: "20 %", line: 2, quote: q}
        """)
    r = rule(report, "wm")
    assert (r["items"], r["passes"], r["fails"]) == (1, 1, 0)


def test_bounds(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: pct, kind: bounds, severity: error, {DESC}, units: [percent], min: 0, max: 100,
              exclude: ["*growth*"]}}
          - {{id: cnt, kind: bounds, severity: error, {DESC}, units: [count], min: 0}}
        """, """
        figures:
          - {indicator: t.share, value: "103,2 %", line: 1, quote: q}
          - {indicator: t.rate, value: "99,96 %", line: 2, quote: q}
          - {indicator: t.growth, value: "150 %", line: 3, quote: q}
          - {indicator: t.a, value: "-5", line: 4, quote: q}
        """)
    got = {(a["rule"], a["subject"]) for a in report["anomalies"]}
    assert got == {("pct", "t.share"), ("cnt", "t.a")}
    assert rule(report, "pct")["items"] == 2


def test_agreement_names_the_suspect(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: agreement, kind: agreement, severity: error, {DESC}}}
          - {{id: parts, kind: equation, severity: error, {DESC}, expr: "t.a + t.b == t.total"}}
        """, """
        figures:
          - {indicator: t.total, value: "162 062", kind: text, line: 871, quote: "162 062 avis"}
          - {indicator: t.total, value: "162 051", kind: box, line: 874, quote: "162 051 avis"}
        tables:
          - id: t05
            line: 880
            columns: [{entity: OCC}]
            rows:
              - {indicator: t.a, line: 888, values: ["45 573"]}
              - {indicator: t.b, line: 889, values: ["116 478"]}
              - {indicator: t.total, line: 890, values: ["162 051"]}
        """)
    (a,) = [a for a in report["anomalies"] if a["rule"] == "agreement"]
    suspect = next(f for f in a["figures"] if f["ref"] == a["suspect"]["ref"])
    assert suspect["source"]["report_line"] == 871 and suspect["source"]["kind"] == "text"
    assert a["suspect"]["suggested"] == 162051
    assert rule(report, "parts")["passes"] == 1  # the table figure is the one rules use


def test_objectives(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: obj, kind: objective, severity: info, {DESC}, indicators: ["cpg.*"]}}
        """, """
        figures:
          - {indicator: cpg.x.objective, value: "95,00 %", line: 1, quote: q}
          - {indicator: cpg.x.result, value: "94,50 %", line: 1, quote: q}
          - {indicator: cpg.y.objective, value: "1,10 %", line: 2, quote: q}
          - {indicator: cpg.y.result, value: "1,03 %", line: 2, quote: q}
          - {indicator: cpg.z.objective, value: "19,70 €", line: 3, quote: q}
          - {indicator: cpg.z.result, value: "14,27 %", line: 3, quote: q}
        """)
    got = {(a["subject"], a["category"], a["severity"]) for a in report["anomalies"]}
    assert got == {("cpg.x", "objective_missed", "info"), ("cpg.z", "unit", "error")}


def test_prev_growth(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: growth, kind: equation, severity: error, {DESC},
              expr: "t.growth == 100 * (t.a - prev(t.a)) / prev(t.a)"}}
        """, """
        figures:
          - {indicator: t.a, period: "2018", value: "289 611", line: 1, quote: q}
          - {indicator: t.a, value: "257 754", line: 2, quote: q}
          - {indicator: t.growth, value: "-11 %", line: 2, quote: q}
          - {indicator: t.a, entity: LR, period: "2018", value: "1 000", line: 3, quote: q}
          - {indicator: t.a, entity: LR, value: "950", line: 4, quote: q}
          - {indicator: t.growth, entity: LR, value: "-9 %", line: 4, quote: q}
        """)
    r = rule(report, "growth")
    # the 2018 records hold t.a too: they are items, not evaluable (no 2017, no growth printed)
    assert (r["items"], r["passes"], r["fails"], r["not_evaluable"]) == (4, 1, 1, 2)
    (a,) = [a for a in report["anomalies"] if a["rule"] == "growth"]
    assert a["entity"] == "LR"


def test_non_numeric_reported_once_and_rule_not_evaluable(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: parts, kind: equation, severity: error, {DESC}, expr: "t.a + t.b == t.total"}}
        """, """
        figures:
          - {indicator: t.a, value: "Neutralisé", line: 1, quote: q}
          - {indicator: t.b, value: "2", line: 1, quote: q}
          - {indicator: t.total, value: "5", line: 1, quote: q}
        """)
    nn = [a for a in report["anomalies"] if a["rule"] == "non_numeric"]
    assert len(nn) == 1 and nn[0]["figures"][0]["text"] == "Neutralisé"
    assert (nn[0]["category"], nn[0]["severity"]) == ("not_available", "info")
    r = rule(report, "parts")
    assert (r["items"], r["passes"], r["fails"], r["not_evaluable"]) == (1, 0, 0, 1)
