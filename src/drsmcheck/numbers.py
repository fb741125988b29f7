"""Parse numbers as French reports print them, keeping the displayed precision.

The displayed precision is what turns a printed figure into an interval (ARCHITECTURE §4):
`71,9 %` stands for [71.85, 71.95], while the count `162 062` is exact.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

# Thousands separators seen in reports: space, NBSP, narrow NBSP, thin space, apostrophe.
_SEPARATORS = "\u0020\u00a0\u202f\u2009\u2007'’"
# Scale words: "7,8 millions" is 7 800 000 give or take 50 000.
_SCALES = [("milliards", 1e9), ("milliard", 1e9), ("millions", 1e6), ("million", 1e6)]
_UNIT_SUFFIXES = [
    ("m€", "meur"),
    ("meur", "meur"),
    ("millions d'euros", "meur"),
    ("millions €", "meur"),
    ("k€", "keur"),
    ("€", "eur"),
    ("euros", "eur"),
    ("eur", "eur"),
    ("%", "percent"),
    ("points", "points"),
    ("pts", "points"),
    ("jours", "days"),
    ("j", "days"),
]
_NUMBER = re.compile(r"^(?P<sign>[-+−–]?)\s*(?P<int>\d{1,3}(?:[" + _SEPARATORS + r"]\d{3})+|\d+)"
                     r"(?:[,.](?P<dec>\d+))?$")
_QUALIFIER = re.compile(r"^(?P<q><=|>=|≤|≥|<|>)\s*(?P<rest>.+)$")

# No report prints a figure above a million billion (10^15); larger values are typos or
# attacks, and would overflow the interval arithmetic of the rules (10^300 × 10^300 = inf).
MAX_ABS = 1e15


def _head(text: str) -> str:
    """A long text cut for a message: '1000000000000000000000…' (401 characters)."""
    return repr(text) if len(text) <= 30 else repr(text[:24] + "…") + f" ({len(text)} characters)"


# Exact units: an integer printed in these units is an exact value, not a rounded one.
EXACT_UNITS = frozenset({"count", "eur", "days", "points"})


@dataclass(frozen=True)
class ParsedNumber:
    """A printed figure: its value, unit hint, displayed decimals, or why it has no value."""

    text: str
    value: float | None
    decimals: int | None = None
    unit_hint: str | None = None
    qualifier: str | None = None  # '<', '>', '<=', '>=' for "< 1 %"
    non_numeric: bool = False
    scale: float = 1.0  # 1e6 for "7,8 millions": decimals count in that unit

    @property
    def is_number(self) -> bool:
        return self.value is not None


class NumberFormatError(ValueError):
    """The text looks like a number but is malformed (e.g. `1 23`, `12,3,4`)."""


def _strip_unit(text: str) -> tuple[str, str | None]:
    low = text.lower()
    for suffix, unit in _UNIT_SUFFIXES:
        if low.endswith(suffix) and (suffix != "j" or re.search(r"\d\s*j$", low)):
            return text[: len(text) - len(suffix)].strip(), unit
    return text, None


def parse_number(raw: object) -> ParsedNumber:
    """Parse one printed figure. Words (`Neutralisé`, `FCU`, `-`, `/`) give a non-numeric figure.

    Raises NumberFormatError for text that starts like a number but cannot be read
    unambiguously (a typo the data owner must fix rather than a word).
    """
    if isinstance(raw, bool):
        raise NumberFormatError(f"expected a number as printed, got the boolean {raw!r}")
    if isinstance(raw, int):
        if abs(raw) > MAX_ABS:
            digits = int(raw.bit_length() * 0.30103) + 1
            raise NumberFormatError(f"an integer of {digits} digits is too large to be a figure")
        return ParsedNumber(text=str(raw), value=float(raw), decimals=0)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise NumberFormatError(f"{raw!r} is not a finite number")
        if abs(raw) > MAX_ABS:
            raise NumberFormatError(f"{raw!r} is too large to be a figure")
        text = repr(raw)
        dec = len(text.split(".")[1]) if "." in text and "e" not in text else None
        return ParsedNumber(text=text, value=raw, decimals=dec)
    if not isinstance(raw, str):
        what = ("a list" if isinstance(raw, list) else "a mapping" if isinstance(raw, dict)
                else type(raw).__name__)
        raise NumberFormatError(f"expected a number as printed (a string), got {what}")
    text = raw.strip()
    if not text:
        raise NumberFormatError("empty value")
    qualifier = None
    m = _QUALIFIER.match(text)
    if m:
        qualifier = {"≤": "<=", "≥": ">="}.get(m.group("q"), m.group("q"))
        text_num = m.group("rest").strip()
    else:
        text_num = text
    body, unit = _strip_unit(text_num)
    body = body.strip()
    scale = 1.0
    for word, factor in _SCALES:
        if body.lower().endswith(word):
            body, scale = body[: -len(word)].strip(), factor
            break
    if body.lower().lstrip("+-") in {"nan", "inf", "infinity", "∞"}:
        raise NumberFormatError(f"{raw!r} is not a finite number")
    m = _NUMBER.match(body)
    if not m:
        if re.search(r"\d", body) and re.fullmatch(r"[-+−–\d\s\u00a0\u202f\u2009.,']+", body):
            raise NumberFormatError(f"cannot read {raw!r} as a number (check separators)")
        if qualifier is not None or re.match(r"^[-+−–]?\d", body):
            raise NumberFormatError(f"cannot read {raw!r} as a number")
        return ParsedNumber(text=raw.strip(), value=None, non_numeric=True, unit_hint=unit)
    integer = re.sub("[" + _SEPARATORS + "]", "", m.group("int"))
    dec = m.group("dec")
    # "1.234" with a dot and exactly 3 digits is ambiguous: 1 234 with a dot as thousands
    # separator (as in German or Spanish prints), or 1,234. Reports use the comma for decimals,
    # so a dot is read as a decimal point only when it cannot be a thousands separator.
    if (dec is not None and len(dec) == 3 and "." in body and m.group("int").isdigit()
            and m.group("int") != "0"):
        raise NumberFormatError(f"{raw!r} is ambiguous: a dot before three digits may be a "
                                "thousands separator; write it the French way, \"1 234\" "
                                "or \"1,234\"")
    value = float(integer + ("." + dec if dec else ""))
    if m.group("sign") in ("-", "−", "–"):
        value = -value
    value *= scale
    if not math.isfinite(value) or abs(value) > MAX_ABS:
        raise NumberFormatError(f"{_head(raw)} is too large to be a figure")
    return ParsedNumber(
        text=raw.strip(),
        value=value,
        decimals=len(dec) if dec else 0,
        unit_hint=unit,
        qualifier=qualifier,
        scale=scale,
    )


def interval(parsed: ParsedNumber, unit: str, rounded: bool | None = None) -> tuple[float, float]:
    """The interval a printed figure stands for, under the rounding model of ARCHITECTURE §4."""
    assert parsed.value is not None
    v = parsed.value
    d = parsed.decimals or 0
    if rounded is None:
        rounded = d > 0 or unit not in EXACT_UNITS or parsed.scale != 1.0
    half = 0.5 * 10 ** (-d) * parsed.scale if rounded else 0.0
    lo, hi = v - half, v + half
    if parsed.qualifier in ("<", "<="):
        # "< 1 %" is a share in [0, 1]; "< 0" and "< -5" have no lower bound
        lo, hi = (0.0 if v > 0 else -math.inf), v
    elif parsed.qualifier in (">", ">="):
        # "> 95 %" is at most 100 %; "> 120 %" (an attainment rate) has no upper bound,
        # rather than the inverted interval [120, 100]
        lo, hi = v, (100.0 if unit == "percent" and v < 100 else math.inf)
    return lo, hi


def truncation_interval(parsed: ParsedNumber, unit: str, rounded: bool | None = None
                        ) -> tuple[float, float]:
    """The wider interval if the printed value was truncated (or rounded the other way).

    The one definition (the figures table's `tlo`/`thi` columns come from here): an exact
    print (a point interval) is not widened, nor a qualified one (`< 1 %`).
    """
    assert parsed.value is not None
    lo, hi = interval(parsed, unit, rounded)
    if parsed.qualifier is not None:
        return lo, hi
    return widen_for_truncation(lo, hi, parsed.value, parsed.decimals or 0, lo == hi,
                                parsed.scale)


# How far below (toward zero) and above (away from zero) the print a true value may lie when
# a named practice, not plain rounding, made the print — in units of the last printed digit:
# truncation (p ≤ v < p + 1 unit: "7,35 %" for 7,3556 %) and double rounding (v rounded first
# to one more decimal, then half up: 58,46 → 58,5 → "59", so v ≥ p − 0,55 unit). Nothing
# wider: "within one unit of the last digit" would call any miss of a unit a rounding.
TRUNCATION_UP = 1.0
DOUBLE_ROUNDING_DOWN = 0.55


def widen_for_truncation(lo: float, hi: float, value: float, decimals: int, exact: bool,
                         scale: float = 1.0) -> tuple[float, float]:
    """The values truncation or double rounding would print as `value` (with its rounding
    interval), unless the figure is exact: [p − 0,55 u, p + u] for p ≥ 0, mirrored below 0."""
    if exact:
        return lo, hi
    step = 10 ** (-decimals) * scale
    if value < 0:
        return min(lo, value - TRUNCATION_UP * step), max(hi, value + DOUBLE_ROUNDING_DOWN * step)
    return min(lo, value - DOUBLE_ROUNDING_DOWN * step), max(hi, value + TRUNCATION_UP * step)
