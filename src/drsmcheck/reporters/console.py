"""Terminal output with Rich: anomalies with their figures and provenance, then per-rule counts."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..formatting import fmt_number

SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
T = {
    "fr": {"anomalies": "anomalies", "rules": "Règles", "items": "éléments", "passes": "succès",
           "fails": "échecs", "ne": "non évaluables", "suspect": "suspect", "suggested": "proposé",
           "report": "rapport l.", "none": "Aucune anomalie.", "figures": "chiffres"},
    "en": {"anomalies": "anomalies", "rules": "Rules", "items": "items", "passes": "passes",
           "fails": "fails", "ne": "not evaluable", "suspect": "suspect",
           "suggested": "suggested", "report": "report l.", "none": "No anomalies.",
           "figures": "figures"},
}


def _where(fig: dict[str, Any], lang: str) -> str:
    s = fig["source"]
    parts = [f"{s['file']}:{s['line']}"]
    if s.get("report_line"):
        parts.append(f"{T[lang]['report']} {s['report_line']}")
    if s.get("table"):
        cell = " / ".join(x for x in (s.get("row"), s.get("column")) if x)
        parts.append(f"{s['table']}" + (f" [{cell}]" if cell else ""))
    else:
        parts.append(s["kind"])
    return ", ".join(parts)


def render(report: dict[str, Any], lang: str = "fr", color: bool = False,
           width: int = 120, **_: Any) -> str:
    buf = io.StringIO()
    con = Console(file=buf, force_terminal=color, no_color=not color, width=width,
                  highlight=False, soft_wrap=False)
    t = T[lang]
    for ds in report["datasets"]:
        items = [a for a in report["anomalies"] if a["dataset"] == ds["id"]]
        con.print(f"[bold]{escape(ds['title'])}[/] ({escape(ds['path'])}) — "
                  f"{ds['figures']} {t['figures']}, {len(items)} {t['anomalies']}")
        for a in items:
            sev = a["severity"]
            con.print(f"  [{SEV_STYLE[sev]}]{sev.upper()}[/] [bold]{escape(a['rule'])}[/] "
                      f"{escape(a['entity'])} {escape(a['period'])}"
                      + (f" {escape(a['subject'])}" if a["subject"] else "")
                      + f" ({a['category']})")
            con.print(f"    {escape(a['relation'][lang])}")
            suspect = (a.get("suspect") or {}).get("ref")
            for fig in a["figures"]:
                mark = "→" if fig["ref"] == suspect else " "
                quote = fig["source"].get("quote")
                qtxt = f" « {escape(quote)} »" if quote else ""
                con.print(f"    {mark} {escape(fig['text'])}  {escape(_where(fig, lang))}"
                          f"{qtxt}", overflow="fold")
            if a.get("suspect"):
                sp = a["suspect"]
                sugg = fmt_number(sp["suggested"], lang) if sp["suggested"] is not None else "?"
                con.print(f"    [bold]{t['suspect']}[/]: {escape(sp['reason'][lang])}"
                          f" ({t['suggested']} {sugg})", overflow="fold")
        if not items:
            con.print(f"  {t['none']}")
        con.print()
    table = Table(title=t["rules"], show_lines=False)
    for col in ("rule", "kind", "severity", t["items"], t["passes"], t["fails"], t["ne"]):
        table.add_column(col, justify="right" if col in (t["items"], t["passes"], t["fails"],
                                                         t["ne"]) else "left")
    for r in report["rules"]:
        if r["items"] == 0 and r["fails"] == 0:
            continue
        table.add_row(escape(r["rule"]), r["kind"], r["severity"], str(r["items"]),
                      str(r["passes"]), str(r["fails"]), str(r["not_evaluable"]))
    con.print(table)
    s = report["summary"]
    con.print(f"{s['figures']} {t['figures']}, {s['evaluations']} evaluations — "
              f"{s['by_severity']['error']} error(s), {s['by_severity']['warning']} warning(s), "
              f"{s['by_severity']['info']} info")
    return buf.getvalue()
