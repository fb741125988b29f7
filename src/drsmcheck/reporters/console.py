"""Terminal output: the anomalies with their figures and provenance, then a one-line summary.

What a reviewer reads first is what is wrong, so the per-rule table is only printed on request
(`--rules-table` / `-v`) and `--quiet` keeps the summary alone. Two layouts:

- `width=None` (a pipe, a file, a CI log): one logical line per line, never wrapped, so a log
  never breaks "113 915,06 €" across two lines;
- `width=N` (a terminal): lines wrapped to N columns with a hanging indent, a number and its
  unit never split.

Every word comes from the catalogue (`drsmcheck.i18n`) in the run's one language, and every
piece of data text goes through `sanitize.terminal()` before it reaches the screen.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..i18n import fmt_number, fmt_with_unit, label, t
from ..sanitize import terminal
from ._common import (
    SEVERITIES,
    accepted_ids,
    baseline_info,
    check_lang,
    loc,
    printed_decimals,
    severity_counts,
)

# anomalies listed on standard output (a terminal, a CI log): beyond, a count and where to
# find them; `--verbose` and a file (`--output`) list them all
LIMIT = 200

SEV_STYLE = {"error": "bold red", "warning": "yellow", "info": "cyan"}
ACCEPTED_STYLE = "dim"
NEW_STYLE = "bold magenta"

Line = list[tuple[str, str]]  # (text, style) pieces of one logical line
Row = tuple[int, Line, Line]  # indent, prefix (kept whole), body (wrapped after the prefix)

# A number printed with spaces between its digit groups, and its unit: one unbreakable unit
# (and a difference with its word: "écart 0,52")
_SPACE = "[ \u00a0\u202f]"
_NUMBER = re.compile(rf"(?:(?:écart|difference) )?[-+−]?(?:\d{{1,3}}(?:{_SPACE}\d{{3}})+|\d+)(?!\d)"
                     rf"(?:[.,]\d+)?(?:{_SPACE}?(?:%|k€|M€|€))?")
# Private-use stand-ins for the spaces inside a number while Rich wraps (it breaks at any space)
_GLUE = {" ": "\ue000", "\u00a0": "\ue001", "\u202f": "\ue002"}
_UNGLUE = str.maketrans({v: k for k, v in _GLUE.items()})
_PRIVATE = re.compile("[\ue000-\ue002]")


def _glue(text: str) -> str:
    text = _PRIVATE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
    return _NUMBER.sub(lambda m: "".join(_GLUE.get(c, c) for c in m.group(0)), text)


def _data(value: Any) -> str:
    """Data text made inert for a terminal (controls, escapes, workflow commands)."""
    return terminal("" if value is None else value)


# -- figures ---------------------------------------------------------------------------------

_PLAIN_PRINT = re.compile(r"^(?P<q>[<>≤≥]=?\s*)?[-+−]?[\d \u00a0\u202f]+(?:[.,]\d+)?"
                          r"\s*(?:%|€|k€|M€)?$")


def figure_text(fig: Mapping[str, Any], lang: str) -> str:
    """The figure as printed (French); in English, its value written the English way.

    A print with words ("7,8 millions", "Neutralisé") stays as printed: it is a quotation.
    """
    text = str(fig.get("text") or "")
    value = fig.get("value")
    if lang == "fr" or not isinstance(value, int | float) or isinstance(value, bool):
        return text
    m = _PLAIN_PRINT.match(text.strip())
    if not m:
        return text
    qualifier = (m.group("q") or "").strip()
    number = fmt_with_unit(value, fig.get("unit"), lang, printed_decimals(text))
    return f"{qualifier} {number}" if qualifier else number


def _where(fig: Mapping[str, Any], lang: str) -> str:
    s = fig.get("source") or {}
    parts = [f"{_data(s.get('file'))}:{_data(s.get('line'))}"]
    if s.get("report_line"):
        parts.append(t("console.report_line", lang, line=_data(s["report_line"])))
    if s.get("table"):
        cell = " / ".join(_data(x) for x in (s.get("row"), s.get("column")) if x)
        parts.append(_data(s["table"]) + (f" [{cell}]" if cell else ""))
    elif s.get("kind"):
        parts.append(label("kind", s["kind"], lang))
    return ", ".join(parts)


# -- building the lines ----------------------------------------------------------------------

def _anomaly_rows(a: Mapping[str, Any], lang: str, accepted: dict[str, str],
                  baseline: bool) -> Iterable[Row]:
    sev = str(a.get("severity"))
    is_accepted = str(a.get("id")) in accepted
    head: Line = []
    if is_accepted:
        head.append((t("word.accepted", lang).upper(), ACCEPTED_STYLE))
        head.append((f" ({label('severity', sev, lang)})", ACCEPTED_STYLE))
    else:
        head.append((label("severity_tag", sev, lang), SEV_STYLE.get(sev, "")))
        if baseline:
            head.append((" " + t("word.new", lang).upper(), NEW_STYLE))
    where = " ".join(_data(x) for x in (a.get("entity"), a.get("period"), a.get("subject")) if x)
    body: Line = [(_data(a.get("rule")), "bold"), (f" · {where}" if where else "", ""),
                  (f" · {label('category', a.get('category'), lang)}", "")]
    yield 2, head, [(" ", ""), *body]
    yield 4, [], [(_data(loc(a.get("relation"), lang)), "")]
    if is_accepted:
        if accepted[str(a.get("id"))]:
            yield 4, [], [(t("console.justification", lang,
                             reason=_data(accepted[str(a.get("id"))])), ACCEPTED_STYLE)]
        return
    suspect = a.get("suspect") or {}
    for fig in a.get("figures") or ():
        mark = "→ " if fig.get("ref") == suspect.get("ref") else "  "
        quote = (fig.get("source") or {}).get("quote")
        tail = f" « {_data(quote)} »" if quote else ""
        yield 4, [(mark, "bold"), (_data(figure_text(fig, lang)), "bold"), ("  ", "")], \
            [(_where(fig, lang) + tail, "")]
    if suspect:
        value = suspect.get("suggested")
        shown = fmt_number(value, lang) if isinstance(value, int | float) else "?"
        yield 4, [], [(t("console.suspect", lang, reason=_data(loc(suspect.get("reason"), lang)),
                         value=shown), "")]
    elif a.get("candidates"):
        # no single suspect: the ranked candidates and the repair each needs, never a guess
        by_ref = {f.get("ref"): f for f in a.get("figures") or ()}
        parts = []
        for c in list(a["candidates"])[:4]:
            fig = by_ref.get(c.get("ref"))
            what = figure_text(fig, lang) if fig else str(c.get("ref", "")).split("@")[0]
            value = c.get("suggested")
            shown = fmt_number(value, lang) if isinstance(value, int | float) else "?"
            parts.append(f"{_data(what)} → {shown}")
        more = len(a["candidates"]) - 4
        items = " ; ".join(parts) + (f" (+{more})" if more > 0 else "")
        yield 4, [], [(t("console.candidates", lang, items=items), "")]


def _summary(report: Mapping[str, Any], lang: str, accepted: dict[str, str],
             baseline: bool) -> str:
    s = report.get("summary") or {}
    anomalies = list(report.get("anomalies") or ())
    counted = [a for a in anomalies if str(a.get("id")) not in accepted]
    by_sev = severity_counts(counted)
    counts = ", ".join(t(f"count.{sev}", lang, n=by_sev.get(sev, 0)) for sev in SEVERITIES)
    params = {
        "datasets": t("count.datasets", lang, n=len(report.get("datasets") or ())),
        "figures": t("count.figures", lang, n=int(s.get("figures") or 0)),
        "evaluations": t("count.evaluations", lang, n=int(s.get("evaluations") or 0)),
        "anomalies": t("count.anomalies", lang, n=len(anomalies)),
        "counts": counts,
    }
    if baseline:
        line = t("console.summary_baseline", lang, **params,
                 accepted=t("count.accepted", lang, n=len(anomalies) - len(counted)))
    else:
        line = t("console.summary", lang, **params)
    skipped = list(s.get("not_localized") or ())
    if skipped:   # a national run: say which anomalies have no suspect, and why
        shown = ", ".join(map(str, skipped[:5])) + (", …" if len(skipped) > 5 else "")
        line += "\n" + t("console.not_localized", lang, n=len(skipped), datasets=shown)
    for part in s.get("partly_localized") or ():
        line += "\n" + t("console.partly_localized", lang, dataset=part["dataset"],
                         anomalies=t("count.anomalies", lang, n=int(part["anomalies"])))
    return line


# -- rendering -------------------------------------------------------------------------------

def _listed(anomalies: list[Mapping[str, Any]], accepted: Mapping[str, Any],
            limit: int | None) -> set[int]:
    """Positions of the anomalies to list: all, or the first `limit` by (new before
    accepted, severity), so that what blocks the gate is always on screen."""
    if limit is None or len(anomalies) <= limit:
        return set(range(len(anomalies)))
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    order = sorted(range(len(anomalies)), key=lambda i: (
        str(anomalies[i].get("id")) in accepted, rank.get(anomalies[i].get("severity"), 9), i))
    return set(order[:max(0, limit)])


def render(report: Mapping[str, Any], lang: str = "fr", color: bool = False,
           width: int | None = None, rules_table: bool = False, quiet: bool = False,
           limit: int | None = None, **_: Any) -> str:
    """The console report as text: `width=None` never wraps (pipes, files, CI logs).

    `limit`: list at most that many anomalies (new and most severe first; None: all), then
    say how many are left out, where, and how to see them; datasets with nothing listed
    are left out too when the list is cut.
    """
    lang = check_lang(lang)
    accepted = accepted_ids(report)
    baseline = baseline_info(report) is not None
    rows: list[Row] = []
    if not quiet:
        anomalies = list(report.get("anomalies") or ())
        listed = _listed(anomalies, accepted, limit)
        capped = len(listed) < len(anomalies)
        by_dataset: dict[Any, list[int]] = {}
        for i, a in enumerate(anomalies):
            by_dataset.setdefault(a.get("dataset"), []).append(i)
        for ds in report.get("datasets") or ():
            positions = by_dataset.get(ds.get("id"), [])
            shown = [anomalies[i] for i in positions if i in listed]
            if capped and not shown:
                continue
            header = t("console.dataset", lang, title=_data(ds.get("title")),
                       path=_data(ds.get("path")),
                       figures=t("count.figures", lang, n=int(ds.get("figures") or 0)),
                       anomalies=t("count.anomalies", lang, n=len(positions)))
            rows.append((0, [], [(header, "bold")]))
            for a in shown:
                rows.extend(_anomaly_rows(a, lang, accepted, baseline))
            if not positions:
                rows.append((2, [], [(t("console.none", lang), "")]))
            elif len(shown) < len(positions):
                more = t("count.anomalies", lang, n=len(positions) - len(shown))
                rows.append((2, [], [(t("console.more_here", lang, anomalies=more), "")]))
            rows.append((0, [], []))
        if capped:
            rest = severity_counts(a for i, a in enumerate(anomalies) if i not in listed)
            more_in = {a.get("dataset") for i, a in enumerate(anomalies) if i not in listed}
            counts = ", ".join(t(f"count.{sev}", lang, n=rest[sev]) for sev in SEVERITIES
                               if rest.get(sev))
            rows.append((0, [], [(t("console.capped", lang,
                                    more=t("count.anomalies", lang,
                                           n=len(anomalies) - len(listed)),
                                    datasets=t("count.datasets", lang, n=len(more_in)),
                                    counts=counts), "bold")]))
            rows.append((0, [], []))
    summary = _summary(report, lang, accepted, baseline)
    if not color and width is None:
        return _render_plain(rows, report if rules_table and not quiet else None, lang, summary)
    return _render_rich(rows, report if rules_table and not quiet else None, lang, summary,
                        color, width)


def _render_plain(rows: list[Row], table_of: Mapping[str, Any] | None, lang: str,
                  summary: str) -> str:
    """No colour, no wrapping: plain strings, fast even for 10⁵ anomalies."""
    out = [" " * indent + "".join(p for p, _ in prefix) + "".join(b for b, _ in body)
           for indent, prefix, body in rows]
    text = "\n".join(out) + ("\n" if out else "")
    if table_of is not None:
        text += _render_rich([], table_of, lang, None, False, None)
    return text + summary + "\n"


def _rules_table(report: Mapping[str, Any], lang: str, width: int | None) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    rules = [r for r in report.get("rules") or () if r.get("items") or r.get("fails")]
    counts = ("items", "passes", "fails", "not_evaluable")
    cells = [[_data(r.get("rule")), label("rule_kind", r.get("kind"), lang),
              label("severity", r.get("severity"), lang),
              *(fmt_number(int(r.get(k) or 0), lang) for k in counts)] for r in rules]
    headers = [t(f"console.col_{k}", lang) for k in ("rule", "kind", "severity", *counts)]
    # the rule id is what the reader looks for: it gets the room; on a narrow terminal the
    # kind (which the id names anyway) is left out and the counts' headers wrap word by word
    with_kind = width is None or width >= 110
    keep = [i for i in range(len(headers)) if with_kind or i != 1]
    natural = [max([len(c[i]) for c in cells] + [len(headers[i])]) for i in range(len(headers))]
    narrow = [max([len(c[i]) for c in cells] + [max(map(len, headers[i].split()))])
              for i in range(len(headers))]
    widths = natural if width is None else narrow
    # each column but the edges has one blank of padding per side and a one-blank divider
    room = (width or 10**6) - sum(widths[i] for i in keep[1:]) - 3 * (len(keep) - 1)
    widths[0] = max(12, min(natural[0], room))
    table = Table(title=t("console.rules_title", lang), box=box.SIMPLE_HEAD, title_justify="left",
                  pad_edge=False, show_edge=False)
    for i in keep:
        table.add_column(headers[i], width=widths[i], overflow="fold",
                         justify="right" if i >= 3 else "left")
    for row in cells:
        table.add_row(*(Text(row[i]) for i in keep))
    return table


def _render_rich(rows: list[Row], table_of: Mapping[str, Any] | None, lang: str,
                 summary: str | None, color: bool, width: int | None) -> str:
    from rich.console import Console
    from rich.text import Text

    buf = io.StringIO()
    wrap = width is not None
    con = Console(file=buf, force_terminal=color, no_color=not color,
                  color_system="standard" if color else None, width=width or 100_000,
                  highlight=False, emoji=False, markup=False, soft_wrap=not wrap,
                  legacy_windows=False)

    def text(pieces: Line) -> Text:
        out = Text(no_wrap=not wrap, overflow="fold")
        for piece, style in pieces:
            out.append(_glue(piece) if wrap else piece, style or None)
        return out

    # all rows as one Text printed once: one Rich render, not one per line (25 000 anomalies
    # take seconds, not minutes); a wrapped body continues under its own start
    lines: list[Text] = []
    for indent, prefix, body in rows:
        head = Text(" " * indent) + text(prefix)
        if not wrap or not body:
            lines.append(head + text(body))
            continue
        room = max(10, (width or 0) - head.cell_len)
        pad = Text(" " * head.cell_len)
        for i, part in enumerate(text(body).wrap(con, room, overflow="fold")):
            lines.append((head if i == 0 else pad) + part)
    if lines:
        con.print(Text("\n").join(lines), soft_wrap=True)
    if table_of is not None:
        con.print(_rules_table(table_of, lang, width))
        con.print()
    if summary is not None:
        con.print(text([(summary, "bold")]))
    # Rich pads grid cells to the column width: no trailing blanks in what the user copies
    out = _TRAILING.sub(r"\1", buf.getvalue())
    return out.translate(_UNGLUE) if wrap else out


_TRAILING = re.compile(r"[ ]+((?:\x1b\[[0-9;]*m)*)$", re.M)
