"""Python-side view of the figures, for the few records that failed: lookups by key."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .intervals import Interval
from .numbers import EXACT_UNITS, widen_for_truncation

Key = tuple[str, str, str, str]  # dataset, entity, period, indicator


def row_interval(row: dict[str, Any]) -> Interval | None:
    lo, hi = row.get("lo"), row.get("hi")
    if lo is None or hi is None or pd.isna(lo) or pd.isna(hi):
        return None
    return Interval(float(lo), float(hi))


def truncation(row: dict[str, Any]) -> Interval | None:
    """Interval if the printed value was truncated rather than rounded (one more unit wide)."""
    base = row_interval(row)
    if base is None:
        return None
    d = int(row["decimals"]) if row["decimals"] >= 0 else 0
    exact = row["unit"] in EXACT_UNITS and d == 0 and not row["rounded"]
    return Interval(*widen_for_truncation(base.lo, base.hi, float(row["value"]), d, exact))


class FigureStore:
    """All figures, looked up by key; the first of each key (table > box > text) is resolved.

    Built once per run over the whole table, so it stays vectorized: rows become Python dicts
    only when a failing relation asks for them (the diagnosis touches a few thousand at most).
    """

    KEY_COLUMNS = ["dataset", "entity", "period", "indicator"]

    def __init__(self, figures: pd.DataFrame):
        frame = figures.sort_values(["prio", "seq"], kind="stable").reset_index(drop=True)
        self._frame = frame
        self._columns = list(frame.columns)
        self._arrays = [frame[c].to_numpy(dtype=object) for c in self._columns]
        keys = list(zip(*(frame[c].to_numpy(dtype=object) for c in self.KEY_COLUMNS),
                        strict=True))
        first: dict[Key, int] = {}
        extra: dict[Key, list[int]] = {}
        for pos, key in enumerate(keys):
            if key in first:
                extra.setdefault(key, [first[key]]).append(pos)
            else:
                first[key] = pos
        self._first = first
        self._many = extra
        self._rows: dict[int, dict[str, Any]] = {}
        self._intervals: dict[Key, Interval | None] = {}
        self._refs: pd.Index | None = None

    def _row(self, pos: int) -> dict[str, Any]:
        row = self._rows.get(pos)
        if row is None:
            row = {}
            for col, arr in zip(self._columns, self._arrays, strict=True):
                v = arr[pos]
                if v is not None and not isinstance(v, str | bool) and pd.isna(v):
                    v = None
                row[col] = v
            self._rows[pos] = row
        return row

    def rows(self, key: Key) -> list[dict[str, Any]]:
        """Every print of a figure, table first."""
        if key in self._many:
            return [self._row(p) for p in self._many[key]]
        pos = self._first.get(key)
        return [] if pos is None else [self._row(pos)]

    def resolved(self, key: Key) -> dict[str, Any] | None:
        pos = self._first.get(key)
        return None if pos is None else self._row(pos)

    def interval(self, key: Key) -> Interval | None:
        if key not in self._intervals:
            row = self.resolved(key)
            self._intervals[key] = row_interval(row) if row else None
        return self._intervals[key]

    def by_ref(self, ref: str) -> dict[str, Any]:
        if self._refs is None:
            self._refs = pd.Index(self._frame["ref"])
        return self._row(int(self._refs.get_loc(ref)))

    def where(self, mask: Any) -> list[dict[str, Any]]:
        """Rows selected by a boolean mask over the table (vectorized filter first)."""
        return [self._row(int(p)) for p in self._frame.index[mask]]

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame
