"""What a report is about when it does not say it on every line: its entity and its year.

The default entity is the entity the text names most (a regional report names its region
far more than any département); the period is the year of "rapport d'activité 2019", else the
year printed most often. Sentences and tables that name their own entity or year keep theirs.
"""

from __future__ import annotations

import re
from collections import Counter

from .document import Document
from .entities import EntityMatcher
from .text import fold


def default_period(doc: Document) -> str | None:
    text = "\n".join(p.text for p in doc.paragraphs)
    m = re.search(r"rapport d.activit[ée]\s+(20\d\d)", fold(text))
    if m:
        return m.group(1)
    years = Counter(re.findall(r"(?<!\d)(20[0-4]\d)(?!\d)", text))
    return years.most_common(1)[0][0] if years else None


def default_entity(doc: Document, matcher: EntityMatcher) -> str | None:
    counts: Counter[str] = Counter()
    for p in doc.paragraphs:
        toks = " " + " ".join(re.findall(r"[a-z0-9]+", fold(p.text))) + " "
        for words, code in matcher.names:  # longest labels first
            label = " " + " ".join(words) + " "
            n = toks.count(label)
            if n:
                counts[code] += n
                # "Bourgogne-Franche-Comté" is not also a mention of (ex-)Franche-Comté
                toks = toks.replace(label, " | ")
    if not counts:
        return None
    regions = {c: n for c, n in counts.items() if not c[:1].isdigit() and c != "FR"}
    best = max(regions.items(), key=lambda kv: (kv[1], kv[0]), default=None)
    top = counts.most_common(1)[0]
    if best and best[1] * 2 >= top[1]:
        return best[0]
    return top[0]


def years_in(text: str) -> set[str]:
    return set(re.findall(r"(?<!\d)(?<!\d,)(20[0-4]\d)(?!\d|,\d)", text))
