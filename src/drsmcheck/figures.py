"""The figures table: every column once, with its type and meaning.

Loaders build rows with `make_figure`, the pandera schema is generated from `COLUMNS`, the
engine and the report read the same names. Adding a column means adding it here, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .numbers import EXACT_UNITS, ParsedNumber, interval, widen_for_truncation

KINDS = ("text", "box", "table")
# which print of a figure the rules read when it is printed several times: table > box > text
KIND_PRIORITY = {"table": 0, "box": 1, "text": 2}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "str" | "float" | "int" | "bool"
    nullable: bool
    meaning: str


COLUMNS: tuple[Column, ...] = (
    Column("dataset", "str", False, "id of the dataset (one report) the figure belongs to"),
    Column("ref", "str", False, "unique id of this print: entity|period|indicator@file:line"),
    Column("entity", "str", False, "who/where: OCC, LR, a département code '34', FR"),
    Column("period", "str", False, "2019, or finer: 2019-S2, 2018-12-31"),
    Column("period_next", "str", True, "the period after this one (years only), for prev()"),
    Column("indicator", "str", False, "what the figure measures, a dotted catalog id"),
    Column("unit", "str", False, "unit of the indicator (catalog, or the figure's override)"),
    Column("unit_printed", "str", True, "unit read off the print: percent, eur, meur, …"),
    Column("text", "str", False, "the figure exactly as printed"),
    Column("value", "float", True, "the printed value in the indicator's unit; null if not a number"),
    Column("lo", "float", True, "lower bound of the interval the print stands for (rounding model)"),
    Column("hi", "float", True, "upper bound of that interval"),
    Column("tlo", "float", True, "lower bound if the print was truncated instead of rounded"),
    Column("thi", "float", True, "upper bound if the print was truncated instead of rounded"),
    Column("decimals", "int", False, "decimals displayed (-1 when not a number)"),
    Column("scale", "float", False, "printed scale word: 1e6 for '7,8 millions', else 1"),
    Column("qualifier", "str", True, "'<', '<=', '>', '>=' for '< 1 %'"),
    Column("non_numeric", "bool", False, "a word or a dash in a numeric place (no value)"),
    Column("rounded", "bool", False, "the interval is wider than the point (the print is rounded)"),
    Column("kind", "str", False, "where it is printed: text, box or table"),
    Column("prio", "int", False, "print precedence (table 0, box 1, text 2): rules read the lowest"),
    Column("seq", "int", False, "order of the print in its dataset (ties of prio)"),
    Column("file", "str", False, "dataset file the figure was read from"),
    Column("line", "int", False, "line (or row) of the figure in that file, 1-based"),
    Column("report", "str", True, "the source report the figure was transcribed from"),
    Column("report_line", "int", True, "line of the source report, 1-based"),
    Column("table", "str", True, "table id in the dataset"),
    Column("row", "str", True, "row label of the table cell"),
    Column("column", "str", True, "column label of the table cell"),
    Column("quote", "str", True, "the words around the number in the report"),
)
NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)


def intervals(parsed: ParsedNumber, unit: str, rounded: bool | None
              ) -> tuple[float, float, float, float]:
    """(lo, hi, tlo, thi): the rounding interval and its truncation widening, defined once."""
    lo, hi = interval(parsed, unit, rounded)
    assert parsed.value is not None
    d = parsed.decimals or 0
    exact = lo == hi and (rounded is False or (unit in EXACT_UNITS and d == 0
                                               and parsed.scale == 1.0))
    if parsed.qualifier is not None:
        return lo, hi, lo, hi
    tlo, thi = widen_for_truncation(lo, hi, parsed.value, d, exact, parsed.scale)
    return lo, hi, tlo, thi


def make_figure(*, dataset: str, entity: str, period: str, period_next: str | None,
                indicator: str, unit: str, parsed: ParsedNumber, rounded: bool | None,
                kind: str, seq: int, file: str, line: int, report: str | None,
                report_line: int | None, table: str | None = None, row: str | None = None,
                column: str | None = None, quote: str | None = None) -> dict[str, Any]:
    """One row of the figures table (a dict with every column of COLUMNS)."""
    if parsed.value is not None:
        lo, hi, tlo, thi = intervals(parsed, unit, rounded)
    else:
        lo = hi = tlo = thi = None
    return {
        "dataset": dataset,
        "ref": f"{entity}|{period}|{indicator}@{file}:{line}",
        "entity": entity, "period": period, "period_next": period_next,
        "indicator": indicator, "unit": unit, "unit_printed": parsed.unit_hint,
        "text": parsed.text, "value": parsed.value, "lo": lo, "hi": hi, "tlo": tlo, "thi": thi,
        "decimals": parsed.decimals if parsed.decimals is not None else -1,
        "scale": parsed.scale,
        "qualifier": parsed.qualifier, "non_numeric": parsed.non_numeric,
        "rounded": bool(rounded) if rounded is not None else (
            lo != hi if lo is not None else False),
        "kind": kind, "prio": KIND_PRIORITY[kind], "seq": seq,
        "file": file, "line": line, "report": report, "report_line": report_line,
        "table": table, "row": row, "column": column, "quote": quote,
    }


def frame(rows: list[dict[str, Any]]) -> Any:
    """The figures table as a pandas DataFrame with the contract's dtypes."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=list(NAMES))
    for col in COLUMNS:
        if col.dtype == "float":
            df[col.name] = df[col.name].astype("float64")
        elif col.dtype == "int" and not col.nullable:
            df[col.name] = df[col.name].astype("int64")
        elif col.dtype == "bool":
            df[col.name] = df[col.name].astype(bool)
        elif col.dtype == "int":
            df[col.name] = pd.array(df[col.name], dtype="Int64")
        else:
            df[col.name] = df[col.name].astype(object).where(df[col.name].notna(), None)
    return df


def empty() -> Any:
    return frame([])


def float_array(values: Any) -> np.ndarray:
    """A nullable float column as float64 with NaN for null."""
    return np.asarray(values, dtype="float64")
