"""GitHub Actions workflow commands: one annotation per anomaly on the dataset file's line.

`::error file=samples/x/dataset.yaml,line=41,title=…::message` — error → `error`,
warning → `warning`, info → `notice`. Escaping follows GitHub's runner (actions/toolkit
`command.ts`): in the message `%`, `\\r`, `\\n` become `%25`, `%0D`, `%0A`; in property values
`:` and `,` also become `%3A`, `%2C`. Anomalies a baseline accepts are not annotated; stale
baseline entries get a warning on the baseline file's line. A plain summary line ends the output.

GitHub shows at most 10 error and 10 warning annotations per step (50 per job) on the pull
request; the rest stay in the log, and the markdown summary lists everything. A national run can
have tens of thousands of anomalies: at most `MAX_ANNOTATIONS` are written (errors first, then
warnings, then notices), and one notice says how many were left out and where they are.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..sanitize import terminal, visible
from ._common import (
    Anomaly,
    Report,
    accepted_ids,
    anomaly_label,
    baseline_info,
    check_lang,
    fmt_value,
    loc,
    location,
    severity_counts,
    severity_rank,
    sorted_anomalies,
    suspect_figure,
)

COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}
MAX_ANNOTATIONS = 1_000   # a log of 25 000 annotations helps no reviewer and slows the runner

_TEXT = {
    "fr": {"suspect": "chiffre suspect", "suggested": "valeur suggérée", "stale_title":
           "drsmcheck baseline : entrée obsolète",
           "stale": "l'anomalie {id} ({what}) n'apparaît plus : "
                    "retirez cette entrée de la baseline",
           "summary": "drsmcheck : {n} anomalie(s) — {e} erreur(s), {w} avertissement(s), "
                      "{i} information(s)",
           "omitted": "{n} autre(s) anomalie(s) non annotée(s) (au plus {max} annotations, "
                      "les erreurs d'abord) : le rapport JSON ou HTML les liste toutes",
           "baseline": "; baseline {file} : {a} acceptée(s), {s} obsolète(s)"},
    "en": {"suspect": "suspect figure", "suggested": "suggested value", "stale_title":
           "drsmcheck baseline: stale entry",
           "stale": "anomaly {id} ({what}) no longer occurs: remove this entry from the baseline",
           "summary": "drsmcheck: {n} anomaly(ies) — {e} error(s), {w} warning(s), {i} info",
           "omitted": "{n} more anomaly(ies) not annotated (at most {max} annotations, errors "
                      "first): the JSON or HTML report lists them all",
           "baseline": "; baseline {file}: {a} accepted, {s} stale"},
}


def escape_data(value: Any) -> str:
    """Escape a workflow command's message (the part after `::`).

    Other control characters (ANSI escapes from a quote) are shown as `\\e`, `\\x07`: the log
    viewer would otherwise interpret them.
    """
    text = str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return visible(text)


def escape_property(value: Any) -> str:
    """Escape a workflow command's property value (file, line, title)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: Any) -> str:
    """`::name key=value,…::message` with GitHub's escaping; None properties are left out."""
    props = ",".join(f"{key}={escape_property(value)}" for key, value in properties.items()
                     if value is not None and value != "")
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def _relative(file: str | None, workspace: str | None) -> str | None:
    if not file or not workspace:
        return file
    ws = workspace.replace("\\", "/").rstrip("/")
    if file.startswith(ws + "/"):
        return posixpath.normpath(file[len(ws) + 1:])
    return file


def _message(anomaly: Anomaly, lang: str) -> str:
    text = _TEXT[lang]
    lines = [loc(anomaly.get("message"), lang), loc(anomaly.get("relation"), lang)]
    figure = suspect_figure(anomaly)
    suspect = anomaly.get("suspect") or {}
    if figure is not None:
        source = figure.get("source") or {}
        where = f" ({source.get('report')} l.{source.get('report_line')})" \
            if source.get("report") and source.get("report_line") else ""
        lines.append(f"{text['suspect']}: {figure.get('text')}{where} → {text['suggested']} "
                     f"{fmt_value(suspect.get('suggested'), figure.get('unit'), lang)}")
    lines.append(f"[{anomaly.get('category')}] id {anomaly.get('id')}")
    return "\n".join(line for line in lines if line)


def render_github(report: Report, lang: str = "fr", *, workspace: str | None = None) -> str:
    """Workflow commands, one line each, ending with a plain summary line."""
    check_lang(lang)
    text = _TEXT[lang]
    accepted = accepted_ids(report)
    lines: list[str] = []
    new = [a for a in sorted_anomalies(report.get("anomalies") or ())
           if str(a.get("id")) not in accepted]
    shown = new
    if len(new) > MAX_ANNOTATIONS:   # the most severe first; report order among them
        by_rank = sorted(range(len(new)), key=lambda k: (severity_rank(new[k].get("severity")), k))
        shown = [new[k] for k in sorted(by_rank[:MAX_ANNOTATIONS])]
    for anomaly in shown:
        file, line = location(anomaly)
        lines.append(command(
            COMMANDS.get(str(anomaly.get("severity")), "warning"),
            _message(anomaly, lang),
            file=_relative(file, workspace),
            line=line,
            title=f"drsmcheck {anomaly_label(anomaly)}",
        ))
    if len(shown) < len(new):
        lines.append(command("notice", text["omitted"].format(n=len(new) - len(shown),
                                                               max=MAX_ANNOTATIONS)))
    info = baseline_info(report)
    if info is not None:
        for entry in info.get("stale") or ():
            what = " ".join(str(entry.get(k)) for k in ("rule", "dataset", "entity", "period",
                                                        "subject") if entry.get(k))
            lines.append(command(
                "warning",
                text["stale"].format(id=entry.get("id"), what=what),
                file=_relative(str(info.get("file") or "") or None, workspace),
                line=entry.get("line"),
                title=text["stale_title"],
            ))
    counts = severity_counts(new)
    summary = text["summary"].format(n=len(new), e=counts["error"], w=counts["warning"],
                                     i=counts["info"])
    if info is not None:
        summary += text["baseline"].format(file=info.get("file"), a=len(accepted),
                                           s=len(info.get("stale") or ()))
    lines.append(terminal(summary))
    return "\n".join(lines) + "\n"
