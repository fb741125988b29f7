"""Numbers and labels for people: French (default) or English, via Babel."""

from __future__ import annotations

import decimal
import math

from babel.numbers import format_decimal

LOCALES = {"fr": "fr_FR", "en": "en_GB"}
UNIT_SUFFIX = {"percent": " %", "eur": " €", "keur": " k€", "meur": " M€"}


def fmt_number(value: float, lang: str = "fr", decimals: int | None = None) -> str:
    """162062 → '162 062' (fr) / '162,062' (en); keep `decimals` digits when given."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "?"
    if decimals is None:
        decimals = 0 if float(value).is_integer() else 2
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    # Babel quantizes in the current decimal context; 28 digits are too few above 10^28
    with decimal.localcontext() as ctx:
        ctx.prec = 400
        text = format_decimal(decimal.Decimal(repr(round(value, decimals) + 0.0)),
                              format=pattern, locale=LOCALES[lang])
    return text.replace("\u202f", "\u00a0") if lang == "fr" else text


def fmt_diff(value: float, lang: str = "fr") -> str:
    """A difference with enough decimals to be non-zero (0,0006 rather than 0,00)."""
    if value is None:
        return "?"
    if float(value).is_integer():
        return fmt_number(value, lang, 0)
    mag = abs(value)
    decimals = 2
    while decimals < 6 and round(mag, decimals) == 0:
        decimals += 1
    return fmt_number(value, lang, decimals)


def fmt_with_unit(value: float, unit: str | None, lang: str = "fr",
                  decimals: int | None = None) -> str:
    text = fmt_number(value, lang, decimals)
    suffix = UNIT_SUFFIX.get(unit or "", "")
    if lang == "en" and unit == "percent":
        suffix = "%"
    return text + suffix


def fmt_interval(lo: float, hi: float, lang: str = "fr", unit: str | None = None) -> str:
    """An exact value as itself, an interval as its midpoint with 2 decimals."""
    if lo == hi:
        return fmt_with_unit(lo, unit, lang)
    mid = (lo + hi) / 2
    return fmt_with_unit(mid, unit, lang, 2)


KIND_LABEL = {
    "fr": {"text": "texte", "box": "encadré", "table": "tableau"},
    "en": {"text": "text", "box": "box", "table": "table"},
}
