"""The figures table's key columns as the contract types them (figures.categorical)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drsmcheck.backends.numpy import codes
from drsmcheck.figures import COLUMNS, categorical, frame, make_figure
from drsmcheck.numbers import parse_number


def test_categorical_sorted_present_values_and_missing_stays_missing() -> None:
    c = categorical(pd.Series(["b", None, "a", "b", 34], dtype=object))
    assert list(c.categories) == ["a", "b", 34]  # strings sorted first, then the odd rest
    assert c.isna().tolist() == [False, True, False, False, False]
    row = pd.Series(c).tolist()
    assert row[0] is row[3]  # one str per distinct value, read back as itself


def test_frame_types_the_key_columns_and_the_engine_reads_their_codes() -> None:
    rows = [make_figure(dataset="d", entity=e, period="2019", period_next="2020",
                        indicator="x.total", unit="count", parsed=parse_number(t),
                        rounded=None, kind="table", seq=k, file="f.yaml", line=k + 1,
                        report=None, report_line=None)
            for k, (e, t) in enumerate([("34", "12"), ("11", "3"), ("34", "5")])]
    df = frame(rows)
    for col in COLUMNS:
        assert isinstance(df[col.name].dtype, pd.CategoricalDtype) == col.category, col.name
    assert df.sort_values("entity")["entity"].tolist() == ["11", "34", "34"]
    # the Store's codes of a Categorical are those of the same strings as objects
    got, cats = codes(df["entity"])
    want, want_cats = codes(np.asarray(df["entity"], dtype=object))
    assert cats == want_cats == ["11", "34"] and got.tolist() == want.tolist() == [1, 0, 1]
