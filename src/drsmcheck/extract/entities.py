"""Which entity a heading, a column header or a row label names, from the pack's entity labels.

Matching is on folded words: a label's words must appear in order in the text ("ECHELON LOCAL
DU JURA" names Jura, 39); a département code in parentheses, "(21)", names that département; a
row label that is a code ("09") names it. Headers use short forms the labels do not hold:
"ex-DRSM LR" and "DRSM O" are the initials of "Languedoc-Roussillon" and "Occitanie", so each
region also answers to its code and its initials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import fold


def _tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", fold(text))


@dataclass
class EntityMatcher:
    """Entity codes by label words, built once from the reference's entities."""

    entities: dict[str, dict[str, str]]

    def __post_init__(self) -> None:
        self.names: list[tuple[list[str], str]] = []
        self.short: dict[str, str] = {}
        for code, labels in self.entities.items():
            label = labels.get("fr", code)
            words = [w for w in _tokens(label) if w != "ex"]
            if words:
                self.names.append((words, code))
            if not code.isdigit():
                self.short[code.lower()] = code
                parts = [p for p in re.split(r"[-\s]+", fold(label)) if p and p != "ex"
                         and p not in ("de", "du", "la", "et")]
                if len(parts) >= 2:
                    self.short.setdefault("".join(p[0] for p in parts), code)
                elif parts:
                    self.short.setdefault("drsm " + parts[0][0], code)
        self.names.sort(key=lambda item: -len(item[0]))

    def in_heading(self, text: str) -> str | None:
        """The entity a heading names: a code in parentheses first, else the longest label."""
        m = re.search(r"\((\d[0-9AB]|2[AB])\)", text)
        if m and m.group(1) in self.entities:
            return m.group(1)
        return self.in_text(text)

    def in_text(self, text: str) -> str | None:
        """The longest entity label whose words appear in order in `text`."""
        toks = _tokens(text)
        joined = " " + " ".join(toks) + " "
        for words, code in self.names:
            if " " + " ".join(words) + " " in joined:
                return code
        return None

    def in_label(self, text: str, short: bool = True) -> str | None:
        """A column header or row label: a code ("09", "LR"), an initialism, or a name."""
        clean = fold(text).strip().strip(":").strip()
        if re.fullmatch(r"\d{2}|2[ab]", clean) and clean.upper() in self.entities:
            return clean.upper()
        toks = _tokens(text)
        for i in range(len(toks) if short else 0):
            for j in (2, 1):
                key = " ".join(toks[i:i + j])
                if len(toks[i:i + j]) == j and key in self.short:
                    return self.short[key]
        return self.in_text(text)

    def children(self, hierarchies: dict[str, dict[str, list[str]]], parent: str) -> list[set[str]]:
        """Every children set of `parent` across the named hierarchies."""
        return [set(tree[parent]) for tree in hierarchies.values() if parent in tree]
