"""YAML figure files: single figures (`figures:`) and printed tables (`tables:`)."""

from __future__ import annotations

import zlib
from pathlib import Path
from typing import Any

from ...errors import InputError
from ...yamlfile import LDict, check_keys, load_yaml, read_bytes
from ..header import exactness
from ..part import Part, RowParts

FIGURE_KEYS = {"indicator", "entity", "period", "value", "kind", "line", "quote", "unit",
               "rounded", "exact", "label"}
CELL_KEYS = {"entity", "indicator", "period", "unit", "label", "rounded", "exact", "suffix"}
TABLE_KEYS = {"id", "title", "line", "blank", "columns", "rows", "entity", "indicator", "period",
              "unit", "kind", "rounded", "exact"}


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _report_line(value: Any, file: str, line: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InputError(file, line, f"'line' must be a positive line number, got {value!r}")
    return value


def read_yaml(path: Path, file: str, header_allowed: bool, data: Any = None,
              checksum: int | None = None) -> Part:
    """The figures of one YAML file (the header file's own `figures:` and `tables:` too).

    `data`, `checksum`: the file already parsed, and the CRC-32 of its bytes (the header file
    is read once).
    """
    if data is None:
        data = load_yaml(path, file)
    if checksum is None:
        # the file passed load_yaml's checks (size, encoding): its bytes give the print order
        checksum = zlib.crc32(read_bytes(path, file))
    rows = RowParts(file, checksum, quotes_checked=True)
    allowed = {"figures", "tables"} | ({"dataset"} if header_allowed else set())
    check_keys(data, file, "dataset file", allowed)
    if data.get("figures") is not None:
        _figures(data["figures"], file, rows)
    if data.get("tables") is not None:
        _tables(data["tables"], file, rows)
    return rows.part()


def _figures(items: Any, file: str, rows: RowParts) -> None:
    if not isinstance(items, list):
        raise InputError(file, getattr(items, "line", None), "'figures' must be a list")
    for fig in items:
        check_keys(fig, file, "figure", FIGURE_KEYS, {"indicator", "value", "line"})
        kind = fig.get("kind", "text")
        if kind in ("text", "box") and not fig.get("quote"):
            raise InputError(file, fig.line, f"a {kind} figure needs a 'quote' from the report",
                             "copy the few words around the number from the report line")
        vline = fig.line_of("value")
        rows.add(value=fig["value"], line=vline, indicator=fig["indicator"],
                 entity=fig.get("entity"), period=fig.get("period"), kind=kind,
                 report_line=_report_line(fig["line"], file, vline), quote=_str(fig.get("quote")),
                 unit=fig.get("unit"), rounded=exactness(fig, file, "the figure"))


def _tables(tables: Any, file: str, rows: RowParts) -> None:
    if not isinstance(tables, list):
        raise InputError(file, getattr(tables, "line", None), "'tables' must be a list")
    ids: dict[str, int] = {}
    for table in tables:
        check_keys(table, file, "table", TABLE_KEYS, {"id", "line", "columns", "rows"})
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
            check_keys(col, file, "table column", CELL_KEYS)
        col_rounded = [exactness(c, file, "the table column") for c in columns]
        table_rounded = exactness(table, file, "the table")
        body = table["rows"]
        if not isinstance(body, list):
            raise InputError(file, table.line_of("rows"), "'rows' must be a list")
        kind = table.get("kind", "table")
        for row in body:
            check_keys(row, file, "table row", CELL_KEYS | {"line", "values", "quote"},
                       {"values", "line"})
            values = row["values"]
            if not isinstance(values, list):
                raise InputError(file, row.line_of("values"), "'values' must be a list")
            if len(values) != len(columns):
                raise InputError(file, row.line_of("values"),
                                 f"row has {len(values)} values but table {tid!r} has "
                                 f"{len(columns)} columns",
                                 "give one value per column; use null for an empty cell")
            row_rounded = exactness(row, file, "the table row")
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
                rounded = next((r for r in (row_rounded, col_rounded[i], table_rounded)
                                if r is not None), None)
                rows.add(value=raw, line=vline, indicator=indicator, entity=pick("entity"),
                         period=pick("period"), kind=kind,
                         report_line=_report_line(row["line"], file, vline), table=tid,
                         row=_str(row.get("label")), column=_str(col.get("label")),
                         quote=_str(row.get("quote")), unit=pick("unit"), rounded=rounded)
