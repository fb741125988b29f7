"""A scan finding: which check, the figures with both places, the arithmetic, a confidence."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..formatting import fmt_diff, fmt_number
from .values import Value

# rule id → (kind of structure, French and English description)
RULES: dict[str, tuple[str, str]] = {
    "scan.total_row": ("Une ligne total est la somme des lignes qu'elle clôt",
                       "A total row is the sum of the rows it closes"),
    "scan.total_column": ("Une colonne total est la somme des colonnes qui la précèdent",
                          "A total column is the sum of the columns before it"),
    "scan.dont_row": ("Une ligne « dont » ne dépasse pas la ligne dont elle fait partie",
                      "A 'dont' (of which) row is no larger than its row"),
    "scan.dont_column": ("Une colonne « dont » ne dépasse pas la colonne dont elle fait partie",
                         "A 'dont' (of which) column is no larger than its column"),
    "scan.percent_ratio": ("Une colonne de pourcentages est le rapport de deux colonnes",
                           "A percentage column is the ratio of two count columns"),
    "scan.entity_sum": ("Une colonne région est la somme des colonnes de ses parties",
                        "A region column is the sum of the columns of its parts"),
    "scan.section_sum": ("La page d'une région est la somme des pages de ses parties",
                         "A region's page is the sum of its parts' pages"),
    "scan.unit_mismatch": ("Objectif et résultat d'une même ligne sont dans la même unité",
                           "An objective and its result are printed in the same unit"),
    "scan.text_table": ("Un chiffre du texte est celui du tableau qui dit la même chose",
                        "A figure in the text is the table's figure for the same thing"),
}


@dataclass(frozen=True)
class Place:
    """Where a figure is printed in the report."""

    line: int
    page: int | None
    kind: str  # table | text
    table: str | None = None
    row: str | None = None
    column: str | None = None
    quote: str | None = None


@dataclass(frozen=True)
class Fig:
    value: Value
    place: Place
    label: str
    entity: str | None = None


@dataclass
class Finding:
    rule: str
    severity: str  # error | warning
    category: str  # inconsistent | rounding | unit
    confidence: float
    inferred: bool  # the structure was inferred (no "total" label): warning level
    entity: str | None
    period: str | None
    subject: str
    figures: list[Fig]
    relation: dict[str, str]
    message: dict[str, str]
    lhs: tuple[float, float] | None = None
    rhs: tuple[float, float] | None = None
    difference: float | None = None
    suspect: int | None = None  # index in figures of the likely wrong one
    suggested: float | None = None  # what the suspect would read if the structure is right
    reason: dict[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def id(self, report: str) -> str:
        key = "|".join([self.rule, report, *(f"{f.place.line}:{f.place.column}:{f.value.text}"
                                             for f in self.figures)])
        return hashlib.sha256(key.encode()).hexdigest()[:16]


def num(v: float, lang: str, unit: str | None = None, decimals: int | None = None) -> str:
    text = fmt_number(v, lang, decimals)
    if unit == "percent":
        text += " %" if lang == "fr" else "%"
    elif unit in ("eur", "meur", "keur"):
        text += {"eur": " €", "meur": " M€", "keur": " k€"}[unit]
    return text


def printed(v: Value, lang: str) -> str:
    """A print as the report shows it (fr) or in English digits (en)."""
    if lang == "fr":
        return v.text
    decimals = len(v.text.split(",")[1].split()[0].rstrip("%€")) if "," in v.text else 0
    return num(v.value, "en", v.unit, decimals)


def difference_text(diff: float, lang: str) -> str:
    return ("écart " if lang == "fr" else "difference ") + fmt_diff(diff, lang)


def interval_gap(lhs: tuple[float, float], rhs: tuple[float, float]) -> float:
    lo1, hi1 = lhs
    lo2, hi2 = rhs
    return round(max(0.0, lo1 - hi2, lo2 - hi1), 10)
