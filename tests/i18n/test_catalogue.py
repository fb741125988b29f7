"""Both catalogues say the same things: same keys, same placeholders, and every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from drsmcheck.i18n import catalogue, label, t

SRC = Path(__file__).resolve().parents[2] / "src" / "drsmcheck"


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _forms(entry: str | dict[str, str]) -> list[str]:
    return list(entry.values()) if isinstance(entry, dict) else [entry]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_catalogue_is_strict_yaml(lang: str) -> None:
    """No duplicate key (PyYAML would keep the last silently), no alias, no tag."""
    from drsmcheck.i18n.messages import catalogue_path
    from drsmcheck.yamlfile import load_yaml

    assert load_yaml(catalogue_path(lang))


def test_same_keys_in_both_languages() -> None:
    fr, en = catalogue("fr"), catalogue("en")
    assert sorted(set(fr) - set(en)) == [] and sorted(set(en) - set(fr)) == []


def test_same_placeholders_in_every_entry_and_form() -> None:
    fr, en = catalogue("fr"), catalogue("en")
    wrong = []
    for key in fr:
        fields = {frozenset(_fields(x)) for x in _forms(fr[key]) + _forms(en[key])}
        if len(fields) != 1:
            wrong.append((key, fields))
        if isinstance(fr[key], dict) != isinstance(en[key], dict):
            wrong.append((key, "plural in one language only"))
    assert wrong == []


def test_every_literal_key_used_in_the_code_exists() -> None:
    used: set[str] = set()
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used.update(re.findall(r"\bt\(\s*\"([a-z_.]+)\"", text))
        used.update(f"help.{k}" for k in re.findall(r"\b_help\(\"([a-z_]+)\"\)", text))
    assert len(used) > 20
    assert sorted(k for k in used if k not in catalogue("fr")) == []


def test_plurals_follow_each_language() -> None:
    assert [t("count.error", "fr", n=n) for n in (0, 1, 2)] == ["0 erreur", "1 erreur",
                                                                 "2 erreurs"]
    assert [t("count.error", "en", n=n) for n in (0, 1, 2)] == ["0 errors", "1 error",
                                                                 "2 errors"]
    assert t("count.figures", "fr", n=1535) == "1\u00a0535 chiffres"
    assert t("count.figures", "en", n=1535) == "1,535 figures"


def test_labels_and_unknown_keys() -> None:
    assert label("category", "objective_missed", "fr") == "objectif non atteint"
    assert label("kind", "box", "fr") == "encadré"
    assert label("severity", "warning", "fr") == "avertissement"
    assert label("category", "brand_new", "fr") == "brand_new"  # shown as itself
    with pytest.raises(KeyError):
        t("console.no_such_key", "fr")
    with pytest.raises(ValueError, match="unknown language"):
        catalogue("de")


def test_formatting_keeps_its_old_imports() -> None:
    from drsmcheck.formatting import KIND_LABEL, fmt_diff, fmt_interval, fmt_number, fmt_with_unit

    assert KIND_LABEL["fr"]["table"] == "tableau" and KIND_LABEL["en"]["box"] == "box"
    assert fmt_number(162062, "fr") == "162\u00a0062" and fmt_diff(11, "en") == "11"
    assert fmt_with_unit(7.35, "percent", "fr") == "7,35\u00a0%"
    assert fmt_interval(1, 2, "en") == "1.50"


def test_every_category_and_rule_kind_has_a_label() -> None:
    from drsmcheck.kinds import registry
    from drsmcheck.verdicts import CATEGORIES

    for lang in ("fr", "en"):
        labels = catalogue(lang)
        assert [c for c in CATEGORIES if f"category.{c}" not in labels] == []
        assert [k for k in registry() if f"rule_kind.{k}" not in labels] == []
