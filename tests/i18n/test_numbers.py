"""The fast number formatter prints exactly what Babel prints, ~10× faster."""

from __future__ import annotations

import decimal
import math
import random
from decimal import Decimal
from typing import Any

import pytest
from babel.numbers import format_decimal

from drsmcheck.i18n import fmt_diff, fmt_interval, fmt_number, fmt_with_unit, symbols
from drsmcheck.i18n.numbers import fmt_diffs, fmt_intervals

LOCALES = {"fr": "fr_FR", "en": "en_GB"}


def babel_number(value: float | int, lang: str, decimals: int | None = None) -> str:
    """The formatter as it was before (Babel for every number): the reference."""
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    with decimal.localcontext() as ctx:
        ctx.prec = 400
        text = format_decimal(Decimal(repr(round(value, decimals) + 0.0)), format=pattern,
                              locale=LOCALES[lang])
    return text.replace("\u202f", "\u00a0") if lang == "fr" else text


def _sample(n: int, seed: int) -> list[tuple[float | int, int | None]]:
    rng = random.Random(seed)
    out: list[tuple[float | int, int | None]] = []
    for _ in range(n):
        shape = rng.randrange(7)
        if shape == 0:
            value: float | int = rng.randint(-10**rng.randint(1, 15), 10**rng.randint(1, 15))
        elif shape == 1:
            value = rng.uniform(-1, 1) * 10 ** rng.uniform(-8, 15)
        elif shape == 2:  # printed-like values: k/100 and k/1000, halves included
            value = rng.randint(-10**9, 10**9) / rng.choice((2, 4, 8, 10, 100, 1000, 10**6))
        elif shape == 3:  # near the 10^15 limit, where floats have few decimals left
            value = rng.choice((-1, 1)) * (1e15 - rng.uniform(0, 1e3))
        elif shape == 4:
            value = float(rng.randint(-10**15, 10**15))
        elif shape == 5:  # exact ties at the shown precision
            value = (rng.randint(-10**6, 10**6) + 0.5) / 10 ** rng.randint(0, 4)
        else:
            value = rng.choice((0.0, -0.0, 0.001, -0.001, 0.005, -0.005, 1e-7, 999.995, 0.125))
        decimals = rng.choice((None, None, 0, 1, 2, 3, 4, 6))
        out.append((value, decimals))
    return out


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_same_output_as_babel_on_a_large_random_sample(lang: str) -> None:
    mismatches = [(v, d, fmt_number(v, lang, d), babel_number(v, lang, d))
                  for v, d in _sample(30_000, seed=15 if lang == "fr" else 9)
                  if fmt_number(v, lang, d) != babel_number(v, lang, d)]
    assert mismatches == [], mismatches[:10]


def test_the_locale_symbols_come_from_babel() -> None:
    assert fmt_number(1234567.891, "fr") == "1\u00a0234\u00a0567,89"
    assert fmt_number(1234567.891, "en") == "1,234,567.89"
    assert fmt_number(-162062, "fr") == "-162\u00a0062"
    assert symbols("fr").percent == "\u00a0%" and symbols("en").percent == "%"
    assert fmt_with_unit(71.9, "percent", "fr", 1) == "71,9\u00a0%"
    assert fmt_with_unit(71.9, "percent", "en", 1) == "71.9%"
    assert fmt_with_unit(13.74, "meur", "fr") == "13,74\u00a0M€"
    # no breakable space anywhere: a terminal or a log never splits a number
    assert " " not in fmt_with_unit(113915.06, "eur", "fr") + fmt_number(1e15, "fr")


def test_huge_values_do_not_crash() -> None:
    big = 10**400 + 7
    text = fmt_number(big, "en")
    assert text.replace(",", "") == str(big)  # an integer stays exact, whatever its size
    assert fmt_number(-big, "fr").replace("\u00a0", "") == str(-big)
    dec = Decimal("1234" + "5" * 396 + ".125")
    with decimal.localcontext() as ctx:
        ctx.prec = 500
        expected = format_decimal(dec, format="#,##0.00", locale="en_GB")
    assert fmt_number(dec, "en", 2) == expected
    assert fmt_number(1.7e308, "fr").replace("\u00a0", "") == f"{Decimal(repr(1.7e308)):f}"
    for bad in (math.nan, math.inf, -math.inf, None, Decimal("NaN")):
        assert fmt_number(bad, "fr") == "?"
        assert fmt_diff(bad, "fr") == "?"


def test_diff_and_interval() -> None:
    assert fmt_diff(11, "fr") == "11"
    assert fmt_diff(-39.1518026565, "fr") == "-39,15"
    assert fmt_diff(0.0006, "en") == "0.001"
    assert fmt_diff(0.0000004, "en") == "0.000000"
    assert fmt_interval(162051, 162051, "fr") == "162\u00a0051"
    assert fmt_interval(71.85, 71.95, "en", "percent") == "71.90%"


def _babel_reporters(value: float | int, lang: str, signed: bool = False, max_decimals: int = 3,
                     decimals: int | None = None) -> str:
    """`reporters._common.fmt_number` as it was (Babel for every number): the reference."""
    if isinstance(value, int):
        number = Decimal(value)
    else:
        number = Decimal(repr(round(float(value), 6)))
        number = number.normalize() if number == number.to_integral_value() else number
    if decimals is not None:
        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    else:
        pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
    text = format_decimal(number, format=pattern, locale=LOCALES[lang]).replace("-", "\u2212")
    return "+" + text if signed and number > 0 else text


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_reporters_formatter_same_as_babel(lang: str) -> None:
    from drsmcheck.reporters._common import fmt_number as fmt_report

    rng = random.Random(4)
    mismatches = []
    for value, d in _sample(20_000, seed=21):
        if abs(value) >= 1e15:  # Babel's own 28-digit context is the limit there
            continue
        options = rng.choice(({}, {"signed": True}, {"max_decimals": 4}, {"max_decimals": 0},
                              {"decimals": d if d is not None else 1, "signed": True}))
        ours, babel = fmt_report(value, lang, **options), _babel_reporters(value, lang, **options)
        if ours != babel:
            mismatches.append((value, options, ours, babel))
    assert mismatches == [], mismatches[:10]
    assert fmt_report(-1234.5, "fr") == "\u22121\u202f234,5"


def test_diffs_and_intervals_in_every_language_as_one_by_one() -> None:
    """`fmt_diffs` / `fmt_intervals` (digits made once, then each language's symbols) write
    what `fmt_diff` / `fmt_interval` write for each language."""
    rnd = random.Random(7)
    values: list[Any] = [None, 0, 11, -0.0, 0.0006, 4e-7, 1e300, math.nan, math.inf, -math.inf,
                         Decimal("1.5"), "x", 2**70]
    values += [rnd.uniform(-1e7, 1e7) * 10 ** -rnd.randint(0, 9) for _ in range(3000)]
    langs = ("fr", "en")
    for v in values:
        assert fmt_diffs(v, langs) == [fmt_diff(v, lang) for lang in langs], v
    for lo in values[13:]:
        hi = lo + rnd.choice([0, 0.05, 0.5, 1e6])
        for unit in (None, "percent", "meur"):
            assert fmt_intervals(lo, hi, langs, unit) == [fmt_interval(lo, hi, lang, unit)
                                                          for lang in langs], (lo, hi)
    assert fmt_intervals(math.inf, math.inf, langs) == ["?", "?"]
