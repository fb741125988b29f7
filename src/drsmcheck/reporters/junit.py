"""JUnit XML for CI dashboards: one testsuite per dataset, one testcase per rule.

A testcase fails when the rule has anomalies at or above `fail_on` in that dataset; the
<failure> element lists them (relation, suspect figure, file:line). Anomalies below the
threshold, and anomalies a baseline accepts, are listed in <system-out> and do not fail.
Rules that checked no item at all are <skipped>.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from typing import Any

from ._common import (
    SEVERITIES,
    Anomaly,
    Report,
    accepted_ids,
    anomaly_label,
    at_or_above,
    check_lang,
    fmt_value,
    loc,
    location,
    severity_rank,
    sorted_anomalies,
    suspect_figure,
)

_TEXT = {
    "fr": {"anomalies": "anomalie(s)", "suspect": "suspect", "suggested": "valeur suggérée",
           "accepted": "acceptée par la baseline", "below": "sous le seuil",
           "summary": "éléments {items}, conformes {passes}, échecs {fails}, non évaluables {ne}"
                      " (tous jeux de données)",
           "no_item": "aucun élément contrôlé"},
    "en": {"anomalies": "anomaly(ies)", "suspect": "suspect", "suggested": "suggested value",
           "accepted": "accepted by the baseline", "below": "below the threshold",
           "summary": "items {items}, passes {passes}, fails {fails}, not evaluable {ne}"
                      " (all datasets)",
           "no_item": "no item checked"},
}


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(value: Any) -> str:
    """Text XML 1.0 can carry: control characters (other than tab/newline) are dropped."""
    return _XML_INVALID.sub("", str(value))


def _describe(anomaly: Anomaly, lang: str) -> str:
    lines = [f"[{anomaly.get('severity')}] {anomaly_label(anomaly)} ({anomaly.get('id')})"]
    message = loc(anomaly.get("message"), lang)
    if message:
        lines.append(f"  {message}")
    relation = loc(anomaly.get("relation"), lang)
    if relation:
        lines.append(f"  {relation}")
    figure = suspect_figure(anomaly)
    suspect = anomaly.get("suspect") or {}
    if figure is not None:
        lines.append(
            f"  {_TEXT[lang]['suspect']}: {figure.get('text')} → {_TEXT[lang]['suggested']} "
            f"{fmt_value(suspect.get('suggested'), figure.get('unit'), lang)}"
        )
    file, line = location(anomaly)
    if file:
        lines.append(f"  {file}:{line}" if line else f"  {file}")
    return "\n".join(lines)


def render_junit(report: Report, lang: str = "fr", *, fail_on: str = "info") -> str:
    """The JUnit XML document as a string (UTF-8 declaration, deterministic)."""
    check_lang(lang)
    text = _TEXT[lang]
    accepted = accepted_ids(report)
    rules: dict[str, dict[str, Any]] = {}
    for rule in report.get("rules") or ():
        rules[str(rule.get("rule"))] = dict(rule)
    by_dataset: dict[str, dict[str, list[Anomaly]]] = defaultdict(lambda: defaultdict(list))
    for anomaly in sorted_anomalies(report.get("anomalies") or ()):
        ds_key, rule_key = str(anomaly.get("dataset") or ""), str(anomaly.get("rule") or "")
        by_dataset[ds_key][rule_key].append(anomaly)
        rules.setdefault(str(anomaly.get("rule") or ""), {"rule": anomaly.get("rule"),
                                                          "kind": anomaly.get("kind")})
    dataset_ids = [str(d.get("id")) for d in report.get("datasets") or ()]
    dataset_ids += sorted(set(by_dataset) - set(dataset_ids))

    root = ET.Element("testsuites", {"name": "drsmcheck"})
    total_tests = total_failures = total_skipped = 0
    for ds in dataset_ids:
        suite = ET.SubElement(root, "testsuite", {"name": _x(ds)})
        datasets = {str(d.get("id")): d for d in report.get("datasets") or ()}
        meta = datasets.get(ds) or {}
        props = ET.SubElement(suite, "properties")
        for key in ("title", "path", "report", "figures"):
            if meta.get(key) is not None:
                ET.SubElement(props, "property", {"name": key, "value": _x(meta[key])})
        tests = failures = skipped = 0
        for rule_id in sorted(rules):
            rule = rules[rule_id]
            anomalies = by_dataset.get(ds, {}).get(rule_id, [])
            case = ET.SubElement(suite, "testcase", {"classname": _x(f"drsmcheck.{ds}"),
                                                     "name": _x(rule_id)})
            tests += 1
            failing = [a for a in anomalies
                       if at_or_above(a.get("severity"), fail_on)
                       and str(a.get("id")) not in accepted]
            other = [a for a in anomalies if a not in failing]
            if failing:
                failures += 1
                worst = min((str(a.get("severity")) for a in failing), key=severity_rank)
                counts = {s: sum(1 for a in failing if a.get("severity") == s) for s in SEVERITIES}
                detail = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
                first = (loc(failing[0].get("relation"), lang)
                         or loc(failing[0].get("message"), lang))
                failure = ET.SubElement(case, "failure", {
                    "type": worst,
                    "message": _x(f"{len(failing)} {text['anomalies']} ({detail}): {first}"),
                })
                failure.text = _x("\n\n".join(_describe(a, lang) for a in failing))
            elif rule.get("items") == 0 and not anomalies:
                skipped += 1
                ET.SubElement(case, "skipped", {"message": text["no_item"]})
            out_lines = []
            if "items" in rule:
                out_lines.append(text["summary"].format(
                    items=rule.get("items", 0), passes=rule.get("passes", 0),
                    fails=rule.get("fails", 0), ne=rule.get("not_evaluable", 0)))
            for a in other:
                why = text["accepted"] if str(a.get("id")) in accepted else text["below"]
                out_lines.append(f"({why}) " + _describe(a, lang))
            if out_lines:
                ET.SubElement(case, "system-out").text = _x("\n".join(out_lines))
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", "0")
        suite.set("skipped", str(skipped))
        total_tests += tests
        total_failures += failures
        total_skipped += skipped
    root.set("tests", str(total_tests))
    root.set("failures", str(total_failures))
    root.set("errors", "0")
    root.set("skipped", str(total_skipped))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
