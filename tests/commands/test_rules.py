"""`drsmcheck rules list|explain|doc` and `drsmcheck indicators search`, through the CLI."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from drsmcheck.cli import app

from support import ROOT


def cli(*args: str):
    result = CliRunner().invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_rules_list_by_theme_shows_only_that_theme() -> None:
    out = cli("rules", "list", "--theme", "ald", "--lang", "en")
    assert out.exit_code == 0
    lines = out.stdout.splitlines()
    assert any(line.startswith("ald.admission.parts ") and "paper + electronic" in line
               for line in lines)
    assert all(" ald " in line for line in lines)
    assert not any(line.startswith("agreement ") for line in lines)


def test_rules_list_unknown_theme_suggests() -> None:
    out = cli("rules", "list", "--theme", "atmpp")
    assert out.exit_code == 2
    assert "unknown theme 'atmpp'" in out.stderr and "did you mean 'atmp'?" in out.stderr


def test_rules_explain_gives_relation_labels_and_a_holding_example() -> None:
    out = cli("rules", "explain", "ald.admission.parts", "--lang", "en")
    assert out.exit_code == 0
    text = out.stdout
    assert "relation: ald.admission.paper + ald.admission.electronic == ald.admission.total" \
        in text
    assert "ald.admission.total  [count, additive] Opinions on ALD admission requests" in text
    assert "rules/checks/ald.yaml:" in text
    # the example holds: 1 200 + 450 = 1 650
    assert '{indicator: ald.admission.electronic, value: "1\u00a0200"}' in text
    assert '{indicator: ald.admission.paper, value: "450"}' in text
    assert '{indicator: ald.admission.total, value: "1\u00a0650"}' in text


def test_rules_explain_ratio_example_is_the_ratio() -> None:
    text = cli("rules", "explain", "ald.admission.electronic_share.ratio").stdout
    # share = 100 × electronic / total with electronic = 1 200 and total = 450 + … is computed
    example = [line for line in text.splitlines() if "electronic_share, value" in line]
    assert len(example) == 1 and "%" in example[0]


def test_rules_explain_unknown_id() -> None:
    out = cli("rules", "explain", "ald.admission.partz")
    assert out.exit_code == 2
    assert "did you mean 'ald.admission.parts'?" in out.stderr


@pytest.mark.parametrize(("words", "first"), [
    ("avis ALD admission", "ald.admission.total"),
    ("Avis sur demandes d'admission en ALD", "ald.admission.total"),
    ("signalements fraude total", "fraud.reports.total"),
    ("invalidite avis", "opinion.invalidity.total"),         # accents ignored
    ("opinions invalidity", "opinion.invalidity.total"),     # English labels
    ("expertises L 141-1", "expertise.l141_1"),
])
def test_indicators_search_finds_by_words(words: str, first: str) -> None:
    out = cli("indicators", "search", *words.split(), "--limit", "3")
    assert out.exit_code == 0, out.stderr
    ids = [line.split()[0] for line in out.stdout.splitlines()]
    assert first in ids, ids


def test_indicators_search_nothing() -> None:
    out = cli("indicators", "search", "qwxzv")
    assert out.exit_code == 1 and "no indicator matches" in out.stderr


def test_rule_reference_in_docs_is_up_to_date() -> None:
    out = cli("rules", "doc")
    assert out.exit_code == 0
    on_disk = (ROOT / "docs" / "RULE_PACK.md").read_text(encoding="utf-8")
    assert out.stdout == on_disk, ("docs/RULE_PACK.md is stale: run "
                                   "`drsmcheck rules doc --output docs/RULE_PACK.md`")
    assert "| `ald.admission.parts` | equation | error |" in on_disk


def test_rules_explain_example_with_the_previous_period() -> None:
    text = cli("rules", "explain", "opinion.total.decline.ratio").stdout
    # decline = 100 × (1 − 1 200 / 1 500) = 20 %
    assert '{indicator: opinion.total, value: "1\u00a0200"}' in text
    assert '{indicator: opinion.total, value: "1\u00a0500"}  # previous period' in text
    assert '{indicator: opinion.total.decline, value: "20,0\u00a0%"}' in text
