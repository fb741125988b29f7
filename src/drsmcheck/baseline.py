"""Baselines: anomalies a reviewer has accepted, so that a CI gate fails only on new ones.

A baseline is a YAML file keyed by anomaly stable id (docs/FORMATS.md §5 `id`):

```yaml
version: 1
anomalies:
  ed536e1427baf7d5:
    rule: agreement
    dataset: drsm-occitanie-2019
    entity: OCC
    period: "2019"
    subject: ald.admission.total
    message: "…"                      # for humans; not compared
    justification: "Published as is; erratum sent to the DRSM on 2020-06-12"
```

`create_baseline` writes every current anomaly with `justification: "TODO: justify"` (keeping
the justification of ids already in a previous baseline). `load_baseline` refuses an entry
without a justification, or whose justification still says TODO, with file:line.
`apply_baseline` splits a report's anomalies into new and accepted and lists stale entries
(in a dataset of this run, but no longer found); entries of datasets not validated in this
run are left alone.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import InputError, InputErrors
from .yamlfile import LDict, check_keys, load_yaml

VERSION = 1
TODO = "TODO: justify"
ENTRY_KEYS = ("rule", "dataset", "entity", "period", "subject", "message", "justification")
HEADER = """\
# drsmcheck baseline: anomalies accepted after review.
# Entries are keyed by the anomaly's stable id; rule/dataset/entity/period/subject/message
# are there for humans. Every entry needs a `justification` saying why the anomaly is
# accepted: `drsmcheck validate --baseline` refuses entries without one or still saying TODO.
# Remove an entry when its anomaly is fixed (validate lists stale entries).
"""


@dataclass(frozen=True)
class BaselineEntry:
    id: str
    justification: str
    line: int | None = None
    rule: str | None = None
    dataset: str | None = None
    entity: str | None = None
    period: str | None = None
    subject: str | None = None
    message: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "rule": self.rule, "dataset": self.dataset, "entity": self.entity,
                "period": self.period, "subject": self.subject,
                "justification": self.justification, "line": self.line}


@dataclass(frozen=True)
class Baseline:
    file: str
    entries: dict[str, BaselineEntry] = field(default_factory=dict)


@dataclass(frozen=True)
class BaselineResult:
    new: list[dict[str, Any]]
    accepted: list[dict[str, Any]]
    stale: list[BaselineEntry]
    not_checked: list[BaselineEntry]


def _is_todo(justification: str) -> bool:
    text = justification.strip().lower()
    return not text or text.startswith("todo") or text in {"tbd", "fixme", "xxx", "?", "-"}


def _scalar(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def load_baseline(
    path: Path, display: str | None = None, *, require_justification: bool = True,
) -> Baseline:
    """Read and check a baseline file; InputError / InputErrors with file:line when invalid."""
    name = display or str(path)
    if not path.is_file():
        raise InputError(name, None, "baseline file not found",
                         "create one with `drsmcheck baseline create PATH... --output FILE`")
    data = load_yaml(path, name)
    top = check_keys(data, name, "baseline file", {"version", "anomalies"}, {"version"})
    version = top.get("version")
    if version != VERSION:
        raise InputError(name, top.line_of("version"),
                         f"unsupported baseline version {version!r}", f"use version: {VERSION}")
    raw = top.get("anomalies")
    entries: dict[str, BaselineEntry] = {}
    if raw is None:
        return Baseline(name, entries)
    if not isinstance(raw, dict):
        raise InputError(name, top.line_of("anomalies"),
                         "`anomalies` must be a mapping: anomaly id → entry")
    errors: list[InputError] = []
    for key, body in raw.items():
        line = raw.key_lines.get(key) if isinstance(raw, LDict) else None
        if not isinstance(key, str) or not key.strip():
            raise InputError(name, line, f"anomaly id {key!r} must be a string",
                             'quote it: "0123456789abcdef"')
        entry = check_keys(body if body is not None else LDict(), name,
                           f"baseline entry {key}", set(ENTRY_KEYS))
        justification = entry.get("justification")
        jline = entry.line_of("justification") if isinstance(entry, LDict) and \
            "justification" in entry else line
        if require_justification:
            if justification is None or not isinstance(justification, str | int | float):
                errors.append(InputError(
                    name, jline,
                    f"baseline entry {key} has no justification",
                    "write why this anomaly is accepted (`justification: \"…\"`), "
                    "or remove the entry"))
                continue
            if _is_todo(str(justification)):
                errors.append(InputError(
                    name, jline,
                    f"baseline entry {key} is not justified yet "
                    f"(justification: {str(justification)!r})",
                    "replace the TODO with the reason this anomaly is accepted, "
                    "or remove the entry"))
                continue
        entries[key] = BaselineEntry(
            id=key, justification=str(justification or ""), line=line,
            rule=_scalar(entry.get("rule")), dataset=_scalar(entry.get("dataset")),
            entity=_scalar(entry.get("entity")), period=_scalar(entry.get("period")),
            subject=_scalar(entry.get("subject")), message=_scalar(entry.get("message")),
        )
    if errors:
        if len(errors) == 1:
            raise errors[0]
        raise InputErrors(errors)
    return Baseline(name, entries)


def create_baseline(
    report: Mapping[str, Any],
    lang: str = "fr",
    *,
    previous: Baseline | None = None,
) -> str:
    """Baseline YAML text accepting every anomaly of the report (deterministic).

    Justifications of ids already in `previous` are kept; the others are `TODO: justify`.
    """
    from .reporters._common import loc, sorted_anomalies

    entries: dict[str, dict[str, Any]] = {}
    for anomaly in sorted_anomalies(report.get("anomalies") or ()):
        aid = str(anomaly.get("id"))
        if aid in entries:
            continue
        kept = previous.entries.get(aid) if previous else None
        entry: dict[str, Any] = {}
        for key in ("rule", "dataset", "entity", "period", "subject"):
            if anomaly.get(key) is not None:
                entry[key] = str(anomaly[key])
        message = loc(anomaly.get("message"), lang)
        relation = loc(anomaly.get("relation"), lang)
        text = " — ".join(x for x in (message, relation) if x)
        if text:
            entry["message"] = text
        entry["justification"] = kept.justification if kept and kept.justification else TODO
        entries[aid] = entry
    document = {"version": VERSION, "anomalies": entries}
    body = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=4096,
                          default_flow_style=False)
    return HEADER + body


def split_anomalies(report: Mapping[str, Any], baseline: Baseline) -> BaselineResult:
    """New anomalies, accepted ones, stale entries, entries of datasets not in this run."""
    anomalies = list(report.get("anomalies") or ())
    found = {str(a.get("id")) for a in anomalies}
    datasets = {str(d.get("id")) for d in report.get("datasets") or ()}
    datasets |= {str(a.get("dataset")) for a in anomalies}
    new = [a for a in anomalies if str(a.get("id")) not in baseline.entries]
    accepted = [a for a in anomalies if str(a.get("id")) in baseline.entries]
    stale, not_checked = [], []
    for entry in sorted(baseline.entries.values(), key=lambda e: (e.line or 0, e.id)):
        if entry.id in found:
            continue
        if entry.dataset is None or entry.dataset in datasets:
            stale.append(entry)
        else:
            not_checked.append(entry)
    return BaselineResult(new, accepted, stale, not_checked)


def apply_baseline(report: Mapping[str, Any], baseline: Baseline) -> dict[str, Any]:
    """A copy of the report with a `baseline` block that the reporters and the gate read:

    `{"file", "accepted": [{"id", "justification", "line"}], "stale": [entry…],
      "not_checked": n}`. Anomalies themselves are unchanged.
    """
    result = split_anomalies(report, baseline)
    out = copy.deepcopy(dict(report))
    out["baseline"] = {
        "file": baseline.file,
        "accepted": [
            {"id": str(a.get("id")),
             "justification": baseline.entries[str(a.get("id"))].justification,
             "line": baseline.entries[str(a.get("id"))].line}
            for a in result.accepted
        ],
        "stale": [e.as_dict() for e in result.stale],
        "not_checked": len(result.not_checked),
    }
    return out


def write_baseline(report: Mapping[str, Any], path: Path, lang: str = "fr") -> tuple[int, int]:
    """Write (or rewrite) a baseline file for the report; (entries, justifications kept).

    When `path` already holds a baseline, the justifications of anomalies still present are
    kept, so re-creating a baseline never loses a reviewer's work.
    """
    previous = None
    if path.is_file():
        previous = load_baseline(path, require_justification=False)
    text = create_baseline(report, lang, previous=previous)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)
    ids = {str(a.get("id")) for a in report.get("anomalies") or ()}
    kept = sum(1 for i in ids if previous and i in previous.entries
               and previous.entries[i].justification
               and not _is_todo(previous.entries[i].justification))
    return len(ids), kept
