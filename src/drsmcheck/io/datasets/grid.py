"""A table read from a file (CSV, TSV, XLSX sheet, Parquet): named columns and where each row is.

The long and wide layouts (long.py, wide.py) turn a Grid into figures the same way whatever
file it came from; only provenance differs: `file:line` for text files, `file!sheet!C12`
(row 12) for spreadsheets, the row number for Parquet.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...errors import InputError
from ..part import constant


@dataclass
class Grid:
    file: str                       # display name of the file (for file-level messages)
    names: list[str]                # header, stripped
    columns: dict[str, pa.Array]    # by name; strings, or typed (Parquet, XLSX numbers)
    lines: np.ndarray               # int64: line / row of each record
    header_line: int = 1            # where the header is (file-level errors point there)
    checksum: int = 0
    cell: Callable[[str, np.ndarray], pa.Array] | None = None  # provenance per column, rows

    def __len__(self) -> int:
        return len(self.lines)

    def where(self, name: str, rows: np.ndarray | None = None) -> pa.Array:
        """The `file` of the figures read from column `name` (at `rows`)."""
        idx = np.arange(len(self)) if rows is None else rows
        if self.cell is None:
            return constant(self.file, len(idx))
        return self.cell(name, idx)

    def header_error(self, message: str, hint: str | None = None) -> InputError:
        return InputError(self.file, self.header_line, message, hint)

    def text(self, name: str) -> pa.Array:
        """A column as strings, empty for null (keys, labels, line numbers)."""
        col = self.columns[name]
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            if pa.types.is_floating(col.type):
                col = pc.if_else(pc.equal(col, pc.round(col)), pc.cast(pc.cast(
                    pc.fill_null(col, 0), pa.int64()), pa.string()), pc.cast(col, pa.string()))
                col = pc.if_else(pc.is_null(self.columns[name]), "", col)
            else:
                col = pc.cast(col, pa.string())
        col = col.cast(pa.string())
        return pc.fill_null(col, "") if col.null_count else col


def blank_to_null(arr: pa.Array) -> pa.Array:
    """'' (or blanks) → null: an empty cell gives no value."""
    return pc.if_else(pc.equal(pc.utf8_trim_whitespace(arr), ""), pa.scalar(None, pa.string()),
                      arr)
