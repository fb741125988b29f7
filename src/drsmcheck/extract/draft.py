"""A draft dataset from a report: every printed number, every table, suggested entities and
indicators, in the project's YAML format (docs/FORMATS.md §1), loadable as it is.

The loader refuses a figure without an indicator (`indicator: null`), so a figure no
indicator fits (its best candidate scores under `--min-confidence`) is written as a YAML
comment holding the whole figure and its candidates: the draft loads, and a reviewer
uncomments the line with the right indicator instead of typing the figure. A table whose
columns are entities (ex-DRSM LR | ex-DRSM MP | DRSM O) keeps its layout with one indicator
per row; one whose rows are entities keeps one indicator per column; any other table is written
as one table per value column (`t886.2`), since a cell takes its indicator from its row or
column. A suggestion that would give the same (entity, indicator) twice for one place is
demoted to a comment as well, as the loader would refuse it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import InputError
from ..reference import Reference, load_reference
from .context import default_entity, default_period
from .document import Document, Paragraph, Table
from .entities import EntityMatcher
from .indicators import Candidate, IndicatorMatcher, column_role
from .readers import display_path, read_document
from .text import cell_number, find_numbers, is_word_cell


@dataclass
class Figure:
    """One extracted print: value as printed, place, sentence, suggestions."""

    value: str
    line: int
    page: int | None
    kind: str  # text | table
    quote: str
    entity: str | None
    candidates: list[Candidate]
    table: str | None = None
    row: str | None = None
    column: str | None = None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


@dataclass
class Draft:
    text: str
    figures: int
    suggested: int
    unmatched: int
    tables: int
    extracted: list[Figure] = field(default_factory=list)


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def sentences(text: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in re.finditer(r"(?<=[.!?;])\s+(?=[A-ZÀ-Ý0-9«(-])", text):
        spans.append((start, m.start()))
        start = m.end()
    spans.append((start, len(text)))
    return spans


def entity_confidence(label: str, code: str) -> float:
    """1 when the label is the code itself ("09", "LR"), 0.9 for a name or an initialism
    ("Bas-Rhin", "ex-DRSM LR", "DRSM O")."""
    return 1.0 if label.strip().upper() == code else 0.9


def _candidates_note(cands: list[Candidate]) -> str:
    return ", ".join(f"{c.indicator} {c.score:.2f}" for c in cands) or "none"


class _Writer:
    def __init__(self, doc: Document, ref: Reference, entity: str, period: str,
                 min_confidence: float):
        self.doc, self.ref = doc, ref
        self.entity, self.period = entity, period
        self.min = min_confidence
        self.matcher = EntityMatcher(ref.entities)
        self.indicators = IndicatorMatcher(ref)
        self.seen: set[tuple] = set()
        self.figs: list[Figure] = []
        self.suggested = 0
        self.unmatched = 0

    def accept(self, entity: str, indicator: str, table: str | None, line: int,
               column: str | None) -> bool:
        key = (entity, indicator, table, line, column)
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def section_entity(self, p: Paragraph | None, table: Table | None) -> str:
        sec = p.section if p else table.section if table else None
        return (sec.entity if sec and sec.entity else None) or self.entity

    # ------------------------------------------------------------------ text
    def text_figures(self) -> list[str]:
        out: list[str] = []
        for p in self.doc.paragraphs:
            for a, b in sentences(p.text):
                sentence = p.text[a:b].strip()
                for f in find_numbers(p.text):
                    if not a <= f.start < b:
                        continue
                    clause = sentence
                    named = self.matcher.in_text(sentence)
                    entity = named or self.section_entity(p, None)
                    cands = self.indicators.suggest(clause, f.parsed,
                                                    focus=p.text[f.start:f.start + 80])
                    fig = Figure(f.text, p.line, p.page, "text", sentence, entity, cands)
                    self.figs.append(fig)
                    out.extend(self._text_entry(fig))
        return out

    def _text_entry(self, fig: Figure) -> list[str]:
        best = fig.best
        lines = []
        body = [f"value: {q(fig.value)}", "kind: text", f"line: {fig.line}",
                f"quote: {q(fig.quote)}"]
        if fig.entity and fig.entity != self.entity:
            body.insert(0, f"entity: {q(fig.entity)}")
        page = f", page {fig.page}" if fig.page else ""
        if best and best.score >= self.min and self.accept(fig.entity or self.entity,
                                                           best.indicator, None, fig.line, None):
            self.suggested += 1
            lines.append(f"  - indicator: {best.indicator}  # confidence {best.score:.2f}{page}; "
                         f"also: {_candidates_note(fig.candidates[1:])}")
            lines.extend(f"    {x}" for x in body)
        else:
            self.unmatched += 1
            lines.append(f"  # unmatched{page} — candidates: {_candidates_note(fig.candidates)}")
            lines.append("  # - indicator: null")
            lines.extend(f"  #   {x}" for x in body)
        return lines

    # ------------------------------------------------------------------ tables
    def tables(self) -> tuple[list[str], int]:
        out: list[str] = []
        count = 0
        for t in self.doc.tables:
            if not any(cell_number(c.text) for r in t.rows for c in r.cells):
                continue
            col_ent = [self.matcher.in_label(c) if c else None for c in t.columns]
            row_ent = [self.matcher.in_label(r.label, short=False) for r in t.rows]
            body_rows = [r for r in t.rows if not r.group]
            distinct = all(col_ent) and len(set(col_ent)) == len(col_ent)
            if distinct and not t.pairs:
                out.extend(self._by_rows(t, col_ent))
                count += 1
            elif body_rows and sum(1 for e, r in zip(row_ent, t.rows, strict=True)
                                   if e and not r.group) * 2 >= len(body_rows) and not t.pairs:
                out.extend(self._by_columns(t, row_ent))
                count += 1
            else:
                for c in range(len(t.columns)):
                    part = self._by_rows(t, col_ent if not t.pairs else [None], only=c)
                    if part:
                        out.extend(part)
                        count += 1
        return out, count

    def _cell_text(self, text: str) -> str | None:
        if not text.strip():
            return None
        if cell_number(text) or is_word_cell(text) or re.fullmatch(
                r"[A-Z]{2,5}|[Nn]eutralisée?|NC|ND|nc", text.strip()):
            return text.strip()  # a number, or a word / code in a numeric cell (non_numeric)
        return None

    def _head(self, t: Table, tid: str) -> list[str]:
        lines = [f"  - id: {q(tid)}"]
        if t.title:
            lines.append(f"    title: {q(t.title)}")
        lines.append(f"    line: {t.title_line or t.line}")
        if t.page:
            lines[-1] += f"  # page {t.page}"
        return lines

    def _suggest_cell(self, t: Table, r: int, c: int | None, label: str, column: str) -> list[Candidate]:
        row = t.rows[r]
        context = " ".join(x for x in (t.title or "", t.group_of(r), label, column) if x)
        sample = None
        cells = row.cells if c is None else [row.cells[c]]
        for cell in cells:
            if cell.number is not None:
                sample = cell.number
                break
        if sample is None:
            return []
        # a row is named by its label and its group ("admissions en ALD :" / "- total")
        focus = f"{t.group_of(r)} {label}"
        return self.indicators.suggest(context, sample, focus=f"{focus} {column}",
                                       role=column_role(column) if column else None)

    def _by_rows(self, t: Table, col_ent: list[str | None], only: int | None = None) -> list[str]:
        cols = [only] if only is not None else list(range(len(t.columns)))
        tid = t.id if only is None else f"{t.id}.{only + 1}"
        rows_out: list[str] = []
        for r, row in enumerate(t.rows):
            if row.group:
                continue
            values = [self._cell_text(row.cells[c].text) if c < len(row.cells) else None
                      for c in cols]
            if not any(values):
                continue
            column = t.columns[only] if only is not None and not t.pairs else ""
            cands = self._suggest_cell(t, r, only, row.label, column)
            for c, v in zip(cols, values, strict=True):
                if v is not None:
                    self.figs.append(Figure(v, row.line, row.page, "table", row.label,
                                            col_ent[c] or self.section_entity(None, t), cands,
                                            tid, row.label, t.columns[c]))
            best = cands[0] if cands else None
            entity_keys = [col_ent[c] or self.section_entity(None, t) for c in cols]
            ok = best is not None and best.score >= self.min and all(
                self.accept(e, best.indicator, tid, row.line, t.columns[c] or None)
                for e, c in zip(entity_keys, cols, strict=True))
            cells = "[" + ", ".join(q(v) if v is not None else "null" for v in values) + "]"
            spec = f"label: {q(row.label)}, line: {row.line}, values: {cells}"
            n = sum(1 for v in values if v is not None)
            if ok and best is not None:
                self.suggested += n
                rows_out.append(f"      - {{indicator: {best.indicator}, {spec}}}  "
                                f"# confidence {best.score:.2f}; also: "
                                f"{_candidates_note(cands[1:])}")
            else:
                self.unmatched += n
                rows_out.append(f"      # unmatched — candidates: {_candidates_note(cands)}")
                rows_out.append(f"      # - {{indicator: null, {spec}}}")
        if not rows_out:
            return []
        lines = self._head(t, tid)
        lines.append("    columns:")
        for c in cols:
            label = t.columns[c] if not t.pairs else "valeur"
            ent = col_ent[c] or self.section_entity(None, t)
            note = (f"  # entity from the header, confidence {entity_confidence(label, ent):.2f}"
                    if col_ent[c] else "  # entity of the section / report")
            lines.append(f"      - {{entity: {q(ent)}, label: {q(label)}}}{note}")
        lines.append("    rows:")
        if not any(not x.lstrip().startswith("#") for x in rows_out):
            lines = [f"  # {x[2:]}" if not x.lstrip().startswith("#") else "  " + x.lstrip()
                     for x in lines]
            lines.insert(0, "  # a table no indicator fits: every row below is to confirm")
            rows_out = ["  " + x.lstrip() for x in rows_out]
        return lines + rows_out

    def _by_columns(self, t: Table, row_ent: list[str | None]) -> list[str]:
        lines = self._head(t, t.id)
        lines.append("    blank: absent")
        cols_out: list[str] = []
        keep: list[int] = []
        kept_ids: list[str] = []
        for c, head in enumerate(t.columns):
            first = next((r for r, row in enumerate(t.rows) if c < len(row.cells)
                          and row.cells[c].number is not None), None)
            if first is None:
                continue
            context = " ".join(x for x in (t.title or "", head) if x)
            cands = self.indicators.suggest(context, t.rows[first].cells[c].number, focus=head)
            best = cands[0] if cands else None
            used = set(kept_ids)
            if best is not None and best.score >= self.min and best.indicator not in used:
                kept_ids.append(best.indicator)
                cols_out.append(f"      - {{indicator: {best.indicator}, label: {q(head)}}}  "
                                f"# confidence {best.score:.2f}; also: "
                                f"{_candidates_note(cands[1:])}")
                keep.append(c)
            for r, row in enumerate(t.rows):
                if c < len(row.cells) and self._cell_text(row.cells[c].text):
                    ent = row_ent[r] or self.section_entity(None, t)
                    self.figs.append(Figure(row.cells[c].text, row.line, row.page, "table",
                                            row.label, ent, cands, t.id, row.label, head))
                    if c in keep and self.accept(ent, best.indicator, t.id, row.line, head or None):
                        self.suggested += 1
                    else:
                        self.unmatched += 1
            if c not in keep:
                cols_out.append(f"      # unmatched column {q(head)} — candidates: "
                                f"{_candidates_note(cands)}")
        if not keep:
            return ["  # a table no indicator fits (rows are entities): " + (t.title or t.id)]
        lines.append("    columns:")
        lines.extend(cols_out)
        lines.append("    rows:")
        for r, row in enumerate(t.rows):
            vals = [self._cell_text(row.cells[c].text) if c < len(row.cells) else None
                    for c in keep]
            if not any(vals) or row.group:
                continue
            ent = row_ent[r] or self.section_entity(None, t)
            cells = "[" + ", ".join(q(v) if v is not None else "null" for v in vals) + "]"
            note = (f"  # entity from the label, confidence "
                    f"{entity_confidence(row.label, ent):.2f}" if row_ent[r]
                    else "  # entity of the section / report: a total? check it")
            lines.append(f"      - {{entity: {q(ent)}, label: {q(row.label)}, line: {row.line}, "
                         f"values: {cells}}}{note}")
        return lines


def draft_dataset(path: Path, rules_dir: Path, *, dataset_id: str | None = None,
                  entity: str | None = None, period: str | None = None,
                  min_confidence: float = 0.6) -> Draft:
    """Read the report at `path` and write its draft dataset (see the module docstring)."""
    ref = load_reference(rules_dir)
    doc = read_document(path, ref.entities)
    matcher = EntityMatcher(ref.entities)
    entity = entity or default_entity(doc, matcher)
    period = period or default_period(doc)
    shown = display_path(path)
    if entity is None or entity not in ref.entities:
        raise InputError(shown, None, f"cannot tell the report's entity{f' ({entity!r})' if entity else ''}",
                         "give it with --entity (a code of the rule pack's entities.yaml, e.g. OCC)")
    if period is None:
        raise InputError(shown, None, "cannot tell the report's year", "give it with --period 2019")
    ident = dataset_id or "draft-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", path.stem).strip("-")
                                      or "report")
    w = _Writer(doc, ref, entity, str(period), min_confidence)
    figures = w.text_figures()
    tables, ntables = w.tables()
    head = [
        f"# Draft dataset written by `drsmcheck extract` from {path.name}: review every line.",
        "# Suggested indicators carry their confidence (0-1) and the next candidates; figures no",
        f"# indicator fits (confidence under {min_confidence:.2f}) are comments: uncomment them",
        "# with the right indicator. `line` is the line of the report's text"
        + (" (pages in comments)." if doc.kind == "pdf" else "."),
        "dataset:",
        f"  id: {q(ident)}",
        f"  title: {q(path.stem)}",
        f"  entity: {q(entity)}",
        f"  period: {q(str(period))}",
        f"  report: {q(path.name)}",
    ]
    def block(name: str, lines: list[str]) -> list[str]:
        live = any(not x.lstrip().startswith("#") for x in lines)
        return [f"{name}:" if live else f"{name}: []", *lines]

    text = "\n".join(head + block("figures", figures) + block("tables", tables)) + "\n"
    return Draft(text, len(w.figs), w.suggested, w.unmatched, ntables, w.figs)
