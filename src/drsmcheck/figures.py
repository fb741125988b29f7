"""The figures table: every column once, with its type and meaning.

The loader builds it a column at a time (io/build.py), `make_figure` one row for tests and
tools, both under `numbers.rounding`; the pandera schema is generated from `COLUMNS`, the
engine and the report read the same names. Adding a column means adding it here, nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .numbers import ParsedNumber, rounding_of
from .numbers import unit_factor as unit_factor  # where kinds and anomalies read it

KINDS = ("text", "box", "table")
# which print of a figure the rules read when it is printed several times: table > box > text
KIND_PRIORITY = {"table": 0, "box": 1, "text": 2}


@dataclass(frozen=True)
class Column:
    name: str
    dtype: str  # "str" | "float" | "int" | "bool"
    nullable: bool
    meaning: str
    # a string column whose values are (nearly) all distinct is held by Arrow (pandas' `str`
    # dtype: one buffer) rather than as one Python object per figure; the others are `object`
    # arrays whose repeated strings are shared
    arrow: bool = False
    # a key column (never null, a few distinct values) is a pandas Categorical: its sorted
    # distinct strings and small integer codes (1–2 bytes a figure instead of an 8-byte
    # pointer; the engine reads the codes without hashing a string per figure)
    category: bool = False


def arrow_str() -> Any:
    """The pandas dtype of the Arrow-held string columns (pandas imported only when used)."""
    import pandas as pd

    return pd.StringDtype("pyarrow", na_value=np.nan)


COLUMNS: tuple[Column, ...] = (
    Column("dataset", "str", False, "id of the dataset (one report) the figure belongs to",
           category=True),
    Column("ref", "str", False, "unique id of this print: entity|period|indicator@file:line",
           arrow=True),
    Column("entity", "str", False, "who/where: OCC, LR, a département code '34', FR",
           category=True),
    Column("period", "str", False, "2019, or finer: 2019-S2, 2018-12-31",
           category=True),
    Column("period_next", "str", True, "the period after this one (years only), for prev()"),
    Column("indicator", "str", False, "what the figure measures, a dotted catalog id",
           category=True),
    Column("unit", "str", False, "unit of the indicator (catalog, or the figure's override)",
           category=True),
    Column("unit_printed", "str", True, "unit read off the print: percent, eur, meur, …"),
    Column("text", "str", False, "the figure exactly as printed", arrow=True),
    Column("value", "float", True,
           "the printed value converted to the indicator's unit (M€ → €); null if not a number"),
    Column("lo", "float", True, "lower bound of the interval the print stands for (rounding model)"),
    Column("hi", "float", True, "upper bound of that interval"),
    Column("tlo", "float", True, "lower bound if the print was truncated instead of rounded"),
    Column("thi", "float", True, "upper bound if the print was truncated instead of rounded"),
    Column("decimals", "int", False, "decimals displayed (-1 when not a number)"),
    Column("scale", "float", False, "printed scale word: 1e6 for '7,8 millions', else 1"),
    Column("qualifier", "str", True, "'<', '<=', '>', '>=' for '< 1 %'"),
    Column("non_numeric", "bool", False, "a word or a dash in a numeric place (no value)"),
    Column("rounded", "bool", False, "the interval is wider than the point (the print is rounded)"),
    Column("kind", "str", False, "where it is printed: text, box or table",
           category=True),
    Column("prio", "int", False, "print precedence (table 0, box 1, text 2): rules read the lowest"),
    Column("seq", "int", False, "order of the print in its dataset (ties of prio)"),
    Column("file", "str", False, "dataset file the figure was read from",
           category=True),
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
    """(lo, hi, tlo, thi) of one print in its own unit: the rounding interval and its
    truncation widening (numbers.rounding)."""
    r = rounding_of(ParsedNumber(parsed.text, parsed.value, parsed.decimals, None,
                                 parsed.qualifier, parsed.non_numeric, parsed.scale), unit, rounded)
    return float(r.lo[0]), float(r.hi[0]), float(r.tlo[0]), float(r.thi[0])


def make_figure(*, dataset: str, entity: str, period: str, period_next: str | None,
                indicator: str, unit: str, parsed: ParsedNumber, rounded: bool | None,
                kind: str, seq: int, file: str, line: int, report: str | None,
                report_line: int | None, table: str | None = None, row: str | None = None,
                column: str | None = None, quote: str | None = None) -> dict[str, Any]:
    """One row of the figures table (a dict with every column of COLUMNS), under the same
    rounding model as the loader (numbers.rounding)."""
    if parsed.value is not None:
        r = rounding_of(parsed, unit, rounded)
        value, lo, hi, tlo, thi = (float(x[0]) for x in (r.value, r.lo, r.hi, r.tlo, r.thi))
        flag = bool(r.rounded[0])
    else:
        value = lo = hi = tlo = thi = None
        flag = bool(rounded)
    return {
        "dataset": dataset,
        "ref": f"{entity}|{period}|{indicator}@{file}:{line}",
        "entity": entity, "period": period, "period_next": period_next,
        "indicator": indicator, "unit": unit, "unit_printed": parsed.unit_hint,
        "text": parsed.text, "value": value, "lo": lo, "hi": hi, "tlo": tlo, "thi": thi,
        "decimals": parsed.decimals if parsed.decimals is not None else -1,
        "scale": parsed.scale,
        "qualifier": parsed.qualifier, "non_numeric": parsed.non_numeric,
        "rounded": flag,
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
        elif col.arrow:
            df[col.name] = df[col.name].astype(arrow_str())
        elif col.category:
            df[col.name] = categorical(df[col.name].astype(object))
        else:
            df[col.name] = df[col.name].astype(object).where(df[col.name].notna(), None)
    return df


def categorical(values: Any) -> Any:
    """A key column as the table holds it: a Categorical whose categories are the distinct
    strings present, sorted (a sort by the column is a sort by the strings), held as Python
    objects (every row read back is the category's own str, not a new one per row)."""
    import pandas as pd

    present = {v for v in values if v is not None and v == v}  # a missing key stays missing
    order = sorted(present, key=lambda v: (not isinstance(v, str), str(v)))  # strings first
    return pd.Categorical(values, categories=pd.Index(order, dtype=object))


def empty() -> Any:
    return frame([])


# --- the contract's checks: written once, run by NumPy (default) or by pandera ---------------

PERIOD_PATTERN = r"^\d{4}([-/][0-9A-Za-z]+)*$"


@dataclass(frozen=True)
class Check:
    """A check of the figures table: `ok(frame, ref)` is a boolean mask over the rows."""

    name: str
    column: str
    message: str


CHECKS: tuple[Check, ...] = (
    Check("entity_known", "entity", "unknown entity"),
    Check("indicator_known", "indicator", "unknown indicator"),
    Check("period_format", "period", "period is not 2019, 2019-S2, 2018-12-31, …"),
    Check("unit_known", "unit", "unknown unit"),
    Check("kind_known", "kind", "kind is not text, box or table"),
    Check("line_positive", "line", "line is not a positive number"),
    Check("ref_unique", "ref", "the same print is given twice"),
    Check("interval_ordered", "lo", "interval lower bound above upper bound"),
    Check("value_or_word", "value", "a figure has a value or is non-numeric, never both"),
)


def check_mask(check: Check, df: Any, ref: Any) -> np.ndarray:
    """The rows that pass one check (vectorized over the whole table)."""
    from .reference import UNITS

    if check.name == "entity_known":
        return df["entity"].isin(list(ref.entities)).to_numpy()
    if check.name == "indicator_known":
        return df["indicator"].isin(list(ref.indicators)).to_numpy()
    if check.name == "period_format":  # each distinct period matched once
        import pandas as pd

        codes, uniq = pd.factorize(df["period"], use_na_sentinel=False)
        return pd.Series(uniq).astype(str).str.match(PERIOD_PATTERN).to_numpy(dtype=bool)[codes]
    if check.name == "unit_known":
        return df["unit"].isin(list(UNITS)).to_numpy()
    if check.name == "kind_known":
        return df["kind"].isin(list(KINDS)).to_numpy()
    if check.name == "line_positive":
        return (df["line"].astype("int64") >= 1).to_numpy()
    if check.name == "ref_unique":
        import pyarrow as pa
        import pyarrow.compute as pc

        # counted by Arrow's hash table (C++, freed at once) in the usual all-distinct case:
        # no Python str per figure
        refs = pa.array(df["ref"].array, from_pandas=True)
        unique = len(pc.unique(refs)) == len(refs)
        pa.default_memory_pool().release_unused()
        if unique:
            return np.ones(len(df), dtype=bool)
        return (~df["ref"].duplicated(keep=False)).to_numpy()
    if check.name == "interval_ordered":
        lo, hi = df["lo"].to_numpy(dtype=float), df["hi"].to_numpy(dtype=float)
        return np.isnan(lo) | (lo <= hi)
    if check.name == "value_or_word":
        return (df["non_numeric"].to_numpy(dtype=bool) == df["value"].isna().to_numpy())
    raise ValueError(check.name)


def failures(df: Any, ref: Any) -> list[tuple[Check, int]]:
    """(check, first failing row position) of every check the table fails: the fast runner."""
    out = []
    if not len(df):
        return out
    for check in CHECKS:
        mask = check_mask(check, df, ref)
        if not mask.all():
            out.append((check, int(np.argmin(mask))))
    return out


def pandera_schema(ref: Any) -> Any:
    """The same contract as a pandera schema (column types + CHECKS), for tools and tests.

    pandera is imported here only: with pyspark installed its import alone costs ~1.5 s.
    """
    import pandas as pd
    import pandera.pandas as pa

    types = {"str": str, "float": float, "int": int, "bool": bool}
    columns = {}
    for col in COLUMNS:
        if col.dtype == "int" and col.nullable:
            columns[col.name] = pa.Column("Int64", nullable=True)
        elif col.arrow:
            columns[col.name] = pa.Column(arrow_str(), nullable=col.nullable)
        elif col.category:
            columns[col.name] = pa.Column("category", nullable=col.nullable)
        else:
            columns[col.name] = pa.Column(types[col.dtype], nullable=col.nullable)
    checks = [pa.Check(lambda df, c=c: pd.Series(check_mask(c, df, ref), index=df.index),
                       error=c.message) for c in CHECKS]
    return pa.DataFrameSchema(columns, checks=checks, strict=True, coerce=False)
