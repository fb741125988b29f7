"""The one number formatter: Babel's locale symbols, read once, applied by Python's formatting.

Babel's `format_decimal` costs ~16 µs a number; an f-string with the same output ~1 µs, which
matters at 10⁶ figures. Babel stays the source of truth for what a language writes (group and
decimal separators, minus sign, the space before `%`); `symbols()` reads them once per language
and every number is then formatted by `format()` and one `str.translate`. A test checks the
output against Babel's on a large random sample.

French outputs use a no-break space (U+00A0) wherever CLDR has one or a narrow one (U+202F), so
that a number is never broken across lines and reads the same in every terminal font.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

LOCALES: dict[str, str] = {"fr": "fr_FR", "en": "en_GB"}
# CLDR's (narrow) no-break spaces, as our outputs write them
_OUR_SPACE = {"\u202f": "\u00a0", "\u00a0": "\u00a0", " ": "\u00a0"}
# |r| × 10^d below this: the float nearest a d-decimal number prints back as that number
# with `.{d}f` (its ulp, ≤ |r| × 2^-52, is below 10^-d), so no Decimal is needed
_EXACT_LIMIT = 2.0 ** 52
_MAX_FLOAT_DECIMALS = 20


@dataclass(frozen=True)
class Symbols:
    """What a language writes around digits, as read from Babel (CLDR)."""

    group: str
    decimal: str
    minus: str
    percent: str  # the suffix after a number for a percentage: "\u00a0%" (fr), "%" (en)

    def localize(self, text: str) -> str:
        """Python's "-1,234.5" written the language's way."""
        if self.group == "." or self.minus != "-":  # not fr/en: one general (slower) pass
            return text.translate({ord(","): self.group, ord("."): self.decimal,
                                   ord("-"): self.minus})
        # two replaces are ~7× faster than str.translate on short strings
        if self.group != ",":
            text = text.replace(",", self.group)
        return text.replace(".", self.decimal) if self.decimal != "." else text


def _space(text: str) -> str:
    return "".join(_OUR_SPACE.get(ch, ch) for ch in text)


@cache
def symbols(lang: str) -> Symbols:
    """The locale's symbols, read from Babel once per Babel version and language (loading a
    locale's data costs more than formatting a whole report's numbers)."""
    import babel

    from ..plancache import memo

    return memo(f"symbols-{lang}", babel.__version__, lambda: _babel_symbols(lang))


def _babel_symbols(lang: str) -> Symbols:
    from babel import Locale
    from babel.numbers import get_decimal_symbol, get_group_symbol, get_minus_sign_symbol

    locale = LOCALES[lang]
    pattern = Locale.parse(locale).percent_formats[None].pattern
    # "#,##0\u00a0%" → "\u00a0%": whatever stands between the last digit and the sign
    tail = pattern[pattern.rfind("0") + 1:]
    percent = _space(tail[: tail.index("%")]) + "%" if "%" in tail else "%"
    return Symbols(_space(get_group_symbol(locale)), get_decimal_symbol(locale),
                   get_minus_sign_symbol(locale), percent)


_SPEC = tuple(f",.{d}f" for d in range(40))
_POW10 = tuple(10.0 ** d for d in range(40))
# what .{d}f prints for a negative value that rounds to zero; people write 0,00
_NEG_ZERO = frozenset("-0" + ("." + "0" * d if d else "") for d in range(40))


def _digits(value: Any, decimals: int | None) -> str | None:
    """Python's "-1,234.50" for the value rounded to `decimals` (None: 0 or 2 as needed)."""
    if type(value) is float:
        v = value
    elif isinstance(value, bool):
        v = float(value)
    elif isinstance(value, int):  # exact, whatever its size
        d = 0 if decimals is None else decimals
        if d < 0:
            value = round(value, d)
        return f"{value:,}" + ("." + "0" * d if d > 0 else "")
    elif isinstance(value, Decimal):
        if not value.is_finite():
            return None
        d = (0 if value == value.to_integral_value() else 2) if decimals is None else decimals
        try:
            return f"{value:,.{max(d, 0)}f}" if d >= 0 else f"{round(value, d):,.0f}"
        except (InvalidOperation, ValueError):
            return None
    else:
        try:
            v = float(value)
        except (TypeError, ValueError, OverflowError):
            return None
    if v != v or v in (math.inf, -math.inf):
        return None
    d = (0 if v.is_integer() else 2) if decimals is None else decimals
    # a print with 400 decimals (`71,333…3 %`) asked for 400 places: past a float's 17
    # significant digits they are noise, and 10.0 ** 400 overflowed (exit 3)
    d = min(d, _MAX_FLOAT_DECIMALS)
    if 0 <= d < 40 and abs(v) * _POW10[d] < _EXACT_LIMIT:
        # .{d}f rounds the exact binary value half-even, as round(v, d) does: one rounding
        text = format(v, _SPEC[d])
        return text[1:] if text in _NEG_ZERO else text
    r = round(v, d) + 0.0  # + 0.0: no "-0,00"
    shown = max(d, 0)
    if abs(r) * 10.0 ** shown < _EXACT_LIMIT:
        return f"{r:,.{shown}f}"
    # above 2^52 units of the last digit: the shortest repr is the number a person means
    return f"{Decimal(repr(r)):,.{shown}f}"


def fmt_number(value: Any, lang: str = "fr", decimals: int | None = None) -> str:
    """162062 → '162 062' (fr, NBSP) / '162,062' (en); keep `decimals` digits when given.

    Without `decimals`: none for an integral value, else 2. None, NaN and ±inf give '?'.
    """
    if value is None:
        return "?"
    text = _digits(value, decimals)
    if text is None:
        return "?"
    return symbols(lang).localize(text)


def fmt_diff(value: Any, lang: str = "fr") -> str:
    """A difference with enough decimals to be non-zero (0,0006 rather than 0,00)."""
    if value is None:
        return "?"
    try:
        mag = abs(float(value))
    except (TypeError, ValueError, OverflowError):
        return fmt_number(value, lang, 0)
    if not math.isfinite(mag):
        return "?"
    if mag.is_integer():
        return fmt_number(value, lang, 0)
    decimals = 2
    while decimals < 6 and round(mag, decimals) == 0:
        decimals += 1
    return fmt_number(value, lang, decimals)


def _diff_decimals(value: Any) -> int | None:
    """The decimals `fmt_diff` shows (None: it writes '?')."""
    try:
        mag = abs(float(value))
    except (TypeError, ValueError, OverflowError):
        return 0
    if not math.isfinite(mag):
        return None
    if mag.is_integer():
        return 0
    decimals = 2
    while decimals < 6 and round(mag, decimals) == 0:
        decimals += 1
    return decimals


def fmt_diffs(value: Any, langs: tuple[str, ...]) -> list[str]:
    """`fmt_diff(value, lang)` for each language, the digits made once (an anomaly writes
    its difference in every language: at 10⁶ figures, 50 000 numbers)."""
    decimals = None if value is None else _diff_decimals(value)
    digits = None if decimals is None else _digits(value, decimals)
    if digits is None:
        return ["?" for _ in langs]
    return [digits if local is None else local(digits) for local, _ in _writers(langs, None)]


def fmt_intervals(lo: float, hi: float, langs: tuple[str, ...], unit: str | None = None
                  ) -> list[str]:
    """`fmt_interval(lo, hi, lang, unit)` for each language, the digits made once."""
    digits = _digits(lo, None) if lo == hi else _digits((lo + hi) / 2, 2)
    if digits is None:
        return ["?" for _ in langs]
    return [(digits if local is None else local(digits)) + suffix
            for local, suffix in _writers(langs, unit)]


@cache
def _writers(langs: tuple[str, ...], unit: str | None
             ) -> tuple[tuple[Callable[[str], str] | None, str], ...]:
    """Per language, how Python's digits are localized (None: they are written as they are,
    as in English) and the unit's suffix: looked up once, not per anomaly (each anomaly writes
    2 or 3 numbers in every language)."""
    out = []
    for lang in langs:
        sym = symbols(lang)
        same = sym.group == "," and sym.decimal == "." and sym.minus == "-"
        out.append((None if same else sym.localize, unit_suffix(unit, lang)))
    return tuple(out)


def unit_suffix(unit: str | None, lang: str) -> str:
    """What follows a number of this unit: '\u00a0%' (fr) / '%' (en), '\u00a0€', …"""
    if unit == "percent":
        return symbols(lang).percent
    return _CURRENCY.get(unit or "", "")


_CURRENCY = {"eur": "\u00a0€", "keur": "\u00a0k€", "meur": "\u00a0M€"}


def fmt_with_unit(value: Any, unit: str | None, lang: str = "fr",
                  decimals: int | None = None) -> str:
    """The number and its unit, never separated by a breakable space (`fmt_number` inlined:
    every figure an English anomaly text shows is written by this, ~2 a national anomaly)."""
    text = None if value is None else _digits(value, decimals)
    if text is None:
        return "?"
    return symbols(lang).localize(text) + unit_suffix(unit, lang)


def fmt_interval(lo: float, hi: float, lang: str = "fr", unit: str | None = None) -> str:
    """An exact value as itself, an interval as its midpoint with 2 decimals."""
    if lo == hi:
        return fmt_with_unit(lo, unit, lang)
    mid = (lo + hi) / 2
    return fmt_with_unit(mid, unit, lang, 2)


@cache
def _cldr_group(lang: str) -> str:
    from babel.numbers import get_group_symbol

    return get_group_symbol(LOCALES[lang])


def fmt_decimal(value: Any, lang: str, *, decimals: int | None = None,
                max_decimals: int = 3) -> str:
    """Babel's `#,##0.###` (or `decimals` fixed digits) with CLDR's own group symbol (U+202F
    in French), rounding the float's shortest repr half-even as Babel does, at f-string speed.

    The reporters' layer (`reporters._common.fmt_number`) is built on this.
    """
    if isinstance(value, bool):
        value = int(value)
    if isinstance(value, int):
        text = f"{value:,}" + ("." + "0" * decimals if decimals else "")
    else:
        number = value if isinstance(value, Decimal) else Decimal(repr(round(float(value), 6)))
        if not number.is_finite() or abs(number) >= 10 ** 15:
            from babel.numbers import format_decimal

            digits = "0" * decimals if decimals is not None else "#" * max_decimals
            pattern = "#,##0" + ("." + digits if digits else "")
            return format_decimal(number, format=pattern, locale=LOCALES[lang])
        shown = decimals if decimals is not None else max_decimals
        text = f"{number:,.{max(shown, 0)}f}"
        if decimals is None and "." in text:
            text = text.rstrip("0").rstrip(".")
    sym = symbols(lang)
    group = _cldr_group(lang)
    if group != ",":
        text = text.replace(",", group)
    return text.replace(".", sym.decimal) if sym.decimal != "." else text
