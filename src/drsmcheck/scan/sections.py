"""A region's page against its parts' pages: the same label printed under each département's
heading and under the region's heading (the BFC report's eight ELSM pages and regional page)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from ..extract.text import fold
from .context import Context, bare, value_of
from .findings import Fig
from .tables import _sum_finding
from .values import ADDITIVE


def section_sums(ctx: Context) -> Iterator[object]:
    by_key: dict[tuple[str, str], dict[str, list[Fig]]] = defaultdict(lambda: defaultdict(list))
    for table in ctx.doc.tables:
        if not (table.section and table.section.entity):
            continue
        entity = table.section.entity
        for r, row in enumerate(table.rows):
            if row.group or not row.label.strip():
                continue
            for c, cell in enumerate(row.cells):
                v = value_of(cell)
                if v is None or v.unit not in ADDITIVE:
                    continue
                head = "" if table.pairs or len(table.columns) == 1 else fold(table.columns[c])
                key = (bare(row.label), head)
                by_key[key][entity].append(ctx.fig(table, r, c, cell, v, entity=entity))
    for (label, head), per_entity in sorted(by_key.items()):
        for parent in sorted(per_entity):
            if len(per_entity[parent]) != 1:
                continue
            whole = per_entity[parent][0]
            for children in ctx.children_sets(parent):
                if not children or any(len(per_entity.get(c, ())) != 1 for c in children):
                    continue
                parts = sorted((per_entity[c][0] for c in children), key=lambda f: f.place.line)
                if any(p.value.unit != whole.value.unit for p in parts):
                    continue
                if any(p.place.table == whole.place.table for p in parts):
                    continue
                shown = whole.place.row or label
                if head:
                    shown += f" · {whole.place.column}"
                codes = ", ".join(sorted(children))
                yield _sum_finding(
                    "scan.section_sum", ctx, parts, whole, inferred=True, subject=shown,
                    what_fr=f"« {shown} » de {ctx.ref.entity_label(parent)} (l.{whole.place.line}) "
                            f"n'est pas la somme des pages de ses parties ({codes})",
                    what_en=f"'{shown}' of {ctx.ref.entity_label(parent, 'en')} "
                            f"(l.{whole.place.line}) is not the sum of its parts' pages ({codes})",
                    confidence=0.75, entity=parent)
