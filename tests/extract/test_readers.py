"""Each reader (.txt, .docx, .pdf) gives the same document model for the same report."""

from __future__ import annotations

from pathlib import Path

import pytest

from drsmcheck.extract import read_document
from drsmcheck.reference import load_reference

import report_docs
from support import ROOT

REF = load_reference(ROOT / "rules")


@pytest.fixture(scope="module", params=["txt", "docx", "pdf"])
def doc(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    path = report_docs.write(request.param, tmp_path_factory.mktemp(request.param))
    return request.param, read_document(path, REF.entities)


def _table(doc, word: str):
    return next(t for t in doc.tables if word in (t.title or ""))


def test_the_sentence_is_one_paragraph_with_its_place(doc) -> None:
    kind, d = doc
    para = next(p for p in d.paragraphs if "162 062" in p.text)
    assert para.text == report_docs.TEXT
    assert para.page == (1 if kind == "pdf" else None)
    assert d.kind == kind


def test_tables_have_title_headers_row_labels_and_cells(doc) -> None:
    kind, d = doc
    ald = _table(d, "ADMISSIONS")
    assert ald.title == "LES ALD : NOMBRE D'ADMISSIONS EN ALD / 2019"
    assert ald.columns == ["ex-DRSM LR", "ex-DRSM MP", "DRSM O"]
    assert [r.label for r in ald.rows] == [r[0] for r in report_docs.ALD[1:]]
    assert ald.rows[0].group and not ald.rows[3].group
    assert [c.text for c in ald.rows[3].cells] == ["84 387", "77 664", "162 051"]
    assert ald.rows[3].cells[2].number.value == 162051
    caqes = _table(d, "CAQES")
    assert caqes.corner == "départements"
    assert caqes.columns == ["établissements ciblés (volet socle)", "dont volet transports"]
    assert [r.label for r in caqes.rows] == ["09", "11", "12", "total"]


def test_lines_are_in_reading_order_and_rows_have_their_own(doc) -> None:
    kind, d = doc
    ald, caqes = _table(d, "ADMISSIONS"), _table(d, "CAQES")
    text = next(p for p in d.paragraphs if "162 062" in p.text)
    lines = [r.line for r in ald.rows] + [r.line for r in caqes.rows]
    assert text.line < ald.title_line < lines[0]
    assert lines == sorted(lines) and len(set(lines)) == len(lines)
    if kind == "txt":  # the file's own line numbers
        source = (Path(d.path)).read_text(encoding="utf-8").splitlines()
        assert source[ald.rows[3].line - 1].startswith("- total\t84 387")


def test_seed_text_tables_sections_and_pairs() -> None:
    d = read_document(ROOT / "samples/sources/001_8c194a73d14b4542.txt", REF.entities)
    pages = [s for s in d.sections if s.entity == "39"]
    assert pages and pages[0].title == "ECHELON LOCAL DU JURA"
    pairs = next(t for t in d.tables if t.line == 1177)
    assert pairs.pairs and pairs.section.entity == "39"
    assert [(r.label, r.cells[0].text) for r in pairs.rows[:3]] == [
        ("MCO", "8"), ("Généralistes", "231"), ("Spécialistes", "124")]
    regional = next(t for t in d.tables if t.line == 1675)
    assert regional.section.entity == "BFC"
    assert [(r.label, r.cells[0].text, r.line) for r in regional.rows[:2]] == [
        ("Généralistes", "2 457", 1676), ("Spécialistes", "1 984", 1676)]


@pytest.mark.parametrize("name, content, message", [
    ("report.xlsx", b"PK\x03\x04", "unsupported report type '.xlsx'"),
    ("report.pdf", b"not a pdf at all", "cannot read this PDF"),
    ("report.docx", b"not a zip", "cannot read this Word file"),
    ("report.txt", "Café".encode("latin-1"), "not valid UTF-8"),
])
def test_unreadable_reports_are_input_errors(tmp_path: Path, name: str, content: bytes,
                                             message: str) -> None:
    from drsmcheck.errors import InputError

    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        read_document(path, REF.entities)
    assert message in str(err.value) and name in str(err.value)
