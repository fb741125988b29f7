"""JUnit XML for CI dashboards: one testsuite per dataset, one testcase per rule that applied
to it.

A rule applied to a dataset when it checked at least one item there (`rules_by_dataset` or
the verdict table when the report has them; the run's counts when the run holds one
dataset). A testcase fails when the rule has anomalies at or above `fail_on` in that dataset
that a baseline does not accept; the <failure> element lists them (relation, suspect figure,
file:line). Anomalies below the threshold and accepted ones are listed in <system-out> and do
not fail. A rule whose items were all not evaluable is <skipped>. Stale baseline entries are
listed in the suite's <system-out>.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Anomaly, Report, RuleSummary
from ._common import (
    SEVERITIES,
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
    "fr": {"anomalies": "anomalie(s)", "new": "nouvelle", "suspect": "suspect",
           "suggested": "valeur suggérée",
           "accepted": "acceptée par la baseline", "below": "sous le seuil",
           "summary": "éléments {items}, conformes {passes}, échecs {fails}, non évaluables {ne}",
           "all_datasets": " (tous jeux de données)",
           "not_evaluable": "aucun des {n} élément(s) n'est évaluable (chiffre manquant ou non "
                            "numérique)",
           "stale": "entrée de baseline obsolète {id} ({what}) : l'anomalie n'apparaît plus, "
                    "retirez l'entrée"},
    "en": {"anomalies": "anomaly(ies)", "new": "new", "suspect": "suspect", "suggested": "suggested value",
           "accepted": "accepted by the baseline", "below": "below the threshold",
           "summary": "items {items}, passes {passes}, fails {fails}, not evaluable {ne}",
           "all_datasets": " (all datasets)",
           "not_evaluable": "none of the {n} item(s) is evaluable (missing or non-numeric "
                            "figure)",
           "stale": "stale baseline entry {id} ({what}): the anomaly no longer occurs, remove "
                    "the entry"},
}


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(value: Any) -> str:
    """Text XML 1.0 can carry: control characters (other than tab/newline) are dropped."""
    return _XML_INVALID.sub("", str(value))


def _describe(anomaly: Anomaly, lang: str) -> str:
    new = f" [{_TEXT[lang]['new']}]" if anomaly.get("baseline") == "new" else ""
    lines = [f"[{anomaly['severity']}]{new} {anomaly_label(anomaly)} ({anomaly['id']})"]
    message = loc(anomaly["message"], lang)
    if message:
        lines.append(f"  {message}")
    relation = loc(anomaly["relation"], lang)
    if relation:
        lines.append(f"  {relation}")
    figure = suspect_figure(anomaly)
    suspect = anomaly["suspect"]
    if figure is not None and suspect is not None:
        lines.append(
            f"  {_TEXT[lang]['suspect']}: {figure['text']} → {_TEXT[lang]['suggested']} "
            f"{fmt_value(suspect['suggested'], figure['unit'], lang)}"
        )
    file, line = location(anomaly)
    if file:
        lines.append(f"  {file}:{line}" if line else f"  {file}")
    return "\n".join(lines)


def _is_accepted(anomaly: Anomaly, accepted: Mapping[str, str]) -> bool:
    status = anomaly.get("baseline")
    return status == "accepted" if status is not None else anomaly["id"] in accepted


def dataset_rules(report: Report, dataset: str) -> tuple[list[RuleSummary], bool]:
    """The per-rule counts of one dataset, and whether they are the run's totals instead.

    From `rules_by_dataset`, else from the verdict table, else the run's counts (exact for
    a run of one dataset; said to be totals for several).
    """
    by_dataset = report.get("rules_by_dataset")
    if by_dataset is not None:
        return list(by_dataset.get(dataset, ())), False
    verdicts = report.get("verdicts")
    if verdicts is not None:
        counts: dict[str, dict[str, int]] = defaultdict(lambda: {"pass": 0, "fail": 0, "na": 0})
        for v in verdicts:
            if v["dataset"] == dataset:
                counts[v["rule"]][v["status"]] += 1
        out: list[RuleSummary] = []
        for rule in report["rules"]:
            c = counts.get(rule["rule"])
            if c is not None:
                out.append({**rule, "items": sum(c.values()), "passes": c["pass"],
                            "fails": c["fail"], "not_evaluable": c["na"]})
        return out, False
    return list(report["rules"]), len(report["datasets"]) > 1


def _suite(root: ET.Element, report: Report, dataset: str, anomalies: Sequence[Anomaly],
           lang: str, fail_on: str, accepted: Mapping[str, str]) -> tuple[int, int, int]:
    text = _TEXT[lang]
    suite = ET.SubElement(root, "testsuite", {"name": _x(dataset)})
    meta = next((d for d in report["datasets"] if d["id"] == dataset), None)
    if meta is not None:
        props = ET.SubElement(suite, "properties")
        for key in ("title", "path", "report", "figures"):
            if meta.get(key) is not None:
                ET.SubElement(props, "property", {"name": key, "value": _x(meta[key])})
    counts, summed = dataset_rules(report, dataset)
    rules: dict[str, RuleSummary | None] = {r["rule"]: r for r in counts if r["items"] > 0}
    by_rule: dict[str, list[Anomaly]] = defaultdict(list)
    for anomaly in anomalies:
        by_rule[anomaly["rule"]].append(anomaly)
        rules.setdefault(anomaly["rule"], None)
    tests = failures = skipped = 0
    for rule_id in sorted(rules):
        rule = rules[rule_id]
        found = by_rule.get(rule_id, [])
        case = ET.SubElement(suite, "testcase", {"classname": _x(f"drsmcheck.{dataset}"),
                                                 "name": _x(rule_id)})
        tests += 1
        failing = [a for a in found
                   if at_or_above(a["severity"], fail_on) and not _is_accepted(a, accepted)]
        other = [a for a in found if a not in failing]
        if failing:
            failures += 1
            worst = min((a["severity"] for a in failing), key=severity_rank)
            by_sev = {s: sum(1 for a in failing if a["severity"] == s) for s in SEVERITIES}
            detail = ", ".join(f"{n} {s}" for s, n in by_sev.items() if n)
            first = loc(failing[0]["relation"], lang) or loc(failing[0]["message"], lang)
            failure = ET.SubElement(case, "failure", {
                "type": worst,
                "message": _x(f"{len(failing)} {text['anomalies']} ({detail}): {first}"),
            })
            failure.text = _x("\n\n".join(_describe(a, lang) for a in failing))
        elif rule is not None and not found and rule["not_evaluable"] == rule["items"]:
            skipped += 1
            ET.SubElement(case, "skipped", {
                "message": text["not_evaluable"].format(n=rule["items"])})
        out_lines = []
        if rule is not None:
            out_lines.append(text["summary"].format(
                items=rule["items"], passes=rule["passes"], fails=rule["fails"],
                ne=rule["not_evaluable"]) + (text["all_datasets"] if summed else ""))
        for a in other:
            if _is_accepted(a, accepted):
                why = f"{text['accepted']}: {a.get('justification') or accepted.get(a['id'], '')}"
            else:
                why = text["below"]
            out_lines.append(f"({why}) " + _describe(a, lang))
        if out_lines:
            ET.SubElement(case, "system-out").text = _x("\n".join(out_lines))
    stale = [e for e in (report.get("baseline") or {}).get("stale", ())
             if e["dataset"] in (dataset, None)]
    if stale:
        file = report["baseline"]["file"]
        lines = []
        for e in stale:
            what = " ".join(str(e[k]) for k in ("rule", "entity", "period", "subject") if e[k])
            where = f"{file}:{e['line']}" if e["line"] else file
            lines.append(f"{where}: " + text["stale"].format(id=e["id"], what=what))
        ET.SubElement(suite, "system-out").text = _x("\n".join(lines))
    suite.set("tests", str(tests))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    suite.set("skipped", str(skipped))
    return tests, failures, skipped


def render_junit(report: Report, lang: str = "fr", *, fail_on: str = "info") -> str:
    """The JUnit XML document as a string (UTF-8 declaration, deterministic)."""
    check_lang(lang)
    accepted = accepted_ids(report)
    by_dataset: dict[str, list[Anomaly]] = defaultdict(list)
    for anomaly in sorted_anomalies(report["anomalies"]):
        by_dataset[anomaly["dataset"]].append(anomaly)
    dataset_ids = [d["id"] for d in report["datasets"]]
    dataset_ids += sorted(set(by_dataset) - set(dataset_ids))
    root = ET.Element("testsuites", {"name": "drsmcheck"})
    totals = [0, 0, 0]
    for ds in dataset_ids:
        for i, n in enumerate(_suite(root, report, ds, by_dataset.get(ds, []), lang, fail_on,
                                     accepted)):
            totals[i] += n
    root.set("tests", str(totals[0]))
    root.set("failures", str(totals[1]))
    root.set("errors", "0")
    root.set("skipped", str(totals[2]))
    ET.indent(root, space="  ")
    body = ET.tostring(root, encoding="unicode", short_empty_elements=True)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"
