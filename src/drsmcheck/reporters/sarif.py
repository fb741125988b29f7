"""SARIF 2.1.0, for GitHub code scanning and any SARIF viewer.

Rules go to `tool.driver.rules`; each anomaly is a result whose level comes from its severity
(error → error, warning → warning, info → note), whose physical location is the dataset file
and line of the suspect figure (else the first figure), with the other figures as related
locations, and whose `partialFingerprints` carry the anomaly's stable id so that code scanning
tracks it across commits. When a baseline was applied, results carry `baselineState` and
accepted anomalies an external `suppressions` entry with the reviewer's justification.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from ._common import (
    Anomaly,
    Figure,
    Report,
    accepted_ids,
    baseline_info,
    check_lang,
    fmt_value,
    loc,
    primary_figure,
    sorted_anomalies,
    suspect_figure,
)
from .json import dumps

SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
FINGERPRINT = "drsmcheckAnomalyId/v1"


def _uri(path: str) -> str:
    """A relative path as a URI reference (forward slashes, percent-encoded)."""
    # a name holding undecodable bytes (kept as surrogates) is percent-encoded byte for byte
    return quote(path.replace("\\", "/").encode("utf-8", "surrogateescape"), safe="/-_.~")


def _location(
    figure: Figure | None, lang: str, with_message: bool = False,
) -> dict[str, Any] | None:
    if figure is None:
        return None
    source = figure.get("source") or {}
    file = source.get("file")
    if not isinstance(file, str) or not file:
        return None
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
    line = source.get("line")
    if isinstance(line, int) and not isinstance(line, bool) and line >= 1:
        physical["region"] = {"startLine": line}
    location: dict[str, Any] = {"physicalLocation": physical}
    if with_message:
        where = []
        if source.get("report") and source.get("report_line"):
            where.append(f"{source['report']}:{source['report_line']}")
        if source.get("table"):
            where.append(f"table {source['table']}")
        text = f"{figure.get('indicator')} {figure.get('entity')} {figure.get('period')} = " \
               f"{figure.get('text')}"
        if where:
            text += f" ({', '.join(where)})"
        location["message"] = {"text": text}
    return location


def _message(anomaly: Anomaly, lang: str) -> str:
    parts = [loc(anomaly.get("message"), lang)]
    relation = loc(anomaly.get("relation"), lang)
    if relation:
        parts.append(relation)
    figure = suspect_figure(anomaly)
    suspect = anomaly.get("suspect") or {}
    if figure is not None:
        source = figure.get("source") or {}
        suggested = "suggested value" if lang == "en" else "valeur suggérée"
        where = f" ({source.get('report')}:{source.get('report_line')})" \
            if source.get("report") and source.get("report_line") else ""
        parts.append(f"suspect: {figure.get('text')}{where} → {suggested} "
                     f"{fmt_value(suspect.get('suggested'), figure.get('unit'), lang)}")
    text = ". ".join(p.rstrip(". ") for p in parts if p)
    return text or str(anomaly.get("rule") or "anomaly")


def build_sarif(report: Report, lang: str = "fr") -> dict[str, Any]:
    """The SARIF log as a dict."""
    check_lang(lang)
    tool = report.get("tool") or {}
    rules: dict[str, dict[str, Any]] = {}
    for rule in report.get("rules") or ():
        rules[str(rule.get("rule"))] = dict(rule)
    anomalies = sorted_anomalies(report.get("anomalies") or ())
    for anomaly in anomalies:
        rules.setdefault(str(anomaly.get("rule")), {"rule": anomaly.get("rule"),
                                                    "kind": anomaly.get("kind"),
                                                    "severity": anomaly.get("severity")})
    rule_ids = sorted(rules)
    index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
    descriptors = []
    for rule_id in rule_ids:
        rule = rules[rule_id]
        description = loc(rule.get("description"), lang) or rule_id
        descriptor: dict[str, Any] = {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": description},
            "fullDescription": {"text": description},
            "defaultConfiguration": {"level": LEVELS.get(str(rule.get("severity")), "warning")},
            "properties": {"kind": str(rule.get("kind") or ""),
                           "tags": ["drsmcheck", str(rule.get("kind") or "rule")]},
        }
        for key in ("items", "passes", "fails", "not_evaluable"):
            if key in rule:
                descriptor["properties"][key] = rule[key]
        descriptors.append(descriptor)

    accepted = accepted_ids(report)
    baseline = baseline_info(report)
    results = []
    for anomaly in anomalies:
        rule_id = str(anomaly.get("rule"))
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": LEVELS.get(str(anomaly.get("severity")), "warning"),
            "kind": "fail",
            "message": {"text": _message(anomaly, lang)},
            "partialFingerprints": {FINGERPRINT: str(anomaly.get("id"))},
            "properties": {
                "id": anomaly.get("id"),
                "severity": anomaly.get("severity"),
                "category": anomaly.get("category"),
                "dataset": anomaly.get("dataset"),
                "entity": anomaly.get("entity"),
                "period": anomaly.get("period"),
                "subject": anomaly.get("subject"),
                "theme": anomaly.get("theme"),
                "difference": anomaly.get("difference"),
            },
        }
        suspect = anomaly.get("suspect")
        if suspect:
            result["properties"]["suspect"] = {"ref": suspect.get("ref"),
                                               "suggested": suspect.get("suggested")}
        primary = primary_figure(anomaly)
        main = _location(primary, lang)
        if main is not None:
            result["locations"] = [main]
        related = []
        for figure in anomaly.get("figures") or ():
            loc_ = _location(figure, lang, with_message=True)
            if loc_ is not None:
                loc_["id"] = len(related)
                related.append(loc_)
        if related:
            result["relatedLocations"] = related
        if baseline is not None:
            if str(anomaly.get("id")) in accepted:
                result["baselineState"] = "unchanged"
                result["suppressions"] = [{
                    "kind": "external",
                    "status": "accepted",
                    "justification": accepted[str(anomaly.get("id"))],
                }]
            else:
                result["baselineState"] = "new"
        results.append(result)

    run: dict[str, Any] = {
        "tool": {"driver": {
            "name": str(tool.get("name") or "drsmcheck"),
            "version": str(tool.get("version") or "0"),
            "rules": descriptors,
        }},
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": {
            "datasets": [
                {k: d.get(k) for k in ("id", "path", "title", "report", "figures")}
                for d in report.get("datasets") or ()
            ],
            "summary": report.get("summary") or {},
        },
    }
    if baseline is not None:
        run["properties"]["baseline"] = {
            "file": baseline.get("file"),
            "stale": [dict(e) for e in baseline.get("stale") or ()],
        }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


# beyond this many results the log is written compact (a national run: tens of MB, which an
# indented dump takes seconds to write and no one reads by eye)
INDENTED_RESULTS = 1000


def render_sarif(report: Report, lang: str = "fr") -> str:
    """The SARIF log as JSON text: sorted keys, two-space indent (compact beyond
    `INDENTED_RESULTS` results), trailing newline."""
    log = build_sarif(report, lang)
    results = sum(len(run.get("results") or ()) for run in log.get("runs") or ())
    return dumps(log, indent=2 if results <= INDENTED_RESULTS else None)
