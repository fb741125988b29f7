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
_ROLES = {"objectif": "objective", "objectifs": "objective", "cible": "objective",
          "resultat": "result", "resultats": "result", "realisation": "result",
          "realise": "result", "region": "result"}


def column_role(header: str) -> str | None:
    """`objective` or `result` for a CPG-style column ("objectifs", "Réalisation", "Région")."""
    from .text import fold

    first = fold(header).strip().split(" ")[0] if header.strip() else ""
    return _ROLES.get(first)


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

    def suggest(self, context: str, parsed: ParsedNumber, focus: str = "",
                role: str | None = None) -> list[Candidate]:
        """Best candidates first. `focus` holds what names the figure most closely (a row label
        and its group, a column header; the clause of a sentence); `context` adds the rest (a
        table's title). A label scores by the share of its words the focus holds, then the
        context, then rapidfuzz's token-set ratio of the focus against it."""
        from rapidfuzz import fuzz

        words = label_words(context) | label_words(focus)
        focus_words = label_words(focus) or words
        if not words:
            return []
        focus_text = " ".join(sorted(focus_words))
        allowed = units_for(parsed)
        scored = []
        for i in self.ids:
            label = self.words[i]
            if self.units[i] not in allowed or not label or not words & label:
                continue
            cover_focus = len(focus_words & label) / len(label)
            cover_all = len(words & label) / len(label)
            ratio = fuzz.token_set_ratio(focus_text, self.texts[i]) / 100
            score = 0.55 * cover_focus + 0.25 * cover_all + 0.2 * ratio
            if role is not None:  # a CPG column: objective or result
                if i.endswith("." + role):
                    score += 0.2
                elif i.endswith((".objective", ".result")):
                    score -= 0.2
            scored.append(Candidate(i, round(score, 3)))
        scored.sort(key=lambda c: (-c.score, c.indicator))
        return scored[:LIMIT]
