"""The reviewer's HTML report: content, language, escaping, self-containment, determinism."""

from __future__ import annotations

import base64
import copy
import hashlib
import random
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from drsmcheck.baseline import Baseline, BaselineEntry, apply_baseline
from drsmcheck.reporters.html import objective_label, render_html

NNBSP = "\u202f"


class Collector(HTMLParser):
    """Every start tag with its attributes, and the text of <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data


def parse(html: str) -> Collector:
    c = Collector()
    c.feed(html)
    c.close()
    return c


def test_french_by_default_with_french_numbers(report: dict[str, Any]) -> None:
    html = render_html(report)
    assert '<html lang="fr">' in html
    assert "Rapport d&#39;anomalies drsmcheck" in html
    # Babel formats numbers the French way (narrow no-break space, decimal comma)
    assert f"162{NNBSP}051" in html  # suggested value for the Occitanie text figure
    assert f"29,6{NNBSP}%" in html  # suggested value for the truncated share
    assert f"2{NNBSP}490" in html
    assert "Synthèse" in html and "Bilan par règle" in html


def test_english(report: dict[str, Any]) -> None:
    html = render_html(report, "en")
    assert '<html lang="en">' in html
    assert "drsmcheck anomaly report" in html
    assert "162,051" in html
    assert "29.6%" in html
    assert "Per-rule summary" in html
    assert "162,062 ≠ 162,051, difference 11" in html


def test_unknown_language_is_refused(report: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="unknown language"):
        render_html(report, "de")


def test_summary_counts_and_suspects(report: dict[str, Any]) -> None:
    html = render_html(report)
    assert re.search(r'data-kpi="total">9<', html)
    assert re.search(r'data-kpi="error">4<', html)
    assert re.search(r'data-kpi="warning">1<', html)
    assert re.search(r'data-kpi="info">4<', html)
    suspects = html.split('id="suspects-h"')[1].split("</table>")[0]
    # five anomalies name a suspect; the Occitanie text figure is one of them, with provenance
    assert suspects.split("<tbody>")[1].count("<tr>") == 5
    assert "162 062" in suspects and f"162{NNBSP}051" in suspects
    assert "samples/drsm-occitanie-2019/dataset.yaml:41" in suspects
    assert "000_36bfcaf3c454a709.txt l.871" in suspects
    # per entity / theme panels
    assert "Par entité" in html and "Par thème" in html
    assert "Occitanie" in html and "ex-Languedoc-Roussillon" in html


def test_rule_table(report: dict[str, Any]) -> None:
    html = render_html(report)
    rules = html.split('id="rules-h"')[1].split("</table>")[0]
    for rule in report["rules"]:
        assert f"<code>{rule['rule']}</code>" in rules
    row = rules.split("<code>ald.electronic_share</code>")[1].split("</tr>")[0]
    cells = re.findall(r'<td class="num[^"]*">([^<]*)</td>', row)
    assert cells == ["3", "1", "0", "2"]  # items, passes, fails, not evaluable
    # failing rules come first
    assert rules.index("<code>rollup.sum</code>") < rules.index("<code>bounds.percent</code>")


def test_anomaly_details_with_provenance(report: dict[str, Any]) -> None:
    html = render_html(report)
    body = html.split('id="a-ed536e1427baf7d5"')[1].split("</tbody>\n")[0]
    assert "162 062 ≠ 162 051, écart 11" in body
    assert "samples/drsm-occitanie-2019/dataset.yaml:41" in body
    assert "samples/drsm-occitanie-2019/dataset.yaml:47" in body
    assert "samples/drsm-occitanie-2019/tables.yaml:58" in body
    assert "<strong>l.871</strong>" in body and "<strong>l.890</strong>" in body
    assert "tableau t05" in body and "« - total »" in body and "« DRSM O »" in body
    assert "En 2019, 162 062 avis ont été donnés" in body
    # the suspect figure is highlighted with its suggested value
    suspect_rows = re.findall(r'<tr class="suspect">(.*?)</tr>', body, re.S)
    assert len(suspect_rows) == 1
    assert "dataset.yaml:41" in suspect_rows[0]
    assert f"<strong>162{NNBSP}051</strong>" in suspect_rows[0]
    assert "+11" in body


def test_every_anomaly_is_a_sortable_filterable_row(report: dict[str, Any]) -> None:
    html = render_html(report)
    bodies = re.findall(r'<tbody class="anomaly[^"]*"[^>]*>', html)
    assert len(bodies) == len(report["anomalies"])
    for attr in ("data-severity", "data-sev", "data-category", "data-entity", "data-diff",
                 "data-rule", "data-period", "data-order"):
        assert all(attr + "=" in b for b in bodies)
    for key in ("sev", "category", "entity", "period", "rule", "diff"):
        assert f'data-sort="{key}"' in html
    for select in ("f-severity", "f-category", "f-entity", "f-dataset", "f-text"):
        assert f'id="{select}"' in html


def test_objectives_chart_from_anomalies(report: dict[str, Any]) -> None:
    html = render_html(report)
    svg = html.split('<svg xmlns="http://www.w3.org/2000/svg" class="chart"')[1].split("</svg>")[0]
    assert svg.count('<g class="row ko">') == 4
    assert "Taux de chirurgie ambulatoire" in svg
    assert f"57,50{NNBSP}%" in svg and f"62,30{NNBSP}%" in svg
    assert "LR — ex-Languedoc-Roussillon" in svg and "MP — ex-Midi-Pyrénées" in svg


def test_objectives_chart_from_objectives_list(report: dict[str, Any]) -> None:
    report["objectives"] = [
        {"dataset": "drsm-occitanie-2019", "entity": "LR", "period": "2019",
         "indicator": "cpg.prado.members", "label": {"fr": "Adhésions PRADO", "en": "PRADO"},
         "unit": "count", "objective": 11391, "result": 15200, "direction": "higher",
         "met": True},
        {"dataset": "drsm-occitanie-2019", "entity": "LR", "period": "2019",
         "indicator": "cpg.absence.short", "label": {"fr": "Absentéisme court", "en": "Short"},
         "unit": "percent", "objective": 1.1, "result": 1.03, "direction": "lower"},
    ]
    html = render_html(report)
    svg = html.split('class="chart"')[1].split("</svg>")[0]
    assert svg.count('<g class="row ok">') == 2  # met is computed from direction when absent
    assert f"15{NNBSP}200" in svg and "↓" in svg


def test_no_chart_without_objectives(report: dict[str, Any]) -> None:
    report["anomalies"] = [a for a in report["anomalies"] if a["rule"] != "cpg.objectives"]
    html = render_html(report)
    assert 'class="chart"' not in html
    assert 'id="objectives"' not in html


def test_empty_report() -> None:
    report = {"schema_version": "1", "tool": {"name": "drsmcheck", "version": "0.1.0"},
              "datasets": [], "summary": {"anomalies": 0, "by_severity": {}, "by_category": {},
                                          "evaluations": 0},
              "rules": [], "anomalies": []}
    html = render_html(report)
    assert "Aucune anomalie : toutes les règles évaluées sont respectées." in html
    assert render_html(report, "en").count("No anomaly") == 1


def test_self_contained_no_network(report: dict[str, Any]) -> None:
    html = render_html(report)
    c = parse(html)
    for tag, attrs in c.tags:
        assert tag not in {"link", "img", "iframe", "object", "embed", "base"}, tag
        for name in ("src", "href", "action", "srcset", "data"):
            value = attrs.get(name)
            if value is not None:
                assert value.startswith("#"), (tag, name, value)
    assert re.search(r"url\(|@import|https?://(?!www\.w3\.org/2000/svg)", html) is None
    assert len(c.scripts) == 1


def test_content_security_policy_pins_the_script(report: dict[str, Any]) -> None:
    html = render_html(report)
    c = parse(html)
    csp = next(a["content"] for t, a in c.tags
               if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    script_src = csp.split("script-src")[1].split(";")[0]
    assert "default-src 'none'" in csp and "unsafe-inline" not in script_src
    digest = base64.b64encode(hashlib.sha256(c.scripts[0].encode()).digest()).decode()
    assert f"'sha256-{digest}'" in csp


def test_everything_from_data_is_escaped(hostile_report: dict[str, Any],
                                         payloads: dict[str, str]) -> None:
    for lang in ("fr", "en"):
        html = render_html(hostile_report, lang)
        assert payloads["script"] not in html
        assert "<img" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
        c = parse(html)
        assert len(c.scripts) == 1 and "alert" not in c.scripts[0]
        for tag, attrs in c.tags:
            assert tag != "img"
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        # the chart labels (SVG built in Python) are escaped too
        svg = html.split('class="chart"')[1].split("</svg>")[0]
        assert "Sophia &lt;script&gt;" in svg


def test_baseline_marks_accepted_and_lists_stale(report: dict[str, Any]) -> None:
    baseline = Baseline("drsmcheck-baseline.yaml", {
        "ed536e1427baf7d5": BaselineEntry("ed536e1427baf7d5", "Publié tel quel", 7,
                                          dataset="drsm-occitanie-2019"),
        "0000000000000000": BaselineEntry("0000000000000000", "Corrigé depuis", 12,
                                          rule="agreement", dataset="drsm-occitanie-2019"),
    })
    html = render_html(apply_baseline(report, baseline))
    head, body = html.split('id="a-ed536e1427baf7d5"')
    body = body.split("</tbody>")[0]
    status = body.split('<td class="status">')[1].split("</td>")[0]
    # accepted: shown as accepted, not as an error, with its justification
    assert '<span class="badge accepted">acceptée</span>' in status
    assert "badge sev-error" not in status and "nouvelle" not in status
    assert "Publié tel quel" in body
    assert 'data-status="accepted"' in body[:600] and head.endswith('accepted" ')
    # not counted: 4 errors in the report, 1 accepted
    assert re.search(r'data-kpi="error">3<', html)
    assert re.search(r'data-kpi="accepted">1<', html)
    assert re.search(r'data-kpi="stale">1<', html)
    assert html.count('<span class="badge new">nouvelle</span>') == 8
    assert 'id="f-status"' in html
    stale = html.split('id="stale-h"')[1]
    assert "0000000000000000" in stale and "drsmcheck-baseline.yaml:12" in stale
    assert '<a href="#stale">' in html.split('class="toc"')[1].split("</nav>")[0]


def test_deterministic(report: dict[str, Any]) -> None:
    first = render_html(report)
    assert render_html(report) == first
    # input order does not matter: anomalies are re-sorted, keys are looked up
    shuffled = copy.deepcopy(report)
    random.Random(4).shuffle(shuffled["anomalies"])
    shuffled = {k: shuffled[k] for k in reversed(list(shuffled))}
    assert render_html(shuffled) == first


def test_objective_label() -> None:
    assert objective_label("CPG — objectif : taux de chirurgie ambulatoire",
                           "CPG — résultat : taux de chirurgie ambulatoire") == \
        "Taux de chirurgie ambulatoire"
    assert objective_label("Taux X — objectif", "Taux X — résultat") == "Taux X"
    assert objective_label("Économies (bloc 3) — objectif", "Économies (bloc 3) — résultat") == \
        "Économies (bloc 3)"


def test_layout_order_toc_and_folded_rules(report: dict[str, Any]) -> None:
    report["rules"].append({"rule": "zz.never", "kind": "equation", "severity": "error",
                            "description": {"fr": "jamais", "en": "never"}, "items": 0,
                            "passes": 0, "fails": 0, "not_evaluable": 0})
    html = render_html(report)
    order = [html.index(f'<section id="{s}"') for s in
             ("summary", "suspects", "anomalies", "breakdown", "rules")]
    assert order == sorted(order)
    toc = html.split('class="toc"')[1].split("</nav>")[0]
    assert re.findall(r'href="#([a-z]+)"', toc) == ["summary", "suspects", "anomalies",
                                                    "breakdown", "objectives", "rules"]
    assert '<a href="#anomalies">Anomalies</a> <span class="count">9</span>' in toc
    rules = html.split('<section id="rules"')[1].split("</section>")[0]
    assert '<details class="rules-details">' in rules  # folded (no `open`)
    assert "<code>zz.never</code>" not in rules  # a rule that checked nothing is not listed
    n = len(report["rules"]) - 1
    assert f"{n} règle(s) appliquée(s) sur {n + 1}, 5 en échec" in rules


def test_every_label_in_both_languages() -> None:
    from drsmcheck.reporters import html as module
    from drsmcheck.rules import default_rules_dir, load_rules

    for table in (module.STRINGS, module.SEVERITY_LABELS, module.CATEGORY_LABELS,
                  module.KIND_LABELS, module.THEME_LABELS):
        assert set(table["fr"]) == set(table["en"])
    themes = {i.theme for i in load_rules(default_rules_dir()).reference.indicators.values()}
    assert themes <= set(module.THEME_LABELS["fr"]), themes - set(module.THEME_LABELS["fr"])


def test_theme_labels(report: dict[str, Any]) -> None:
    report["anomalies"][0]["theme"] = "accompaniment"
    fr, en = render_html(report), render_html(report, "en")
    theme_fr = fr.split("<h3>Par thème</h3>")[1].split("</table>")[0]
    theme_en = en.split("<h3>By theme</h3>")[1].split("</table>")[0]
    assert 'Accompagnement des professionnels <span class="muted">accompaniment</span>' in theme_fr
    assert 'Support to health professionals <span class="muted">accompaniment</span>' in theme_en


def test_cli_html_with_baseline(occitanie_baseline: dict[str, Any]) -> None:
    """`validate --baseline … --format html`: accepted errors are not counted as errors."""
    html = (occitanie_baseline["out"] / "report.html").read_text(encoding="utf-8")
    assert re.search(r'data-kpi="total">43<', html)
    assert re.search(r'data-kpi="error">0<', html)  # every error accepted
    assert re.search(r'data-kpi="accepted">40<', html)
    assert re.search(r'data-kpi="stale">1<', html)
    assert html.count('<span class="badge accepted">acceptée</span>') >= 40
    assert html.count('<span class="badge new">nouvelle</span>') == 3
    assert "Publié ainsi ; erratum demandé le 2020-06-12" in html
    rules = html.split('<section id="rules"')[1].split("</section>")[0]
    report = occitanie_baseline["report"]
    applied = sum(1 for r in report["rules"] if r["items"] > 0)
    assert 0 < applied < len(report["rules"]) / 1.5
    assert rules.count("<tr") == 1 + applied  # header + the rules that applied
