"""One lookup for every user-facing word: `t(key, lang, **params)` over one catalogue a language.

The catalogues are `fr.yaml` and `en.yaml` beside this module: nested mappings of
`str.format` templates, flattened to dotted keys (`severity.error`, `console.summary`). An
entry whose keys are CLDR plural categories (`one`, `other`, …) is chosen by its `n`
parameter with Babel's plural rules: French says "0 erreur", "1 erreur", "2 erreurs".
A test keeps both languages with the same keys and the same placeholders.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

LANGS: tuple[str, ...] = ("fr", "en")
PLURAL_FORMS = frozenset({"zero", "one", "two", "few", "many", "other"})
_HERE = Path(__file__).resolve().parent

Entry = str | dict[str, str]


def catalogue_path(lang: str) -> Path:
    return _HERE / f"{lang}.yaml"


def _flatten(tree: Mapping[str, Any], prefix: str, out: dict[str, Entry]) -> None:
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value and set(value) <= PLURAL_FORMS:
            if "other" not in value:
                raise ValueError(f"{name}: a plural entry needs an 'other' form")
            out[name] = {str(k): str(v) for k, v in value.items()}
        elif isinstance(value, Mapping):
            _flatten(value, name + ".", out)
        else:
            out[name] = str(value)


@cache
def catalogue(lang: str) -> dict[str, Entry]:
    """Dotted key → template (or plural forms) for one language, loaded once."""
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}: use one of {', '.join(LANGS)}")
    import yaml

    # shipped with the package, so the fast C loader; the tests load it with the strict one
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: dict[str, Entry] = {}
    _flatten(yaml.load(catalogue_path(lang).read_text(encoding="utf-8"), Loader=loader), "", out)
    return out


@cache
def _plural_rule(lang: str) -> Any:
    from babel import Locale

    from .numbers import LOCALES

    return Locale.parse(LOCALES[lang]).plural_form


def plural_form(n: Any, lang: str) -> str:
    """CLDR's category of `n` in this language: 'one' or 'other' (or 'many' in French)."""
    try:
        return str(_plural_rule(lang)(abs(n)))
    except (TypeError, ValueError):
        return "other"


def t(key: str, lang: str, /, **params: Any) -> str:
    """The text of `key` in `lang`, its `{placeholders}` filled from `params`.

    A plural entry takes the form of `params["n"]`; a number `n` is printed the language's
    way ("1 535" / "1,535"). An unknown key is a bug in drsmcheck, so it raises KeyError
    rather than printing a half-translated line.
    """
    entry = catalogue(lang)[key]
    if isinstance(entry, dict):
        form = plural_form(params.get("n", 0), lang)
        entry = entry.get(form) or entry["other"]
    n = params.get("n")
    if isinstance(n, int | float) and not isinstance(n, bool):
        from .numbers import fmt_number

        params["n"] = fmt_number(n, lang)
    return entry.format(**params) if params else entry


def has(key: str, lang: str) -> bool:
    return key in catalogue(lang)


def label(group: str, name: Any, lang: str) -> str:
    """`label("category", "rounding", "fr")` → 'arrondi'; an unknown name is shown as itself."""
    entry = catalogue(lang).get(f"{group}.{name}")
    return entry if isinstance(entry, str) else str(name)


def labels(group: str, lang: str) -> dict[str, str]:
    """Every label of a group: `labels("kind", "fr")` → {'text': 'texte', …}."""
    prefix = group + "."
    return {k[len(prefix):]: v for k, v in catalogue(lang).items()
            if k.startswith(prefix) and isinstance(v, str) and "." not in k[len(prefix):]}
