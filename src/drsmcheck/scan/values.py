"""Printed numbers as intervals, under the same rounding model as the datasets (DESIGN §4)."""

from __future__ import annotations

from dataclasses import dataclass

from ..figures import intervals
from ..numbers import ParsedNumber

ADDITIVE = frozenset({"count", "eur", "keur", "meur"})
EPS = 1e-9


def unit_of(parsed: ParsedNumber) -> str:
    """The unit a print shows: %, €, M€, k€; else a count when whole, a plain number if not."""
    if parsed.unit_hint in ("percent", "eur", "meur", "keur", "days", "points"):
        return parsed.unit_hint
    return "count" if not parsed.decimals and parsed.scale == 1.0 else "number"


def family(unit: str) -> str:
    return {"eur": "money", "keur": "money", "meur": "money"}.get(unit, unit)


@dataclass(frozen=True)
class Value:
    """A printed number: its interval, and the wider one if it was truncated."""

    text: str
    value: float
    unit: str
    lo: float
    hi: float
    tlo: float
    thi: float

    @classmethod
    def of(cls, text: str, parsed: ParsedNumber) -> Value:
        assert parsed.value is not None
        unit = unit_of(parsed)
        lo, hi, tlo, thi = intervals(parsed, unit, None)
        return cls(text, parsed.value, unit, lo, hi, tlo, thi)


def total(values: list[Value]) -> tuple[float, float, float, float]:
    return (sum(v.lo for v in values), sum(v.hi for v in values),
            sum(v.tlo for v in values), sum(v.thi for v in values))


def meets(lo1: float, hi1: float, lo2: float, hi2: float) -> bool:
    return lo1 <= hi2 + EPS and lo2 <= hi1 + EPS


def gap(lo1: float, hi1: float, lo2: float, hi2: float) -> float:
    """Distance between two intervals (0 when they meet)."""
    return max(0.0, lo1 - hi2, lo2 - hi1)
