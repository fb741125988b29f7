"""Numbers and labels for people: kept for existing imports; the home is `drsmcheck.i18n`."""

from __future__ import annotations

from .i18n import fmt_diff, fmt_interval, fmt_number, fmt_with_unit, labels
from .i18n.numbers import LOCALES

__all__ = ["KIND_LABEL", "LOCALES", "fmt_diff", "fmt_interval", "fmt_number", "fmt_with_unit"]

# where a figure is printed ("texte", "encadré", "tableau"), from the catalogues
KIND_LABEL: dict[str, dict[str, str]] = {lang: labels("kind", lang) for lang in ("fr", "en")}
