"""The document model every reader produces: sections, paragraphs and tables, each with its place.

A place is (page, line): `line` is the line of the document's text, 1-based — the file line of a
`.txt`, the line of the extracted text of a `.pdf` (numbered across pages; `page` says which page)
and, for a `.docx`, the paragraph or table row in body order (a Word file has no pages until it
is laid out, so `page` is None). Draft datasets cite `line`, as the samples cite seed lines.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..numbers import ParsedNumber


@dataclass(frozen=True)
class Section:
    """A heading and the entity it names ("ECHELON LOCAL DU JURA" → 39), if any."""

    title: str
    line: int
    page: int | None
    level: int
    entity: str | None = None


@dataclass
class Paragraph:
    """One line of running text (a sentence or a headline box line)."""

    text: str
    line: int
    page: int | None
    section: Section | None = None


@dataclass
class Cell:
    """One table cell: its text as printed and, when it is one number, that number."""

    text: str
    line: int
    page: int | None
    number: ParsedNumber | None = None

    @property
    def is_empty(self) -> bool:
        return not self.text.strip()


@dataclass
class Row:
    """A table row: its label (first column) and one cell per value column.

    `group` rows carry a label and no number ("admissions en ALD :"): they head the rows below.
    """

    label: str
    cells: list[Cell]
    line: int
    page: int | None
    group: bool = False


@dataclass
class Table:
    """A grid table (headers over value columns, labelled rows) or a list of label/value pairs.

    `pairs` tables ("Généralistes 558  Spécialistes 533") have one value column; each row is
    one pair, `cells[0]` its value.
    """

    id: str
    title: str | None
    line: int
    page: int | None
    columns: list[str]
    rows: list[Row]
    corner: str = ""
    pairs: bool = False
    section: Section | None = None
    title_line: int | None = None

    def group_of(self, index: int) -> str:
        """The label of the group row heading row `index` ("" if none)."""
        for row in reversed(self.rows[:index]):
            if row.group:
                return row.label
        return ""


@dataclass
class Document:
    """A report as read: where it comes from and its blocks in reading order."""

    path: str
    name: str
    kind: str  # txt | pdf | docx
    paragraphs: list[Paragraph] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    lines: int = 0

    def where(self, line: int, page: int | None) -> str:
        """`file:line` or `file:line (p. 3)` for a message."""
        return f"{self.path}:{line}" + (f" (p. {page})" if page else "")
