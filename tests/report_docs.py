"""One small report written three ways — text extraction (.txt), Word (.docx, python-docx) and
PDF (.pdf, reportlab) — with the same content, so readers, `extract` and `scan` can be asked
for the same answers on each. Two errors are planted: the text says 162 062 where table 05
says 162 051, and the CAQES total row says 30 where its rows add up to 32.
"""

from __future__ import annotations

from pathlib import Path

TITLE = "RAPPORT D'ACTIVITÉ 2019 DRSM OCCITANIE"
TEXT = ("En 2019, 162 062 avis ont été donnés suite à des demandes d'admission en ALD pour la "
        "région Occitanie.")
ALD_TITLE = "LES ALD : NOMBRE D'ADMISSIONS EN ALD / 2019 >"
ALD = [
    ["", "ex-DRSM LR", "ex-DRSM MP", "DRSM O"],
    ["admissions en ALD :", "", "", ""],
    ["- protocoles de soins papiers", "24 619", "20 954", "45 573"],
    ["- protocoles de soins électroniques", "59 768", "56 710", "116 478"],
    ["- total", "84 387", "77 664", "162 051"],
]
CAQES_TITLE = "LA RÉPARTITION PAR DÉPARTEMENT DES CAQES SIGNÉS / 2019 >"
CAQES = [
    ["départements", "établissements ciblés (volet socle)", "dont volet transports"],
    ["09", "3", "1"],
    ["11", "16", "1"],
    ["12", "13", "1"],
    ["total", "30", "3"],
]
OUTRO = "Les établissements ciblés sont suivis par les ELSM."


def write_txt(path: Path) -> Path:
    lines = [TITLE, "", TEXT, "", ALD_TITLE, ""]
    lines += ["\t".join(r) for r in ALD]
    lines += ["", CAQES_TITLE, ""]
    lines += ["\t".join(r) for r in CAQES]
    lines += ["", OUTRO, ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def write_docx(path: Path) -> Path:
    import docx

    doc = docx.Document()
    doc.add_heading(TITLE, level=1)
    doc.add_paragraph(TEXT)
    for title, rows in ((ALD_TITLE, ALD), (CAQES_TITLE, CAQES)):
        doc.add_paragraph(title)
        table = doc.add_table(rows=len(rows), cols=len(rows[0]))
        for i, row in enumerate(rows):
            for j, text in enumerate(row):
                table.cell(i, j).text = text
    doc.add_paragraph(OUTRO)
    doc.save(str(path))
    return path


def write_pdf(path: Path) -> Path:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    body = styles["BodyText"]
    body.fontSize = 8
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                       ("FONTSIZE", (0, 0), (-1, -1), 8)])
    story = [Paragraph(TITLE, styles["Heading1"]), Paragraph(TEXT, body), Spacer(1, 12)]
    for title, rows in ((ALD_TITLE, ALD), (CAQES_TITLE, CAQES)):
        story += [Paragraph(title.replace(">", "&gt;"), body), Spacer(1, 6),
                  Table(rows, style=grid), Spacer(1, 12)]
    story.append(Paragraph(OUTRO, body))
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    return path


WRITERS = {"txt": write_txt, "docx": write_docx, "pdf": write_pdf}


def write(kind: str, folder: Path) -> Path:
    return WRITERS[kind](folder / f"report.{kind}")
