"""The columnar build gives the rows figures.make_figure gives, column for column."""

from __future__ import annotations

import random

import pandas as pd
from test_parse import corpus

from drsmcheck.figures import frame, make_figure
from drsmcheck.io.build import build_figures, next_period
from drsmcheck.io.header import Dataset
from drsmcheck.io.part import RowParts
from drsmcheck.numbers import NumberFormatError, parse_number
from drsmcheck.rules import load_rules

from packs import make_pack

UNITS = ("count", "percent", "eur", "keur", "meur", "days", "points", "number")
INDICATORS = "indicators:\n" + "".join(
    f"  t.{u}: {{fr: {u}, en: {u}, unit: {u}, additive: true}}\n" for u in UNITS)
ENTITIES = ["OCC", "LR", "MP", "09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66",
            "81", "82", "BFC", "21", "25", "39", "58", "70", "71", "89", "90", "AM", "57", "67",
            "68", "FR"]
CHECKS = """
rules:
  - {id: b, kind: bounds, severity: error, description: {fr: b, en: b}, units: [count], min: 0}
"""


def test_columnar_build_equals_make_figure(tmp_path):
    ref = load_rules(make_pack(tmp_path, CHECKS, INDICATORS)).reference
    rng = random.Random(3)
    prints = [p for p in corpus(6000, seed=5) if _ok(p)]
    prints += [12, 0.5, 3.25, 100, -7]  # YAML numbers
    ds = Dataset(id="d", path="d", title="d", report="r.txt", entity="OCC", period="2019")
    rows = RowParts("d/f.yaml", quotes_checked=True)
    want = []
    for i, raw in enumerate(prints):
        unit = rng.choice(UNITS)
        declared = rng.choice([None, None, True, False])
        override = rng.choice([None, None, None, rng.choice(UNITS)])
        entity = rng.choice(ENTITIES)
        rows.add(value=raw, line=i + 1, indicator=f"t.{unit}", kind="table", report_line=i + 1,
                 entity=entity,
                 unit=override, rounded=declared, table="t", column=str(i))
        want.append(make_figure(
            dataset="d", entity=entity, period="2019", period_next=next_period("2019"),
            indicator=f"t.{unit}", unit=override or unit, parsed=parse_number(raw),
            rounded=declared, kind="table", seq=i, file="d/f.yaml", line=i + 1,
            report="r.txt", report_line=i + 1, table="t", column=str(i)))
    got = build_figures([(ds, [rows.part()])], ref)
    expected = frame(want)
    pd.testing.assert_frame_equal(got.drop(columns=["seq"]), expected.drop(columns=["seq"]))
    assert sorted(got["seq"]) == list(range(len(prints)))


def _ok(raw: str) -> bool:
    try:
        parse_number(raw)
    except NumberFormatError:
        return False
    return True
