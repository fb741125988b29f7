"""Find indicators by words, in French or English, accents and case ignored.

A user knows what a report prints ("avis ALD admission"), not the dotted id: each indicator is
scored against its id, French and English labels with rapidfuzz, plus a bonus per query word
found whole, so that every word counts and a typo still finds the indicator.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .reference import Indicator, Reference


@dataclass(frozen=True)
class Hit:
    indicator: Indicator
    score: float


def fold(text: str) -> str:
    """Lower case, no accents, punctuation and dots as spaces: 'Admissions en ALD' → 'admissions en ald'."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


def _haystack(ind: Indicator) -> list[str]:
    return [fold(ind.id.replace("_", " ")), fold(ind.fr), fold(ind.en)]


def search(ref: Reference, query: str, limit: int = 10, theme: str | None = None) -> list[Hit]:
    """The best matches for `query`, best first (ties by id)."""
    from rapidfuzz import fuzz

    words = fold(query).split()
    if not words:
        return []
    q = " ".join(words)
    hits: list[Hit] = []
    for ind in ref.indicators.values():
        if theme and ind.theme != theme:
            continue
        texts = _haystack(ind)
        tokens = set(" ".join(texts).split())
        # each query word: 1 if some token is that word, else its best partial match (typos,
        # plural / singular), so "avis ALD admission" prefers ids holding all three words
        per_word = []
        for w in words:
            if w in tokens:
                per_word.append(1.0)
            else:
                best = max((fuzz.ratio(w, t) for t in tokens), default=0.0) / 100
                per_word.append(best if best >= 0.75 else 0.0)
        coverage = sum(per_word) / len(words)
        overall = max(fuzz.token_set_ratio(q, t) for t in texts) / 100
        score = 100 * (0.7 * coverage + 0.3 * overall)
        if coverage > 0:
            hits.append(Hit(ind, round(score, 1)))
    hits.sort(key=lambda h: (-h.score, len(h.indicator.id), h.indicator.id))
    return hits[:limit]
