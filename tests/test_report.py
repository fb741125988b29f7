"""report: the figure dicts of the anomalies, as report.json writes them."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np

from drsmcheck.report import FigureDicts, _num


def _pack() -> Any:
    ind = SimpleNamespace(fr="Total", en="Total (en)")
    return SimpleNamespace(reference=SimpleNamespace(indicators={"t.total": ind}))


def _row(pos: int | None, value: Any, lo: Any, hi: Any, **more: Any) -> dict[str, Any]:
    row = {"ref": f"r{pos}", "entity": "OCC", "period": "2019", "indicator": "t.total",
           "text": "1,5", "value": value, "lo": lo, "hi": hi, "unit": "count",
           "file": "d.yaml", "line": 7, "report": "r.txt", "report_line": None, "kind": "text",
           "table": None, "row": None, "column": None, "quote": "q", **more}
    if pos is not None:
        row["_pos"] = pos
    return row


def test_numbers_are_written_as_num_writes_them() -> None:
    make = FigureDicts(_pack()).make
    third = 1 / 3
    fig = make(_row(0, 3.0, 2.5, third))
    assert fig["value"] == 3 and type(fig["value"]) is int
    assert fig["lo"] == 2.5 and type(fig["lo"]) is float
    assert fig["hi"] == round(third, 10) != third
    for v in (2.0 ** 60, -0.0, np.float64(4.0), 2**60, None, float("inf")):
        got = make(_row(1, v, v, v))
        assert [got[k] for k in ("value", "lo", "hi")] == [_num(v)] * 3
        assert all(type(got[k]) is type(_num(v)) for k in ("value", "lo", "hi")), v
    src = make(_row(2, 1.0, 1.0, 1.0, line=np.int64(9), report_line=np.int64(4)))["source"]
    assert src == {"file": "d.yaml", "line": 9, "report": "r.txt", "report_line": 4,
                   "kind": "text", "table": None, "row": None, "column": None, "quote": "q"}
    assert type(src["line"]) is int and type(src["report_line"]) is int


def test_one_dict_per_print_and_one_label_per_indicator() -> None:
    made = FigureDicts(_pack())
    a, b, loose = _row(5, 1.0, 1.0, 1.0), _row(6, 2.0, 2.0, 2.0), _row(None, 2.0, 2.0, 2.0)
    first = made.many([a, b, loose])
    second = made.many([dict(b), loose])  # the same print, read again by another anomaly
    assert second[0] is first[1]
    assert second[1] == first[2] and second[1] is not first[2]  # no position: not shared
    assert first[0]["label"] is first[1]["label"] == {"fr": "Total", "en": "Total (en)"}
    assert made(a) is first[0]
