"""The figures table's contract, checked with pandera before any rule runs."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from .errors import InputError
from .loader import KINDS
from .reference import UNITS, Reference


def figures_schema(ref: Reference) -> pa.DataFrameSchema:
    """Types, units, kinds, known entities and indicators, lo ≤ hi."""
    return pa.DataFrameSchema(
        {
            "dataset": pa.Column(str),
            "ref": pa.Column(str, unique=True),
            "entity": pa.Column(str, pa.Check.isin(sorted(ref.entities))),
            "period": pa.Column(str, pa.Check.str_matches(r"^\d{4}([-/][0-9A-Za-z]+)*$")),
            "indicator": pa.Column(str, pa.Check.isin(sorted(ref.indicators))),
            "unit": pa.Column(str, pa.Check.isin(list(UNITS))),
            "text": pa.Column(str),
            "value": pa.Column(float, nullable=True),
            "lo": pa.Column(float, nullable=True),
            "hi": pa.Column(float, nullable=True),
            "non_numeric": pa.Column(bool),
            "kind": pa.Column(str, pa.Check.isin(list(KINDS))),
            "file": pa.Column(str),
            "line": pa.Column(int, pa.Check.ge(1)),
        },
        checks=[
            pa.Check(lambda df: (df["lo"].isna() | (df["lo"] <= df["hi"])),
                     error="interval lower bound above upper bound"),
            pa.Check(lambda df: df["non_numeric"] == df["value"].isna(),
                     error="a figure has a value or is non-numeric, never both"),
        ],
        strict=False,
        coerce=True,
    )


def validate_figures(frame: pd.DataFrame, ref: Reference) -> pd.DataFrame:
    """Check the loaded figures; a failure here is reported as bad input, never a traceback."""
    if frame.empty:
        return frame
    try:
        return figures_schema(ref).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        first = cases.iloc[0]
        idx = first.get("index")
        file, line = "figures", None
        if idx is not None and not pd.isna(idx) and int(idx) in frame.index:
            row = frame.loc[int(idx)]
            file, line = row["file"], int(row["line"])
        raise InputError(file, line, f"figure fails the schema: {first.get('column')} "
                         f"{first.get('check')} (value {first.get('failure_case')!r})") from None
