"""The same figures in every shape users have give the same anomalies.

One small report (Occitanie = LR + MP; paper + electronic = total; the electronic share) with
two transcription errors, written as YAML, CSV with ',' and with ';', TSV, XLSX and Parquet, in
the long layout (one figure a row) and the wide one (one record a row); every file of the
dataset runs through the same rules, and must yield the same (rule, entity, subject, category)
anomalies as the YAML.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook

from drsmcheck.report import validate

from packs import make_pack, write
from support import run_cli

CHECKS = """
rules:
  - {id: t.parts, kind: equation, severity: error, description: {fr: P, en: P},
     expr: "t.a + t.b == t.total"}
  - {id: t.share, kind: equation, severity: error, description: {fr: S, en: S},
     expr: "t.share == 100 * t.b / t.total"}
  - {id: rollup.sum, kind: rollup, severity: error, description: {fr: R, en: R},
     hierarchies: [merger_2019]}
  - {id: bounds.percent, kind: bounds, severity: error, description: {fr: B, en: B},
     units: [percent], min: 0, max: 100}
"""
# (entity, t.a, t.b, t.total, t.share): LR's total is mistyped (84 397 for 84 387) and MP's
# share is wrong (75,0 % for 73,0 %)
RECORDS = [
    ("LR", "24 619", "59 768", "84 397", "70,8 %"),
    ("MP", "20 954", "56 710", "77 664", "75,0 %"),
    ("OCC", "45 573", "116 478", "162 051", "71,9 %"),
]
INDICATORS = ("t.a", "t.b", "t.total", "t.share")
WIDE_COLUMNS = ("code", "papier", "electronique", "total", "part")
WIDE_SPEC = """
  files:
    {name}:
      layout: wide
      keys: {{entity: code}}
      indicators: {{papier: t.a, electronique: t.b, total: t.total, part: t.share}}
"""


def _header(ident: str, extra: str = "") -> str:
    return (f"dataset:\n  id: {ident}\n  entity: OCC\n  period: \"2019\"\n  report: r.txt\n"
            + extra)


def _long_rows() -> list[dict[str, str]]:
    rows = []
    for k, (entity, *values) in enumerate(RECORDS):
        for ind, value in zip(INDICATORS, values, strict=True):
            rows.append({"indicator": ind, "entity": entity, "value": value, "line": str(10 + k),
                         "kind": "table", "table": "t1", "column": ind})
    return rows


def _write_csv(path: Path, rows: list[list[str]], sep: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=sep, quoting=csv.QUOTE_MINIMAL).writerows(rows)


def _long_table() -> list[list[str]]:
    rows = _long_rows()
    names = list(rows[0])
    return [names, *([r[n] for n in names] for r in rows)]


def _wide_table() -> list[list[str]]:
    return [list(WIDE_COLUMNS), *([e, *v] for e, *v in RECORDS)]


def _number(text: str) -> tuple[float, str]:
    """A print as an Excel cell: its number and the format that shows it so."""
    if text.endswith("%"):
        return float(text[:-2].replace(",", ".")) / 100, "0.0%"
    return float(text.replace(" ", "")), "#,##0"


def build(root: Path) -> list[Path]:
    """One dataset folder per shape; returns them."""
    made = []

    def folder(name: str, extra: str = "") -> Path:
        d = root / name
        write(d / "dataset.yaml", _header(name, extra))
        made.append(d)
        return d

    d = folder("yaml")
    lines = ["figures:"]
    for r in _long_rows():
        lines.append(f"  - {{indicator: {r['indicator']}, entity: {r['entity']}, "
                     f"value: \"{r['value']}\", line: {r['line']}, kind: table}}")
    (d / "figures.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    _write_csv(folder("csv-comma") / "figures.csv", _long_table(), ",")
    _write_csv(folder("csv-semicolon") / "FIGURES.CSV", _long_table(), ";")
    _write_csv(folder("tsv") / "figures.tsv", _long_table(), "\t")
    _write_csv(folder("csv-wide", WIDE_SPEC.format(name="records.csv")) / "records.csv",
               _wide_table(), ";")
    for name, table in (("parquet", _long_table()), ("parquet-wide", _wide_table())):
        extra = WIDE_SPEC.format(name="records.parquet") if name.endswith("wide") else ""
        cols = {c: [r[i] for r in table[1:]] for i, c in enumerate(table[0])}
        pq.write_table(pa.table(cols), folder(name, extra) / "records.parquet")
    book = Workbook()
    sheet = book.active
    sheet.title = "Feuil1"
    for row in _long_table():
        sheet.append(row)
    book.save(folder("xlsx") / "figures.xlsx")
    book = Workbook()
    sheet = book.active
    sheet.title = "Feuil1"
    sheet.append(list(WIDE_COLUMNS))
    for r, (entity, *values) in enumerate(RECORDS, start=2):
        sheet.cell(r, 1, entity)
        for c, text in enumerate(values, start=2):
            number, fmt = _number(text)
            cell = sheet.cell(r, c, number)
            cell.number_format = fmt
    book.save(folder("xlsx-wide", WIDE_SPEC.format(name="records.xlsx")) / "records.xlsx")
    return made


def _keys(report: dict, dataset: str) -> set[tuple]:
    return {(a["rule"], a["entity"], a["period"], a["subject"], a["severity"], a["category"])
            for a in report["anomalies"] if a["dataset"] == dataset}


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> dict:
    root = tmp_path_factory.mktemp("formats")
    pack = make_pack(root, CHECKS)
    return validate(build(root / "data"), pack)


def test_every_shape_reads_the_same_figures(report):
    counts = {d["id"]: d["figures"] for d in report["datasets"]}
    assert counts == dict.fromkeys(counts, 12) and len(counts) == 9


def test_every_shape_gives_the_anomalies_of_the_yaml(report):
    want = _keys(report, "yaml")
    rules = {k[0] for k in want}
    assert ("t.parts", "LR", "2019", None, "error", "inconsistent") in want
    assert {"t.parts", "t.share", "rollup.sum"} <= rules
    for ds in report["datasets"]:
        assert _keys(report, ds["id"]) == want, ds["id"]


def test_provenance_names_the_cell_of_the_print(report):
    files = {(a["dataset"], f["indicator"], f["entity"]): (f["source"]["file"], f["source"]["line"])
             for a in report["anomalies"] for f in a["figures"]}
    file, line = files[("xlsx-wide", "t.total", "LR")]
    assert file.endswith("records.xlsx!Feuil1!D2") and line == 2
    file, line = files[("xlsx", "t.total", "LR")]
    assert file.endswith("figures.xlsx!Feuil1!C4") and line == 4
    assert files[("csv-semicolon", "t.total", "LR")][1] == 4
    assert files[("parquet", "t.total", "LR")][1] == 3  # third row
    assert files[("csv-wide", "t.total", "LR")][1] == 2


def test_wide_rows_are_declared_records(tmp_path):
    pack = make_pack(tmp_path, CHECKS)
    d = tmp_path / "w"
    write(d / "dataset.yaml", _header("w", WIDE_SPEC.format(name="records.csv")))
    table = _wide_table() + [["11", "", "", "", ""]]  # a record with no figure at all
    _write_csv(d / "records.csv", table, ",")
    from drsmcheck.loader import load_figures
    from drsmcheck.rules import load_rules

    datasets, figures = load_figures([d], load_rules(pack).reference)
    assert datasets[0].records == [("11", "2019"), ("LR", "2019"), ("MP", "2019"),
                                   ("OCC", "2019")]
    assert len(figures) == 12


def test_csv_sep_option_overrides_detection(tmp_path):
    pack = make_pack(tmp_path, CHECKS)
    d = tmp_path / "d"
    write(d / "dataset.yaml", _header("d"))
    # a ';' file whose header has no ';' cannot be detected: one column 'indicator;…'
    rows = _long_table()
    _write_csv(d / "figures.csv", rows, ";")
    proc = run_cli("validate", str(d), "--rules", str(pack), "--format", "json",
                   "--csv-sep", ";", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["summary"]["figures"] == 12
    proc = run_cli("validate", str(d), "--rules", str(pack), "--csv-sep", ",", cwd=tmp_path)
    assert proc.returncode == 2
    assert "unknown CSV column 'indicator;entity;value;line;kind;table;column'" in proc.stderr
    assert "';'-separated" in proc.stderr
