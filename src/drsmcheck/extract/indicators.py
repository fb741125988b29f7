"""Suggest a catalogue indicator for a printed figure by fuzzy matching its context (the
clause around a number in the text; table title, group, row label and column header for a
cell) against the catalogue's French labels, with rapidfuzz.

The score is rapidfuzz's token-set ratio of the folded, singular, stop-word-free words, damped
when few of the label's words are in the context; candidates whose unit cannot be the print's
(a "%" figure and a count indicator) are left out. A confidence is the score over 100.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..numbers import ParsedNumber
from ..reference import Reference
from .text import label_words

LIMIT = 3


@dataclass(frozen=True)
class Candidate:
    indicator: str
    score: float  # 0-1


def units_for(parsed: ParsedNumber) -> frozenset[str]:
    """The catalogue units a print can be: "%" is a percent; "€" money; a whole number
    anything but a percent; a decimal without sign anything but a count."""
    hint = parsed.unit_hint
    if hint == "percent":
        return frozenset({"percent"})
    if hint in ("eur", "meur", "keur"):
        return frozenset({"eur", "meur", "keur"})
    if hint in ("days", "points"):
        return frozenset({hint, "number"})
    if parsed.decimals:
        return frozenset({"meur", "keur", "eur", "number", "points", "days"})
    return frozenset({"count", "eur", "number", "days", "points", "keur", "meur"})


class IndicatorMatcher:
    """The catalogue's labels, ready for matching."""

    def __init__(self, ref: Reference):
        self.ids = sorted(ref.indicators)
        self.units = {i: ref.indicators[i].unit for i in self.ids}
        self.words = {i: label_words(ref.indicators[i].fr) for i in self.ids}
        self.texts = {i: " ".join(sorted(self.words[i])) for i in self.ids}

    def suggest(self, context: str, parsed: ParsedNumber, focus: str = "") -> list[Candidate]:
        """Best candidates first. `focus` (a row label, the clause's own words) must share a
        word with a candidate's label for it to score high."""
        from rapidfuzz import fuzz

        words = label_words(context)
        if not words:
            return []
        focus_words = label_words(focus) if focus else words
        query = " ".join(sorted(words))
        allowed = units_for(parsed)
        scored = []
        for i in self.ids:
            if self.units[i] not in allowed or not self.words[i]:
                continue
            shared = words & self.words[i]
            if not shared:
                continue
            ratio = fuzz.token_set_ratio(query, self.texts[i]) / 100
            cover = len(shared) / len(self.words[i])
            on_focus = 1.0 if focus_words & self.words[i] else 0.7
            scored.append(Candidate(i, round(ratio * (0.5 + 0.5 * cover) * on_focus, 3)))
        scored.sort(key=lambda c: (-c.score, c.indicator))
        return scored[:LIMIT]
