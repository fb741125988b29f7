"""Raw figure columns → the figures table (figures.py's contract), in one columnar pass.

Checks are computed as masks over all rows, and the first bad row (in reading order) is
reported with the first of its problems, in the order a row-by-row reader would find them:
missing key, unknown indicator, unknown entity, malformed period, unknown kind, missing quote,
unknown unit, unreadable value, the same cell given twice. So a file of a million figures is
checked in a few vectorized operations, and errors read as before: `file:line: what, hint`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..figures import COLUMNS, KIND_PRIORITY, KINDS, NAMES, arrow_str
from ..numbers import rounding
from ..reference import UNITS, Reference, declare_entity_hint, declare_indicator_hint
from ..yamlfile import did_you_mean
from .header import Dataset
from .parse import ParsedColumn, parse_column
from .part import COLUMNS as PART_COLUMNS
from .part import Part

PERIOD = re.compile(r"\d{4}([-/][0-9A-Za-z]+)*")
# A report prints a figure a few times (text, box, table); a million prints of one figure is a
# generated file or an attack, and would make every comparison of that figure quadratic.
MAX_PRINTS = 100


def next_period(period: str) -> str | None:
    """The period after this one (years only), so `prev(x)` can join on it."""
    if re.fullmatch(r"\d{4}", period):
        return str(int(period) + 1)
    return None


def check_period(period: str, file: str, line: int | None) -> None:
    if not PERIOD.fullmatch(period):
        raise InputError(file, line, f"malformed period {period!r}",
                         "a period is a year, or a year and a sub-period: 2019, 2019-S2, "
                         "2018-12-31")


def check_entity(entity: str, ref: Reference, file: str, line: int | None) -> None:
    if entity not in ref.entities:
        raise _unknown_entity(entity, ref, file, line)


def _unknown_entity(entity: str, ref: Reference, file: str, line: int | None) -> InputError:
    padded = entity.zfill(2) if entity.isdigit() else None
    return InputError(file, line, f"unknown entity {entity!r}",
                      f"did you mean {padded!r}? quote département codes in YAML: "
                      f"entity: \"{padded}\"" if padded in ref.entities else
                      did_you_mean(entity, ref.entities) or declare_entity_hint(entity))


def _clean_keys(arr: pa.Array) -> pa.Array:
    """Keys stripped of surrounding blanks; an empty key is no key (the default applies).

    Keys repeat: each distinct one is cleaned once, and the column is rebuilt only if one
    changes (in C, without a string comparison per figure).
    """
    enc = pc.dictionary_encode(arr)
    words = enc.dictionary
    clean = pc.utf8_trim_whitespace(words)
    clean = pc.if_else(pc.equal(pc.binary_length(clean), 0), pa.scalar(None, pa.string()), clean)
    return arr if clean.equals(words) else clean.take(enc.indices)


def is_blank(arr: pa.Array) -> pa.Array:
    """'' or only blanks (what `utf8_trim_whitespace(x) == ''` says, without a new string)."""
    return pc.or_(pc.equal(pc.binary_length(arr), 0), pc.utf8_is_space(arr))


def _gather(datasets: list[tuple[Dataset, list[Part]]]) -> tuple[dict[str, pa.Array], np.ndarray,
                                                               list[str]]:
    """All parts' columns end to end (one Arrow call per column), keys stripped and defaulted.

    Returns the columns, the file code of every row and the files (codes index them).
    """
    parts = [(k, p) for k, (_, ps) in enumerate(datasets) for p in ps]
    sizes = np.array([len(p) for _, p in parts], dtype=np.int64)
    ds_idx = pa.array(np.repeat(np.array([k for k, _ in parts], dtype=np.int64), sizes))
    cols: dict[str, pa.Array] = {}
    for name in PART_COLUMNS:
        if name == "file":
            continue
        # each file's own column is let go as soon as the table's is built (the peak is one
        # copy of a column, not of every column)
        arrays = [p.columns.pop(name) for _, p in parts]
        cols[name] = pa.concat_arrays(arrays) if arrays else pa.array(
            [], type=pa.int64() if name in ("line", "report_line") else
            pa.bool_() if name == "rounded" else pa.string())
        del arrays
    for name in ("value", "kind", "table", "row", "column", "quote", "unit"):
        cols[name] = _blank_to_null(cols[name])
    dss = [ds for ds, _ in datasets]
    for key, default in (("indicator", None), ("entity", "entity"), ("period", "period")):
        cols[key] = _clean_keys(cols[key])
        if default is not None:
            defaults = pa.array([getattr(ds, default) for ds in dss], pa.string())
            cols[key] = pc.coalesce(cols[key], defaults.take(ds_idx))
    cols["rounded"] = pc.coalesce(cols["rounded"], pa.array([ds.rounded for ds in dss],
                                                            pa.bool_()).take(ds_idx))
    cols["dataset"] = pa.array([ds.id for ds in dss], pa.string()).take(ds_idx)
    cols["report"] = pa.array([ds.report for ds in dss], pa.string()).take(ds_idx)
    # print precedence among prints of one kind: report line, then the file's content (never
    # its name), then the line in the file
    ranks = [{c: r for r, c in enumerate(sorted({p.checksum for p in ps}))} for _, ps in datasets]
    cols["filerank"] = pa.array(np.repeat(np.array([ranks[k][p.checksum] for k, p in parts],
                                                   dtype=np.int64), sizes))
    cols["quotes_checked"] = pa.array(np.repeat(np.array([p.quotes_checked for _, p in parts],
                                                         dtype=bool), sizes))
    files: list[str] = []
    index: dict[str, int] = {}
    codes = []
    for (_, p), size in zip(parts, sizes.tolist(), strict=True):
        col = p.columns.get("file")
        if col is None or (len(col) and pc.all(pc.equal(col, p.file)).as_py()):
            codes.append(np.full(size, index.setdefault(p.file, len(index)), dtype=np.int64))
        else:
            codes.append(np.array([index.setdefault(f, len(index)) for f in col.to_pylist()],
                                  dtype=np.int64))
    files = list(index)
    file_codes = np.concatenate(codes) if codes else np.empty(0, dtype=np.int64)
    cols["file_codes"] = pa.array(file_codes)
    cols["files"] = pa.array(files, pa.string())
    cols["objects"] = _merge_objects([p for _, p in parts], sizes)  # type: ignore[assignment]
    for _, p in parts:  # the table holds them now: free each file's own columns
        p.columns = {}
    return cols, file_codes, files


def _blank_to_null(arr: pa.Array) -> pa.Array:
    """'' (or blanks) → null: an empty cell gives no value, no label."""
    empty = is_blank(arr)
    if not pc.any(empty).as_py():
        return arr
    return pc.if_else(empty, pa.scalar(None, pa.string()), arr)


_CODES: dict[int, tuple[pa.Array, np.ndarray, list[Any]]] = {}  # during one build_figures


def _codes(arr: pa.Array) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (-1 for null) and the distinct values of a column (each column once)."""
    hit = _CODES.get(id(arr))
    if hit is not None and hit[0] is arr:
        return hit[1], hit[2]
    enc = pc.dictionary_encode(arr)
    if isinstance(enc, pa.ChunkedArray):
        enc = enc.combine_chunks()
    codes = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32,
                                                                          copy=False)
    words = enc.dictionary.to_pylist()
    _CODES[id(arr)] = (arr, codes, words)
    return codes, words


class _Lazy:
    """A string column read one row at a time (error messages) from its codes: no Python
    object per figure is made for a column the table holds as a categorical."""

    def __init__(self, codes: np.ndarray, words: list[Any]):
        self.codes, self.words = codes, words

    def __getitem__(self, i: int) -> Any:
        code = int(self.codes[i])
        return None if code < 0 else self.words[code]


def _lazy(arr: pa.Array) -> _Lazy:
    return _Lazy(*_codes(arr))


def _categorical(codes: np.ndarray, words: list[Any]) -> Any:
    """A non-null key column as a pandas Categorical (figures.categorical): its distinct values
    present, sorted; int8/int16 codes instead of one 8-byte pointer per figure."""
    present = np.flatnonzero(np.bincount(codes, minlength=len(words))) if len(codes) else \
        np.zeros(0, dtype=np.int64)
    kept = [words[k] for k in present.tolist()]
    order = sorted(range(len(kept)), key=kept.__getitem__)
    lut = np.full(len(words), -1, dtype=np.int64)
    lut[present[order]] = np.arange(len(kept))
    # object categories: each row read back (`tolist`, `iloc`) is the category's own str, not
    # a new one per row as pandas' default `str` (Arrow) categories give
    return pd.Categorical.from_codes(lut[codes] if len(codes) else codes,
                                     categories=pd.Index([kept[k] for k in order], dtype=object))


def _strings(arr: pa.Array) -> np.ndarray:
    """A string column as a NumPy object array (None for null), one str per distinct value
    (from the same dictionary encoding as `_codes`)."""
    codes, words = _codes(arr)
    return np.array([*words, None], dtype=object)[codes]  # code -1 → None


def _bad(arr: pa.Array, ok: Callable[[Any], bool]) -> np.ndarray:
    """Mask of the rows whose (non-null) value fails `ok`, testing each distinct value once."""
    codes, words = _codes(arr)
    bad_words = np.array([not ok(w) for w in words] + [False], dtype=bool)
    return bad_words[codes]


class _Checks:
    """Masks of problems over all rows; the first bad row is reported, as a row reader would."""

    def __init__(self, cols: dict[str, pa.Array]):
        self.cols = cols
        self.checks: list[tuple[np.ndarray, Callable[[int], InputError]]] = []

    def add(self, mask: np.ndarray, error: Callable[[int], InputError]) -> None:
        if mask.any():
            self.checks.append((mask, error))

    def first(self) -> int | None:
        firsts = [int(np.argmax(m)) for m, _ in self.checks]
        return min(firsts) if firsts else None

    def raise_at(self, i: int) -> None:
        for mask, error in self.checks:
            if mask[i]:
                raise error(i)


def build_figures(datasets: list[tuple[Dataset, list[Part]]], ref: Reference) -> pd.DataFrame:
    """Check, parse and type the raw figures of every dataset into one figures table."""
    try:
        return _build(datasets, ref)
    finally:
        _CODES.clear()
        # the raw columns are gone: give their pages back rather than keep them for later
        pa.default_memory_pool().release_unused()


def _build(datasets: list[tuple[Dataset, list[Part]]], ref: Reference) -> pd.DataFrame:
    cols, file_codes, files = _gather(datasets)
    n = len(cols["line"])
    file_np = _Lazy(file_codes, files)
    line_np = cols["line"].to_numpy(zero_copy_only=False)

    def err(i: int, message: str, hint: str | None = None) -> InputError:
        return InputError(file_np[i], int(line_np[i]), message, hint)

    ind_np, ent_np, per_np = (_lazy(cols[c]) for c in ("indicator", "entity", "period"))
    kind_np = _lazy(cols["kind"])
    unit_np = _lazy(cols["unit"])
    checks = _Checks(cols)
    checks.add(pc.is_null(cols["indicator"]).to_numpy(zero_copy_only=False), lambda i: err(
        i, "figure has no indicator", "set 'indicator' on the figure, its row, column or table"))
    checks.add(pc.is_null(cols["entity"]).to_numpy(zero_copy_only=False), lambda i: err(
        i, "figure has no entity", "set 'entity' on the figure, its row, column, table or "
        "dataset"))
    checks.add(pc.is_null(cols["period"]).to_numpy(zero_copy_only=False), lambda i: err(
        i, "figure has no period", "set 'period' on the dataset"))
    checks.add(_bad(cols["indicator"], lambda w: w in ref.indicators), lambda i: err(
        i, f"unknown indicator {ind_np[i]!r}", did_you_mean(ind_np[i], ref.indicators)
        or declare_indicator_hint(ind_np[i], unit_np[i] if unit_np[i] in UNITS else "count")))
    checks.add(_bad(cols["entity"], lambda w: w in ref.entities),
               lambda i: _unknown_entity(ent_np[i], ref, file_np[i], int(line_np[i])))
    checks.add(_bad(cols["period"], lambda w: bool(PERIOD.fullmatch(w))), lambda i: err(
        i, f"malformed period {per_np[i]!r}", "a period is a year, or a year and a "
        "sub-period: 2019, 2019-S2, 2018-12-31"))
    checks.add(_bad(cols["kind"], lambda w: w in KINDS) | pc.is_null(cols["kind"]).to_numpy(
        zero_copy_only=False), lambda i: err(i, f"unknown kind {kind_np[i]!r}",
                                             did_you_mean(str(kind_np[i]), KINDS)
                                             or "kind is text, box or table"))
    quote_null = pc.or_(pc.is_null(cols["quote"]), pc.equal(pc.binary_length(cols["quote"]), 0)
                        ).fill_null(True)
    needs_quote = pc.and_(pc.is_in(cols["kind"], pa.array(["text", "box"])).fill_null(False),
                          pc.invert(cols["quotes_checked"]))
    checks.add(pc.and_(needs_quote, quote_null).to_numpy(zero_copy_only=False), lambda i: err(
        i, f"a {kind_np[i]} figure needs a 'quote' from the report",
        "copy the few words around the number from the report line (kind: table needs none)"))
    checks.add(_bad(cols["unit"], lambda w: w in UNITS),
               lambda i: err(i, f"unknown unit {unit_np[i]!r}",
                             did_you_mean(str(unit_np[i]), UNITS)
                             or f"units: {', '.join(UNITS)}"))
    first = checks.first()
    if first is not None:
        checks.raise_at(first)
    fig = np.stack([_codes(cols[c])[0] for c in ("dataset", "entity", "period", "indicator")],
                   axis=1) if n else np.empty((0, 4), dtype=np.int64)
    _check_prints(fig, cols, ind_np, ent_np, per_np, file_np, line_np)
    value_null = pc.is_null(cols["value"]).to_numpy(zero_copy_only=False)
    objects: dict[int, Any] = cols.pop("objects")  # type: ignore[assignment]
    parsed = parse_column(cols["value"], objects, stop_at=first)
    if parsed.error is not None:
        i, message = parsed.error
        checks.add(np.arange(n) == i, lambda i: err(
            i, f"bad value: {message}", "write the number as printed, e.g. \"162 062\" or "
            "\"71,9 %\""))
    missing = value_null & ~np.isin(np.arange(n), np.fromiter(objects, dtype=np.int64)) \
        if objects else value_null
    checks.add(missing, lambda i: err(i, "bad value: empty value",
                                      "write the number as printed, e.g. \"162 062\" or \"71,9 %\""))
    first = checks.first()
    if first is not None:
        checks.raise_at(first)
    _check_duplicates(fig, cols, ind_np, ent_np, per_np, parsed, file_np, line_np)
    return _frame(cols, parsed, file_codes, files, line_np, ref)


def _merge_objects(parts: list[Part], sizes: np.ndarray) -> dict[int, Any]:
    out: dict[int, Any] = {}
    offset = 0
    for p, size in zip(parts, sizes.tolist(), strict=True):
        for i, v in p.objects.items():
            out[offset + i] = v
        offset += size
    return out


def _check_duplicates(fig: np.ndarray, cols: dict[str, pa.Array], ind: _Lazy, ent: _Lazy,
                      per: _Lazy, parsed: ParsedColumn, file_np: _Lazy, line_np: np.ndarray
                      ) -> None:
    """The same printed cell given twice."""
    if not len(line_np):
        return
    place = np.stack([_codes(cols["table"])[0], _codes(cols["column"])[0],
                      cols["report_line"].fill_null(-1).to_numpy(zero_copy_only=False)], axis=1)
    keys = np.concatenate([fig, place], axis=1)
    dup = _duplicated(keys)
    if dup.any():
        j = int(np.argmax(dup))
        i = int(np.flatnonzero((keys == keys[j]).all(axis=1))[0])
        ti, tj = parsed.text[i].as_py(), parsed.text[j].as_py()
        same = "the same value" if ti == tj else f"{ti!r}"
        raise InputError(file_np[j], int(line_np[j]),
                         f"{ind[j]} for {ent[j]} {per[j]} is given twice for the same place "
                         f"(also {file_np[i]}:{int(line_np[i])}, {same})",
                         "each printed cell is transcribed once; fix the entity/indicator map")


def _duplicated(keys: np.ndarray) -> np.ndarray:
    """Rows of an int64 matrix (codes ≥ -1) equal to an earlier row: one int64 key per row
    when the codes are small enough (they are), else pandas on the columns."""
    radix = [int(keys[:, j].max()) + 2 for j in range(keys.shape[1])]
    if np.prod(np.array(radix, dtype=np.float64)) < 2.0 ** 62:
        key = np.zeros(len(keys), dtype=np.int64)
        for j, r in enumerate(radix):
            key = key * r + keys[:, j] + 1
        return pd.Series(key, copy=False).duplicated(keep="first").to_numpy()
    return pd.DataFrame(keys).duplicated(keep="first").to_numpy()


def _check_prints(fig: np.ndarray, cols: dict[str, pa.Array], ind: _Lazy, ent: _Lazy,
                  per: _Lazy, file_np: _Lazy, line_np: np.ndarray) -> None:
    """A figure printed more than MAX_PRINTS times (checked before any value is parsed)."""
    if not len(line_np):
        return
    radix = [int(fig[:, j].max()) + 2 for j in range(fig.shape[1])]
    if np.prod(np.array(radix, dtype=np.float64)) < 2.0 ** 62:
        key = np.zeros(len(fig), dtype=np.int64)
        for j, r in enumerate(radix):  # one int64 per figure: the codes are small
            key = key * r + fig[:, j] + 1
        _, inverse, sizes = np.unique(key, return_inverse=True, return_counts=True)
        counts = sizes[inverse]
    else:
        counts = pd.DataFrame(fig).groupby([0, 1, 2, 3], sort=False)[0].transform(
            "size").to_numpy()
    if (counts > MAX_PRINTS).any():
        j = int(np.argmax(counts > MAX_PRINTS))
        raise InputError(file_np[j], int(line_np[j]),
                         f"{ind[j]} for {ent[j]} {per[j]} is printed {int(counts[j]):,} times "
                         f"in dataset {cols['dataset'][j].as_py()!r}; at most {MAX_PRINTS} "
                         "prints of one figure are read".replace(",", " "),
                         "a report prints a figure a few times (text, box, table): check the "
                         "entity, period and indicator columns of this file")


def _frame(cols: dict[str, pa.Array], parsed: ParsedColumn, file_codes: np.ndarray,
           files: list[str], line_np: np.ndarray, ref: Reference) -> pd.DataFrame:
    n = len(line_np)
    codes, words = _codes(cols["indicator"])
    # the unit: the figure's own, else its indicator's (by codes: no string per figure)
    ucodes, uwords = _codes(cols["unit"])
    names = sorted({*uwords, *(ref.indicators[w].unit for w in words)})
    at = {u: k for k, u in enumerate(names)}
    declared_unit = np.array([at[w] for w in uwords] + [-1], dtype=np.int64)[ucodes]
    catalog_unit = np.array([at[ref.indicators[w].unit] for w in words] + [-1],
                            dtype=np.int64)[codes]
    unit_codes = np.where(declared_unit >= 0, declared_unit, catalog_unit)
    pcodes, pwords = _codes(cols["period"])
    period_next = np.array([next_period(w) for w in pwords] + [None], dtype=object)[pcodes]
    declared = cols["rounded"].cast(pa.int8()).fill_null(-1).to_numpy(zero_copy_only=False)
    with np.errstate(invalid="ignore"):
        r = rounding(parsed.value, parsed.decimals, parsed.scale, unit_codes, names,
                     parsed.qualifier, declared, parsed.unit_hint)
    value, lo, hi, tlo, thi, rounded = r.value, r.lo, r.hi, r.tlo, r.thi, r.rounded
    kcodes, kwords = _codes(cols["kind"])
    kind_prio = np.array([KIND_PRIORITY[k] for k in kwords] + [0], dtype=np.int64)
    prio = kind_prio[kcodes]
    dataset = _categorical(*_codes(cols["dataset"]))
    seq = _seq(cols, prio, line_np)
    refs = _refs(cols, n)
    report_line = pd.array(cols["report_line"].to_numpy(zero_copy_only=False),
                           dtype="Int64") if n else pd.array([], dtype="Int64")
    data: dict[str, Any] = {
        "dataset": dataset, "ref": refs, "entity": _categorical(*_codes(cols["entity"])),
        "period": _categorical(pcodes, pwords), "period_next": period_next,
        "indicator": _categorical(codes, words), "unit": _categorical(unit_codes, names),
        "unit_printed": parsed.unit_hint, "text": parsed.text, "value": value,
        "lo": lo, "hi": hi, "tlo": tlo, "thi": thi, "decimals": parsed.decimals,
        "scale": parsed.scale, "qualifier": parsed.qualifier, "non_numeric": parsed.non_numeric,
        "rounded": rounded, "kind": _categorical(kcodes, kwords), "prio": prio, "seq": seq,
        "file": _categorical(file_codes, files), "line": line_np.astype(np.int64),
        "report": _strings(cols["report"]),
        "report_line": report_line, "table": _strings(cols["table"]),
        "row": _strings(cols["row"]), "column": _strings(cols["column"]),
        "quote": cols["quote"].to_numpy(zero_copy_only=False).astype(object),
    }
    out = {}
    for col in COLUMNS:
        v = data[col.name]
        if col.dtype == "str" and col.arrow:  # one Arrow buffer, no Python str per figure
            out[col.name] = pd.Series(pd.array(v, dtype=arrow_str()))
        elif col.category:
            out[col.name] = pd.Series(v, copy=False)
        elif col.dtype == "str":
            out[col.name] = pd.Series(v, dtype=object, copy=False) if n else \
                pd.Series([], dtype=object)
        elif col.dtype == "float":
            out[col.name] = pd.Series(np.asarray(v, dtype=np.float64), copy=False)
        elif col.dtype == "bool":
            out[col.name] = pd.Series(np.asarray(v, dtype=bool), copy=False)
        elif col.nullable:
            out[col.name] = pd.Series(v, dtype="Int64", copy=False)
        else:
            out[col.name] = pd.Series(np.asarray(v, dtype=np.int64), copy=False)
    # the arrays are this table's own: no copy (pandas 3 copies NumPy input by default)
    return pd.DataFrame(out, columns=list(NAMES), copy=False)


_REF_CHUNK = 1 << 17


def _refs(cols: dict[str, pa.Array], n: int) -> pa.ChunkedArray:
    """`entity|period|indicator@file:line`, built by Arrow (no Python str per figure), a slice
    of rows at a time so that the pieces joined never outweigh the result."""
    if not n:
        return pa.chunked_array([], pa.string())
    chunks = []
    for start in range(0, n, _REF_CHUNK):
        def part(name: str, start: int = start) -> pa.Array:
            return cols[name].slice(start, _REF_CHUNK)

        left = pc.binary_join_element_wise(part("entity"), part("period"), part("indicator"), "|")
        file = cols["files"].take(part("file_codes"))
        right = pc.binary_join_element_wise(file, pc.cast(part("line"), pa.string()), ":")
        chunks.append(pc.binary_join_element_wise(left, right, "@"))
    return pa.chunked_array(chunks, pa.string())


def _seq(cols: dict[str, pa.Array], prio: np.ndarray, line_np: np.ndarray) -> np.ndarray:
    """Order of the prints in their dataset: kind, report line, file content, line in file.

    The lowest seq of a figure's prints of its best kind is the one the rules read, so it must
    not depend on how the files are named (issue 16): after the kind, the first print in the
    report wins, then the file whose content sorts first, then the first line.
    """
    n = len(line_np)
    if not n:
        return np.empty(0, dtype=np.int64)
    ds = _codes(cols["dataset"])[0]
    rline = cols["report_line"].fill_null(np.iinfo(np.int64).max).to_numpy(zero_copy_only=False)
    frank = cols["filerank"].to_numpy(zero_copy_only=False)
    order = np.lexsort((line_np, frank, rline, prio, ds))
    seq = np.empty(n, dtype=np.int64)
    seq[order] = np.arange(n)
    starts = np.zeros(int(ds.max()) + 1, dtype=np.int64)
    sorted_ds = ds[order]
    first_pos = np.flatnonzero(np.r_[True, sorted_ds[1:] != sorted_ds[:-1]])
    starts[sorted_ds[first_pos]] = first_pos
    return seq - starts[ds]
