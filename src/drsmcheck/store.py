"""Python-side view of the figures, for the few records that failed: lookups by key."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pandas as pd

from .intervals import Interval
from .numbers import EXACT_UNITS

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
    if row["unit"] in EXACT_UNITS and d == 0 and not row["rounded"]:
        return base
    step = 10.0 ** (-d)
    v = float(row["value"])
    return Interval(min(base.lo, v - step), max(base.hi, v + step))


class FigureStore:
    """All figures, grouped by key; the first of each group (table > box > text) is resolved."""

    def __init__(self, figures: pd.DataFrame):
        records = figures.sort_values(["prio", "seq"], kind="stable").to_dict("records")
        for r in records:
            for k, v in list(r.items()):
                if not isinstance(v, str | bool) and v is not None and pd.isna(v):
                    r[k] = None
        self.by_key: dict[Key, list[dict[str, Any]]] = defaultdict(list)
        self.by_ref: dict[str, dict[str, Any]] = {}
        for r in records:
            self.by_key[(r["dataset"], r["entity"], r["period"], r["indicator"])].append(r)
            self.by_ref[r["ref"]] = r

    def resolved(self, key: Key) -> dict[str, Any] | None:
        rows = self.by_key.get(key)
        return rows[0] if rows else None

    def interval(self, key: Key) -> Interval | None:
        row = self.resolved(key)
        return row_interval(row) if row else None
