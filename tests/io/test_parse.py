"""The vectorized number parser gives parse_number's ParsedNumber, field by field."""

from __future__ import annotations

import math
import random

import numpy as np
import pyarrow as pa
import pytest

from drsmcheck.io.parse import parse_column
from drsmcheck.numbers import NumberFormatError, parse_number

SEPS = [" ", "\u00a0", "\u202f", "\u2009", "'", ""]
UNITS = ["", " %", "%", "\u00a0%", " M€", " m€", " k€", "K€", " €", "€", " euros", " j", " jours",
         " points", " pts", " millions", " millions d'euros", " Md€"]
SIGNS = ["", "-", "+", "−", "–", "- "]
QUALIFIERS = ["", "< ", "<", "> ", ">= ", "≤ ", "≥"]
WORDS = ["-", "/", "NC", "Neutralisé", "FCU", "n.d.", "", "  ", "nan", "inf", "∞", "12 %%",
         "1 23", "12,3,4", "1.234", "0.123", "1.5", "1e5", "٣", "12a", "1 000 000 000 000 000",
         "99999999999999999999", "0", "-0", "00012", "1,", ",5", " 12", "12 ", "1 2345"]


def corpus(n: int, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    out = list(WORDS)
    while len(out) < n:
        digits = rng.choice([1, 1, 2, 3, 4, 5, 6, 7, 9, 12, 16, 17, 19])
        intpart = str(rng.randrange(10 ** (digits - 1), 10 ** digits)) if digits > 1 else \
            str(rng.randrange(10))
        sep = rng.choice(SEPS)
        if sep and rng.random() < 0.8:
            groups = []
            while len(intpart) > 3:
                groups.insert(0, intpart[-3:])
                intpart = intpart[:-3]
            intpart = sep.join([intpart, *groups])
        dec = ""
        if rng.random() < 0.6:
            dec = rng.choice([",", ",", "."]) + "".join(
                rng.choice("0123456789") for _ in range(rng.choice([1, 1, 2, 2, 3, 4, 8, 20])))
        text = rng.choice(QUALIFIERS if rng.random() < 0.1 else [""]) + \
            rng.choice(SIGNS if rng.random() < 0.2 else [""]) + intpart + dec + \
            rng.choice(UNITS if rng.random() < 0.7 else [""])
        if rng.random() < 0.02:
            text = " " + text
        out.append(text)
    return out


def _expected(raw):
    try:
        return parse_number(raw)
    except NumberFormatError:
        return None


def test_vectorized_parse_agrees_with_parse_number_on_a_large_corpus():
    values = corpus(40_000)
    rng = random.Random(1)
    # parse_column stops at the first unreadable value (its caller reports it), so check the
    # readable ones together and each unreadable one on its own
    good = [v for v in values if _expected(v) is not None]
    bad = [v for v in values if _expected(v) is None]
    assert len(good) > 25_000 and len(bad) > 100
    col = parse_column(pa.array(good, pa.string()))
    assert col.error is None
    texts = col.text.to_pylist()
    for i, raw in enumerate(good):
        p = parse_number(raw)
        got = (texts[i], None if math.isnan(col.value[i]) else float(col.value[i]),
               None if col.decimals[i] < 0 else int(col.decimals[i]), col.unit_hint[i],
               col.qualifier[i], bool(col.non_numeric[i]), float(col.scale[i]))
        want = (p.text, p.value, p.decimals, p.unit_hint, p.qualifier, p.non_numeric, p.scale)
        assert got == want, raw
        if p.value is not None:  # the same float bit for bit, -0.0 included
            assert math.copysign(1, got[1]) == math.copysign(1, p.value), raw
    for raw in rng.sample(bad, min(150, len(bad))):
        col = parse_column(pa.array(["1", raw], pa.string()))
        assert col.error is not None and col.error[0] == 1, raw
        with pytest.raises(NumberFormatError) as exc:
            parse_number(raw)
        assert col.error[1] == str(exc.value)


def test_most_common_prints_take_the_vectorized_path():
    # the fast path is what makes 10^6 figures cheap: the shapes of synthetic reports use it
    values = ["162 062", "71,9 %", "13,74 M€", "1\u202f234", "-5", "7\u00a0000 €"] * 10
    col = parse_column(pa.array(values))
    assert np.isfinite(col.value).all() and col.error is None


def test_non_string_values_are_parsed_like_yaml_numbers():
    col = parse_column(pa.array([None, None, "3"], pa.string()), {0: 12, 1: 0.5})
    assert col.value.tolist() == [12.0, 0.5, 3.0]
    assert col.decimals.tolist() == [0, 1, 0]
    assert col.text.to_pylist() == ["12", "0.5", "3"]
