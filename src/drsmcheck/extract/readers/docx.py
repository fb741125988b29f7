"""Word reports through python-docx: paragraphs and real tables in body order.

Headings ("Heading 1", "Titre 1") keep their level; a table becomes one line per row, cells
joined by tabs (a merged cell is read once). `line` counts paragraphs and table rows in body
order; a Word file has no pages until it is laid out, so `page` is None.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from ...errors import InputError
from ..document import Document
from ..layout import Line, build_document


def _level(style: str | None) -> int | None:
    m = re.match(r"(?:heading|titre)\s*(\d)", (style or "").strip(), re.IGNORECASE)
    return int(m.group(1)) if m else None


def read_docx(path: Path, shown: str, entities: dict[str, dict[str, str]]) -> Document:
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph as DocxParagraph
    except ImportError:  # the optional extra "reports" is not installed
        raise InputError(shown, None, "reading Word files needs python-docx",
                         "pip install 'drsmcheck[reports]' (pdfplumber, python-docx)") from None
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(shown, None, f"cannot read this Word file: {exc}",
                         "save it as .docx (Word 2007 or later)") from None
    lines: list[Line] = []
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = DocxParagraph(child, document)
            text = para.text.replace("\t", " ")
            level = _level(para.style.name if para.style is not None else None)
            lines.append(Line(("#" * level + " " + text) if level and text.strip() else text))
        elif tag == "tbl":
            table = DocxTable(child, document)
            lines.append(Line(""))
            for row in table.rows:
                cells, seen = [], set()
                for cell in row.cells:
                    if id(cell._tc) in seen:
                        continue
                    seen.add(id(cell._tc))
                    cells.append(" ".join(cell.text.split()))
                text = "\t".join(cells)
                lines.append(Line(text if len(cells) > 1 else text + "\t"))
            lines.append(Line(""))
    return build_document(lines, shown, path.name, "docx", entities)
