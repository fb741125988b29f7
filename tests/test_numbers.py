"""The French number parser: every printed format of ARCHITECTURE §4, with displayed precision."""

from __future__ import annotations

import pytest

from drsmcheck.numbers import NumberFormatError, interval, parse_number, truncation_interval


@pytest.mark.parametrize(("text", "value", "decimals", "unit"), [
    ("162 062", 162062, 0, None),
    ("162\u00a0062", 162062, 0, None),          # NBSP
    ("162\u202f062", 162062, 0, None),          # narrow NBSP
    ("1 328 579", 1328579, 0, None),
    ("71,9 %", 71.9, 1, "percent"),
    ("71,9%", 71.9, 1, "percent"),
    ("13,74 M€", 13.74, 2, "meur"),
    ("19,70 €", 19.70, 2, "eur"),
    ("8 498 483", 8498483, 0, None),
    ("-11 %", -11, 0, "percent"),
    ("− 3,5 %", -3.5, 1, "percent"),
    ("0,45 %", 0.45, 2, "percent"),
    ("7,8 millions", 7_800_000, 1, None),
    ("140", 140, 0, None),
])
def test_numbers(text: str, value: float, decimals: int, unit: str | None) -> None:
    p = parse_number(text)
    assert p.value == pytest.approx(value)
    assert p.decimals == decimals
    assert p.unit_hint == unit
    assert not p.non_numeric


@pytest.mark.parametrize("text", ["-", "/", "Neutralisé", "FCU", "NC", "n.d."])
def test_words_are_non_numeric(text: str) -> None:
    p = parse_number(text)
    assert p.non_numeric and p.value is None


def test_less_than() -> None:
    p = parse_number("< 1 %")
    assert p.qualifier == "<" and p.unit_hint == "percent"
    assert interval(p, "percent") == (0.0, 1.0)


@pytest.mark.parametrize("text", ["1 23", "12,3,4", "NaN", "inf", "1e400", "", "  ", "12 3456"])
def test_malformed(text: str) -> None:
    with pytest.raises(NumberFormatError):
        parse_number(text)


def test_yaml_native_types() -> None:
    assert parse_number(12).value == 12
    assert parse_number(1.5).decimals == 1
    with pytest.raises(NumberFormatError):
        parse_number(True)
    with pytest.raises(NumberFormatError):
        parse_number(float("nan"))


def test_intervals_follow_displayed_precision() -> None:
    assert interval(parse_number("162 062"), "count") == (162062, 162062)   # exact count
    lo, hi = interval(parse_number("71,9 %"), "percent")
    assert lo == pytest.approx(71.85) and hi == pytest.approx(71.95)
    lo, hi = interval(parse_number("69 %"), "percent")                    # integer percent
    assert (lo, hi) == (68.5, 69.5)
    lo, hi = interval(parse_number("8 498 483"), "eur")                   # euros: exact…
    assert lo == hi
    lo, hi = interval(parse_number("8 498 483"), "eur", rounded=True)     # …unless declared
    assert (lo, hi) == (8498482.5, 8498483.5)
    lo, hi = interval(parse_number("7,8 millions"), "count")
    assert (lo, hi) == (7_750_000, 7_850_000)


def test_truncation_widening_is_truncation_or_double_rounding_only() -> None:
    """"29,5 %" truncated stands for [29,5 ; 29,6], rounded twice (29,445 → 29,45 → 29,5) down
    to 29,445: nothing wider (70,43 % printed "70,5 %" is no named practice: an error)."""
    lo, hi = truncation_interval(parse_number("29,5 %"), "percent")
    assert lo == pytest.approx(29.445) and hi == pytest.approx(29.6)
    lo, hi = truncation_interval(parse_number("-3,2 %"), "percent")   # toward zero, mirrored
    assert lo == pytest.approx(-3.3) and hi == pytest.approx(-3.145)
    assert truncation_interval(parse_number("842"), "count") == (842, 842)
