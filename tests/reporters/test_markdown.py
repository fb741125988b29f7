"""Pull-request summary in Markdown: counts, anomaly table, collapsible details, escaping."""

from __future__ import annotations

import copy
import random
from typing import Any

from drsmcheck.baseline import Baseline, BaselineEntry, apply_baseline
from drsmcheck.reporters.markdown import MAX_CHARS, render_markdown


def _table_rows(text: str, header_start: str) -> list[str]:
    block = text.split(header_start, 1)[1].split("\n\n", 1)[0]
    return [line for line in block.splitlines()[1:] if line.startswith("|")]


def test_summary(report: dict[str, Any]) -> None:
    text = render_markdown(report)
    assert text.startswith("## drsmcheck — contrôle de cohérence des chiffres\n")
    assert "**9** anomalie(s) : 4 erreur(s), 1 avertissement(s), 4 information(s)" in text
    assert ("| `drsm-occitanie-2019` — DRSM Occitanie — rapport d'activité 2019 "
            "| 412 | 2 | 0 | 4 |") in text
    rows = _table_rows(text, "| Sévérité |")
    assert len(rows) == 1 + 9  # separator + one row per anomaly
    occ = next(r for r in rows if "`agreement`" in r)
    assert "162 062 ≠ 162 051, écart 11" in occ
    assert "`samples/drsm-occitanie-2019/dataset.yaml:41`" in occ
    assert "162 062 → **162\u202f051**" in occ
    assert text.count("<details>") == 9 + 1  # one per anomaly + the rule summary
    assert ("<summary>🔴 agreement · OCC 2019 · ald.admission.total — "
            "162 062 ≠ 162 051, écart 11</summary>") in text
    assert "**162 062** ⚠️ → 162\u202f051" in text


def test_english(report: dict[str, Any]) -> None:
    text = render_markdown(report, "en")
    assert "**9** anomaly(ies): 4 error(s), 1 warning(s), 4 info" in text
    assert "162,062 ≠ 162,051, difference 11" in text


def test_no_anomaly(report: dict[str, Any]) -> None:
    report["anomalies"] = []
    assert "✅ Aucune anomalie." in render_markdown(report)


def test_escaping_keeps_tables_intact(hostile_report: dict[str, Any]) -> None:
    for a in hostile_report["anomalies"]:
        a["relation"]["fr"] += " | a | b\nnouvelle ligne"
    text = render_markdown(hostile_report)
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    header = next(line for line in text.splitlines() if line.startswith("| Sévérité |"))
    rows = text.split(header, 1)[1].split("\n\n", 1)[0].splitlines()[2:]
    assert len(rows) == 9
    for row in rows:
        # escaped pipes (\|) do not count as column separators
        assert row.replace("\\|", "").count("|") == header.count("|"), row
        assert "a \\| b nouvelle ligne" in row


def test_baseline_sections(report: dict[str, Any]) -> None:
    baseline = Baseline("drsmcheck-baseline.yaml", {
        "ed536e1427baf7d5": BaselineEntry("ed536e1427baf7d5", "Publié ainsi", 4,
                                          dataset="drsm-occitanie-2019"),
        "aaaaaaaaaaaaaaaa": BaselineEntry("aaaaaaaaaaaaaaaa", "x", 11, rule="agreement",
                                          dataset="drsm-bfc-2019"),
    })
    text = render_markdown(apply_baseline(report, baseline))
    assert "**8** nouvelle(s) anomalie(s)" in text
    assert ("Baseline `drsmcheck-baseline.yaml` : 1 anomalie(s) acceptée(s), "
            "1 entrée(s) obsolète(s).") in text
    assert "<summary>Anomalies acceptées (baseline) (1)</summary>" in text
    assert "- `aaaaaaaaaaaaaaaa` agreement drsm-bfc-2019 `drsmcheck-baseline.yaml:11`" in text
    assert "**Justification** : Publié ainsi" in text


def test_size_limit(report: dict[str, Any]) -> None:
    big = copy.deepcopy(report)
    template = big["anomalies"][4]
    big["anomalies"] = []
    for i in range(600):
        a = copy.deepcopy(template)
        a["id"] = f"{i:016x}"
        big["anomalies"].append(a)
    text = render_markdown(big)
    assert len(text) < 65_536 and len(text) <= MAX_CHARS + 200
    assert "… 500 autre(s) ligne(s)" in text
    assert "Résumé tronqué" in text


def test_deterministic(report: dict[str, Any]) -> None:
    first = render_markdown(report)
    shuffled = copy.deepcopy(report)
    random.Random(6).shuffle(shuffled["anomalies"])
    assert render_markdown(shuffled) == first == render_markdown(report)
