"""A number in the text that names the same thing as a table cell but differs from it a little.

A clause of a sentence ("2 430 avis sur demande de rechute (dont 32,4% d'ADF)") is matched to
the table cells that share its label words (row label, group heading, column header; the table
title counts less), for the same entity and year, in the same unit. A number that is close to
such a cell (a few per cent) but not equal to it, while no cell of that table prints it exactly,
is a finding: "162 062" in the text against "162 051" in table 05 of the Occitanie report. When
a clause repeats one cell of a row exactly (the objective 1 584), its other numbers are compared
with the other cells of that row (the result 1 764 against 1 800): the anchor names the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..extract.context import years_in
from ..extract.document import Paragraph, Table
from ..extract.text import find_numbers, label_words
from .context import Context, value_of
from .findings import Fig, Finding, Place, difference_text, printed
from .values import Value, family, gap, meets

# words every label of these reports shares: they say nothing about which figure is meant
GENERIC = frozenset({"avi", "nombre", "taux", "part", "an", "annee", "realise", "realisation",
                     "objectif", "resultat", "region", "drsm", "elsm", "service", "medical",
                     "valeur", "au", "decembre", "cpg", "indicateur", "atteinte", "departement"})
MAX_REL_COUNT = 0.05
MAX_REL_PERCENT = 0.10
MAX_POINTS = 3.0
MAX_REL_MATE = 0.5


@dataclass
class CellInfo:
    table: Table
    row: int
    col: int
    value: Value
    words: set[str]  # what the cell is: row label, group, column header (else the title)
    row_words: set[str]  # the row label's own words: the most specific
    context: set[str]  # every word around it, generic ones included (for anchors)
    entity: str | None
    years: set[str]


def _clauses(text: str) -> list[tuple[int, int]]:
    """Clause spans: split at ", " (a decimal comma has no space after it), ";", ": " and
    sentence ends."""
    spans, start = [], 0
    for m in re.finditer(r",\s|;|\.\s|:\s", text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if b > a]


def _cells(ctx: Context) -> list[CellInfo]:
    out = []
    for table in ctx.doc.tables:
        col_entities = ctx.column_entities(table)
        title_years = years_in(table.title or "")
        title = label_words(table.title or "") | label_words(table.corner)
        for r, row in enumerate(table.rows):
            row_entity = ctx.row_entity(row.label)
            row_words = set() if row_entity else label_words(row.label)
            for c, cell in enumerate(row.cells):
                v = value_of(cell)
                if v is None:
                    continue
                head = table.columns[c] if c < len(table.columns) and not table.pairs else ""
                col_entity = col_entities[c] if c < len(col_entities) else None
                head_words = set() if col_entity else label_words(head)
                words = (row_words | label_words(table.group_of(r)) | head_words) - GENERIC
                if not words:
                    words = title - GENERIC
                context = label_words(row.label) | label_words(table.group_of(r)) | title | \
                    label_words(" ".join(table.columns))
                entity = col_entity or row_entity or ctx.table_entity(table)
                out.append(CellInfo(table, r, c, v, words, row_words - GENERIC, context, entity,
                                    title_years or ({ctx.period} if ctx.period else set())))
    return out


def _near(t: Value, c: Value) -> bool:
    """Same unit, and equal or a few per cent apart (a few points for percentages)."""
    if t.unit != c.unit and "percent" in (t.unit, c.unit) or family(t.unit) != family(c.unit):
        return False
    if meets(t.lo, t.hi, c.lo, c.hi):
        return True
    d = gap(t.lo, t.hi, c.lo, c.hi)
    size = max(abs(t.value), abs(c.value))
    if size == 0:
        return False
    if t.unit == "percent":
        return d <= MAX_POINTS and d / size <= MAX_REL_PERCENT
    return d / size <= MAX_REL_COUNT


def _names_same(words: set[str], cell: CellInfo) -> tuple[float, set[str]] | None:
    """Score when the clause names what the cell is: half its words or more, at least two
    (or the one word of "Rechute"), and a word of the row label when it has some."""
    shared = words & cell.words
    if not shared or len(shared) * 2 < len(cell.words) or len(shared) < min(2, len(cell.words)):
        return None
    if cell.row_words and not shared & cell.row_words:
        return None
    return 2 * len(shared) + len(shared) / len(cell.words), shared


def _entity(ctx: Context, p: Paragraph, clause: str) -> str | None:
    return (ctx.matcher.in_text(clause) or ctx.matcher.in_text(p.text)
            or ctx.entity_at(p.line, p.section))


def _finding(ctx: Context, p: Paragraph, clause: str, t: Value, cell: CellInfo,
             confidence: float, why_fr: str, why_en: str) -> Finding:
    row = cell.table.rows[cell.row]
    text_fig = Fig(t, Place(p.line, p.page, "text", quote=clause.strip()),
                   clause.strip(), _entity(ctx, p, clause))
    table_fig = ctx.fig(cell.table, cell.row, cell.col, row.cells[cell.col], cell.value,
                        entity=cell.entity)
    diff = round(gap(t.lo, t.hi, cell.value.lo, cell.value.hi), 10)
    rel = {lang: f"{printed(t, lang)} ≠ {printed(cell.value, lang)}, {difference_text(diff, lang)}"
           for lang in ("fr", "en")}
    where = f"{cell.table.title or cell.table.id} · {row.label}"
    return Finding("scan.text_table", "warning", "inconsistent", round(confidence, 2), True,
                   cell.entity, ctx.period, where, [text_fig, table_fig], rel,
                   {"fr": f"Le texte (l.{p.line}) dit {t.text}, le tableau (l.{row.line}) dit "
                          f"{cell.value.text} pour {why_fr}",
                    "en": f"The text (l.{p.line}) says {printed(t, 'en')}, the table "
                          f"(l.{row.line}) says {printed(cell.value, 'en')} for {why_en}"},
                   (t.lo, t.hi), (cell.value.lo, cell.value.hi), diff, suspect=0,
                   suggested=cell.value.value,
                   reason={"fr": "un tableau est d'ordinaire la source du chiffre repris dans le "
                                 "texte", "en": "a table is usually the source of the figure the "
                                               "text repeats"})


def text_vs_tables(ctx: Context) -> Iterator[Finding | None]:
    cells = _cells(ctx)
    exact: dict[float, list[CellInfo]] = {}
    for c in cells:
        exact.setdefault(c.value.value, []).append(c)
    for p in ctx.doc.paragraphs:
        numbers = find_numbers(p.text)
        if not numbers:
            continue
        years_p = years_in(p.text)
        for a, b in _clauses(p.text):
            clause = p.text[a:b]
            found = [f for f in numbers if a <= f.start < b]
            if not found:
                continue
            words = label_words(clause) - GENERIC
            raw_words = label_words(clause)
            entity = _entity(ctx, p, clause)
            years = years_in(clause) or years_p
            values = [(f, Value.of(f.text, f.parsed)) for f in found]
            # anchors: a number of the clause printed exactly in a row of the same entity,
            # in a clause that shares a word with that row's labels
            anchors: dict[tuple[int, int], CellInfo] = {}
            for _f, v in values:
                for c in exact.get(v.value, ()):
                    if c.value.unit == v.unit and c.value.value >= 100 and c.entity == entity \
                            and raw_words & c.context:
                        anchors[(id(c.table), c.row)] = c
            rows_named: set[tuple[int, int]] = set()
            unmatched: list[Value] = []
            for _f, t in values:
                best: tuple[float, float, CellInfo, set[str], bool] | None = None
                for c in cells:
                    if not _near(t, c.value):
                        continue
                    if c.years and years and not (c.years & years):
                        continue
                    anchor = anchors.get((id(c.table), c.row))
                    if anchor is not None and anchor is not c:
                        score, shared, anchored = 10.0, words & c.context, True
                    else:
                        named = _names_same(words, c) if c.entity == entity else None
                        if named is None:
                            continue
                        (score, shared), anchored = named, False
                    closeness = -abs(c.value.value - t.value)
                    if best is None or (score, closeness) > (best[0], best[1]):
                        best = (score, closeness, c, shared, anchored)
                if best is None:
                    unmatched.append(t)
                    continue
                score, _, c, shared, anchored = best
                rows_named.add((id(c.table), c.row))
                if meets(t.lo, t.hi, c.value.lo, c.value.hi) or any(
                        o.table is c.table and o.value.unit == t.unit and words & o.words
                        and meets(t.lo, t.hi, o.value.lo, o.value.hi) for o in cells):
                    yield None  # the text agrees with the table (with this cell, or a kin one)
                    continue
                what = ", ".join(sorted(shared))
                why_fr, why_en = f"« {what} »", f"'{what}'"
                if anchored:
                    why_fr += " (la phrase reprend un autre chiffre de cette ligne)"
                    why_en += " (the sentence repeats another figure of that row)"
                conf = 0.85 if anchored else min(0.9, 0.45 + 0.1 * score)
                yield _finding(ctx, p, clause, t, c, conf, why_fr, why_en)
            yield from _row_mates(ctx, p, clause, unmatched, rows_named, cells)


def _row_mates(ctx: Context, p: Paragraph, clause: str, unmatched: list[Value],
               rows_named: set[tuple[int, int]], cells: list[CellInfo]) -> Iterator[Finding]:
    """A number of a clause whose other number named a row ("116 avis sur l'imputabilité du
    décès (dont 23,3% d'ADF)": 23,3 % named the row « Imputabilité décès ») is that row's cell
    of the same unit closest to it, however far (up to MAX_REL_MATE): 116 against 79."""
    for t in unmatched:
        mates = [c for c in cells if (id(c.table), c.row) in rows_named and c.value.unit == t.unit
                 and c.value.value > 0]
        if not mates or t.value <= 0:
            continue
        c = min(mates, key=lambda m: abs(m.value.value - t.value))
        if meets(t.lo, t.hi, c.value.lo, c.value.hi):
            continue
        if abs(c.value.value - t.value) / max(t.value, c.value.value) > MAX_REL_MATE:
            continue
        yield _finding(ctx, p, clause, t, c, 0.6,
                       "« la même ligne » (un autre chiffre de la proposition la désigne)",
                       "'the same row' (another number of the clause names it)")
