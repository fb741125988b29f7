"""XLSX: numbers read as the sheet displays them, cells named, gaps in the sheet allowed."""

from __future__ import annotations

from openpyxl import Workbook

from drsmcheck.io.datasets.xlsx import printed
from drsmcheck.loader import load_figures
from drsmcheck.rules import load_rules

from packs import make_pack, write

CHECKS = """
rules:
  - {id: t.parts, kind: equation, severity: error, description: {fr: P, en: P},
     expr: "t.a + t.b == t.total"}
"""


def test_a_number_is_the_print_its_format_shows():
    assert printed(0.719, "0.0%") == "71,9 %"
    assert printed(0.72, "0%") == "72 %"
    assert printed(162062, "#,##0") == "162\u202f062"
    assert printed(13.74, '0.00" M€"') == "13,74 M€"
    assert printed(1234.5, "#,##0.00 €") == "1\u202f234,50 €"
    assert printed(71.9, "General") == "71,9"
    assert printed(12.0, "General") == "12"
    assert printed("NC", "General") == "NC"


def test_sheet_with_gaps_and_an_offset_header(tmp_path):
    pack = make_pack(tmp_path, CHECKS)
    d = tmp_path / "d"
    write(d / "dataset.yaml", "dataset: {id: d, entity: OCC, period: '2019', report: r.txt}\n")
    book = Workbook()
    ws = book.active
    ws.title = "Feuil1"
    ws["B2"], ws["C2"], ws["D2"] = "indicator", "value", "line"
    ws["B4"], ws["C4"], ws["D4"] = "t.a", 24619, 12
    ws["C4"].number_format = "#,##0"
    ws["B6"], ws["C6"], ws["D6"] = "t.share", 0.708, 12
    ws["C6"].number_format = "0.0%"
    book.create_sheet("Notes")  # an empty sheet is skipped
    book.save(d / "Figures.XLSX")
    _, figures = load_figures([d], load_rules(pack).reference)
    rows = figures.set_index("indicator")
    assert rows.loc["t.a", "file"].endswith("Figures.XLSX!Feuil1!C4")
    assert rows.loc["t.a", "line"] == 4 and rows.loc["t.a", "value"] == 24619
    assert rows.loc["t.share", "text"] == "70,8 %" and rows.loc["t.share", "decimals"] == 1
    assert rows.loc["t.share", "lo"] == 70.75
