"""XLSX workbooks (openpyxl): each sheet a table, each figure named by its cell.

openpyxl rather than calamine because a spreadsheet number is printed through its number
format: the cell 0.719 shown as `71,9 %` is the print `71,9 %` (one decimal, a percent), and
162062 shown with `# ##0` is the exact count `162 062`. The print is rebuilt from the value and
the format, then parsed like any other. A figure's `file` is `figures.xlsx!Feuil1!C12`, its
`line` the row (12).
"""

from __future__ import annotations

import datetime as dt
import re
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from ...errors import InputError
from ...yamlfile import read_bytes
from .grid import Grid

_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def _decimals(fmt: str) -> int:
    """Decimals a number format shows (`0.0%` → 1, `# ##0` → 0)."""
    first = fmt.split(";")[0]
    plain = _QUOTED.sub("", first)
    if "." not in plain:
        return 0
    return len(re.match(r"[0#?]*", plain.split(".", 1)[1]).group(0))


def printed(value: Any, fmt: str | None) -> Any:
    """The figure as the cell shows it (a French print), or the raw value when not a number."""
    if isinstance(value, bool) or value is None:
        return None if value is None else str(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if not isinstance(value, int | float):
        return str(value)
    fmt = fmt or "General"
    if fmt == "General" or fmt == "@":
        if isinstance(value, float) and not value.is_integer():
            text = repr(value)
            return value if "e" in text else text.replace(".", ",")
        return str(int(value))
    d = _decimals(fmt)
    plain = _QUOTED.sub(lambda m: m.group(0).strip('"'), fmt.split(";")[0])
    percent = "%" in _QUOTED.sub("", fmt.split(";")[0])
    x = value * 100 if percent else value
    text = f"{x:,.{d}f}".replace(",", "\u202f").replace(".", ",")
    if percent:
        return text + " %"
    for sym in ("M€", "k€", "€"):
        if sym in plain:
            return f"{text} {sym}"
    return text


def _letter(col: int) -> str:
    out = ""
    while col:
        col, r = divmod(col - 1, 26)
        out = chr(65 + r) + out
    return out


def read_xlsx(path: Path, file: str, sheets: list[str] | None, header: int | None) -> list[Grid]:
    """One Grid per sheet read (every sheet unless `sheets` names them); empty sheets skipped."""
    import io

    import openpyxl

    data = read_bytes(path, file, "xlsx")
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zipfile / XML errors of a damaged workbook
        raise InputError(file, None, f"cannot read the workbook: {type(exc).__name__}: {exc}",
                         "save it again as .xlsx from the spreadsheet program") from None
    names = book.sheetnames
    for s in sheets or []:
        if s not in names:
            raise InputError(file, None, f"no sheet {s!r} in the workbook",
                             f"its sheets: {', '.join(names)}")
    grids = []
    checksum = zlib.crc32(data)
    for sheet in sheets or names:
        ws = book[sheet]
        # read-only sheets yield EmptyCell (no .row) in gaps: number rows and columns here
        numbered = [(i, r) for i, r in enumerate(ws.iter_rows(min_row=1, min_col=1), start=1)
                    if any(c.value not in (None, "") for c in r)]
        if not numbered:
            continue
        where = f"{file}!{sheet}"
        if header is not None:
            head = next((r for i, r in numbered if i == header), None)
            if head is None:
                raise InputError(where, header, f"header row {header} is empty")
            hrow = header
        else:
            hrow, head = numbered[0]
        body = [(i, r) for i, r in numbered if i > hrow]
        width = max(len(r) for _, r in numbered)
        titles = [str(c.value).strip() if c.value is not None else "" for c in head]
        titles += [""] * (width - len(titles))
        keep = []
        for j, name in enumerate(titles):
            used = any(j < len(r) and r[j].value not in (None, "") for _, r in body)
            if name:
                keep.append(j)
            elif used:
                raise InputError(where, hrow, f"column {_letter(j + 1)} has no header",
                                 "name every column of the header row")
        names_ = [titles[j] for j in keep]
        lines = np.array([i for i, _ in body], dtype=np.int64)
        cols: dict[str, pa.Array] = {}
        for j, name in zip(keep, names_, strict=True):
            vals = [printed(r[j].value, r[j].number_format) if j < len(r) else None
                    for _, r in body]
            if all(v is None or isinstance(v, str) for v in vals):
                cols[name] = pa.array(vals, pa.string())
            else:  # a float whose repr has an exponent: parse_number reads the float
                cols[name] = pa.array([v if isinstance(v, float) else None for v in vals],
                                      pa.float64()) if all(
                    v is None or isinstance(v, float) for v in vals) else pa.array(
                    [None if v is None else str(v) for v in vals], pa.string())
        letters = {name: _letter(j + 1) for j, name in zip(keep, names_, strict=True)}

        def cell(name: str, idx: np.ndarray, where: str = where,
                 letters: dict[str, str] = letters, lines: np.ndarray = lines) -> pa.Array:
            return pa.array([f"{where}!{letters[name]}{lines[i]}" for i in idx], pa.string())

        grids.append(Grid(where, names_, cols, lines, hrow, checksum, cell))
    book.close()
    return grids
