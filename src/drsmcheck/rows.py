"""Figures as Python dicts, made only for the few rows an anomaly shows (by row number)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd


class Rows:
    """Row access to the figures table by position; each row is built once, on demand."""

    def __init__(self, figures: pd.DataFrame):
        self.frame = figures.reset_index(drop=True)
        self._columns = list(self.frame.columns)
        self._arrays = [self.frame[c].to_numpy(dtype=object) for c in self._columns]
        self._rows: dict[int, dict[str, Any]] = {}

    def __len__(self) -> int:
        return len(self.frame)

    def __getitem__(self, pos: int) -> dict[str, Any]:
        pos = int(pos)
        row = self._rows.get(pos)
        if row is None:
            row = {}
            for col, arr in zip(self._columns, self._arrays, strict=True):
                v = arr[pos]
                if v is not None and not isinstance(v, str | bool) and pd.isna(v):
                    v = None
                elif isinstance(v, np.integer):
                    v = int(v)
                elif isinstance(v, np.floating):
                    v = float(v)
                elif isinstance(v, np.bool_):
                    v = bool(v)
                row[col] = v
            row["_pos"] = pos
            self._rows[pos] = row
        return row

    def many(self, positions: Any) -> list[dict[str, Any]]:
        return [self[p] for p in positions]
