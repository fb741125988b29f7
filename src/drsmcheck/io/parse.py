"""French printed numbers parsed a column at a time, with `numbers.parse_number`'s semantics.

The common shapes (`162 062`, `71,9 %`, `13,74 M€`, NBSP or narrow-NBSP thousands separators,
a leading minus) are read with one Arrow regex and one cast; every other value (words, dots,
qualifiers, scale words, odd spaces, non-string cells) goes through `parse_number` itself, so
the result is the same ParsedNumber field by field whatever path a value takes
(tests/io/test_parse.py checks this on a large generated corpus of prints).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..numbers import MAX_ABS, NumberFormatError, parse_number

# One regex for the shapes that make up nearly every figure of a French report. Anything with
# surrounding blanks, a dot, a qualifier, a scale word or another unit is left to parse_number.
_FAST = (r"^[-+\x{2212}\x{2013}]?"
         r"(?:[0-9]{1,3}(?:[ \x{a0}\x{202f}][0-9]{3})+|[0-9]+)"
         r"(?:,[0-9]+)?"
         r"(?:[ \x{a0}\x{202f}]?(?:%|[Mm]€|[Kk]€|€))?$")
# tested in this order: "M€" before "€"
_UNITS = {"%": "percent", "M€": "meur", "m€": "meur", "K€": "keur", "k€": "keur", "€": "eur"}


@dataclass
class ParsedColumn:
    """The ParsedNumber fields of n values, as arrays (object arrays hold None for null)."""

    text: pa.Array            # string: the value as printed (stripped; '' for none)
    value: np.ndarray         # float64, NaN when not a number
    decimals: np.ndarray      # int64, -1 when ParsedNumber.decimals is None
    unit_hint: np.ndarray     # object
    qualifier: np.ndarray     # object
    non_numeric: np.ndarray   # bool
    scale: np.ndarray         # float64
    error: tuple[int, str] | None = None  # first value that cannot be read: (index, message)


def parse_column(values: pa.Array, objects: dict[int, Any] | None = None,
                 stop_at: int | None = None) -> ParsedColumn:
    """Parse `values` (a string array; null where `objects` holds a non-string raw value).

    Null values without an entry in `objects` are treated as missing by the caller; here they
    come out as non-numeric with an empty text. `stop_at`: no need to parse past this index
    (an earlier error elsewhere will be reported first).
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    n = len(values)
    objects = objects or {}
    # one regex match without captures (RE2 runs it as a DFA), then plain string kernels
    fast = pc.and_(pc.match_substring_regex(values, _FAST),
                   pc.less_equal(pc.utf8_length(values), 40)).fill_null(False)
    body = pc.utf8_rtrim(values, characters="%€MmKk \u00a0\u202f")
    for sep in (" ", "\u00a0", "\u202f"):
        body = pc.replace_substring(body, sep, "")
    body = pc.utf8_ltrim(body, characters="+")
    for minus in ("\u2212", "\u2013"):
        body = pc.replace_substring(body, minus, "-")
    # at most 16 integer digits (10^15 is the largest figure): the cast never overflows, and
    # longer values get parse_number's message
    comma = pc.find_substring(body, ",")
    length = pc.utf8_length(body)
    int_digits = pc.if_else(pc.greater_equal(comma, 0), comma, length)
    fast = pc.and_(fast, pc.less_equal(int_digits, 17)).fill_null(False)
    digits = pc.if_else(fast, pc.replace_substring(body, ",", "."), "0")
    value = pc.cast(digits.fill_null("0"), pa.float64()).to_numpy(zero_copy_only=False)
    fast_np = fast.to_numpy(zero_copy_only=False)
    too_big = fast_np & (np.abs(value) > MAX_ABS)
    fast_np = fast_np & ~too_big  # parse_number says why
    decimals = pc.if_else(pc.greater_equal(comma, 0), pc.subtract(pc.subtract(length, comma), 1),
                          0).fill_null(0).to_numpy(zero_copy_only=False)
    decimals = np.where(fast_np, decimals, -1).astype(np.int64)
    hint = np.full(n, len(_UNITS), dtype=np.int8)  # code of the unit symbol, first match
    for k, sym in enumerate(_UNITS):
        hint[fast_np & pc.ends_with(values, sym).fill_null(False).to_numpy(
            zero_copy_only=False) & (hint == len(_UNITS))] = k
    unit_hint = np.array([*_UNITS.values(), None], dtype=object)[hint]
    value = np.where(fast_np, value, np.nan)
    qualifier = np.full(n, None, dtype=object)
    non_numeric = np.zeros(n, dtype=bool)
    scale = np.ones(n, dtype=np.float64)
    out = ParsedColumn(values, value, decimals, unit_hint, qualifier, non_numeric, scale)
    texts: dict[int, str] = {}  # the slow rows' text, where it differs from the raw string
    slow = np.flatnonzero(~fast_np)
    for i in slow:
        i = int(i)
        if stop_at is not None and i > stop_at:
            break
        raw = objects.get(i)
        if raw is None:
            raw = values[i].as_py()
        if raw is None:
            texts[i] = ""
            out.non_numeric[i] = True
            continue
        try:
            p = parse_number(raw)
        except NumberFormatError as exc:
            out.error = (i, str(exc))
            break
        if p.text != raw:
            texts[i] = p.text
        out.value[i] = np.nan if p.value is None else p.value
        out.decimals[i] = -1 if p.decimals is None else p.decimals
        out.unit_hint[i] = p.unit_hint
        out.qualifier[i] = p.qualifier
        out.non_numeric[i] = p.non_numeric
        out.scale[i] = p.scale
    if texts:  # one Arrow call, not a Python string per figure
        rows = np.fromiter(texts, dtype=np.int64, count=len(texts))
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        order = np.sort(rows)
        out.text = pc.replace_with_mask(values.fill_null(""), pa.array(mask),
                                        pa.array([texts[int(i)] for i in order], pa.string()))
    elif values.null_count:
        out.text = values.fill_null("")
    return out
