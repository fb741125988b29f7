"""The dataset header (`dataset:` in dataset.yaml): what the report is, how its files are read.

Besides the report's id, entity and period, the header may declare exactness for the whole
dataset, the records that exist apart from their figures (`records:`), files to leave out
(`ignore:`) and, per tabular file, its layout (`files:` — long, one figure a row, or wide, one
record a row) — see docs/FORMATS.md §1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..yamlfile import LDict, check_keys

DATASET_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
HEADER_KEYS = {"id", "title", "entity", "period", "report", "exact", "rounded", "records",
               "ignore", "files"}
FILE_KEYS = {"layout", "sep", "sheets", "header", "keys", "indicators", "entity", "period",
             "line", "kind", "table", "exact", "rounded", "unit", "skip"}
COLUMN_KEYS = {"indicator", "exact", "rounded", "unit", "label"}
SEPARATORS = {",": ",", ";": ";", "tab": "\t", "\t": "\t", "|": "|"}


@dataclass
class Dataset:
    """One report's figures and what describes it.

    `records`: the (entity, period) records the dataset declares (its `records:` list and every
    row of a wide table), sorted; None when it declares none (then a rule's items are the
    records that hold at least one of its figures).
    """

    id: str
    path: str
    title: str
    report: str | None
    entity: str | None
    period: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)
    records: list[tuple[str, str]] | None = None
    files: list[str] = field(default_factory=list)  # files read, in reading order
    rounded: bool | None = None  # dataset-wide exactness (None: by unit and decimals)
    ignore: list[str] = field(default_factory=list)
    specs: dict[str, FileSpec] = field(default_factory=dict)
    declared_records: list[tuple[str, str, int]] = field(default_factory=list)  # + header line
    header_file: str = ""


@dataclass
class ColumnSpec:
    """A value column of a wide table: the indicator it holds and its exactness."""

    name: str
    indicator: str
    rounded: bool | None
    unit: str | None
    label: str | None


@dataclass
class FileSpec:
    """How one tabular file (or the files a glob names) is read, from `files:` in the header."""

    pattern: str
    line: int  # line of the entry in the header, for messages
    layout: str = "long"
    sep: str | None = None
    sheets: list[str] | None = None
    header: int | None = None
    keys: dict[str, str] = field(default_factory=dict)  # entity / period / line → column name
    columns: list[ColumnSpec] = field(default_factory=list)
    entity: str | None = None
    period: str | None = None
    report_line: int | None = None
    kind: str = "table"
    table: str | None = None
    rounded: bool | None = None
    unit: str | None = None
    skip: list[str] = field(default_factory=list)  # wide: columns not read (labels, notes)
    used: bool = False


def csv_separator(option: str | None) -> str | None:
    """`--csv-sep` as a character; InputError for anything else."""
    if option is None:
        return None
    sep = SEPARATORS.get(option)
    if sep is None:
        raise InputError("--csv-sep", None, f"unknown separator {option!r}",
                         "use ',', ';', '|' or tab")
    return sep


def exactness(mapping: LDict, file: str, what: str) -> bool | None:
    """`exact: true` ≡ `rounded: false`: the declared rounding of a scope, or None."""
    rounded = mapping.get("rounded")
    exact = mapping.get("exact")
    for key, val in (("rounded", rounded), ("exact", exact)):
        if val is not None and not isinstance(val, bool):
            raise InputError(file, mapping.line_of(key), f"'{key}' must be true or false in {what}")
    if rounded is not None and exact is not None:
        if rounded == exact:
            raise InputError(file, mapping.line_of("exact"),
                             f"'exact: {str(exact).lower()}' contradicts "
                             f"'rounded: {str(rounded).lower()}' in {what}",
                             "give one of the two: exact: true is rounded: false")
        return rounded
    if exact is not None:
        return not exact
    return rounded


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def parse_header(data: Any, file: str) -> Dataset:
    check_keys(data, file, "dataset file", {"dataset", "figures", "tables"}, {"dataset"})
    head = check_keys(data["dataset"], file, "dataset header", HEADER_KEYS, {"id"})
    ident = str(head["id"])
    if not DATASET_ID.fullmatch(ident):
        raise InputError(file, head.line_of("id"), f"invalid dataset id {ident!r}",
                         "use letters, digits, '-', '_' and '.'")
    ds = Dataset(id=ident, path="", title=str(head.get("title") or ident),
                 report=_str(head.get("report")), entity=_clean(head.get("entity")),
                 period=_clean(head.get("period")), rounded=exactness(head, file, "the header"),
                 header_file=file)
    ignore = head.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(g, str) for g in ignore):
        raise InputError(file, head.line_of("ignore"), "'ignore' must be a list of file globs",
                         'e.g. ignore: ["notes/*", "*.docx"]')
    ds.ignore = list(ignore)
    if "records" in head:
        ds.declared_records = _records(head["records"], head.line_of("records"), file, ds)
    files = head.get("files")
    if files is not None:
        if not isinstance(files, dict):
            raise InputError(file, head.line_of("files"), "'files' must map file names to how "
                             "they are read", "e.g. files: {units.csv: {layout: wide, ...}}")
        for pattern, spec in files.items():
            ds.specs[str(pattern)] = _file_spec(str(pattern), spec, files.line_of(pattern), file)
    return ds


def _clean(value: Any) -> str | None:
    """A key as given in YAML, stripped ("2019\\n" is "2019"); empty means not given."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _records(items: Any, line: int, file: str, ds: Dataset) -> list[tuple[str, str, int]]:
    if not isinstance(items, list):
        raise InputError(file, line, "'records' must be a list of entities or {entity, period}",
                         'e.g. records: [OCC, LR, MP] or records: [{entity: OCC, period: "2019"}]')
    out = []
    lines = getattr(items, "item_lines", [line] * len(items))
    for item, iline in zip(items, lines, strict=True):
        if isinstance(item, dict):
            check_keys(item, file, "record", {"entity", "period"}, {"entity"})
            entity, period = _clean(item.get("entity")), _clean(item.get("period")) or ds.period
        else:
            entity, period = _clean(item), ds.period
        if entity is None:
            raise InputError(file, iline, "a record needs an entity")
        if period is None:
            raise InputError(file, iline, "a record needs a period",
                             "give it one, or set 'period' in the header")
        out.append((entity, period, iline))
    return out


def _file_spec(pattern: str, spec: Any, line: int, file: str) -> FileSpec:
    what = f"files entry {pattern!r}"
    spec = check_keys(spec, file, what, FILE_KEYS)
    fs = FileSpec(pattern=pattern, line=line, rounded=exactness(spec, file, what))
    layout = spec.get("layout", "long")
    if layout not in ("long", "wide"):
        raise InputError(file, spec.line_of("layout"), f"unknown layout {layout!r}",
                         "layout is long (one figure a row) or wide (one record a row)")
    fs.layout = layout
    if "sep" in spec:
        sep = SEPARATORS.get(str(spec["sep"]))
        if sep is None:
            raise InputError(file, spec.line_of("sep"), f"unknown separator {spec['sep']!r}",
                             "sep is ',', ';', '|' or tab")
        fs.sep = sep
    if "sheets" in spec:
        sheets = spec["sheets"]
        if isinstance(sheets, str):
            sheets = [sheets]
        if not isinstance(sheets, list) or not sheets:
            raise InputError(file, spec.line_of("sheets"), "'sheets' must list sheet names")
        fs.sheets = [str(s) for s in sheets]
    if "header" in spec:
        if not isinstance(spec["header"], int) or isinstance(spec["header"], bool) \
                or spec["header"] < 1:
            raise InputError(file, spec.line_of("header"), "'header' must be a row number (1 = "
                             "the first row)")
        fs.header = spec["header"]
    fs.entity, fs.period = _clean(spec.get("entity")), _clean(spec.get("period"))
    if "line" in spec:
        if not isinstance(spec["line"], int) or isinstance(spec["line"], bool) or spec["line"] < 1:
            raise InputError(file, spec.line_of("line"), "'line' must be the positive line "
                             "of the source report the table is printed at")
        fs.report_line = spec["line"]
    fs.kind = str(spec.get("kind", "table"))
    if fs.kind != "table" and layout == "wide":
        raise InputError(file, spec.line_of("kind"), "a wide table holds table figures",
                         "text and box figures need a quote: give them in a YAML or long file")
    fs.table, fs.unit = _str(spec.get("table")), _str(spec.get("unit"))
    if layout == "long":
        for key in ("keys", "indicators"):
            if key in spec:
                raise InputError(file, spec.line_of(key), f"'{key}' is for layout: wide",
                                 "a long file has the columns of FORMATS.md §1")
        return fs
    keys = spec.get("keys") or {}
    keys = check_keys(keys, file, f"keys of {what}", {"entity", "period", "line"})
    fs.keys = {k: str(v) for k, v in keys.items()}
    skip = spec.get("skip") or []
    if not isinstance(skip, list):
        raise InputError(file, spec.line_of("skip"), "'skip' must list column names")
    fs.skip = [str(c) for c in skip]
    if "entity" not in fs.keys and fs.entity is None:
        raise InputError(file, spec.line, f"{what} has no entity",
                         "name the column holding it (keys: {entity: code}) or give 'entity'")
    cols = spec.get("indicators")
    if not cols:
        raise InputError(file, spec.line, f"{what} has no indicator columns",
                         "indicators: {column: indicator, ...} or a list of column names "
                         "that are indicator ids")
    if isinstance(cols, list):
        fs.columns = [ColumnSpec(str(c), str(c), None, None, None) for c in cols]
    elif isinstance(cols, dict):
        for name, target in cols.items():
            if isinstance(target, dict):
                target = check_keys(target, file, f"indicator column {name!r}", COLUMN_KEYS,
                                    {"indicator"})
                fs.columns.append(ColumnSpec(
                    str(name), str(target["indicator"]),
                    exactness(target, file, f"indicator column {name!r}"),
                    _str(target.get("unit")), _str(target.get("label"))))
            else:
                fs.columns.append(ColumnSpec(str(name), str(target), None, None, None))
    else:
        raise InputError(file, spec.line_of("indicators"), "'indicators' must be a mapping "
                         "column → indicator, or a list of columns")
    clash = set(fs.keys.values()) & {c.name for c in fs.columns}
    if clash:
        raise InputError(file, spec.line_of("indicators"),
                         f"column {sorted(clash)[0]!r} is both a key and an indicator")
    return fs
