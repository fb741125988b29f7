"""Long layout: one figure a row, the columns of docs/FORMATS.md §1 (CSV, TSV, XLSX, Parquet)."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import InputError
from ...yamlfile import did_you_mean
from ..header import FileSpec
from ..part import Part
from .grid import Grid

LONG_COLUMNS = ("indicator", "entity", "period", "value", "kind", "line", "quote", "table", "row",
                "column", "unit", "rounded", "exact")
REQUIRED = ("indicator", "value", "line")
_LINE = re.compile(r"[0-9]{1,18}")
_BOOL = {"true": True, "false": False, "vrai": True, "faux": False, "yes": True, "no": False,
         "oui": True, "non": False, "1": True, "0": False}


def check_header(grid: Grid, allowed: tuple[str, ...], what: str) -> None:
    for name in grid.names:
        if name not in allowed:
            hint = did_you_mean(name, allowed) or f"columns: {', '.join(allowed)}"
            sep = next((s for s in (";", "\t", ",") if s in name), None)
            if sep is not None and len(grid.names) == 1:
                hint = (f"the header holds {sep!r}: the file looks {sep!r}-separated; "
                        "give it in the dataset header (files: {name: {sep: ';'}}) or "
                        "with --csv-sep")
            raise grid.header_error(f"unknown {what} column {name!r}", hint)
    for name in grid.names:
        if grid.names.count(name) > 1:
            raise grid.header_error(f"{what} column {name!r} appears twice in the header")


def report_lines(grid: Grid, name: str, required: bool) -> pa.Array:
    """The `line` column (source report line) as int64, checked: a positive whole number."""
    col = grid.columns[name]
    if pa.types.is_integer(col.type):
        ints = col.cast(pa.int64())
        bad = pc.or_(pc.less(ints, 1), pc.is_null(ints)) if required else pc.less(ints, 1)
        bad_np = bad.fill_null(False).to_numpy(zero_copy_only=False)
    else:
        # line numbers repeat (a table's row shares one): each distinct text is read once
        enc = pc.dictionary_encode(grid.text(name))
        words = [w.strip() for w in enc.dictionary.to_pylist()]
        nums = [int(w) if _LINE.fullmatch(w) else None for w in words]
        word_bad = np.array([n is None and (required or w != "") or (n is not None and n < 1)
                             for w, n in zip(words, nums, strict=True)] + [False], dtype=bool)
        idx = enc.indices.fill_null(len(words)).to_numpy(zero_copy_only=False)
        bad_np = word_bad[idx]
        ints = pa.array(nums, pa.int64()).take(enc.indices)
    if bad_np.any():
        i = int(np.argmax(bad_np))
        got = grid.text(name)[i].as_py()
        raise InputError(str(grid.where(name, np.array([i]))[0]), int(grid.lines[i]),
                         f"'line' must be a positive line number, got {got!r}",
                         "the line of the source report the figure is printed at")
    return ints


def booleans(grid: Grid, name: str) -> pa.Array:
    """A true/false column (exact, rounded) → bool with null for empty."""
    text = pc.utf8_lower(pc.utf8_trim_whitespace(grid.text(name)))
    words = text.to_pylist()
    bad = [i for i, w in enumerate(words) if w and w not in _BOOL]
    if bad:
        i = bad[0]
        raise InputError(str(grid.where(name, np.array([i]))[0]), int(grid.lines[i]),
                         f"'{name}' must be true or false, got {words[i]!r}")
    return pa.array([_BOOL.get(w) if w else None for w in words], type=pa.bool_())


def values(grid: Grid, name: str) -> tuple[pa.Array, dict[int, Any]]:
    """A value column: strings as printed, or typed cells kept as Python objects."""
    col = grid.columns[name]
    if pa.types.is_string(col.type) or pa.types.is_large_string(col.type):
        return col.cast(pa.string()), {}
    objs = {i: v for i, v in enumerate(col.to_pylist()) if v is not None}
    return pa.nulls(len(col), pa.string()), objs


def read_long(grid: Grid, spec: FileSpec | None) -> Part:
    check_header(grid, LONG_COLUMNS, "CSV" if grid.cell is None else "table")
    for req in REQUIRED:
        if req not in grid.names:
            raise grid.header_error(f"CSV header lacks the {req!r} column",
                                    f"columns: {', '.join(LONG_COLUMNS)}")
    n = len(grid)
    cols: dict[str, pa.Array] = {}
    for name in ("indicator", "entity", "period", "quote", "table", "row", "column", "unit"):
        cols[name] = grid.text(name) if name in grid.names else \
            pa.nulls(n, pa.string())
    if spec is not None:
        for name, fixed in (("entity", spec.entity), ("period", spec.period),
                            ("unit", spec.unit), ("table", spec.table)):
            if fixed is not None:
                cols[name] = pc.if_else(pc.equal(pc.utf8_trim_whitespace(cols[name]), ""),
                                        fixed, cols[name]).fill_null(fixed)
    default_kind = spec.kind if spec is not None else "table"
    kind = grid.text("kind") if "kind" in grid.names else pa.nulls(n, pa.string())
    cols["kind"] = pc.if_else(pc.equal(kind, ""), default_kind, kind).fill_null(default_kind)
    cols["value"], objects = values(grid, "value")
    cols["line"] = pa.array(grid.lines, type=pa.int64())
    cols["report_line"] = report_lines(grid, "line", required=True)
    rounded = pa.nulls(n, pa.bool_())
    if "rounded" in grid.names:
        rounded = booleans(grid, "rounded")
    if "exact" in grid.names:
        exact = booleans(grid, "exact")
        both = pc.and_(pc.is_valid(rounded), pc.is_valid(exact))
        clash = pc.and_(both, pc.equal(rounded, exact)).fill_null(False)
        if pc.any(clash).as_py():
            i = int(np.argmax(clash.to_numpy(zero_copy_only=False)))
            raise InputError(str(grid.where("exact", np.array([i]))[0]), int(grid.lines[i]),
                             "'exact' contradicts 'rounded'", "exact: true is rounded: false")
        rounded = pc.coalesce(rounded, pc.invert(exact))
    if spec is not None and spec.rounded is not None:
        rounded = rounded.fill_null(spec.rounded)
    cols["rounded"] = rounded
    if grid.cell is not None:
        cols["file"] = grid.where("value")
    return Part(grid.file, cols, objects, grid.checksum)
