"""Wide layout: one record a row (entity, period keys), one indicator a column.

The shape of most statistical files and of R validate's datasets. Every row is a record of
the dataset even when all its cells are empty (a rule then counts it as not evaluable); every
non-empty cell is a table figure whose provenance is its row and column.
"""

from __future__ import annotations

from pathlib import PurePosixPath

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...yamlfile import did_you_mean
from ..header import FileSpec
from ..part import Part, constant
from .grid import Grid, blank_to_null
from .long import report_lines, values


def read_wide(grid: Grid, spec: FileSpec, default_period: str | None) -> Part:
    """Figures of a wide table; `part.records` holds every row's (entity, period)."""
    declared = [*spec.keys.values(), *(c.name for c in spec.columns), *spec_skip(spec)]
    for name in declared:
        if name not in grid.names:
            raise grid.header_error(f"column {name!r} (declared in files: {spec.pattern!r}) is "
                                    "not in the header",
                                    did_you_mean(name, grid.names)
                                    or f"the header has: {', '.join(grid.names)}")
    for name in grid.names:
        if name not in declared:
            raise grid.header_error(f"column {name!r} is neither a key nor an indicator",
                                    "declare it under indicators: (or keys:), or list it under "
                                    "skip: to leave it out")
    n = len(grid)
    entity = _key(grid, spec.keys.get("entity"), spec.entity, n)
    period = _key(grid, spec.keys.get("period"), spec.period or default_period, n)
    report_line = (report_lines(grid, spec.keys["line"], required=False) if "line" in spec.keys
                   else pa.array(np.full(n, spec.report_line or 0), pa.int64()) if
                   spec.report_line else pa.nulls(n, pa.int64()))
    table = spec.table or PurePosixPath(grid.file.split("!")[0]).stem
    row_label = entity if "period" not in spec.keys else pc.binary_join_element_wise(
        entity.fill_null(""), period.fill_null(""), " ")
    pieces: list[dict[str, pa.Array]] = []
    objects: dict[int, object] = {}
    order_row: list[np.ndarray] = []
    order_col: list[np.ndarray] = []
    offset = 0
    for j, col in enumerate(spec.columns):
        vals, objs = values(grid, col.name)
        vals = blank_to_null(vals)  # an empty cell is no figure (the record stays)
        present = pc.or_(pc.is_valid(vals), pa.array(
            np.isin(np.arange(n), np.fromiter(objs, dtype=np.int64)))).to_numpy(
            zero_copy_only=False) if objs else pc.is_valid(vals).to_numpy(zero_copy_only=False)
        rows = np.flatnonzero(present)
        k = len(rows)
        take = pa.array(rows)
        rounded = col.rounded if col.rounded is not None else spec.rounded
        pieces.append({
            "indicator": constant(col.indicator, k), "entity": entity.take(take),
            "period": period.take(take), "value": vals.take(take), "kind": constant("table", k),
            "table": constant(table, k), "row": row_label.take(take),
            "column": constant(col.label or col.name, k), "quote": pa.nulls(k, pa.string()),
            "unit": constant(col.unit or spec.unit, k), "file": grid.where(col.name, rows),
            "line": pa.array(grid.lines[rows], pa.int64()),
            "report_line": report_line.take(take),
            "rounded": pa.array([rounded] * k if rounded is not None else [None] * k,
                                pa.bool_()),
        })
        remap = {int(r): p for p, r in enumerate(rows)}
        for i, v in objs.items():
            objects[offset + remap[i]] = v
        order_row.append(rows)
        order_col.append(np.full(k, j))
        offset += k
    cols = {c: pa.concat_arrays([p[c] for p in pieces]) for c in pieces[0]}
    # reading order: row by row, left to right (so the first bad cell is the first reported)
    order = np.lexsort((np.concatenate(order_col), np.concatenate(order_row)))
    inverse = np.empty_like(order)
    inverse[order] = np.arange(len(order))
    cols = {c: a.take(pa.array(order)) for c, a in cols.items()}
    objects = {int(inverse[i]): v for i, v in objects.items()}
    part = Part(grid.file, cols, objects, grid.checksum)
    part.records = (entity, period, grid.where(spec.keys.get("entity") or spec.columns[0].name),
                    grid.lines)
    return part


def spec_skip(spec: FileSpec) -> list[str]:
    return spec.skip


def _key(grid: Grid, column: str | None, fixed: str | None, n: int) -> pa.Array:
    """A key per row: its column stripped (empty → the fixed/default value), or the fixed one."""
    if column is None:
        return constant(fixed, n) if fixed is not None else pa.nulls(n, pa.string())
    key = blank_to_null(pc.utf8_trim_whitespace(grid.text(column)))
    return key.fill_null(fixed) if fixed is not None else key
