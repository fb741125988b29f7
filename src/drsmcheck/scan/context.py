"""What every check needs to know of a report: its entities, its year, the pack's hierarchies."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..extract.context import default_entity, default_period
from ..extract.document import Cell, Document, Section, Table
from ..extract.entities import EntityMatcher
from ..extract.text import fold
from ..reference import Reference
from .findings import Fig, Place
from .values import Value

NEAR = 80
TOTAL_RE = re.compile(r"^(total|ensemble|sous-total|total general)\b")


def bare(label: str) -> str:
    """A row label without its bullet: "- total" → "total"."""
    return re.sub(r"^[\s\-–•*]+", "", fold(label)).strip()


def is_total(label: str) -> bool:
    return TOTAL_RE.match(bare(label)) is not None


def is_dont(label: str) -> bool:
    return bare(label).startswith("dont ")


@dataclass
class Context:
    doc: Document
    ref: Reference
    matcher: EntityMatcher
    entity: str | None
    period: str | None

    @classmethod
    def of(cls, doc: Document, ref: Reference) -> Context:
        matcher = EntityMatcher(ref.entities)
        return cls(doc, ref, matcher, default_entity(doc, matcher), default_period(doc))

    def entity_at(self, line: int, section: Section | None) -> str | None:
        """The entity of a place: its section's, else that of the nearest heading above naming
        one within NEAR lines (a plain heading like "LES RÉSULTATS COMPLETS" under "L'AVENANT AU
        CPG DE LA DRSM LANGUEDOC-ROUSSILLON" does not end the entity's pages), else the report's."""
        if section and section.entity:
            return section.entity
        for s in reversed(self.doc.sections):
            if s.line <= line and s.entity and line - s.line <= NEAR:
                return s.entity
            if s.line <= line and line - s.line > NEAR:
                break
        return self.entity

    def table_entity(self, table: Table) -> str | None:
        return self.entity_at(table.title_line or table.line, table.section)

    def column_entities(self, table: Table) -> list[str | None]:
        return [self.matcher.in_label(c) if c else None for c in table.columns]

    def row_entity(self, label: str) -> str | None:
        """A row naming an entity by code ("09") or name ("Bas-Rhin"); short forms like "MP"
        are left to column headers (a row "MP" is a maladie professionnelle)."""
        return self.matcher.in_label(label, short=False)

    def children_sets(self, parent: str) -> list[set[str]]:
        return [set(tree[parent]) for tree in self.ref.hierarchies.values() if parent in tree]

    def fig(self, table: Table, row_index: int, col: int, cell: Cell, value: Value,
            entity: str | None = None) -> Fig:
        row = table.rows[row_index]
        column = table.columns[col] if col < len(table.columns) else ""
        label = " · ".join(x for x in (table.title or "", table.group_of(row_index), row.label,
                                        column if not table.pairs else "") if x)
        return Fig(value, Place(cell.line, cell.page, "table", table.id, row.label,
                                column or None), label, entity or self.table_entity(table))


def value_of(cell: Cell) -> Value | None:
    return Value.of(cell.text, cell.number) if cell.number is not None else None
