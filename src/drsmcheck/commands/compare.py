"""`drsmcheck compare OLD.json NEW.json`: what a resubmission fixed, kept and broke.

Like R validate's `compare()` between two versions of a dataset, but on anomalies: each is
matched by its stable id (FORMATS.md §5), so a reviewer sees the new anomalies (exit 1), the
ones still there and the resolved ones.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import InputError
from ..sanitize import terminal

_KEYS = ("id", "rule", "severity", "category", "dataset", "entity", "period", "subject")


def _load(path: Path) -> dict[str, dict[str, Any]]:
    from ..yamlfile import read_text

    text = read_text(path, str(path))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(str(path), exc.lineno, f"not a JSON report: {exc.msg}",
                         "give two reports written by drsmcheck validate --format json") from None
    if not isinstance(data, dict) or not isinstance(data.get("anomalies"), list) \
            or data.get("schema_version") is None:
        raise InputError(str(path), None, "not a drsmcheck JSON report (no schema_version / "
                         "anomalies)", "write it with drsmcheck validate --format json")
    out = {}
    for a in data["anomalies"]:
        if not isinstance(a, dict) or not isinstance(a.get("id"), str):
            raise InputError(str(path), None, "an anomaly without an id",
                             "write the report with drsmcheck validate --format json")
        out[a["id"]] = a
    return out


def diff(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]
         ) -> dict[str, list[dict[str, Any]]]:
    """{new, still, resolved}: the anomalies of each kind (a few keys each), sorted by id."""
    def brief(a: dict[str, Any]) -> dict[str, Any]:
        return {k: a.get(k) for k in _KEYS}

    return {
        "new": [brief(new[i]) for i in sorted(set(new) - set(old))],
        "still": [brief(new[i]) for i in sorted(set(new) & set(old))],
        "resolved": [brief(old[i]) for i in sorted(set(old) - set(new))],
    }


def _line(a: dict[str, Any]) -> str:
    where = " ".join(str(a[k]) for k in ("dataset", "entity", "period") if a.get(k))
    subject = f" {a['subject']}" if a.get("subject") else ""
    return terminal(f"  {a['id']}  {a['severity']:<7} {a['rule']}{subject} — {where}")


def compare(
    old: Annotated[Path, typer.Argument(help="Report of the earlier version (JSON).")],
    new: Annotated[Path, typer.Argument(help="Report of the new version (JSON).")],
    format: Annotated[str, typer.Option("--format", help="text or json")] = "text",
) -> None:
    """Compare two JSON reports: new, still there and resolved anomalies; exit 1 on new ones."""
    try:
        if format not in ("text", "json"):
            raise InputError("--format", None, f"unknown format {format!r}", "text or json")
        result = diff(_load(old), _load(new))
    except InputError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if format == "json":
        typer.echo(json.dumps({k: v for k, v in result.items()}, ensure_ascii=False, indent=2,
                              sort_keys=True))
    else:
        for key, title in (("new", "new"), ("still", "still there"), ("resolved", "resolved")):
            typer.echo(f"{len(result[key])} {title}")
            for a in result[key]:
                typer.echo(_line(a))
    raise typer.Exit(1 if result["new"] else 0)


def register(app: typer.Typer) -> None:
    app.command("compare")(compare)
