"""Helpers shared by the reporters: they all read the JSON report dict (docs/FORMATS.md §5).

Everything here is a pure function of the report, so every output is deterministic.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..i18n.numbers import fmt_decimal

SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
SEVERITY_RANK: dict[str, int] = {s: i for i, s in enumerate(SEVERITIES)}
CATEGORIES: tuple[str, ...] = (
    "inconsistent", "rounding", "bounds", "missing", "unit", "non_numeric", "objective_missed",
    "not_available", "garbled",
)
LANGS: tuple[str, ...] = ("fr", "en")
LOCALES: dict[str, str] = {"fr": "fr_FR", "en": "en_GB"}

Report = Mapping[str, Any]
Anomaly = Mapping[str, Any]
Figure = Mapping[str, Any]


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    return lang


def loc(value: Any, lang: str) -> str:
    """A localized string: `{"fr": …, "en": …}` → the wanted language (French as fallback)."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        for key in (lang, "fr", "en"):
            text = value.get(key)
            if text:
                return str(text)
        for text in value.values():
            if text:
                return str(text)
        return ""
    return str(value)


def severity_rank(severity: str | None) -> int:
    return SEVERITY_RANK.get(str(severity), len(SEVERITIES))


def at_or_above(severity: str | None, threshold: str) -> bool:
    """True when `severity` is at least as serious as `threshold` (error > warning > info)."""
    return severity_rank(severity) <= severity_rank(threshold)


def figure_by_ref(anomaly: Anomaly, ref: str | None) -> Figure | None:
    if not ref:
        return None
    for figure in anomaly.get("figures") or ():
        if figure.get("ref") == ref:
            return figure
    return None


def suspect_figure(anomaly: Anomaly) -> Figure | None:
    suspect = anomaly.get("suspect") or {}
    return figure_by_ref(anomaly, suspect.get("ref"))


def primary_figure(anomaly: Anomaly) -> Figure | None:
    """The figure an anomaly points at: the suspect, else the first figure that has a file."""
    figure = suspect_figure(anomaly)
    if figure is not None and (figure.get("source") or {}).get("file"):
        return figure
    figures = list(anomaly.get("figures") or ())
    for fig in figures:
        if (fig.get("source") or {}).get("file"):
            return fig
    return figure or (figures[0] if figures else None)


def location(anomaly: Anomaly) -> tuple[str | None, int | None]:
    """(dataset file, line) of the primary figure, with forward slashes."""
    figure = primary_figure(anomaly)
    if figure is None:
        return None, None
    source = figure.get("source") or {}
    file = source.get("file")
    line = source.get("line")
    if isinstance(file, str):
        file = file.replace("\\", "/")
    else:
        file = None
    if not isinstance(line, int) or isinstance(line, bool) or line < 1:
        line = None
    return file, line


def subject_of(anomaly: Anomaly) -> str:
    return str(anomaly.get("subject") or "")


def anomaly_label(anomaly: Anomaly) -> str:
    """`rule · entity period · subject`, the short name of an anomaly."""
    parts = [str(anomaly.get("rule") or "?")]
    where = " ".join(str(x) for x in (anomaly.get("entity"), anomaly.get("period")) if x)
    if where:
        parts.append(where)
    if anomaly.get("subject"):
        parts.append(str(anomaly["subject"]))
    return " · ".join(parts)


def sorted_anomalies(anomalies: Iterable[Anomaly]) -> list[Anomaly]:
    """FORMATS.md §5 order: dataset, severity rank, rule, entity, period, subject, id."""
    return sorted(
        anomalies,
        key=lambda a: (
            str(a.get("dataset") or ""), severity_rank(a.get("severity")), str(a.get("rule") or ""),
            str(a.get("entity") or ""), str(a.get("period") or ""), subject_of(a),
            str(a.get("id") or ""),
        ),
    )


def baseline_info(report: Report) -> Mapping[str, Any] | None:
    """The `baseline` block added by `drsmcheck.baseline.apply_baseline`, if any."""
    info = report.get("baseline")
    return info if isinstance(info, Mapping) else None


def accepted_ids(report: Report) -> dict[str, str]:
    """Anomaly id → justification for anomalies a baseline accepts."""
    info = baseline_info(report)
    if not info:
        return {}
    return {str(e["id"]): str(e.get("justification") or "") for e in info.get("accepted") or ()}


def new_anomalies(report: Report) -> list[Anomaly]:
    """Anomalies not accepted by the baseline (all of them when no baseline was applied)."""
    accepted = accepted_ids(report)
    return [a for a in report.get("anomalies") or () if str(a.get("id")) not in accepted]


def severity_counts(anomalies: Iterable[Anomaly]) -> dict[str, int]:
    counts = dict.fromkeys(SEVERITIES, 0)
    for a in anomalies:
        sev = str(a.get("severity"))
        counts[sev] = counts.get(sev, 0) + 1
    return counts


def _positive(value: Any) -> bool:
    """Above zero once rounded to 6 decimals, as the sign of a printed difference."""
    if isinstance(value, int):
        return value > 0
    try:
        return round(float(value), 6) > 0
    except (TypeError, ValueError, OverflowError):
        return False


def fmt_number(
    value: Any, lang: str, *, signed: bool = False, max_decimals: int = 3,
    decimals: int | None = None,
) -> str:
    """Format a number the way the language writes it: `162 062`, `71,9` (fr), `162,062` (en).

    The one formatter (`drsmcheck.i18n.numbers.fmt_decimal`, Babel's symbols at f-string
    speed); French uses a narrow no-break space (U+202F) as thousands separator here.
    Negative numbers use a real minus sign (U+2212).
    """
    if value is None or isinstance(value, str):
        return "" if value is None else value
    try:
        text = fmt_decimal(value, check_lang(lang), decimals=decimals, max_decimals=max_decimals)
    except (ValueError, ArithmeticError, TypeError):
        return str(value)
    text = text.replace("-", "\u2212")
    if signed and _positive(value):
        text = "+" + text
    return text


UNIT_SUFFIX: dict[str, dict[str, str]] = {
    "percent": {"fr": "\u202f%", "en": "%"},
    "eur": {"fr": "\u202f€", "en": "\u00a0€"},
    "keur": {"fr": "\u202fk€", "en": "\u00a0k€"},
    "meur": {"fr": "\u202fM€", "en": "\u00a0M€"},
    "days": {"fr": "\u00a0j", "en": "\u00a0d"},
    "points": {"fr": "\u00a0pts", "en": "\u00a0pts"},
}


def printed_decimals(text: Any) -> int | None:
    """How many decimals a printed figure shows: `"71,90 %"` → 2, `"162 062"` → 0."""
    if not isinstance(text, str):
        return None
    match = re.search(r"\d[.,](\d+)(?!.*\d)", text)
    if match:
        return len(match.group(1))
    return 0 if re.search(r"\d", text) else None


def fmt_value(
    value: Any, unit: str | None, lang: str, *, signed: bool = False,
    decimals: int | None = None,
) -> str:
    """A number with its unit: `71,9 %`, `13,74 M€`; counts and plain numbers bare."""
    text = fmt_number(value, lang, signed=signed, decimals=decimals)
    if not text or value is None or isinstance(value, str):
        return text
    suffix = UNIT_SUFFIX.get(str(unit or ""), {}).get(lang, "")
    return text + suffix
