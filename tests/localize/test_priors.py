"""Typist priors: the candidate true values one slip away from a print."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drsmcheck.localize.priors import best_fit, candidates, printed_digits


def edits(text: str, value: float, **kw) -> set[str]:
    return {t.edit for t in candidates(text, **kw) if t.value == pytest.approx(value)}


def test_printed_digits_reads_french_prints():
    assert printed_digits("2 116") == (False, "2116", 0)
    assert printed_digits("- 20 %") == (True, "20", 0)
    assert printed_digits("13,74 M€") == (False, "1374", 2)
    assert printed_digits("FCU") is None


@pytest.mark.parametrize(("text", "true", "edit"), [
    ("59 786", 59768, "transposition"),
    ("77 694", 77664, "digit"),
    ("2 116", 211, "extra"),          # a digit typed in excess
    ("2 11", 2116, "dropped"),        # a digit lost
    ("1 225", 125, "duplicated"),     # a digit typed twice
    ("2 310", 231, "scale"),          # ×10 (a doubled zero reads as a scale slip)
    ("19 700", 19.7, "scale"),        # ×1000: € printed for k€
    ("-12", 12, "sign"),
    ("12", -12, "sign"),
    ("1,35 %", 13.5, "scale"),        # comma moved by one place: the same value as ÷10
])
def test_each_slip_is_recognised(text, true, edit):
    assert edit in edits(text, true)


def test_the_likelier_edit_names_a_value_two_edits_reach():
    (t,) = [t for t in candidates("2 310") if t.value == 231]
    assert t.edit == "scale" and t.cause == "scale"
    assert t.detail == "231 → 2 310 (printed ×10)"


def test_counts_only_get_whole_candidates_and_ranges_filter():
    assert all(float(t.value).is_integer() for t in candidates("2 116", integer=True))
    fit = best_fit("2 116", 210, 212, integer=True)
    assert fit is not None and fit.value == 211 and fit.cause == "typo (digit)"
    assert best_fit("2 116", 300, 310, integer=True) is None


def test_a_rounded_candidate_stands_for_its_own_interval():
    # 13,54 → 13,45 fits [13,43; 13,46]; "1,90" ([1,895; 1,905]) does not fit 1,8904
    assert best_fit("13,54 %", 13.43, 13.46, half_width=0.005).value == 13.45
    assert best_fit("19,0 %", 1.8904, 1.8904, half_width=0.05) is None
    assert best_fit("19,0 %", 1.9, 1.9, half_width=0.05).value == pytest.approx(1.9)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**7), st.integers(0, 3), st.booleans(),
       st.floats(-2e7, 2e7, allow_nan=False), st.floats(0, 5e3, allow_nan=False),
       st.booleans())
def test_pruned_search_equals_the_full_enumeration(n, dec, neg, lo, width, rounded):
    """The range-pruned generator returns exactly the full enumeration filtered by range."""
    digits = str(n)
    text = ("-" if neg else "") + (digits[:-dec] or "0") + ("," + digits[-dec:].zfill(dec)
                                                           if dec else "")
    hi = lo + width
    h = 0.5 * 10 ** -dec if rounded else 0.0
    full = candidates(text, half_width=h)
    want = [t for t in full if t.interval[1] >= lo - 1e-9 * (1 + abs(lo))
            and t.interval[0] <= hi + 1e-9 * (1 + abs(hi))]
    got = candidates(text, lo=lo, hi=hi, half_width=h)
    assert sorted((t.value, t.edit) for t in got) == sorted((t.value, t.edit) for t in want)
