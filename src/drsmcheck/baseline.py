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

`create_baseline` writes the current anomalies (all, or those `--select` picks by rule, entity,
category or dataset) with one justification for all (`--justification "…"`, to edit per entry
afterwards) or `justification: "TODO: justify"`, keeping the justification of ids already in a
previous baseline. `load_baseline` refuses, with file:line, an entry without a justification,
one still saying TODO, or one without a visible character (zero-width spaces, braille blanks).
`apply_baseline` marks each anomaly `"baseline": "accepted"` (with its justification) or
`"new"` and lists stale entries (in a dataset of this run, but no longer found); entries of
datasets not validated in this run are listed as not checked.
"""

from __future__ import annotations

import copy
import fnmatch
import unicodedata
from collections.abc import Iterable, Mapping
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
# `drsmcheck baseline create --justification "…"` writes one reason for all: edit it per entry.
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


# Characters that draw nothing although Unicode does not class them as blank.
_BLANK_LOOKING = frozenset("\u115f\u1160\u17b4\u17b5\u180e\u2800\u3164\uffa0")
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"})
MAX_LISTED = 10  # unjustified entries listed one by one; the rest are counted
SELECT_KEYS = ("rule", "entity", "category", "dataset", "severity")


def visible_text(text: str) -> str:
    """The characters of `text` that show on screen (zero-width, blank-looking ones dropped)."""
    return "".join(c for c in text if c not in _BLANK_LOOKING
                   and unicodedata.category(c) not in _INVISIBLE_CATEGORIES)


def _is_todo(justification: str) -> bool:
    text = visible_text(justification).lower()
    return not text or text.startswith("todo") or text in {"tbd", "fixme", "xxx", "?", "-"}


def check_justification(text: str, where: str = "--justification") -> str:
    """A justification given on the command line: refused (InputError) unless it says why."""
    if not visible_text(text):
        raise InputError(where, None, "the justification has no visible text",
                         "write why the anomalies are accepted, e.g. "
                         '--justification "Published as is; erratum requested"')
    if _is_todo(text):
        raise InputError(where, None, f"the justification still says {text.strip()!r}",
                         "write why the anomalies are accepted")
    return text.strip()


@dataclass(frozen=True)
class Selection:
    """`--select key=pattern` (rule, entity, category, dataset, severity; globs allowed):
    patterns of one key are alternatives, different keys must all match."""

    patterns: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def parse(cls, items: Iterable[str]) -> Selection:
        patterns: dict[str, list[str]] = {}
        for item in items:
            key, sep, value = item.partition("=")
            key, value = key.strip().lower(), value.strip()
            if not sep or key not in SELECT_KEYS or not value:
                raise InputError("--select", None, f"cannot read {item!r}",
                                 f"use KEY=PATTERN with KEY one of {', '.join(SELECT_KEYS)}, "
                                 "e.g. --select rule='cpg.*' --select entity=OCC")
            patterns.setdefault(key, []).extend(v.strip() for v in value.split(",") if v.strip())
        return cls({k: tuple(v) for k, v in patterns.items()})

    def __call__(self, anomaly: Mapping[str, Any]) -> bool:
        return all(any(fnmatch.fnmatchcase(str(anomaly.get(key) or ""), p) for p in pats)
                   for key, pats in self.patterns.items())

    def __bool__(self) -> bool:
        return bool(self.patterns)


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
            if not visible_text(str(justification)):
                errors.append(InputError(
                    name, jline,
                    f"baseline entry {key} has a justification without visible text "
                    f"({str(justification)!r})",
                    "write why this anomaly is accepted, or remove the entry"))
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
        if len(errors) > MAX_LISTED:
            rest = len(errors) - MAX_LISTED
            errors = errors[:MAX_LISTED] + [InputError(
                name, None, f"… and {rest} more entries without a justification",
                "give one reason for all with `drsmcheck baseline create PATH... "
                '--justification "…"` (existing justifications are kept), then edit '
                "the entries that need their own")]
        raise InputErrors(errors)
    return Baseline(name, entries)


def create_baseline(
    report: Mapping[str, Any],
    lang: str = "fr",
    *,
    previous: Baseline | None = None,
    justification: str | None = None,
    select: Selection | None = None,
) -> str:
    """Baseline YAML text accepting the report's anomalies (deterministic).

    With `select`, only the anomalies it matches, plus the entries of `previous` that still
    occur (re-creating a baseline for one rule does not drop the others). Justifications of
    ids already in `previous` are kept; the others get `justification` or `TODO: justify`.
    """
    from .reporters._common import loc, sorted_anomalies

    entries: dict[str, dict[str, Any]] = {}
    for anomaly in sorted_anomalies(report["anomalies"]):
        aid = str(anomaly["id"])
        kept = previous.entries.get(aid) if previous else None
        if aid in entries or (select and not select(anomaly) and kept is None):
            continue
        entry: dict[str, Any] = {}
        for key in ("rule", "dataset", "entity", "period", "subject"):
            if anomaly.get(key) is not None:
                entry[key] = str(anomaly[key])
        message = loc(anomaly["message"], lang)
        relation = loc(anomaly["relation"], lang)
        text = " — ".join(x for x in (message, relation) if x)
        if text:
            entry["message"] = text
        if kept and kept.justification and not _is_todo(kept.justification):
            entry["justification"] = kept.justification
        else:
            entry["justification"] = justification or TODO
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
    """A copy of the report that the reporters and the gate read: every anomaly marked
    `"baseline": "accepted"` (with its `justification`) or `"new"`, and a `baseline` block
    `{"file", "accepted": [{"id", "justification", "line"}], "stale": [entry…],
      "not_checked": [entry…]}` (model.BaselineInfo)."""
    result = split_anomalies(report, baseline)
    out = copy.deepcopy(dict(report))
    for anomaly in out["anomalies"]:
        entry = baseline.entries.get(str(anomaly["id"]))
        if entry is None:
            anomaly["baseline"] = "new"
        else:
            anomaly["baseline"] = "accepted"
            anomaly["justification"] = entry.justification
    out["baseline"] = {
        "file": baseline.file,
        "accepted": [
            {"id": str(a["id"]),
             "justification": baseline.entries[str(a["id"])].justification,
             "line": baseline.entries[str(a["id"])].line}
            for a in result.accepted
        ],
        "stale": [e.as_dict() for e in result.stale],
        "not_checked": [e.as_dict() for e in result.not_checked],
    }
    return out


TEXT: dict[str, dict[str, str]] = {
    "fr": {"written": "{file} : {n} anomalie(s) enregistrée(s) ({kept} justification(s) "
                      "conservée(s), {given} avec la justification donnée, {todo} à justifier)",
           "todo": "remplacez chaque 'TODO: justify' par la raison de l'acceptation, ou "
                   "relancez avec --justification \"…\"",
           "none": "aucune anomalie ne correspond à --select"},
    "en": {"written": "{file}: {n} anomaly(ies) recorded ({kept} justification(s) kept, "
                      "{given} with the given justification, {todo} to justify)",
           "todo": "replace each 'TODO: justify' with the reason the anomaly is accepted, or "
                   "run again with --justification \"…\"",
           "none": "no anomaly matches --select"},
}


def summary_lines(written: Written, file: str, lang: str) -> list[str]:
    """What `baseline create` says on stderr."""
    text = TEXT["fr" if lang == "fr" else "en"]
    lines = [text["written"].format(file=file, n=written.entries, kept=written.kept,
                                    given=written.given, todo=written.todo)]
    if written.entries == 0:
        lines.append(text["none"])
    if written.todo:
        lines.append(text["todo"])
    return lines


@dataclass(frozen=True)
class Written:
    """What `write_baseline` did, for the CLI's one-line summary."""

    entries: int
    kept: int
    given: int
    todo: int


def write_baseline(
    report: Mapping[str, Any], path: Path, lang: str = "fr", *,
    justification: str | None = None, select: Selection | None = None,
) -> Written:
    """Write (or rewrite) a baseline file for the report.

    When `path` already holds a baseline, the justifications of anomalies still present are
    kept, so re-creating a baseline never loses a reviewer's work.
    """
    previous = None
    if path.is_file():
        previous = load_baseline(path, require_justification=False)
    text = create_baseline(report, lang, previous=previous, justification=justification,
                           select=select)
    from .outputs import write_text

    write_text(path, text)  # atomic: an interrupted rewrite never leaves half a baseline
    written = yaml.safe_load(text)["anomalies"] or {}
    kept = sum(1 for i, e in written.items() if previous and i in previous.entries
               and e["justification"] == previous.entries[i].justification
               and not _is_todo(e["justification"]))
    todo = sum(1 for e in written.values() if e["justification"] == TODO)
    return Written(len(written), kept, len(written) - kept - todo, todo)
