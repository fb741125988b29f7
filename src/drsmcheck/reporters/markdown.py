"""A pull-request summary in GitHub-flavoured Markdown (job summary or PR comment).

Counts first, then a table of anomalies (new ones; accepted ones in their own collapsed
section), then one collapsible `<details>` block per anomaly with its figures and provenance,
then the per-rule summary and stale baseline entries. Data is HTML-escaped and `|` is escaped
so no label can break the tables or inject markup. Long reports are cut to stay below GitHub's
comment size limit (65 536 characters), saying so.
"""

from __future__ import annotations

import html
from typing import Any

from ..sanitize import lines as inert_lines
from ._common import (
    SEVERITIES,
    Anomaly,
    Report,
    accepted_ids,
    baseline_info,
    check_lang,
    fmt_number,
    fmt_value,
    loc,
    location,
    severity_counts,
    sorted_anomalies,
    suspect_figure,
)

MAX_CHARS = 60_000  # below GitHub's 65 536-character limit for comments and job summaries
MAX_TABLE_ROWS = 100
MAX_CELL = 300  # characters of one table cell or code span (a quote can be 200 000)
ICONS = {"error": "🔴", "warning": "🟠", "info": "🔵"}

_T = {
    "fr": {
        "title": "drsmcheck — contrôle de cohérence des chiffres",
        "ok": "✅ Aucune anomalie.",
        "ok_new": "✅ Aucune nouvelle anomalie.",
        "counts": "**{n}** anomalie(s) : {e} erreur(s), {w} avertissement(s), {i} information(s)",
        "new_counts": "**{n}** nouvelle(s) anomalie(s) : {e} erreur(s), {w} avertissement(s), "
                      "{i} information(s)",
        "baseline": "Baseline `{file}` : {a} anomalie(s) acceptée(s), {s} entrée(s) obsolète(s).",
        "datasets": "Jeu de données", "figures": "Chiffres",
        "severity": "Sévérité", "rule": "Règle", "entity": "Entité", "period": "Période",
        "subject": "Sujet", "relation": "Relation", "difference": "Écart", "where": "Où",
        "suspect": "Suspect", "anomalies": "Anomalies",
        "accepted": "Anomalies acceptées (baseline)",
        "details": "Détails des anomalies", "indicator": "Indicateur", "printed": "Imprimé",
        "file": "Fichier", "report": "Rapport source", "place": "Emplacement", "quote": "Citation",
        "rules": "Bilan par règle", "items": "Éléments", "passes": "Conformes", "fails": "Échecs",
        "ne": "Non évaluables", "stale": "Entrées de baseline obsolètes",
        "truncated": "… {n} autre(s) ligne(s) : voir le rapport HTML ou SARIF complet.",
        "cut": "_Résumé tronqué (limite de taille de GitHub) : {shown} anomalie(s) détaillée(s) "
               "sur {total} ; voir le rapport HTML complet._",
        "justification": "Justification", "suggested": "valeur suggérée",
        "sev": {"error": "erreur", "warning": "avertissement", "info": "information"},
    },
    "en": {
        "title": "drsmcheck — figure consistency check",
        "ok": "✅ No anomaly.",
        "ok_new": "✅ No new anomaly.",
        "counts": "**{n}** anomaly(ies): {e} error(s), {w} warning(s), {i} info",
        "new_counts": "**{n}** new anomaly(ies): {e} error(s), {w} warning(s), {i} info",
        "baseline": "Baseline `{file}`: {a} anomaly(ies) accepted, {s} stale entry(ies).",
        "datasets": "Dataset", "figures": "Figures",
        "severity": "Severity", "rule": "Rule", "entity": "Entity", "period": "Period",
        "subject": "Subject", "relation": "Relation", "difference": "Difference", "where": "Where",
        "suspect": "Suspect", "anomalies": "Anomalies", "accepted": "Accepted anomalies (baseline)",
        "details": "Anomaly details", "indicator": "Indicator", "printed": "Printed",
        "file": "File", "report": "Source report", "place": "Place", "quote": "Quote",
        "rules": "Per-rule summary", "items": "Items", "passes": "Passes", "fails": "Fails",
        "ne": "Not evaluable", "stale": "Stale baseline entries",
        "truncated": "… {n} more row(s): see the full HTML or SARIF report.",
        "cut": "_Summary cut (GitHub size limit): {shown} of {total} anomaly(ies) detailed; "
               "see the full HTML report._",
        "justification": "Justification", "suggested": "suggested value",
        "sev": {"error": "error", "warning": "warning", "info": "info"},
    },
}


def _clip(text: str, limit: int = MAX_CELL) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"


def cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: HTML-escaped, `|` escaped, one line, clipped."""
    text = html.escape(_clip("" if value is None else str(value)), quote=False)
    text = text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")
    for ch in ("`", "*", "_", "[", "]"):
        text = text.replace(ch, "\\" + ch)
    return text


def code(value: Any) -> str:
    """Inline code for identifiers (rule ids, files); backticks inside are removed."""
    text = "" if value is None else _clip(str(value)).replace("`", "'").replace(
        "\r", " ").replace("\n", " ")
    return f"`{text.replace('|', '¦')}`" if text else ""


def _inline(value: Any) -> str:
    """HTML-escaped text on one line (inside `<summary>`), clipped."""
    text = "" if value is None else _clip(str(value))
    return html.escape(text.replace("\r", " ").replace("\n", " "), quote=False)


def _where(anomaly: Anomaly) -> str:
    file, line = location(anomaly)
    if not file:
        return ""
    return code(f"{file}:{line}" if line else file)


def _row(anomaly: Anomaly, lang: str) -> str:
    t = _T[lang]
    figure = suspect_figure(anomaly)
    suspect = anomaly.get("suspect") or {}
    sus = ""
    if figure is not None:
        sus = f"{cell(figure.get('text'))} → " \
              f"**{cell(fmt_value(suspect.get('suggested'), figure.get('unit'), lang))}**"
    sev = str(anomaly.get("severity"))
    diff = anomaly.get("difference")
    return "| " + " | ".join([
        f"{ICONS.get(sev, '')} {cell(t['sev'].get(sev, sev))}",
        code(anomaly.get("rule")),
        cell(anomaly.get("entity")),
        cell(anomaly.get("period")),
        code(anomaly.get("subject")) if anomaly.get("subject") else "",
        cell(loc(anomaly.get("relation"), lang)),
        cell(fmt_number(diff, lang, signed=True)) if isinstance(diff, int | float) else "",
        sus,
        _where(anomaly),
    ]) + " |"


def _more(total: int, lang: str) -> list[str]:
    if total <= MAX_TABLE_ROWS:
        return []
    return ["", _T[lang]["truncated"].format(n=total - MAX_TABLE_ROWS)]


def _table(anomalies: list[Anomaly], lang: str) -> list[str]:
    t = _T[lang]
    head = [t["severity"], t["rule"], t["entity"], t["period"], t["subject"], t["relation"],
            t["difference"], t["suspect"], t["where"]]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    for anomaly in anomalies[:MAX_TABLE_ROWS]:
        lines.append(_row(anomaly, lang))
    if len(anomalies) > MAX_TABLE_ROWS:
        lines.append("")
        lines.append(t["truncated"].format(n=len(anomalies) - MAX_TABLE_ROWS))
    return lines


def _details(anomaly: Anomaly, lang: str, justification: str | None) -> list[str]:
    t = _T[lang]
    sev = str(anomaly.get("severity"))
    summary = (f"{ICONS.get(sev, '')} {_inline(anomaly.get('rule'))} · "
               f"{_inline(anomaly.get('entity'))} {_inline(anomaly.get('period'))}"
               + (f" · {_inline(anomaly['subject'])}" if anomaly.get("subject") else "")
               + f" — {_inline(loc(anomaly.get('relation'), lang))}")
    lines = ["<details>", f"<summary>{summary}</summary>", ""]
    message = loc(anomaly.get("message"), lang)
    if message:
        lines += [cell(message), ""]
    suspect = anomaly.get("suspect") or {}
    reason = loc(suspect.get("reason"), lang)
    if reason:
        lines += [f"**{t['suspect']}** : {cell(reason)}" if lang == "fr"
                  else f"**{t['suspect']}**: {cell(reason)}", ""]
    if justification is not None:
        lines += [f"**{t['justification']}** : {cell(justification)}" if lang == "fr"
                  else f"**{t['justification']}**: {cell(justification)}", ""]
    head = [t["indicator"], t["entity"], t["printed"], t["file"], t["report"], t["place"],
            t["quote"]]
    lines += ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * len(head)) + "|"]
    sref = suspect.get("ref")
    for figure in anomaly.get("figures") or ():
        source = figure.get("source") or {}
        place = ", ".join(str(x) for x in (source.get("kind"), source.get("table"),
                                           source.get("row"), source.get("column")) if x)
        printed = cell(figure.get("text"))
        if sref and figure.get("ref") == sref:
            suggested = fmt_value(suspect.get("suggested"), figure.get("unit"), lang)
            printed = f"**{printed}** ⚠️ → {cell(suggested)}"
        file = source.get("file")
        lines.append("| " + " | ".join([
            f"{cell(loc(figure.get('label'), lang))} {code(figure.get('indicator'))}",
            cell(f"{figure.get('entity') or ''} {figure.get('period') or ''}".strip()),
            printed,
            code(f"{file}:{source.get('line')}" if file and source.get("line") else file),
            cell(" ".join(str(x) for x in (source.get("report"),
                                           f"l.{source.get('report_line')}") if x))
            if source.get("report_line") else cell(source.get("report")),
            cell(place),
            cell(source.get("quote")),
        ]) + " |")
    lines += ["", f"`id {anomaly.get('id')}`", "", "</details>"]
    return lines


def render_markdown(report: Report, lang: str = "fr") -> str:
    """The Markdown summary (deterministic; cut below GitHub's comment limit)."""
    check_lang(lang)
    t = _T[lang]
    accepted = accepted_ids(report)
    info = baseline_info(report)
    anomalies = sorted_anomalies(report.get("anomalies") or ())
    new = [a for a in anomalies if str(a.get("id")) not in accepted]
    old = [a for a in anomalies if str(a.get("id")) in accepted]
    counts = severity_counts(new)

    out = [f"## {t['title']}", ""]
    if info is None:
        out.append(t["counts"].format(n=len(new), e=counts["error"], w=counts["warning"],
                                      i=counts["info"]) if new else t["ok"])
    else:
        out.append(t["new_counts"].format(n=len(new), e=counts["error"], w=counts["warning"],
                                          i=counts["info"]) if new else t["ok_new"])
        out.append("")
        out.append(t["baseline"].format(file=str(info.get("file") or "").replace("`", "'"),
                                        a=len(old), s=len(info.get("stale") or ())))
    out.append("")

    datasets = list(report.get("datasets") or ())
    if datasets:
        by_ds: dict[str, dict[str, int]] = {}
        for a in new:
            by_ds.setdefault(str(a.get("dataset")), dict.fromkeys(SEVERITIES, 0))
            by_ds[str(a.get("dataset"))][str(a.get("severity"))] = \
                by_ds[str(a.get("dataset"))].get(str(a.get("severity")), 0) + 1
        out.append(f"| {t['datasets']} | {t['figures']} | "
                   + " | ".join(f"{ICONS[s]} {t['sev'][s]}" for s in SEVERITIES) + " |")
        out.append("|---|---:|" + "---:|" * len(SEVERITIES))
        for d in datasets[:MAX_TABLE_ROWS]:
            c = by_ds.get(str(d.get("id")), dict.fromkeys(SEVERITIES, 0))
            title = f" — {cell(d.get('title'))}" if d.get("title") else ""
            figures = cell(fmt_number(d.get("figures"), lang))
            out.append(f"| {code(d.get('id'))}{title} | {figures} | "
                       + " | ".join(str(c.get(s, 0)) for s in SEVERITIES) + " |")
        out += _more(len(datasets), lang) + [""]

    if new:
        out += [f"### {t['anomalies']}", ""] + _table(new, lang) + [""]
    if old:
        out += ["<details>", f"<summary>{html.escape(t['accepted'])} ({len(old)})</summary>", ""]
        out += _table(old, lang) + ["", "</details>", ""]

    stale = list((info or {}).get("stale") or ())
    if stale:
        out += [f"### {t['stale']}", ""]
        for e in stale[:MAX_TABLE_ROWS]:
            where = f"{info.get('file')}:{e.get('line')}" if info and e.get("line") else ""
            what = " ".join(str(e.get(k)) for k in ("rule", "dataset", "entity", "period",
                                                    "subject") if e.get(k))
            line = f"- {code(e.get('id'))} {cell(what)} {code(where) if where else ''}"
            out.append(line.rstrip())
        out += _more(len(stale), lang) + [""]

    rules = list(report.get("rules") or ())
    if rules:
        out += ["<details>", f"<summary>{html.escape(t['rules'])}</summary>", "",
                f"| {t['rule']} | {t['severity']} | {t['items']} | {t['passes']} | {t['fails']} "
                f"| {t['ne']} |", "|---|---|---:|---:|---:|---:|"]
        for r in rules[:MAX_TABLE_ROWS]:
            sev = str(r.get("severity"))
            out.append(" | ".join([
                f"| {code(r.get('rule'))}", cell(t["sev"].get(sev, sev)),
                *(cell(fmt_number(r.get(k, 0), lang))
                  for k in ("items", "passes", "fails", "not_evaluable")),
            ]) + " |")
        out += _more(len(rules), lang) + ["", "</details>", ""]

    head = "\n".join(out)
    details: list[str] = []
    if anomalies:
        details = [f"### {t['details']}", ""]
        for a in new + old:
            details += _details(a, lang, accepted.get(str(a.get("id")))) + [""]
    text = head
    if details:
        body = "\n".join(details)
        if len(head) + len(body) + 1 > MAX_CHARS:
            kept: list[str] = [f"### {t['details']}", ""]
            size = len(head) + 200
            for shown, a in enumerate(new + old):
                block = "\n".join(_details(a, lang, accepted.get(str(a.get("id"))))) + "\n"
                if size + len(block) > MAX_CHARS:
                    kept.append(t["cut"].format(shown=shown, total=len(new) + len(old)))
                    break
                kept.append(block)
                size += len(block) + 1
            body = "\n".join(kept)
        text = head + "\n" + body
    return _cap(inert_lines(text.rstrip("\n")), lang, len(new) + len(old)) + "\n"


def _cap(text: str, lang: str, anomalies: int) -> str:
    """The last guard of the size promise: cut at a line, close open blocks, say so."""
    if len(text) <= MAX_CHARS:
        return text
    cut = text.rfind("\n", 0, MAX_CHARS - 1_000)
    kept = text[:cut if cut > 0 else MAX_CHARS - 1_000]
    opened = kept.count("<details>") - kept.count("</details>")
    note = (f"_Rapport tronqué à {len(kept)} caractères sur {len(text)} ({anomalies} "
            "anomalie(s) au total) : voir le rapport HTML ou JSON complet._" if lang == "fr" else
            f"_Report cut at {len(kept)} of {len(text)} characters ({anomalies} anomaly(ies) in "
            "all): see the full HTML or JSON report._")
    return kept + "\n" + "\n</details>" * max(opened, 0) + "\n\n" + note
