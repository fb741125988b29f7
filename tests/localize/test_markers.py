"""Non-numeric cells: a conventional marker is not available; initials or words are garbled."""

from __future__ import annotations

import pytest

from drsmcheck.localize.markers import GARBLED, NOT_AVAILABLE, classify


@pytest.mark.parametrize(("text", "meaning_en"), [
    ("-", "dash: nil or not applicable"), ("–", "dash: nil or not applicable"),
    ("/", "slash: not applicable"), ("ns", "not significant"), ("nd", "not available"),
    ("n.d.", "not available"), ("NC", "not communicated"), ("s", "statistical secrecy"),
    ("Neutralisé", "indicator neutralised for the year"), ("", "blank cell: no figure given"),
    ("   ", "blank cell: no figure given"), (None, "blank cell: no figure given"),
])
def test_markers_are_not_available_with_their_meaning(text, meaning_en):
    category, fr, en = classify(text)
    assert category == NOT_AVAILABLE and en == meaning_en and fr


@pytest.mark.parametrize("text", ["FCU", "DSC", "AWA", "Total Maîtrise des activités", "dont"])
def test_words_in_a_numeric_cell_are_garbled(text):
    category, fr, en = classify(text)
    assert category == GARBLED
    assert text in fr and "lost" in en
