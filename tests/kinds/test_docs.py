"""docs/RULES.md is generated from the kinds' own docstrings and keys: it must be current."""

from __future__ import annotations

from drsmcheck.kinds import docs

from support import ROOT


def test_rules_doc_is_up_to_date() -> None:
    current = (ROOT / "docs" / "RULES.md").read_text(encoding="utf-8")
    assert current == docs.render(), (
        "docs/RULES.md is stale: run `python -m drsmcheck.kinds.docs > docs/RULES.md`")


def test_every_kind_is_documented() -> None:
    text = docs.render()
    for kind in ("equation", "rollup", "bounds", "agreement", "objective", "non_numeric"):
        assert f"## `{kind}`" in text
