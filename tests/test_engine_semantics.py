"""The engine's semantics where the three old evaluators disagreed, and its NaN discipline."""

from __future__ import annotations

import pytest

from drsmcheck.figures import make_figure
from drsmcheck.numbers import parse_number, truncation_interval
from drsmcheck.report import validate

from packs import INDICATORS, make_dataset, make_pack

DESC = "description: {fr: d, en: d}"


def run(tmp_path, checks: str, data: str, indicators: str = INDICATORS) -> dict:
    return validate([make_dataset(tmp_path, data)], make_pack(tmp_path, checks, indicators))


def rule(report: dict, rid: str) -> dict:
    return next(r for r in report["rules"] if r["rule"] == rid)


def counts(report: dict, rid: str) -> tuple[int, int, int, int]:
    r = rule(report, rid)
    return r["items"], r["passes"], r["fails"], r["not_evaluable"]


def test_truncation_widening_is_defined_once_with_the_scale_word() -> None:
    """'7,8 millions' truncated or rounded twice stands for [7,745 ; 7,9] millions, in the
    figures table too (one store used to widen it by 0,1 unit instead of 0,1 million)."""
    parsed = parse_number("7,8 millions")
    fig = make_figure(dataset="d", entity="OCC", period="2019", period_next="2020",
                      indicator="t.a", unit="count", parsed=parsed, rounded=None, kind="text",
                      seq=0, file="f", line=1, report=None, report_line=1)
    assert (fig["lo"], fig["hi"]) == (7_750_000.0, 7_850_000.0)
    assert (fig["tlo"], fig["thi"]) == truncation_interval(parsed, "count")
    assert fig["tlo"] == pytest.approx(7_745_000.0) and fig["thi"] == pytest.approx(7_900_000.0)


def test_objective_80_percent_with_result_79_8_is_met_everywhere(tmp_path) -> None:
    """'80 %' stands for [79,5 ; 80,5]: 79,8 % may meet it. The chart said missed."""
    report = run(tmp_path, f"""
        rules:
          - {{id: obj, kind: objective, severity: info, {DESC}, indicators: ["cpg.*"]}}
        """, """
        figures:
          - {indicator: cpg.x.objective, value: "80 %", line: 1, quote: q}
          - {indicator: cpg.x.result, value: "79,8 %", line: 1, quote: q}
        """)
    assert not [a for a in report["anomalies"] if a["rule"] == "obj"]
    (item,) = report["objectives"]
    assert item["met"] is True
    assert counts(report, "obj") == (1, 1, 0, 0)


def test_attainment_mismatch_counts_once_and_takes_the_declared_severity(tmp_path) -> None:
    checks = f"""
        rules:
          - {{id: obj, kind: objective, severity: info, {DESC}, indicators: ["cpg.*"]SEV}}
        """
    data = """
        figures:
          - {indicator: cpg.x.objective, value: "50 %", line: 1, quote: q}
          - {indicator: cpg.x.result, value: "60 %", line: 1, quote: q}
          - {indicator: cpg.x.attainment, value: "150 %", line: 1, quote: q}
        """
    indicators = INDICATORS + (
        "  cpg.x.attainment: {fr: Atteinte, en: Attainment, unit: percent, additive: false}\n")
    report = run(tmp_path / "a", checks.replace("SEV", ""), data, indicators)
    (a,) = [a for a in report["anomalies"] if a["rule"] == "obj"]
    assert (a["category"], a["severity"], a["subject"]) == ("inconsistent", "error",
                                                           "cpg.x.attainment")
    # met (60 ≥ 50) passes, the attainment (120 % ≠ 150 %) fails: two items, not 1/1/1
    assert counts(report, "obj") == (2, 1, 1, 0)
    report = run(tmp_path / "b", checks.replace("SEV", ", consistency_severity: info"), data,
                 indicators)
    (a,) = [a for a in report["anomalies"] if a["rule"] == "obj"]
    assert a["severity"] == "info"


def test_every_arithmetically_unevaluable_record_is_reported(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: ratio, kind: equation, severity: error, {DESC},
             expr: "t.share == 100 * t.a / t.total"}}
        """, """
        figures:
          - {indicator: t.a, value: "0", line: 1, quote: q}
          - {indicator: t.total, value: "0", line: 1, quote: q}
          - {indicator: t.share, value: "0 %", line: 1, quote: q}
          - {indicator: t.a, entity: LR, value: "5", line: 2, quote: q}
          - {indicator: t.share, entity: LR, value: "50 %", line: 2, quote: q}
        """)
    assert counts(report, "ratio") == (2, 0, 0, 2)
    (a,) = [a for a in report["anomalies"] if a["rule"] == "ratio"]
    assert (a["entity"], a["category"], a["severity"]) == ("OCC", "missing", "error")
    assert "division par zéro" in a["relation"]["fr"]  # LR lacks a figure: counted, not reported


def test_zero_weights_are_not_a_silent_pass(tmp_path) -> None:
    report = run(tmp_path, f"""
        rules:
          - {{id: wm, kind: rollup, severity: error, {DESC}, indicators: [t.rate],
             hierarchies: [merger_2019], method: weighted_mean, weight: t.total}}
        """, """
        tables:
          - id: t
            line: 1
            columns: [{entity: LR}, {entity: MP}, {entity: OCC}]
            rows:
              - {indicator: t.rate, line: 2, values: ["10 %", "20 %", "99 %"]}
              - {indicator: t.total, line: 3, values: ["0", "0", "0"]}
        """)
    assert counts(report, "wm") == (1, 0, 0, 1)
    (a,) = [a for a in report["anomalies"] if a["rule"] == "wm"]
    assert a["category"] == "missing"


def test_unbounded_figure_times_zero_is_no_nan_pass(tmp_path) -> None:
    """'> 1 000' is [1 000, +∞): ∞ × 0 must not become NaN (which compared above everything)."""
    report = run(tmp_path, f"""
        rules:
          - {{id: le, kind: equation, severity: error, {DESC},
             expr: "t.a >= t.total * t.share / 100"}}
        """, """
        figures:
          - {indicator: t.a, value: "5", line: 1, quote: q}
          - {indicator: t.total, value: "> 1 000", line: 1, quote: q}
          - {indicator: t.share, value: "20,0 %", line: 1, quote: q}
        """)
    # 5 ≥ [1 000, ∞) × 0,2 = [200, ∞) cannot hold
    assert counts(report, "le") == (1, 0, 1, 0)


def test_printed_units_are_converted_before_comparing(tmp_path) -> None:
    """'13 740 000 €' and '13,74 M€' on a € indicator agree; 1 000 000 € + 2 000 000 € is
    '3,0 M€'; '12 %' on a count is reported, never read as the count 12 without a word."""
    report = run(tmp_path, f"""
        rules:
          - {{id: agree, kind: agreement, severity: error, {DESC}}}
          - {{id: up, kind: rollup, severity: error, {DESC}, indicators: [t.amount],
             hierarchies: [merger_2019]}}
        """, """
        figures:
          - {indicator: t.amount, value: "13 740 000 €", kind: table, line: 1, quote: q}
          - {indicator: t.amount, value: "13,74 M€", kind: text, line: 2, quote: q}
          - {indicator: t.amount, entity: LR, value: "1 000 000 €", line: 3, quote: q}
          - {indicator: t.amount, entity: MP, value: "2 000 000 €", line: 3, quote: q}
          - {indicator: t.amount, entity: LR, period: "2018", value: "1 000 000 €", line: 4,
             quote: q}
          - {indicator: t.amount, entity: MP, period: "2018", value: "2 000 000 €", line: 4,
             quote: q}
          - {indicator: t.amount, entity: OCC, period: "2018", value: "3,0 M€", line: 5,
             quote: q}
          - {indicator: t.a, entity: LR, value: "12 %", line: 6, quote: q}
        """)
    assert counts(report, "agree") == (1, 1, 0, 0)
    assert counts(report, "up") == (2, 1, 1, 0)  # 2019: 3 000 000 ≠ 13 740 000 (a real one)
    units = [a for a in report["anomalies"] if a["rule"] == "print_unit"]
    assert [(a["entity"], a["subject"], a["category"], a["severity"]) for a in units] == [
        ("LR", "t.a", "unit", "error")]
    assert units[0]["relation"]["fr"] == "« 12 % » n'est pas en nombre (effectif)"
