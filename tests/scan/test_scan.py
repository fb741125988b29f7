"""`drsmcheck scan`: structure checks on each input type, each check on a small report, and
the same reporters as `validate`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drsmcheck.scan import run_scan

import report_docs
from support import ROOT, run_cli


def _scan(report: Path, tmp: Path, *args: str) -> tuple[int, dict]:
    out = tmp / "scan.json"
    proc = run_cli("scan", str(report), "--format", "json", "--output", str(out), *args)
    assert proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(out.read_text(encoding="utf-8"))


def _scan_api(report: Path) -> dict:
    """The same report dict as `drsmcheck scan --format json`, in process (fast)."""
    return run_scan(report, ROOT / "rules")


def _txt(tmp: Path, text: str) -> Path:
    path = tmp / "r.txt"
    path.write_text("RAPPORT D'ACTIVITÉ 2019 DRSM OCCITANIE\n\n" + text, encoding="utf-8")
    return path


def _rel(a: dict) -> str:
    """The French relation with plain spaces (computed numbers use NBSP, as validate's do)."""
    return a["relation"]["fr"].replace("\u00a0", " ")


def _short(result: dict) -> list[tuple]:
    return sorted((a["rule"], a["severity"], a["category"],
                   tuple(f["source"]["line"] for f in a["figures"]), _rel(a))
                  for a in result["anomalies"])


@pytest.mark.parametrize("kind", ["txt", "docx", "pdf"])
def test_each_input_type_gives_the_planted_errors(kind: str, tmp_path: Path) -> None:
    report = report_docs.write(kind, tmp_path)
    code, result = _scan(report, tmp_path)
    assert code == 1  # an explicit total row is wrong: error
    lines = {"txt": (3, 16, 17, 18, 19, 11), "docx": (2, 14, 15, 16, 17, 9),
             "pdf": (2, 14, 15, 16, 17, 9)}[kind]
    text, r09, r11, r12, total, t05 = lines
    assert _short(result) == sorted([
        ("scan.text_table", "warning", "inconsistent", (text, t05),
         "162 062 ≠ 162 051, écart 11 — confiance 90 %, structure déduite"),
        ("scan.total_row", "error", "inconsistent", (total, r09, r11, r12),
         "3 + 16 + 13 = 32 ≠ 30, écart 2 — confiance 95 %"),
    ])
    text_table = next(a for a in result["anomalies"] if a["rule"] == "scan.text_table")
    assert text_table["suspect"]["suggested"] == 162051
    page = 1 if kind == "pdf" else None
    assert all(f["source"]["page"] == page for f in text_table["figures"])
    assert text_table["figures"][1]["source"]["table"] and \
        text_table["figures"][1]["source"]["column"] == "DRSM O"


def test_fail_on_and_reporters(tmp_path: Path) -> None:
    report = report_docs.write("txt", tmp_path)
    assert run_cli("scan", str(report), "--fail-on", "never").returncode == 0
    console = run_cli("scan", str(report))
    assert console.returncode == 1 and "3 + 16 + 13 = 32 ≠ 30" in console.stdout
    assert f"{report.name}:19" in console.stdout.replace(str(tmp_path) + "/", "")
    proc = run_cli("scan", str(report), "--format", "sarif,html,junit,markdown",
                   "--output-dir", str(tmp_path / "out"), "--lang", "en")
    assert proc.returncode == 1, proc.stderr
    sarif = json.loads((tmp_path / "out" / "report.sarif").read_text(encoding="utf-8"))
    regions = {r["locations"][0]["physicalLocation"]["region"]["startLine"]
               for r in sarif["runs"][0]["results"]}
    assert 19 in regions
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert "3 + 16 + 13 = 32 ≠ 30, difference 2" in html
    assert "scan.total_row" in (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    github = run_cli("scan", str(report), "--format", "github")
    assert "::error file=" in github.stdout and "line=19" in github.stdout


@pytest.mark.parametrize("table, expected", [
    # a "dont" row larger than its row
    ("\tLR\tMP\nprofessions libérales\t982\t120\ndont médecins\t1 131\t20\n",
     [("scan.dont_row", "error", "1 131 > 982, écart 149 — confiance 90 %")]),
    # a total column
    ("branches\tSAS\tplainte\ttotal\nmédicale\t13\t2\t16\npharmacie\t1\t4\t5\n",
     [("scan.total_column", "error", "13 + 2 = 15 ≠ 16, écart 1 — confiance 90 %")]),
    # region column = sum of its parts' columns
    ("\tex-DRSM LR\tex-DRSM MP\tDRSM O\navis sur consolidation\t9 380\t8 738\t18 108\n",
     [("scan.entity_sum", "error", "9 380 + 8 738 = 18 118 ≠ 18 108, écart 10 — confiance 90 %")]),
    # a percentage column that is ADF / Total on the other rows: one row is off
    ("AT/MP\tTotal\tADF\t%\nRechute\t417\t149\t35,73 %\nNouvelle lésion\t890\t320\t35,96 %\n"
     "Imputabilité décès\t15\t4\t26,67 %\nMP\t976\t391\t41,06 %\n",
     [("scan.percent_ratio", "warning",
       "41,06 % ≠ 100 × 391 / 976 = 40,06 %, écart 0,99 — confiance 80 %, structure déduite")]),
    # … but no ratio when it fits too few rows
    ("AT/MP\tTotal\tADF\t%\nRechute\t417\t149\t35,73 %\nNouvelle lésion\t890\t320\t36,96 %\n"
     "MP\t976\t391\t41,06 %\n", []),
    # objective in euros, result in percent
    ("indicateurs\tObjectif\tRégion\nRCT : montant moyen recouvré\t19,70 €\t14,27 %\n"
     "Taux de satisfaction\t80 %\t75,90 %\n",
     [("scan.unit_mismatch", "error",
       "objectif 19,70 € ; résultat 14,27 % : unités différentes — confiance 90 %")]),
    # consistent tables give nothing: totals that add up, ranks under a "total" row
    ("thèmes\trésultats\tclassements\nbloc 1\t55,4 %\t8\nbloc 2\t70,9 %\t4\ntotal ONDAM\t75,0 %\t2\n"
     "\nIJ\tTotal\nAS 324-1\t6 578\nAT\t1 177\ntotal\t7 755\n", []),
])
def test_each_table_check(table: str, expected: list, tmp_path: Path) -> None:
    result = _scan_api(_txt(tmp_path, "LE TABLEAU / 2019 >\n\n" + table))
    got = [(a["rule"], a["severity"], _rel(a)) for a in result["anomalies"]]
    assert sorted(got) == sorted(expected)


def test_percent_ratio_rounding_category(tmp_path: Path) -> None:
    table = ("AT/MP\tTotal\tADF\t%\nRechute\t417\t149\t35,73 %\nNouvelle lésion\t890\t320\t"
             "35,96 %\nAutres\t842\t249\t29,5 %\n")
    result = _scan_api(_txt(tmp_path, "T / 2019 >\n\n" + table))
    (a,) = result["anomalies"]
    assert a["category"] == "rounding" and a["suspect"]["suggested"] == 29.6


def test_region_page_against_its_parts_pages(tmp_path: Path) -> None:
    pages = "".join(
        f"# ECHELON LOCAL {name.upper()}\n\n\tGénéralistes\t{gp}\tDentistes\t{dent}\n\n"
        for name, gp, dent in (("de Moselle", 10, 5), ("du Bas-Rhin", 20, 6), ("du Haut-Rhin", 30, 7)))
    pages += "# DIRECTION RÉGIONALE ALSACE-MOSELLE\n\nGénéralistes\tDentistes\n61\t18\n"
    result = _scan_api(_txt(tmp_path, pages))
    (a,) = result["anomalies"]
    assert a["rule"] == "scan.section_sum" and a["entity"] == "AM" and a["severity"] == "warning"
    assert _rel(a) == ("10 + 20 + 30 = 60 ≠ 61, écart 1 — confiance 75 %, "
                                   "structure déduite")


@pytest.mark.parametrize("sentence, found", [
    ("En 2019, 162 062 avis ont été donnés suite à des demandes d'admission en ALD.", True),
    ("En 2019, 162 051 avis ont été donnés suite à des demandes d'admission en ALD.", False),
    ("En 2018, 162 062 avis ont été donnés suite à des demandes d'admission en ALD.", False),
    ("En 2019, 162 062 visites ont eu lieu dans les établissements.", False),
    ("En 2019, 150 000 avis ont été donnés suite à des demandes d'admission en ALD.", False),
])
def test_text_against_table(sentence: str, found: bool, tmp_path: Path) -> None:
    table = ("LES ALD : NOMBRE D'ADMISSIONS / 2019 >\n\n\tex-DRSM LR\tex-DRSM MP\tDRSM O\n"
             "admissions en ALD :\t\t\t\n- papier\t1\t2\t3\n- total\t84 387\t77 664\t162 051\n")
    result = _scan_api(_txt(tmp_path, sentence + "\n\n" + table))
    rules = [a["rule"] for a in result["anomalies"]]
    assert rules == (["scan.text_table"] if found else [])


@pytest.mark.parametrize("name, content, message", [
    ("missing.txt", None, "no such file"),
    ("report.odt", b"x", "unsupported report type '.odt'"),
])
def test_bad_reports_exit_2_with_a_message(tmp_path: Path, name: str, content, message) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    proc = run_cli("scan", str(path))
    assert proc.returncode == 2 and message in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("extract", str(path))
    assert proc.returncode == 2 and message in proc.stderr


def test_output_options_are_checked_like_validate(tmp_path: Path) -> None:
    report = report_docs.write("txt", tmp_path)
    proc = run_cli("scan", str(report), "--format", "json,html", "--output", str(tmp_path / "x"))
    assert proc.returncode == 2 and "--output takes one format" in proc.stderr
