"""Non-numeric cells: a conventional marker (the figure is not available, and says why) or a
garbled cell (a number was lost: letters or words where a figure belongs).

Statistical tables use a small set of conventions for a cell with no figure (INSEE, Eurostat,
the reports themselves): a dash, a slash, `ns`, `nd`, `NC`, `s` for secret, `Neutralisé`, a
blank. Anything else in a numeric cell — initials such as `FCU` or `DSC`, a label shifted into
the value column — is no convention: the figure was lost in layout or extraction, an error.
"""

from __future__ import annotations

import re
import unicodedata

NOT_AVAILABLE = "not_available"
GARBLED = "garbled"

# normalized marker → its meaning's key in the message catalogues (i18n `marker.*`)
MARKERS: dict[str, str] = {
    "": "blank", "-": "dash", "/": "slash", "ns": "ns", "nd": "nd", "na": "na", "nc": "nc",
    "s": "secret", "secret": "secret", "neutralise": "neutralised",
    "sans objet": "not_applicable", "so": "not_applicable", "non disponible": "nd",
    "non communique": "nc", "non significatif": "ns", "...": "ellipsis",
    "x": "confidential", "*": "masked",
}
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"


def _norm(text: str) -> str:
    t = unicodedata.normalize("NFKD", text)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    for d in _DASHES:
        t = t.replace(d, "-")
    t = t.replace("…", "...")
    t = re.sub(r"\s+", " ", t).strip().lower()
    return t.rstrip(".") if t not in ("...", ".") else t


def marker(text: str | None) -> str | None:
    """The catalogue key of the marker's meaning (`dash`, `secret`, …), or None: no marker."""
    t = _norm(text or "")
    if t in MARKERS:
        return MARKERS[t]
    if re.fullmatch(r"-+", t):
        return "dash"
    if re.fullmatch(r"\(?(n\.?\s?[dcs]\.?|s\.?)\)?", t):
        return MARKERS.get(re.sub(r"[^a-z]", "", t), "nd")
    return None


def classify(text: str | None) -> tuple[str, str, str]:
    """(category, meaning_fr, meaning_en) of a numeric cell that holds no number.

    `not_available` for a conventional marker (with what it means), `garbled` for anything else:
    a number was lost there.
    """
    from ..i18n import t

    key = marker(text)
    if key is not None:
        return NOT_AVAILABLE, t(f"marker.{key}", "fr"), t(f"marker.{key}", "en")
    shown = (text or "").strip()
    how = "marker.initials" if re.fullmatch(r"[A-Z]{2,5}", shown) else "marker.garbled"
    return GARBLED, t(how, "fr", text=shown), t(how, "en", text=shown)


def describe(text: str | None, lang: str) -> str:
    """What the reviewer reads about the cell: the marker and its meaning, or a lost figure."""
    from ..i18n import t

    key = marker(text)
    shown = (text or "").strip()
    if key is not None:
        return t("marker.not_available", lang, text=shown, meaning=t(f"marker.{key}", lang))
    how = "marker.initials" if re.fullmatch(r"[A-Z]{2,5}", shown) else "marker.garbled"
    return t(how, lang, text=shown)
