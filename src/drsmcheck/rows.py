"""Figures as Python dicts, made only for the few rows an anomaly shows (by row number)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


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
        sub = self.frame.iloc[pos]
        columns = []
        for c in self.frame.columns:
            col = sub[c]
            mask = col.isna().to_numpy(dtype=bool)
            values = col.tolist()
            if mask.any():
                values = [None if m else v for v, m in zip(values, mask.tolist(), strict=True)]
            columns.append(values)
        names = [*self._columns, "_pos"]
        rows = self._rows
        for values in zip(*columns, pos.tolist(), strict=True):
            rows[values[-1]] = dict(zip(names, values, strict=True))

    def many(self, positions: Any) -> list[dict[str, Any]]:
        return [self[p] for p in positions]
