"""The report's types: what `--format json` writes and what every reporter reads.

docs/FORMATS.md §5 in Python. The report is a plain dict (it is JSON), so these are
TypedDicts: reporters index required keys directly (`anomaly["severity"]`) and a type checker
tells when a key is misspelt. `schemas/report.schema.json`, shipped beside this module, says
the same thing for other tools; `load_schema()` reads it and the test suite checks every
JSON report it produces against it.

Keys marked NotRequired are added by later steps (`baseline` by `--baseline`) or by newer
engines (`verdicts`, `coverage`, `rules_by_dataset`); a reporter must work without them.
"""

import json
from functools import cache
from importlib.resources import files
from typing import Any, Literal, NotRequired, TypedDict

Severity = Literal["error", "warning", "info"]
Category = Literal["inconsistent", "rounding", "bounds", "missing", "unit", "non_numeric",
                   "objective_missed", "not_available", "garbled"]
BaselineStatus = Literal["accepted", "new"]

SCHEMA_RESOURCE = "schemas/report.schema.json"


class Localized(TypedDict):
    """A text in both languages of the tool."""

    fr: str
    en: str


class Tool(TypedDict):
    name: str
    version: str
    backend: NotRequired[Literal["numpy", "spark"]]  # the engine's backend that ran


class Dataset(TypedDict):
    id: str
    path: str
    title: str | None
    report: str | None
    figures: int


class PartlyLocalized(TypedDict):
    """A dataset localized in part (`budget.part`): how many of its anomalies were left."""

    dataset: str
    anomalies: int


class Summary(TypedDict):
    anomalies: int
    by_severity: dict[str, int]
    by_category: dict[str, int]
    evaluations: int
    figures: NotRequired[int]
    # datasets whose anomalies have no diagnosis: the localization budget
    # (budget.LOCALIZE_BUDGET figures, whole datasets in id order) was spent before them
    not_localized: NotRequired[list[str]]
    # a first dataset larger than the budget, localized in part: its anomalies left out
    partly_localized: NotRequired[list[PartlyLocalized]]


class RuleSummary(TypedDict):
    """What one rule did over the run (or over one dataset, in `rules_by_dataset`)."""

    rule: str
    kind: str
    severity: Severity
    description: Localized
    items: int
    passes: int
    fails: int
    not_evaluable: int
    file: NotRequired[str | None]
    line: NotRequired[int | None]


class Interval(TypedDict):
    lo: float | int | None
    hi: float | int | None


class Source(TypedDict):
    """Where a figure was read: the dataset file and line, and the source report's place."""

    file: str
    line: int
    report: str | None
    report_line: int | None
    kind: str
    table: str | None
    row: str | None
    column: str | None
    quote: str | None


class Figure(TypedDict):
    ref: str
    entity: str
    period: str
    indicator: str
    label: Localized
    text: str | None
    value: float | int | None
    lo: float | int | None
    hi: float | int | None
    unit: str
    source: Source


Cause = Literal["typo (digit)", "transposition", "scale", "sign", "rounding", "truncation",
                "mislabelled column", "wrong denominator", "unit", "unexplained"]


class Candidate(TypedDict):
    """A minimum-cost repair: the figure it changes in this anomaly, its value, the other
    prints it changes, and its Fellegi–Holt cost (1 a change, less for a typist slip)."""

    ref: str
    suggested: float | int | None
    cause: Cause | None
    cost: float | None
    also: list[str]


class Suspect(TypedDict):
    """The figure whose correction restores the relation with the fewest changes."""

    ref: str
    suggested: float | int | None
    reason: Localized
    # set by the exact localization (drsmcheck.localize)
    cause: NotRequired[Cause | None]
    also: NotRequired[list[str]]
    candidates: NotRequired[list[Candidate]]


class Anomaly(TypedDict):
    id: str
    rule: str
    kind: str
    severity: Severity
    category: Category
    dataset: str
    entity: str
    period: str
    subject: str | None
    theme: str | None
    message: Localized
    relation: Localized
    lhs: Interval | None
    rhs: Interval | None
    difference: float | int | None
    figures: list[Figure]
    suspect: Suspect | None
    # every minimum-cost repair, cheapest first (drsmcheck.localize)
    candidates: NotRequired[list[Candidate]]
    # set by drsmcheck.baseline.apply_baseline when a baseline is given
    baseline: NotRequired[BaselineStatus]
    justification: NotRequired[str]


class Objective(TypedDict):
    dataset: str
    entity: str
    period: str
    indicator: str
    label: Localized
    unit: str
    objective: float | int
    result: float | int
    direction: Literal["higher", "lower"]
    met: bool


class BaselineAccepted(TypedDict):
    id: str
    justification: str
    line: int | None


class BaselineEntryInfo(TypedDict):
    """A baseline entry as the report shows it (stale or not checked)."""

    id: str
    rule: str | None
    dataset: str | None
    entity: str | None
    period: str | None
    subject: str | None
    justification: str
    line: int | None


class BaselineInfo(TypedDict):
    file: str
    accepted: list[BaselineAccepted]
    stale: list[BaselineEntryInfo]
    not_checked: list[BaselineEntryInfo]


class Verdict(TypedDict):
    """One (rule, record) verdict: R validate's `values()` row."""

    rule: str
    dataset: str
    entity: str
    period: str
    subject: str | None
    status: Literal["pass", "fail", "na"]
    reason: Literal["missing", "non_numeric", "division", "undefined", "weights"] | None


class Report(TypedDict):
    schema_version: str
    tool: Tool
    datasets: list[Dataset]
    summary: Summary
    rules: list[RuleSummary]
    anomalies: list[Anomaly]
    objectives: NotRequired[list[Objective]]
    baseline: NotRequired[BaselineInfo]
    # per-dataset rule counts: dataset id → the rules that dataset's figures took part in
    rules_by_dataset: NotRequired[dict[str, list[RuleSummary]]]
    # the verdict table (`report.run(..., with_verdicts=True)`)
    verdicts: NotRequired[list[Verdict]]
    # announced by the engine rewrite (issue 9); shape left open until it is in the report
    coverage: NotRequired[Any]


@cache
def load_schema() -> dict[str, Any]:
    """The report's JSON Schema (draft 2020-12), as shipped in the package."""
    text = files("drsmcheck").joinpath(SCHEMA_RESOURCE).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
