"""Words and numbers of report text: accent folding, label words, printed numbers in a sentence."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..numbers import NumberFormatError, ParsedNumber, parse_number

_SPACES = "\u00a0\u202f\u2009\u2007"
# a printed number: 162 062 · 71,9 % · 13,74 M€ · 19,70 € · < 1 % · 7,8 millions
NUMBER_RE = re.compile(
    r"(?P<q>[<>≤≥]\s?)?"
    r"(?<![\w,.°\-])(?P<num>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?)(?![\w])"
    r"(?P<unit>\s?%|\s?M€|\s?k€|\s?€|\s(?:millions|milliards)(?:\s(?:d'|d’)euros)?)?",
)
MONTHS = ("janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet", "aout", "septembre",
          "octobre", "novembre", "decembre")
STOPWORDS = frozenset(
    "a au aux avec ce ces d de des du dont en et l la le les leur leurs n ne ou par pour qu que "
    "qui sa se ses sur un une y est sont ont ete a été soit dans cette cet nombre total taux part "
    "ex o".split())


def fold(text: str) -> str:
    """Lower case, no accents, typographic quotes and spaces made plain: for comparisons."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    for ch in _SPACES:
        text = text.replace(ch, " ")
    return text.replace("’", "'").lower()


def stem(word: str) -> str:
    """A crude French singular: lésions → lesion, nouvelles → nouvelle, hôpitaux → hopital."""
    if len(word) > 4 and word.endswith("aux"):
        return word[:-3] + "al"
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def label_words(text: str) -> set[str]:
    """The meaningful words of a label, folded and singular (no numbers, no stop words)."""
    words = re.findall(r"[a-z]+", fold(text))
    return {stem(w) for w in words if len(w) > 1 and w not in STOPWORDS}


def is_year(num: str) -> bool:
    return re.fullmatch(r"(19[89]\d|20[0-4]\d)", num) is not None


@dataclass(frozen=True)
class Found:
    """A number printed in a sentence: its text as printed, where it starts and ends, parsed."""

    text: str
    start: int
    end: int
    parsed: ParsedNumber


def _skip(text: str, m: re.Match[str]) -> bool:
    num = m.group("num")
    after = fold(text[m.end("num"):m.end("num") + 12]).lstrip()
    before = fold(text[max(0, m.start("num") - 12):m.start("num")])
    if re.fullmatch(r"0\d+", num):
        return True  # "02", "09": a page, a code or a date, not a figure
    if is_year(num) and not m.group("unit"):
        return True  # a year is a period, not a figure
    if any(after.startswith(mo) for mo in MONTHS) and len(num) <= 2:
        return True  # the day of a date: "29 novembre"
    if re.search(r"(?:^|[\s(])(article|articles|page|pages|p\.|n°|no|axe|bloc|alinea|tableau|"
                 r"l\.|l)\s*$", before):
        return True  # references, not figures
    if len(num) <= 2 and re.search(r"[(⁽]$", text[:m.start("num")]) and \
            text[m.end("num"):m.end("num") + 1] in ")⁾":
        return True  # footnote mark "(1)"
    around = text[max(0, m.start("num") - 6):m.end("num") + 6]
    if re.search(r"\d{1,2}/\d{1,2}/\d{2,4}", around) and re.search(
            r"(?<!\d)\d{1,2}/\d{1,2}/\d{2,4}", text[max(0, m.start("num") - 6):]):
        return True  # a date "31/12/2019"
    if text[m.end("num"):m.end("num") + 1] in (":", "h") and re.match(r"\d", text[m.end("num") + 1:
                                                                        m.end("num") + 2] or ""):
        return True  # a time "9:30", "14h30"
    if not text[m.end():].strip() and text[:m.start("num")].rstrip().endswith("|"):
        return True  # a page number in a running footer "… | 33"
    return False


def find_numbers(text: str) -> list[Found]:
    """Every printed figure of a sentence, as printed (with its unit sign), in order."""
    found: list[Found] = []
    for m in NUMBER_RE.finditer(text):
        if _skip(text, m):
            continue
        start = m.start("q") if m.group("q") else m.start("num")
        printed = text[start:m.end()].strip()
        try:
            parsed = parse_number(printed)
        except NumberFormatError:
            continue
        if parsed.value is None:
            continue
        found.append(Found(printed, start, m.end(), parsed))
    return found


def cell_number(text: str) -> ParsedNumber | None:
    """A table cell that is one printed number (`2 457`, `35,73 %`, `19,70 €`), else None."""
    clean = re.sub(r"</?[a-z]+>", "", text).strip().strip("*").strip()
    if not clean or not re.search(r"\d", clean):
        return None
    try:
        parsed = parse_number(clean)
    except NumberFormatError:
        return None
    return parsed if parsed.value is not None else None


def is_word_cell(text: str) -> bool:
    """A cell holding a word or a dash in a numeric place: `-`, `/`, `Neutralisé`, `NC`."""
    clean = text.strip()
    return clean in {"-", "/", "–", "—", "NC", "nc", "n.c.", "ND", "Neutralisé", "neutralisé"}
