"""The figures table the loader builds: the rounding model (numbers.rounding) applied to the
prints of a real dataset file, in the indicator's unit."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from drsmcheck.loader import load_figures
from drsmcheck.rules import load_rules

from packs import make_pack, write

INDICATORS = """indicators:
  t.count: {fr: c, en: c, unit: count, additive: true}
  t.rate: {fr: r, en: r, unit: percent, additive: false}
  t.eur: {fr: e, en: e, unit: eur, additive: true}
  t.meur: {fr: m, en: m, unit: meur, additive: true}
"""
CHECKS = """
rules:
  - {id: b, kind: bounds, severity: error, description: {fr: b, en: b}, units: [count], min: 0}
"""
HEADER = "dataset: {id: d, entity: OCC, period: '2019', report: r.txt}\n"


def _load(tmp_path, rows: list[tuple[str, str, str]]):
    """Load one long CSV of (indicator, value, rounded) rows; the figures in file order."""
    ref = load_rules(make_pack(tmp_path, CHECKS, INDICATORS)).reference
    d = tmp_path / "data"
    write(d / "dataset.yaml", HEADER)
    lines = ["indicator;value;line;column;rounded"]
    lines += [f"{ind};{val};{k + 1};c{k};{rnd}" for k, (ind, val, rnd) in enumerate(rows)]
    write(d / "figures.csv", "\n".join(lines) + "\n")
    _, frame = load_figures([d], ref)
    return frame.sort_values("line").reset_index(drop=True)


@pytest.mark.parametrize(("indicator", "printed", "declared", "want"), [
    # a count printed as an integer is exact, and truncation does not widen it
    ("t.count", "162 062", "", (162062, 162062, 162062, 162062, 162062, False)),
    # one decimal: ± 0,05; truncated (up to one unit above) or rounded twice (0,55 unit below)
    ("t.rate", "71,9 %", "", (71.9, 71.85, 71.95, 71.845, 72.0, True)),
    # a scale word counts the decimals in millions
    ("t.count", "7,8 millions", "", (7.8e6, 7.75e6, 7.85e6, 7.745e6, 7.9e6, True)),
    # a print in M€ on a € indicator is converted, bounds included
    ("t.eur", "13,74 M€", "", (13.74e6, 13.735e6, 13.745e6, 13.7345e6, 13.75e6, True)),
    # k€ on an M€ indicator
    ("t.meur", "250 k€", "", (0.25, 0.2495, 0.2505, 0.24945, 0.251, True)),
    # euros declared rounded from cents: ± 0,5 €
    ("t.eur", "1 250", "true", (1250, 1249.5, 1250.5, 1249.45, 1251, True)),
    # a negative print: mirrored (truncation toward zero leaves the true value below it)
    ("t.rate", "-2,5 %", "", (-2.5, -2.55, -2.45, -2.6, -2.445, True)),
    # a percentage declared exact
    ("t.rate", "50 %", "false", (50, 50, 50, 50, 50, False)),
    # qualified prints are half-open, never widened for truncation
    ("t.rate", "< 1 %", "", (1, 0, 1, 0, 1, True)),
    ("t.rate", "> 95 %", "", (95, 95, 100, 95, 100, True)),
    ("t.rate", "> 120 %", "", (120, 120, math.inf, 120, math.inf, True)),
])
def test_a_print_stands_for_its_rounding_interval(tmp_path, indicator, printed, declared, want):
    row = _load(tmp_path, [(indicator, printed, declared)]).iloc[0]
    got = tuple(row[c] for c in ("value", "lo", "hi", "tlo", "thi", "rounded"))
    assert got[:5] == pytest.approx(want[:5], rel=1e-12)
    assert got[5] == want[5]


def test_words_have_no_interval(tmp_path):
    frame = _load(tmp_path, [("t.count", "Neutralisé", ""), ("t.count", "12", "")])
    assert frame["non_numeric"].tolist() == [True, False]
    assert frame[["value", "lo", "hi", "tlo", "thi"]].iloc[0].isna().all()
    assert frame["text"].tolist() == ["Neutralisé", "12"]


def test_the_same_prints_give_the_same_intervals_in_one_file_or_many(tmp_path):
    """A column at a time: a print's interval does not depend on its neighbours."""
    prints = [("t.rate", "71,9 %", ""), ("t.eur", "13,74 M€", ""), ("t.count", "12", ""),
              ("t.rate", "< 1 %", ""), ("t.eur", "1 250", "true")]
    together = _load(tmp_path / "all", prints)
    cols = ["value", "lo", "hi", "tlo", "thi", "rounded"]
    for k, p in enumerate(prints):
        alone = _load(tmp_path / str(k), [p])
        assert together[cols].iloc[k].tolist() == alone[cols].iloc[0].tolist()


def test_no_python_string_per_figure(tmp_path):
    """Per-figure strings (text, ref) are held by Arrow; repeated ones (keys, labels, the
    file) are one shared Python str per distinct value, whatever the number of figures."""
    from drsmcheck.figures import COLUMNS, arrow_str

    ref = load_rules(make_pack(tmp_path, CHECKS, INDICATORS)).reference
    d = tmp_path / "data"
    write(d / "dataset.yaml", HEADER)
    entities = sorted(ref.entities)
    lines = ["indicator;entity;value;line;table;row;column"]
    lines += [f"t.{ind};{e};{k},5;{k + 1};t1;{ind};{e}" for k, e in enumerate(entities)
              for ind in ("count", "rate", "eur", "meur")]
    write(d / "figures.csv", "\n".join(lines) + "\n")
    _, frame = load_figures([d], ref)
    assert len(frame) == 4 * len(entities) > 100
    for col in COLUMNS:
        values = frame[col.name]
        if col.arrow:
            assert values.dtype == arrow_str(), col.name
        elif col.dtype == "str":
            if col.category:  # small integer codes, the distinct strings present, sorted
                assert isinstance(values.dtype, pd.CategoricalDtype), col.name
                assert values.cat.codes.dtype.itemsize <= 2, col.name
                assert list(values.cat.categories) == sorted(set(values.tolist())), col.name
            for read in (values.to_numpy(), values.tolist(), values.iloc[::2].tolist()):
                objects = [v for v in read if v is not None]
                assert len({id(v) for v in objects}) == len(set(objects)), col.name
    assert frame["ref"].is_unique
    first = frame.sort_values("line").iloc[0]
    assert first["ref"] == f"{first['entity']}|2019|t.count@{first['file']}:2"
    assert first["text"] == "0,5"
