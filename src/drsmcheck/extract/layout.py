"""From lines of text to the document model: sections, paragraphs, tables.

Every reader gives lines; a table row is a line whose cells are separated by tabs (the seed
text extractions print tables that way, and the .pdf and .docx readers write their tables'
rows the same way), so one layout serves every input type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .document import Cell, Document, Paragraph, Row, Section, Table
from .entities import EntityMatcher
from .text import cell_number, fold, is_word_cell


@dataclass(frozen=True)
class Line:
    """One line of the document's text and the page it is on (None when unknown)."""

    text: str
    page: int | None = None


_HEADING_WORDS = ("echelon", "elsm", "drsm", "direction", "site", "sites", "territoire", "cpam",
                  "caisse", "service")
_PIPE_PAIR = re.compile(r"^[^|\d][^|]*\|\s*[\d<>][^|]*(\|[^|]+\|[^|]+)*$")


def _clean(text: str) -> str:
    return re.sub(r"</?[a-z]+[^>]*>", "", text).replace("**", "").strip()


def _heading(text: str) -> tuple[int, str] | None:
    """(level, title) when the line is a heading: markdown, all caps, or "Echelon … du Jura"."""
    stripped = text.strip()
    m = re.match(r"^(#{1,6})\s+(.+)$", stripped)
    if m:
        return len(m.group(1)), m.group(2).strip()
    if not stripped or "\t" in text or len(stripped) > 90 or stripped[-1] in ".,;:":
        return None
    letters = [c for c in stripped if c.isalpha()]
    if len(letters) >= 3 and all(c.isupper() for c in letters):
        return 1, stripped
    first = fold(stripped).split(" ", 1)[0]
    if first in _HEADING_WORDS and len(stripped) <= 70 and not re.search(r"\d{3}", stripped):
        return 1, stripped
    return None


def _cells(text: str) -> list[str] | None:
    """The cells of a table line, or None for running text."""
    if "\t" in text:
        return [_clean(c) for c in text.split("\t")]
    if text.count("|") >= 1 and _PIPE_PAIR.match(text.strip()):
        return [_clean(c) for c in text.split("|")]
    return None


def _is_value(text: str) -> bool:
    return cell_number(text) is not None or is_word_cell(text)


def _pairs_of(cells: list[str]) -> list[tuple[int, int]] | None:
    """(label index, value index) pairs when non-empty cells alternate label, number."""
    idx = [i for i, c in enumerate(cells) if c]
    if len(idx) < 2 or len(idx) % 2:
        return None
    out = []
    for a, b in zip(idx[0::2], idx[1::2], strict=True):
        if _is_value(cells[a]) or not _is_value(cells[b]):
            return None
        out.append((a, b))
    return out


class _Builder:
    def __init__(self, path: str, name: str, kind: str, entities: dict[str, dict[str, str]]):
        self.doc = Document(path=path, name=name, kind=kind)
        self.matcher = EntityMatcher(entities) if entities else None
        self.stack: list[Section] = []

    @property
    def section(self) -> Section | None:
        return self.stack[-1] if self.stack else None

    def heading(self, level: int, title: str, line: int, page: int | None) -> None:
        while self.stack and self.stack[-1].level >= level:
            self.stack.pop()
        own = self.matcher.in_heading(title) if self.matcher else None
        inherited = next((s.entity for s in reversed(self.stack) if s.entity), None)
        section = Section(title, line, page, level, own or inherited)
        self.stack.append(section)
        self.doc.sections.append(section)

    def paragraph(self, text: str, line: int, page: int | None) -> None:
        if text.strip():
            self.doc.paragraphs.append(Paragraph(text.strip(), line, page, self.section))

    def title_for(self, lines: list[Line], start: int) -> tuple[str | None, int | None]:
        """The title of a table starting at index `start`: a line ending with '>' within the
        8 lines above, else the nearest short line that is not a sentence."""
        window = range(start - 1, max(-1, start - 9), -1)
        for i in window:
            text = _clean(lines[i].text)
            if _cells(lines[i].text) is not None:
                break
            if text.endswith(">"):
                return text.rstrip(">").strip(), i + 1
        for i in window:
            text = _clean(lines[i].text).lstrip("#").strip()
            if _cells(lines[i].text) is not None:
                break
            if text and not text.endswith(".") and len(text) < 160 and not text.startswith("("):
                return text, i + 1
        return None, None

    def table(self, lines: list[Line], start: int, end: int) -> None:
        rows = [(_cells(lines[i].text) or [], i + 1, lines[i].page) for i in range(start, end)]
        values = sum(1 for cells, _, _ in rows for c in cells[1:] if cell_number(c))
        if not values and not any(cell_number(c) for cells, _, _ in rows for c in cells):
            for cells, line, page in rows:  # a layout grid of text: read it as text
                for c in cells:
                    self.paragraph(c, line, page)
            return
        title, title_line = self.title_for(lines, start)
        tid = f"t{start + 1}"
        pair_rows = [_pairs_of(cells) for cells, _, _ in rows]
        stacked = self._stacked(rows)
        if stacked or any(p and len(p) >= 2 for p in pair_rows):
            self._pairs_table(tid, title, title_line, rows, pair_rows, stacked)
            return
        self._grid_table(tid, title, title_line, rows)

    @staticmethod
    def _stacked(rows: list[tuple[list[str], int, int | None]]) -> bool:
        """Rows of labels each over a row of as many numbers, and nothing else: "Généralistes |
        Spécialistes" then "2 457 | 1 984" (a table whose first column holds labels is a grid)."""
        if len(rows) < 2 or len(rows) % 2:
            return False
        for (a, _, _), (b, _, _) in zip(rows[0::2], rows[1::2], strict=True):
            la, lb = [c for c in a if c], [c for c in b if c]
            if not (len(la) >= 2 and len(la) == len(lb) and not any(_is_value(c) for c in la)
                    and all(cell_number(c) for c in lb)):
                return False
        return True

    def _pairs_table(self, tid, title, title_line, rows, pair_rows, stacked) -> None:
        out: list[Row] = []
        skip: set[int] = set()
        for k, (cells, line, page) in enumerate(rows):
            if k in skip:
                continue
            nxt = rows[k + 1] if k + 1 < len(rows) else None
            la = [c for c in cells if c]
            if stacked and nxt is not None:
                lb = [c for c in nxt[0] if c]
                if len(la) >= 1 and len(la) == len(lb) and not any(_is_value(c) for c in la) \
                        and all(cell_number(c) for c in lb):
                    for label, value in zip(la, lb, strict=True):
                        out.append(Row(label, [Cell(value, nxt[1], nxt[2], cell_number(value))],
                                       nxt[1], nxt[2]))
                    skip.add(k + 1)
                    continue
            pairs = pair_rows[k]
            if pairs:
                for a, b in pairs:
                    out.append(Row(cells[a], [Cell(cells[b], line, page, cell_number(cells[b]))],
                                   line, page))
            else:
                for c in cells:
                    if c and not _is_value(c):
                        self.paragraph(c, line, page)
        if out:
            self.doc.tables.append(Table(tid, title, rows[0][1], rows[0][2], ["valeur"], out,
                                         pairs=True, section=self.section, title_line=title_line))

    def _grid_table(self, tid, title, title_line, rows) -> None:
        width = max(len(cells) for cells, _, _ in rows)
        grid = [(cells + [""] * (width - len(cells)), line, page) for cells, line, page in rows]
        head = 0  # header rows: no number, and some text over the value columns
        while (head < len(grid) - 1 and not any(cell_number(c) for c in grid[head][0][1:])
               and any(c for c in grid[head][0][1:])):
            head += 1
        body = grid[head:]
        labels = 1
        while labels < width - 1 and all(not _is_value(cells[labels]) for cells, _, _ in body):
            labels += 1
        columns = []
        for j in range(labels, width):
            parts = [grid[i][0][j] for i in range(head) if grid[i][0][j]]
            columns.append(" ".join(parts))
        corner = " ".join(grid[i][0][0] for i in range(head) if grid[i][0][0])
        out: list[Row] = []
        for cells, line, page in body:
            label_cells = [c for c in cells[:labels] if c]
            label = label_cells[-1] if label_cells else ""
            values = [Cell(c, line, page, cell_number(c)) for c in cells[labels:]]
            group = bool(label) and all(v.is_empty for v in values)
            out.append(Row(label, values, line, page, group=group))
        # trailing empty columns (a trailing tab on every line) carry nothing
        while columns and all(r.cells[-1].is_empty for r in out) and not columns[-1]:
            columns.pop()
            for r in out:
                r.cells.pop()
        self.doc.tables.append(Table(tid, title, body[0][1], body[0][2], columns, out,
                                     corner=corner, section=self.section, title_line=title_line))


def build_document(lines: list[Line], path: str, name: str, kind: str,
                   entities: dict[str, dict[str, str]]) -> Document:
    """Sections, paragraphs and tables of the lines, in order; line numbers are 1-based."""
    b = _Builder(path, name, kind, entities)
    i = 0
    while i < len(lines):
        text = lines[i].text
        if _cells(text) is not None:
            j = i
            while j < len(lines) and _cells(lines[j].text) is not None:
                j += 1
            b.table(lines, i, j)
            i = j
            continue
        head = _heading(text)
        if head:
            b.heading(head[0], _clean(head[1]), i + 1, lines[i].page)
        b.paragraph(_clean(head[1]) if head else _clean(text), i + 1, lines[i].page)
        i += 1
    b.doc.lines = len(lines)
    return b.doc
