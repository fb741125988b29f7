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

# normalized marker → (meaning in French, meaning in English)
MARKERS: dict[str, tuple[str, str]] = {
    "": ("cellule vide : donnée non renseignée", "blank cell: no figure given"),
    "-": ("tiret : donnée nulle ou sans objet", "dash: nil or not applicable"),
    "/": ("barre oblique : sans objet", "slash: not applicable"),
    "ns": ("non significatif", "not significant"),
    "nd": ("non disponible", "not available"),
    "na": ("non applicable", "not applicable"),
    "nc": ("non communiqué", "not communicated"),
    "s": ("secret statistique", "statistical secrecy"),
    "secret": ("secret statistique", "statistical secrecy"),
    "neutralise": ("indicateur neutralisé pour l'année", "indicator neutralised for the year"),
    "sans objet": ("sans objet", "not applicable"),
    "so": ("sans objet", "not applicable"),
    "non disponible": ("non disponible", "not available"),
    "non communique": ("non communiqué", "not communicated"),
    "non significatif": ("non significatif", "not significant"),
    "...": ("donnée non disponible", "figure not available"),
    "x": ("donnée confidentielle", "confidential figure"),
    "*": ("donnée masquée", "masked figure"),
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


def classify(text: str | None) -> tuple[str, str, str]:
    """(category, meaning_fr, meaning_en) of a numeric cell that holds no number.

    `not_available` for a conventional marker (with what it means), `garbled` for anything else:
    a number was lost there.
    """
    t = _norm(text or "")
    if t in MARKERS:
        fr, en = MARKERS[t]
        return NOT_AVAILABLE, fr, en
    if re.fullmatch(r"-+", t):
        fr, en = MARKERS["-"]
        return NOT_AVAILABLE, fr, en
    if re.fullmatch(r"\(?(n\.?\s?[dcs]\.?|s\.?)\)?", t):
        key = re.sub(r"[^a-z]", "", t)
        fr, en = MARKERS.get(key, MARKERS["nd"])
        return NOT_AVAILABLE, fr, en
    shown = (text or "").strip()
    if re.fullmatch(r"[A-Z]{2,5}", shown):
        return (GARBLED, f"« {shown} » : des initiales à la place d'un nombre, le chiffre est perdu",
                f"“{shown}”: initials where a number belongs, the figure was lost")
    return (GARBLED, f"« {shown} » n'est pas une convention de tableau : le chiffre est perdu",
            f"“{shown}” is no table convention: the figure was lost")
