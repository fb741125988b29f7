"""The raw figures one file gives, as columns, before they are checked and parsed.

Every reader (YAML, CSV/TSV, XLSX, Parquet, long or wide) produces Parts with the same
columns; `build.build_figures` then checks, parses and types all of them in one columnar pass,
so the same figure gives the same row — and the same errors — whatever format it comes in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

STR_COLUMNS = ("indicator", "entity", "period", "value", "kind", "table", "row", "column",
               "quote", "unit", "file")
INT_COLUMNS = ("line", "report_line")
# rounded: declared exactness of the figure (true / false / null = by unit and decimals)
COLUMNS = (*STR_COLUMNS, *INT_COLUMNS, "rounded")


@dataclass
class Part:
    """Columns of raw figures from one file (Arrow arrays, all of the same length).

    `objects`: raw values that are not strings (YAML numbers, numeric Parquet or XLSX cells) by
    row; their `value` is null. `quotes_checked`: the reader already required a quote for
    text/box figures (YAML says where the figure is).
    """

    file: str
    columns: dict[str, pa.Array]
    objects: dict[int, Any] = field(default_factory=dict)
    checksum: int = 0
    quotes_checked: bool = False
    # wide tables: (entity, period, file, lines) of every row, a record even when empty
    records: tuple[Any, Any, Any, Any] | None = None

    def __len__(self) -> int:
        return len(self.columns["line"])


def constant(value: Any, n: int, type_: pa.DataType | None = None) -> pa.Array:
    """n copies of one value (a default entity, the file name) without a Python list of n."""
    import numpy as np

    return pa.array([value], type=type_ or pa.string()).take(pa.array(np.zeros(n, dtype=np.int32)))


class RowParts:
    """Builds a Part row by row, for the readers whose input is small (YAML, XLSX)."""

    def __init__(self, file: str, checksum: int = 0, quotes_checked: bool = False):
        self.file = file
        self.checksum = checksum
        self.quotes_checked = quotes_checked
        self.data: dict[str, list[Any]] = {c: [] for c in COLUMNS}
        self.objects: dict[int, Any] = {}

    def add(self, *, value: Any, line: int, file: str | None = None, **cols: Any) -> None:
        i = len(self.data["line"])
        if isinstance(value, str) or value is None:
            self.data["value"].append(value)
        else:
            self.data["value"].append(None)
            self.objects[i] = value
        self.data["line"].append(line)
        self.data["file"].append(file or self.file)
        for name in COLUMNS:
            if name not in ("value", "line", "file"):
                v = cols.get(name)
                self.data[name].append(None if v is None else (
                    v if name in INT_COLUMNS or name == "rounded" else str(v)))

    def part(self) -> Part:
        if not self.data["line"]:  # a header without figures (a dataset's data is in CSVs)
            return Part(self.file, dict(_empty()), self.objects, self.checksum,
                        self.quotes_checked)
        cols = {c: pa.array(self.data[c], type=pa.string()) for c in STR_COLUMNS}
        cols.update({c: pa.array(self.data[c], type=pa.int64()) for c in INT_COLUMNS})
        cols["rounded"] = pa.array(self.data["rounded"], type=pa.bool_())
        return Part(self.file, cols, self.objects, self.checksum, self.quotes_checked)


_EMPTY: dict[str, pa.Array] = {}


def _empty() -> dict[str, pa.Array]:
    """The columns of a Part without rows (made once: Arrow arrays are immutable)."""
    if not _EMPTY:
        _EMPTY.update({c: pa.array([], type=pa.string()) for c in STR_COLUMNS})
        _EMPTY.update({c: pa.array([], type=pa.int64()) for c in INT_COLUMNS})
        _EMPTY["rounded"] = pa.array([], type=pa.bool_())
    return _EMPTY
