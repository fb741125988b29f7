"""Rows: figures as Python dicts for the rows anomalies show, whatever the column dtypes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from drsmcheck.rows import Rows


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "ref": ["a", "b", "c", "d"],
        "value": [1.5, np.nan, 3.0, 4.0],
        "decimals": np.array([1, 0, 0, -1], dtype=np.int64),
        "report_line": pd.array([10, None, 30, 40], dtype="Int64"),
        "table": ["t1", None, "t3", None],
        "quote": pd.array(["q", None, "q3", "q4"], dtype="string"),
        "kind": pd.Categorical(["text", "table", "box", "text"]),
        "rounded": [True, False, False, True],
    })


def test_rows_are_plain_python_with_none_for_missing() -> None:
    rows = Rows(_frame())
    b = rows[1]
    assert b == {"ref": "b", "value": None, "decimals": 0, "report_line": None, "table": None,
                 "quote": None, "kind": "table", "rounded": False, "_pos": 1}
    a = rows[0]
    assert type(a["value"]) is float and type(a["decimals"]) is int
    assert type(a["report_line"]) is int and a["report_line"] == 10
    assert type(a["rounded"]) is bool and a["quote"] == "q" and a["kind"] == "text"


def test_each_row_is_built_once_and_shared() -> None:
    rows = Rows(_frame())
    rows.prefetch([3, 1, 3])
    first = rows[3]
    rows.prefetch([0, 3])
    assert rows[3] is first and rows.many([3, 0])[0] is first
    assert len(rows) == 4


def test_a_frame_with_any_index_is_read_by_position() -> None:
    frame = _frame().set_index(pd.Index([7, 5, 9, 1]))
    rows = Rows(frame)
    assert [r["ref"] for r in rows.many([0, 2, 3])] == ["a", "c", "d"]
    big = pd.DataFrame({"x": np.arange(1_000_000, dtype=np.int64)})
    rows = Rows(big)
    assert rows.frame is big  # no copy of a 10^6-row table to read 2 of its rows
    assert rows[999_999]["x"] == 999_999


def test_many_builds_the_rows_not_prefetched() -> None:
    rows = Rows(_frame())
    rows.prefetch([0])
    got = rows.many([2, 0])
    assert got[0] == {**got[0], "ref": "c", "_pos": 2} and got[1] is rows[0]
    assert rows.many([np.int64(2)])[0] is got[0]
