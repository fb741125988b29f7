"""Figures as Python dicts, made only for the few rows an anomaly shows (by row number)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


class Rows:
    """Row access to the figures table by position; each row is built once, on demand.

    Columns are kept as NumPy arrays with their null masks computed once (vectorized), so a
    row costs a few microseconds, not a `pd.isna` per cell.
    """

    def __init__(self, figures: pd.DataFrame):
        self.frame = figures.reset_index(drop=True)
        self._columns = list(self.frame.columns)
        self._arrays: list[np.ndarray] = []
        self._nulls: list[np.ndarray | None] = []
        self._numeric: list[bool] = []
        for c in self._columns:
            col = self.frame[c]
            if isinstance(col.dtype, pd.StringDtype) and col.dtype.storage == "pyarrow":
                # Arrow-held strings (figures.Column.arrow): a Python str only for rows read
                self._arrays.append(_ArrowColumn(col))  # type: ignore[arg-type]
                nulls = col.isna().to_numpy()
                self._nulls.append(nulls if nulls.any() else None)
                self._numeric.append(False)
            elif col.dtype.kind in "fiub":
                arr = col.to_numpy()
                self._arrays.append(arr)
                self._nulls.append(np.isnan(arr) if arr.dtype.kind == "f" else None)
                self._numeric.append(True)
            else:
                nulls = col.isna().to_numpy()
                self._arrays.append(col.to_numpy(dtype=object))
                self._nulls.append(nulls if nulls.any() else None)
                self._numeric.append(False)
        self._rows: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, pos: int) -> dict[str, Any]:
        pos = int(pos)
        row = self._rows.get(pos)
        if row is None:
            row = {}
            for col, arr, nulls, numeric in zip(self._columns, self._arrays, self._nulls,
                                                self._numeric, strict=True):
                if nulls is not None and nulls[pos]:
                    row[col] = None
                elif numeric:
                    row[col] = arr[pos].item()
                else:
                    v = arr[pos]
                    row[col] = v.item() if isinstance(v, np.generic) else v
            row["_pos"] = pos
            self._rows[pos] = row
        return row

    def prefetch(self, positions: Any) -> None:
        """Build many rows at once, column by column (`tolist` converts in C)."""
        pos = np.unique(np.asarray(positions, dtype=np.int64))
        pos = np.array([p for p in pos.tolist() if p not in self._rows], dtype=np.int64)
        if not len(pos):
            return
        columns = []
        for arr, nulls in zip(self._arrays, self._nulls, strict=True):
            values = arr[pos].tolist()
            if nulls is not None:
                mask = nulls[pos]
                if mask.any():
                    values = [None if m else v for v, m in zip(values, mask.tolist(),
                                                               strict=True)]
            columns.append(values)
        names = [*self._columns, "_pos"]
        for values in zip(*columns, pos.tolist(), strict=True):
            row = dict(zip(names, values, strict=True))
            self._rows[row["_pos"]] = row

    def many(self, positions: Any) -> list[dict[str, Any]]:
        return [self[p] for p in positions]


class _ArrowColumn:
    """An Arrow string column indexed like a NumPy object array (`a[i]`, `a[positions]`)."""

    def __init__(self, col: pd.Series):
        import pyarrow as pa

        self.arr = pa.array(col.array)  # the column's own buffers (chunks kept, no copy)

    def __getitem__(self, pos: Any) -> Any:
        if isinstance(pos, np.ndarray):
            return np.array(self.arr.take(pos).to_pylist(), dtype=object)
        return self.arr[int(pos)].as_py()
