"""PDF reports through pdfplumber: each page's text lines and its ruled tables, in reading order.

A table pdfplumber finds (ruled cells) becomes one line per row, cells joined by tabs, as the
text extractions print them; the text lines inside a table's box are left out (they are its
cells). Lines are numbered across the document; each keeps its page.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ..document import Document
from ..layout import Line, build_document


def _cell(text: str | None) -> str:
    return " ".join((text or "").split())


def read_pdf(path: Path, shown: str, entities: dict[str, dict[str, str]]) -> Document:
    try:
        import pdfplumber
        from pdfminer.pdfparser import PDFSyntaxError
        from pdfplumber.utils.exceptions import PdfminerException
    except ImportError:  # the optional extra "reports" is not installed
        raise InputError(shown, None, "reading PDF needs pdfplumber",
                         "pip install 'drsmcheck[reports]' (pdfplumber, python-docx)") from None
    lines: list[Line] = []
    try:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages, start=1):
                items: list[tuple[float, int, list[str]]] = []
                tables = page.find_tables()
                boxes = [t.bbox for t in tables]
                for text_line in page.extract_text_lines():
                    mid = (text_line["top"] + text_line["bottom"]) / 2
                    if any(b[1] <= mid <= b[3] for b in boxes):
                        continue
                    items.append((text_line["top"], 0, [text_line["text"]]))
                for k, table in enumerate(tables):
                    rows = table.extract()
                    for i, row in enumerate(rows):
                        top = table.rows[i].bbox[1] if i < len(table.rows) else table.bbox[1]
                        items.append((top, 1 + k, [_cell(c) for c in row]))
                items.sort(key=lambda it: (it[0], it[1]))
                previous = None
                for _top, kind, cells in items:
                    if previous is not None and previous != kind:
                        lines.append(Line("", number))  # a table is a block of its own
                    text = "\t".join(cells) if kind else cells[0]
                    if kind and len(cells) == 1:
                        text += "\t"
                    lines.append(Line(text, number))
                    previous = kind
                lines.append(Line("", number))
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError) as exc:
        raise InputError(shown, None, f"cannot read this PDF: {exc or type(exc).__name__}",
                         "check the file opens in a PDF reader; a scanned PDF needs OCR first") from None
    return build_document(lines, shown, path.name, "pdf", entities)
