"""Turn dataset files (YAML, CSV) into the one long table of figures the rules see.

Every figure keeps where it comes from: the dataset file and line of its cell, and the
line of the source report it was transcribed from.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .errors import InputError
from .figures import KINDS, NAMES, make_figure
from .figures import frame as figures_frame
from .numbers import NumberFormatError, parse_number
from .reference import UNITS, Reference, declare_entity_hint, declare_indicator_hint
from .yamlfile import LDict, check_keys, did_you_mean, file_kind, load_yaml, read_text

EXCLUDED_FILES = {"expected.yaml", "expected.yml"}
FIGURE_COLUMNS = list(NAMES)


@dataclass
class Dataset:
    """One report's figures and what describes it."""

    id: str
    path: str
    title: str
    report: str | None
    entity: str | None
    period: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)


def display_path(path: Path) -> str:
    """Paths as the user typed them relative to the working directory, '/'-separated."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = str(path)
    if rel.startswith(".."):
        rel = str(path)
    return rel.replace(os.sep, "/")


def next_period(period: str) -> str | None:
    """The period after this one (years only), so `prev(x)` can join on it."""
    if re.fullmatch(r"\d{4}", period):
        return str(int(period) + 1)
    return None


class _Builder:
    """Accumulates figures of one dataset, checking each against the reference data."""

    def __init__(self, ds: Dataset, ref: Reference):
        self.ds = ds
        self.ref = ref
        self.seen: dict[tuple, tuple[str, int, str]] = {}

    def add(self, *, file: str, line: int, raw: Any, indicator: Any, entity: Any, period: Any,
            kind: str, report_line: Any, table: str | None = None, row: str | None = None,
            column: str | None = None, quote: str | None = None, unit: Any = None,
            rounded: Any = None) -> None:
        if indicator is None:
            raise InputError(file, line, "figure has no indicator",
                             "set 'indicator' on the figure, its row, column or table")
        if entity is None:
            raise InputError(file, line, "figure has no entity",
                             "set 'entity' on the figure, its row, column, table or dataset")
        if period is None:
            raise InputError(file, line, "figure has no period", "set 'period' on the dataset")
        indicator, entity, period = str(indicator), str(entity), str(period)
        ind = self.ref.indicators.get(indicator)
        if ind is None:
            raise InputError(file, line, f"unknown indicator {indicator!r}",
                             did_you_mean(indicator, self.ref.indicators) or
                             declare_indicator_hint(indicator, unit if unit in UNITS else "count"))
        if entity not in self.ref.entities:
            padded = entity.zfill(2) if entity.isdigit() else None
            raise InputError(file, line, f"unknown entity {entity!r}",
                             f"did you mean {padded!r}? quote département codes in YAML: "
                             f"entity: \"{padded}\"" if padded in self.ref.entities else
                             did_you_mean(entity, self.ref.entities) or
                             declare_entity_hint(entity))
        if kind not in KINDS:
            raise InputError(file, line, f"unknown kind {kind!r}",
                             did_you_mean(kind, KINDS) or "kind is text, box or table")
        if report_line is not None and (not isinstance(report_line, int) or report_line < 1):
            raise InputError(file, line, f"'line' must be a positive line number, got {report_line!r}")
        if unit is not None and unit not in ("count", "percent", "eur", "keur", "meur", "days",
                                             "points", "number"):
            raise InputError(file, line, f"unknown unit {unit!r}")
        if rounded is not None and not isinstance(rounded, bool):
            raise InputError(file, line, "'rounded' must be true or false")
        try:
            parsed = parse_number(raw)
        except NumberFormatError as exc:
            raise InputError(file, line, f"bad value: {exc}",
                             "write the number as printed, e.g. \"162 062\" or \"71,9 %\"") from None
        unit = unit or ind.unit
        key = (entity, period, indicator, table, report_line, column)
        if key in self.seen:
            other_file, other_line, other_text = self.seen[key]
            same = "the same value" if other_text == parsed.text else f"{other_text!r}"
            raise InputError(file, line,
                             f"{indicator} for {entity} {period} is given twice for the same place "
                             f"(also {other_file}:{other_line}, {same})",
                             "each printed cell is transcribed once; fix the entity/indicator map")
        self.seen[key] = (file, line, parsed.text)
        self.ds.rows.append(make_figure(
            dataset=self.ds.id, entity=entity, period=period, period_next=next_period(period),
            indicator=indicator, unit=unit, parsed=parsed, rounded=rounded, kind=kind,
            seq=len(self.ds.rows), file=file, line=line, report=self.ds.report,
            report_line=report_line, table=table, row=row, column=column, quote=quote))


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _load_figures(items: Any, file: str, b: _Builder) -> None:
    if not isinstance(items, list):
        raise InputError(file, getattr(items, "line", None), "'figures' must be a list")
    for fig in items:
        check_keys(fig, file, "figure", {"indicator", "entity", "period", "value", "kind", "line",
                                         "quote", "unit", "rounded", "label"},
                   {"indicator", "value", "line"})
        kind = fig.get("kind", "text")
        if kind in ("text", "box") and not fig.get("quote"):
            raise InputError(file, fig.line, f"a {kind} figure needs a 'quote' from the report",
                             "copy the few words around the number from the report line")
        b.add(file=file, line=fig.line_of("value"), raw=fig["value"], indicator=fig["indicator"],
              entity=fig.get("entity", b.ds.entity), period=fig.get("period", b.ds.period),
              kind=kind, report_line=fig["line"], quote=_str_or_none(fig.get("quote")),
              unit=fig.get("unit"), rounded=fig.get("rounded"))


_CELL_KEYS = {"entity", "indicator", "period", "unit", "label", "rounded", "suffix"}


def _load_tables(tables: Any, file: str, b: _Builder) -> None:
    if not isinstance(tables, list):
        raise InputError(file, getattr(tables, "line", None), "'tables' must be a list")
    ids: dict[str, int] = {}
    for table in tables:
        check_keys(table, file, "table", {"id", "title", "line", "blank", "columns", "rows",
                                          "entity", "indicator", "period", "unit", "kind",
                                          "rounded"},
                   {"id", "line", "columns", "rows"})
        tid = str(table["id"])
        if tid in ids:
            raise InputError(file, table.line_of("id"), f"table id {tid!r} used twice "
                             f"(first at line {ids[tid]})")
        ids[tid] = table.line_of("id")
        blank = table.get("blank", "absent")
        if blank not in ("absent", "zero"):
            raise InputError(file, table.line_of("blank"), "'blank' must be 'absent' or 'zero'")
        columns = table["columns"]
        if not isinstance(columns, list) or not columns:
            raise InputError(file, table.line_of("columns"), "'columns' must be a non-empty list")
        for col in columns:
            check_keys(col, file, "table column", _CELL_KEYS)
        rows = table["rows"]
        if not isinstance(rows, list):
            raise InputError(file, table.line_of("rows"), "'rows' must be a list")
        kind = table.get("kind", "table")
        for row in rows:
            check_keys(row, file, "table row", _CELL_KEYS | {"line", "values", "quote"},
                       {"values", "line"})
            values = row["values"]
            if not isinstance(values, list):
                raise InputError(file, row.line_of("values"), "'values' must be a list")
            if len(values) != len(columns):
                raise InputError(file, row.line_of("values"),
                                 f"row has {len(values)} values but table {tid!r} has "
                                 f"{len(columns)} columns",
                                 "give one value per column; use null for an empty cell")
            for i, (col, raw) in enumerate(zip(columns, values, strict=True)):
                vline = values.item_lines[i] if hasattr(values, "item_lines") else row.line
                if raw is None or (isinstance(raw, str) and not raw.strip()):
                    if blank == "absent":
                        continue
                    raw = "0"

                def pick(key: str, col: LDict = col, row: LDict = row, table: LDict = table) -> Any:
                    for scope in (row, col, table):
                        if key in scope:
                            return scope[key]
                    return None

                indicator = pick("indicator")
                suffixes = [str(x["suffix"]) for x in (col, row) if x.get("suffix")]
                if indicator is not None and suffixes:
                    indicator = ".".join([str(indicator), *suffixes])
                b.add(file=file, line=vline, raw=raw, indicator=indicator,
                      entity=pick("entity") or b.ds.entity,
                      period=pick("period") or b.ds.period, kind=kind,
                      report_line=row["line"], table=tid,
                      row=_str_or_none(row.get("label")), column=_str_or_none(col.get("label")),
                      quote=_str_or_none(row.get("quote")), unit=pick("unit"),
                      rounded=pick("rounded"))


def _load_yaml_file(path: Path, b: _Builder, header_allowed: bool) -> None:
    file = display_path(path)
    data = load_yaml(path, file)
    allowed = {"figures", "tables"} | ({"dataset"} if header_allowed else set())
    check_keys(data, file, "dataset file", allowed)
    if "figures" in data and data["figures"] is not None:
        _load_figures(data["figures"], file, b)
    if "tables" in data and data["tables"] is not None:
        _load_tables(data["tables"], file, b)


CSV_COLUMNS = ("indicator", "entity", "period", "value", "kind", "line", "quote", "table", "row",
               "column", "unit")


def _load_csv(path: Path, b: _Builder) -> None:
    file = display_path(path)
    text = read_text(path, file)
    if not text.strip():
        raise InputError(file, 1, "file is empty")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        _read_csv_rows(reader, file, b)
    except csv.Error:
        # DictReader.line_num lags on a failing row; the underlying reader's does not
        raise _csv_error(file, text, reader.reader.line_num or 1) from None


def _csv_error(file: str, text: str, line: int) -> InputError:
    """A row the csv module refuses, in drsmcheck's words (the module's vary with versions)."""
    limit = csv.field_size_limit()
    lines = text.splitlines()
    row = "\n".join(lines[max(0, line - 1) - 1: line]) if lines else ""
    if len(row) > limit or line > len(lines):
        return InputError(file, line, f"invalid CSV: a field is longer than {limit:_} characters"
                          .replace("_", " "), "a cell holds a figure and a short quote; check "
                          "for a quote (\") that is never closed")
    if "\x00" in row:
        return InputError(file, line, "invalid CSV: the row holds a NUL character",
                          "remove control characters; save the file as plain UTF-8 text")
    return InputError(file, line, "invalid CSV: this row cannot be read",
                      "check the quotes (\") and commas; save the file as plain "
                      "comma-separated UTF-8 text")


def _read_csv_rows(reader: csv.DictReader, file: str, b: _Builder) -> None:
    header = reader.fieldnames or []
    for name in header:
        if name not in CSV_COLUMNS:
            raise InputError(file, 1, f"unknown CSV column {name!r}",
                             did_you_mean(name, CSV_COLUMNS) or
                             f"columns: {', '.join(CSV_COLUMNS)}")
    for name in header:
        if header.count(name) > 1:
            raise InputError(file, 1, f"CSV column {name!r} appears twice in the header")
    for req in ("indicator", "value", "line"):
        if req not in header:
            raise InputError(file, 1, f"CSV header lacks the {req!r} column")
    for rec in reader:
        line = reader.line_num
        if None in rec or any(v is None for v in rec.values()):
            raise InputError(file, line, f"row has not {len(header)} fields like the header")
        try:
            report_line = int(rec["line"])
        except ValueError:
            raise InputError(file, line, f"'line' must be a line number, got {rec['line']!r}") from None
        b.add(file=file, line=line, raw=rec["value"], indicator=rec["indicator"] or None,
              entity=rec.get("entity") or b.ds.entity, period=rec.get("period") or b.ds.period,
              kind=rec.get("kind") or "table", report_line=report_line,
              table=rec.get("table") or None, row=rec.get("row") or None,
              column=rec.get("column") or None, quote=rec.get("quote") or None,
              unit=rec.get("unit") or None)


def _dataset_header(data: Any, file: str) -> Dataset:
    check_keys(data, file, "dataset file", {"dataset", "figures", "tables"}, {"dataset"})
    head = check_keys(data["dataset"], file, "dataset header",
                      {"id", "title", "entity", "period", "report"}, {"id"})
    ident = str(head["id"])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]*", ident):
        raise InputError(file, head.line_of("id"), f"invalid dataset id {ident!r}",
                         "use letters, digits, '-', '_' and '.'")
    return Dataset(id=ident, path="", title=str(head.get("title") or ident),
                   report=_str_or_none(head.get("report")), entity=_str_or_none(head.get("entity")),
                   period=_str_or_none(head.get("period")))


def load_dataset(path: Path, ref: Reference) -> Dataset:
    """Load a dataset folder (dataset.yaml + other files) or a single YAML dataset file."""
    if path.is_dir():
        header_path = path / "dataset.yaml"
        hfile = display_path(header_path)
        header = load_yaml(header_path, hfile)
        ds = _dataset_header(header, hfile)
        ds.path = display_path(path)
        b = _Builder(ds, ref)
        _load_yaml_file(header_path, b, header_allowed=True)
        for other in sorted(path.iterdir()):
            if other.name == "dataset.yaml" or other.name in EXCLUDED_FILES:
                continue
            if other.name.startswith(".") or other.is_dir():
                continue
            if other.suffix in (".yaml", ".yml"):
                _load_yaml_file(other, b, header_allowed=False)
            elif other.suffix == ".csv":
                _load_csv(other, b)
        return ds
    file = display_path(path)
    data = load_yaml(path, file)
    ds = _dataset_header(data, file)
    ds.path = file
    _load_yaml_file(path, _Builder(ds, ref), header_allowed=True)
    return ds


def find_datasets(paths: list[Path]) -> list[Path]:
    """Expand the paths given on the command line into dataset folders / files, sorted."""
    found: list[Path] = []
    for p in paths:
        if not p.exists():
            raise InputError(display_path(p), None, "no such file or folder")
        if not p.is_file() and not p.is_dir():
            raise InputError(display_path(p), None,
                             f"not a regular file or folder: it is {file_kind(p.stat().st_mode)}",
                             "give a dataset folder (with dataset.yaml) or a .yaml file")
        if p.is_file():
            if p.suffix not in (".yaml", ".yml"):
                raise InputError(display_path(p), None, "a dataset file must be YAML",
                                 "give a dataset folder (with dataset.yaml) or a .yaml file")
            found.append(p)
        elif (p / "dataset.yaml").is_file():
            found.append(p)
        else:
            subs = sorted(d.parent for d in p.rglob("dataset.yaml"))
            if not subs:
                raise InputError(display_path(p), None, "no dataset.yaml in this folder",
                                 "a dataset is a folder holding dataset.yaml")
            found.extend(subs)
    unique = sorted(set(found), key=lambda q: display_path(q))
    return unique


def load_figures(paths: list[Path], ref: Reference) -> tuple[list[Dataset], pd.DataFrame]:
    """Load every dataset under `paths`; the figures of all as one DataFrame."""
    datasets = [load_dataset(p, ref) for p in find_datasets(paths)]
    ids: dict[str, str] = {}
    for ds in datasets:
        if ds.id in ids:
            raise InputError(ds.path, None, f"dataset id {ds.id!r} is also used by {ids[ds.id]}",
                             "give each dataset its own id")
        ids[ds.id] = ds.path
    rows = [r for ds in datasets for r in ds.rows]
    frame = figures_frame(rows)
    for ds in datasets:
        ds.rows = []  # the frame holds them now; a dict per figure is ~1 KB we no longer need
    return datasets, frame
