"""Which print of a figure the rules read does not depend on what the files are called."""

from __future__ import annotations

from drsmcheck.report import validate

from packs import make_pack, write

CHECKS = """
rules:
  - {id: rollup.sum, kind: rollup, severity: error, description: {fr: R, en: R},
     hierarchies: [merger_2019]}
"""
HEADER = "dataset: {id: d, entity: OCC, period: '2019', report: r.txt}\n"
# OCC's total is printed in two tables: 300 at report line 40, 310 at line 12. The rules read
# the first print in the report (line 12), whatever file it is in.
FIRST = """
tables:
  - id: t{n}
    line: 12
    columns: [{{entity: LR}}, {{entity: MP}}, {{entity: OCC}}]
    rows: [{{indicator: t.total, line: 12, values: ["100", "200", "310"]}}]
"""
SECOND = """
figures:
  - {indicator: t.total, value: "300", line: 40, kind: table}
"""


def _run(tmp_path, names: tuple[str, str]) -> set[tuple]:
    pack = make_pack(tmp_path, CHECKS)
    d = tmp_path / "data"
    write(d / "dataset.yaml", HEADER)
    write(d / names[0], FIRST.format(n=1))
    write(d / names[1], SECOND)
    report = validate([d], pack)
    return {(a["rule"], a["entity"], a["relation"]["en"]) for a in report["anomalies"]}


def test_print_precedence_is_by_report_line_not_file_name(tmp_path):
    a = _run(tmp_path / "a", ("a.yaml", "b.yaml"))
    b = _run(tmp_path / "b", ("z.yaml", "b.yaml"))
    assert a == b
    assert len(a) == 1 and "310" in next(iter(a))[2]
