"""Everything a person reads, in their language: one catalogue a language, one number formatter.

- `t(key, lang, **params)`: the text of a catalogue entry (`fr.yaml`, `en.yaml`);
- `label(group, name, lang)`: a translated name (severity, category, kind of print, …);
- `fmt_number`, `fmt_diff`, `fmt_with_unit`, `fmt_interval`: numbers as the language writes
  them, with Babel's symbols and Python's speed.
"""

from __future__ import annotations

from .messages import LANGS, catalogue, has, label, labels, plural_form, t
from .numbers import LOCALES, fmt_diff, fmt_interval, fmt_number, fmt_with_unit, symbols, unit_suffix

__all__ = [
    "LANGS", "LOCALES", "catalogue", "fmt_diff", "fmt_interval", "fmt_number", "fmt_with_unit",
    "has", "label", "labels", "plural_form", "symbols", "t", "unit_suffix",
]
