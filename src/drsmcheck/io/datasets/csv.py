"""CSV and TSV files, read by Arrow (columnar, a million rows in well under a second).

The separator is `,`, `;` (French Excel's default) or tab: from `--csv-sep`, the dataset header
(`files: {name: {sep: ";"}}`), the `.tsv` extension, or else the one the header line uses.
Decimal commas are read in every case; with `,` as separator a value holding a comma must be
quoted (`"71,9 %"`), and an unquoted one is reported with that hint. When Arrow refuses the
file, Python's csv module reads it again to say which line is wrong and why.
"""

from __future__ import annotations

import csv
import io
import zlib
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ...errors import InputError
from ...yamlfile import read_utf8
from .grid import Grid

# Python's csv module refuses fields over 128 KiB; a quote that long is not a report's quote
MAX_FIELD = csv.field_size_limit()
# Arrow's threads share a file's blocks out: a file of a few blocks is read faster on one
# thread (the pool's overhead costs more CPU than it saves)
_BLOCK = 1 << 20
_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


def detect_sep(header: str, suffix: str) -> str:
    """The separator the header line uses (outside quotes); tab for .tsv."""
    if suffix == ".tsv":
        return "\t"
    counts = {sep: 0 for sep in (",", ";", "\t", "|")}
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] else ","


# what str.strip() removes from an ASCII text: a file of only these is empty
_ASCII_BLANKS = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def read_csv(path: Path, file: str, sep: str | None) -> Grid:
    # Arrow reads the bytes as they are (UTF-8 checked, BOM dropped): the text is decoded only
    # where Python must read it (the header line; a file Arrow refuses; quoted newlines)
    data = read_utf8(path, file, "csv")
    if not (data.strip(_ASCII_BLANKS) if data.isascii() else data.decode("utf-8").strip()):
        raise InputError(file, 1, "file is empty", "a CSV of figures starts with a header line")
    first = data.split(b"\n", 1)[0].decode("utf-8").rstrip("\r")
    sep = sep or detect_sep(first, path.suffix.lower())
    try:
        header = next(csv.reader([first], delimiter=sep))
    except csv.Error as exc:
        raise InputError(file, 1, f"invalid CSV header: {exc}") from None
    names = [h.strip() for h in header]
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=[f"c{i}" for i in range(len(names))],
                                           skip_rows=1, block_size=_BLOCK,
                                           use_threads=len(data) > 4 * _BLOCK),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True,
                                             ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(names))},
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, pa.ArrowException) as exc:
        if len(names) == 1:
            other = next((s for s in (";", "\t", ",", "|") if s != sep and s in names[0]), None)
            if other is not None:
                raise InputError(file, 1, f"unknown CSV column {names[0]!r}",
                                 f"the header holds {other!r}: the file looks "
                                 f"{_NAMES[other]}-separated ({other!r}-separated) but is "
                                 f"read as {_NAMES.get(sep, sep)}-separated; drop --csv-sep or "
                                 "give the separator (files: {name: {sep: ';'}})") from None
        _explain(data.decode("utf-8"), file, sep, len(names))
        raise InputError(file, None, f"invalid CSV: {str(exc).splitlines()[0]}",
                         "save the file as plain UTF-8 text with one header line") from None
    cols = {name: _one_chunk(table.column(i)) for i, name in enumerate(names)}
    n = table.num_rows
    physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if physical == n + 1:
        lines = np.arange(2, n + 2, dtype=np.int64)
    else:  # blank lines or newlines inside quotes: csv gives each record's first line
        lines = _record_lines(data.decode("utf-8"), sep, n)
    for name, col in cols.items() if len(data) > MAX_FIELD else ():
        if len(col) and pc.max(pc.utf8_length(col)).as_py() > MAX_FIELD:
            i = int(np.argmax(pc.greater(pc.utf8_length(col), MAX_FIELD).to_numpy(
                zero_copy_only=False)))
            raise InputError(file, int(lines[i]), f"invalid CSV: a field is longer than "
                             f"{MAX_FIELD:_} characters (column {name!r})".replace("_", " "),
                             "a cell holds a figure and a short quote; check for a quote (\") "
                             "that is never closed")
    return Grid(file, names, cols, lines, 1, zlib.crc32(data))


def _one_chunk(col: pa.ChunkedArray) -> pa.Array:
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


def _record_lines(text: str, sep: str, n: int) -> np.ndarray:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    next(reader, None)
    out = []
    start = reader.line_num + 1
    for rec in reader:
        if rec:
            out.append(start)
        start = reader.line_num + 1
    return np.array(out[:n], dtype=np.int64)


def _explain(text: str, file: str, sep: str, width: int) -> None:
    """Arrow refused the file: find the line with Python's csv module and say what to do."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        next(reader, None)
        for rec in reader:
            if not rec:
                continue
            if len(rec) != width:
                line = reader.line_num
                hint = None
                if len(rec) > width and sep == "," and any(
                        a[-1:].isdigit() and b[:1].isdigit() for a, b in zip(rec, rec[1:], strict=False)):
                    hint = ("a value holding a decimal comma (71,9 %) must be quoted in a "
                            "comma-separated file: \"71,9 %\"; or save the file with ';' "
                            "as separator")
                raise InputError(file, line, f"row has not {width} fields like the header (it "
                                 f"has {len(rec)}; the file is {_NAMES.get(sep, sep)}-separated)",
                                 hint or "quote values that hold the separator; check for a "
                                 "missing or extra separator")
    except csv.Error:
        raise InputError(file, reader.line_num or 1, "invalid CSV: this row cannot be read",
                         "check the quotes (\") and separators; save the file as plain UTF-8 "
                         "text") from None
