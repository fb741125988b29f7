"""Figures as Python dicts, made only for the few rows an anomaly shows (by row number)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .gcpause import paused_gc


class Rows:
    """Row access to the figures table by position; each row is built once, on demand.

    Nothing is converted up front: at 10⁶ figures, turning every column into Python objects
    and null masks cost ~1 s and hundreds of MB for the few thousand rows anomalies show.
    `prefetch` takes the wanted rows out of the table (`iloc`, any column dtype: NumPy,
    nullable, Arrow, categorical) and converts only those, column by column in C.
    """

    def __init__(self, figures: pd.DataFrame):
        index = figures.index
        if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
            self.frame = figures
        else:
            self.frame = figures.reset_index(drop=True)
        self._columns = [str(c) for c in self.frame.columns]
        self._rows: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, pos: int) -> dict[str, Any]:
        pos = int(pos)
        row = self._rows.get(pos)
        if row is None:
            self.prefetch([pos])
            row = self._rows[pos]
        return row

    def prefetch(self, positions: Any) -> None:
        """Build many rows at once, column by column (`tolist` converts in C)."""
        pos = np.unique(np.asarray(positions, dtype=np.int64))
        if len(self._rows):
            known = np.fromiter(self._rows, dtype=np.int64, count=len(self._rows))
            pos = pos[~np.isin(pos, known)]
        if not len(pos):
            return
        columns = [_column_values(self.frame[c], pos) for c in self.frame.columns]
        names = [*self._columns, "_pos"]
        rows = self._rows
        # each row a copy of one dict of the keys, its values then set: the copy takes the
        # key table whole, where building the dict key by key grew it three times (~10 %)
        copy = dict.fromkeys(names).copy
        with paused_gc():  # 10⁵ dicts, no cycles (gcpause)
            for values in zip(*columns, pos.tolist(), strict=True):
                row = copy()
                row.update(zip(names, values, strict=True))
                rows[values[-1]] = row

    def many(self, positions: Any) -> list[dict[str, Any]]:
        """The rows at `positions` (Python ints): read straight from the rows made when they
        were all prefetched (one dict lookup each), else made as `self[p]` does."""
        rows = self._rows
        try:
            return [rows[p] for p in positions]
        except (KeyError, TypeError):
            return [self[p] for p in positions]


def _column_values(col: pd.Series, pos: np.ndarray) -> list[Any]:
    """The values of one column at `pos` as Python objects (None for missing), converted in C.

    The common dtypes are read off their arrays without a sub-frame (`iloc` copied all 31
    columns first): NumPy (float NaN → None), Categorical (its categories' own objects),
    Arrow strings (`to_pylist`); any other dtype goes through pandas.
    """
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "iub":
        return col.to_numpy()[pos].tolist()
    if isinstance(dtype, np.dtype) and dtype.kind == "f":
        arr = col.to_numpy()[pos]
        values = arr.tolist()
        missing = np.isnan(arr)
        if missing.any():
            for k in np.flatnonzero(missing).tolist():
                values[k] = None
        return values
    if isinstance(dtype, pd.CategoricalDtype):
        cat = col.array
        codes = np.asarray(cat.codes)[pos]
        lookup = np.array([*cat.categories.tolist(), None], dtype=object)
        return lookup[codes].tolist()  # code -1 (missing) → the last entry, None
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        import pyarrow as pa

        data = pa.chunked_array(col.array._pa_array) if hasattr(col.array, "_pa_array") \
            else pa.array(col.array)
        return data.take(pa.array(pos)).to_pylist()
    sub = col.iloc[pos]
    mask = sub.isna().to_numpy(dtype=bool)
    values = sub.tolist()
    if mask.any():
        values = [None if m else v for v, m in zip(values, mask.tolist(), strict=True)]
    return values
