"""Read a report itself (.txt, .pdf, .docx): its paragraphs, tables and printed numbers.

`read_document` gives the document model (`document.py`); `draft.py` turns it into a draft
dataset with suggested entities and indicators; `drsmcheck.scan` checks its tables with no rules.
"""

from .document import Cell, Document, Paragraph, Row, Section, Table
from .readers import read_document

__all__ = ["Cell", "Document", "Paragraph", "Row", "Section", "Table", "read_document"]
