"""Parquet files (pyarrow): columns as in the long or wide layout, rows numbered from 1.

String value columns are prints (`"71,9 %"`); numeric ones are read like unquoted YAML
numbers (an integer is exact where its unit is, a float shows the decimals of its shortest
repr). A figure's `line` is its row number (1 = the first row).
"""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa

from ...errors import InputError
from ...yamlfile import read_bytes
from .grid import Grid


def read_parquet(path: Path, file: str) -> Grid:
    import pyarrow.parquet as pq

    data = read_bytes(path, file, "parquet")
    try:
        table = pq.read_table(io.BytesIO(data))
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise InputError(file, None, f"cannot read the Parquet file: {exc}",
                         "write it again with pyarrow, pandas or DuckDB") from None
    names = [str(n).strip() for n in table.column_names]
    cols = {}
    for name, col in zip(names, table.columns, strict=True):
        arr = col.combine_chunks()
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        if pa.types.is_large_string(arr.type):
            arr = arr.cast(pa.string())
        if not (pa.types.is_string(arr.type) or pa.types.is_integer(arr.type)
                or pa.types.is_floating(arr.type) or pa.types.is_boolean(arr.type)):
            raise InputError(file, None, f"column {name!r} has type {arr.type}",
                             "figures are strings as printed or numbers; keys are strings")
        cols[name] = arr
    lines = np.arange(1, table.num_rows + 1, dtype=np.int64)
    return Grid(file, names, cols, lines, 1, zlib.crc32(data))
