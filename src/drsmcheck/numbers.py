"""Parse numbers as French reports print them, keeping the displayed precision.

The displayed precision is what turns a printed figure into an interval (ARCHITECTURE §4):
`71,9 %` stands for [71.85, 71.95], while the count `162 062` is exact.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

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


# printed unit → indicator unit: the factor that converts a print into the catalogue's unit
MONEY = {"eur": 1.0, "keur": 1e3, "meur": 1e6}


def unit_factor(printed: str | None, unit: str) -> float | None:
    """How a print's own unit converts to the indicator's (1.0 when it is the same or not
    printed); None when they contradict each other ('12 %' on a count)."""
    if printed is None or printed == unit:
        return 1.0
    if printed in MONEY and unit in MONEY:
        return MONEY[printed] / MONEY[unit]
    return None


@dataclass
class Rounded:
    """What prints stand for, as arrays over n figures (NaN bounds where there is no value).

    `value`, `lo`, `hi`: the value and its rounding interval in the indicator's unit;
    `tlo`, `thi`: the wider interval if the print was truncated instead; `rounded`: whether the
    interval is wider than the point (or the figure says so).
    """

    value: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    tlo: np.ndarray
    thi: np.ndarray
    rounded: np.ndarray


def _pow10(decimals: np.ndarray) -> np.ndarray:
    """10 ** -d exactly as Python computes it, per distinct d (the same floats scalar or not)."""
    if not len(decimals):
        return np.zeros(0)
    table = np.array([10 ** (-k) for k in range(int(decimals.max()) + 1)], dtype=np.float64)
    return table[decimals]


def _is(arr: np.ndarray, has: np.ndarray, values: tuple[str, ...]) -> np.ndarray:
    """Elementwise `arr in values` for an object array that is mostly None: only the rows
    `has` (those holding a string) are compared."""
    out = np.zeros(len(arr), dtype=bool)
    if len(has):
        sub = arr[has]
        hit = np.zeros(len(has), dtype=bool)
        for v in values:
            hit |= sub == v
        out[has] = hit
    return out


def _strings(arr: np.ndarray) -> np.ndarray:
    return np.flatnonzero(arr != None)  # noqa: E711 - elementwise


# How far below (toward zero) and above (away from zero) the print a true value may lie when
# a named practice, not plain rounding, made the print — in units of the last printed digit:
# truncation (p ≤ v < p + 1 unit: "7,35 %" for 7,3556 %) and double rounding (v rounded first
# to one more decimal, then half up: 58,46 → 58,5 → "59", so v ≥ p − 0,55 unit). Nothing
# wider: "within one unit of the last digit" would call any miss of a unit a rounding.
TRUNCATION_UP = 1.0
DOUBLE_ROUNDING_DOWN = 0.55


def rounding(value: np.ndarray, decimals: np.ndarray, scale: np.ndarray, unit: np.ndarray,
             units: list[str], qualifier: np.ndarray, declared: np.ndarray,
             unit_hint: np.ndarray) -> Rounded:
    """The rounding model of ARCHITECTURE §4, written once, a column at a time.

    `value`: the printed value (NaN when not a number), `decimals` displayed (-1 when none),
    `scale` (1e6 for "7,8 millions"), the indicator's `unit`, the print's `qualifier` ('<', …)
    and `unit_hint` (object arrays, None when absent), `declared`: -1 not declared, 0 exact
    (`rounded: false`), 1 rounded. A count printed as an integer is exact; d decimals stand for
    ± ½·10⁻ᵈ (times the scale word); `< 1 %` is [0, 1]; truncation widens by one unit of the
    last printed digit above the print and 0,55 unit below (truncation, double rounding; mirrored
    below zero), except exact and qualified prints; "13,74 M€" on a € indicator is
    converted, bounds included. The loader, `make_figure` and the scalar helpers below call it.
    """
    value = np.asarray(value, dtype=np.float64)
    decimals = np.asarray(decimals, dtype=np.int64)
    scale = np.asarray(scale, dtype=np.float64)
    declared = np.asarray(declared, dtype=np.int64)
    d = np.where(decimals < 0, 0, decimals)
    p = _pow10(d)
    unit = np.asarray(unit, dtype=np.int64)
    exact_unit = np.isin(unit, [k for k, u in enumerate(units) if u in EXACT_UNITS])
    percent = np.isin(unit, [k for k, u in enumerate(units) if u == "percent"])
    factor = np.ones(len(value))
    hints = _strings(unit_hint)
    for printed in MONEY:
        hint = _is(unit_hint, hints, (printed,))
        if hint.any():
            for k, u in enumerate(units):
                f = unit_factor(printed, u)
                if f not in (None, 1.0):
                    factor[hint & (unit == k)] = f
    auto = (d > 0) | ~exact_unit | (scale != 1.0)
    rounded = np.where(declared < 0, auto, declared == 1)
    half = np.where(rounded, 0.5 * p * scale, 0.0)
    lo, hi = value - half, value + half
    quals = _strings(qualifier)
    lt = _is(qualifier, quals, ("<", "<="))
    gt = _is(qualifier, quals, (">", ">="))
    if lt.any() or gt.any():
        # "< 1 %" is a share in [0, 1]; "< 0" and "< -5" have no lower bound; "> 95 %" is at
        # most 100 %; "> 120 %" (an attainment rate) has no upper bound
        lo = np.where(lt, np.where(value > 0, 0.0, -np.inf), lo)
        hi = np.where(lt, value, hi)
        lo = np.where(gt, value, lo)
        hi = np.where(gt, np.where(percent & (value < 100), 100.0, np.inf), hi)
    step = p * scale
    keep = (lo == hi) | lt | gt
    # truncation or double rounding (TRUNCATION_UP, DOUBLE_ROUNDING_DOWN), mirrored below zero
    below = np.where(value < 0, TRUNCATION_UP, DOUBLE_ROUNDING_DOWN) * step
    above = np.where(value < 0, DOUBLE_ROUNDING_DOWN, TRUNCATION_UP) * step
    tlo = np.where(keep, lo, np.minimum(lo, value - below))
    thi = np.where(keep, hi, np.maximum(hi, value + above))
    numeric = ~np.isnan(value)
    flag = np.where(declared < 0, numeric & (lo != hi), declared == 1)
    conv = numeric & (factor != 1.0)
    if conv.any():
        value, lo, hi, tlo, thi = (np.where(conv, x * factor, x)
                                   for x in (value, lo, hi, tlo, thi))
    return Rounded(value, lo, hi, tlo, thi, flag)


def rounding_of(parsed: ParsedNumber, unit: str, rounded: bool | None = None) -> Rounded:
    """`rounding` for one parsed print (arrays of length 1)."""
    obj = np.empty(1, dtype=object)
    hint, qual = obj.copy(), obj.copy()
    hint[0], qual[0] = parsed.unit_hint, parsed.qualifier
    with np.errstate(invalid="ignore"):
        return rounding(
            np.array([np.nan if parsed.value is None else parsed.value]),
            np.array([-1 if parsed.decimals is None else parsed.decimals]),
            np.array([parsed.scale]), np.zeros(1, dtype=np.int64), [unit], qual,
            np.array([-1 if rounded is None else int(rounded)]), hint)


def interval(parsed: ParsedNumber, unit: str, rounded: bool | None = None) -> tuple[float, float]:
    """The interval a printed figure stands for, in the print's own unit (`rounding`)."""
    assert parsed.value is not None
    r = rounding_of(ParsedNumber(parsed.text, parsed.value, parsed.decimals, None,
                                 parsed.qualifier, parsed.non_numeric, parsed.scale), unit, rounded)
    return float(r.lo[0]), float(r.hi[0])


def truncation_interval(parsed: ParsedNumber, unit: str, rounded: bool | None = None
                        ) -> tuple[float, float]:
    """The wider interval if the printed value was truncated (or rounded the other way):
    `rounding`'s tlo/thi, in the print's own unit. An exact print (a point interval) is not
    widened, nor a qualified one (`< 1 %`)."""
    assert parsed.value is not None
    r = rounding_of(ParsedNumber(parsed.text, parsed.value, parsed.decimals, None,
                                 parsed.qualifier, parsed.non_numeric, parsed.scale), unit, rounded)
    return float(r.tlo[0]), float(r.thi[0])
