"""The versioned JSON report: deterministic (sorted keys, fixed order), what tools consume.

Strict JSON (RFC 8259), so that every parser and code-scanning upload accepts it: a bound that
is unbounded (`"> 1 000"` is [1000, +∞)) is `null` — the side says which infinity: `lo` null is
no lower bound, `hi` null no upper bound —, a difference computed from one, or an undefined
number (NaN, which no valid report holds), is `null` too, as report.schema.json allows; text
that is not valid Unicode (a file name holding Latin-1 bytes) has its bad bytes escaped as
`\\xe9` (docs/FORMATS.md §5).

Written by streaming (`write`, `write_lines`): the small parts of the report indented, the lists
that grow with the data (anomalies, verdicts) one compact item per line by orjson (`encode_item`:
4× faster than Python's C encoder, 216 000 anomalies of ~4 KB at 10⁷ figures), each item
encoded and written in turn — the report is never held twice (dict and text), and a non-strict
value costs a copy of that item only.

`--format jsonl` (JSON Lines, docs/FORMATS.md §5.1): the first line is the report without its
anomalies (summary, rules, datasets…), then one anomaly per line, the same objects as in
report.json.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

import orjson

from ..gcpause import paused_gc


def _float(x: float) -> float | None:
    """A finite float as a plain float (a NumPy float64 is a float subclass orjson refuses;
    json writes both alike), anything else as null."""
    return float(x) if math.isfinite(x) else None


def _text(s: str) -> str:
    """Lone surrogates (undecodable bytes kept by the OS as U+DC80…U+DCFF) as `\\xNN`."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        from ..sanitize import surrogates

        return surrogates(s)
    return s


def strict(value: Any) -> Any:
    """A copy of a report (dicts, lists, scalars) that `json.dumps(allow_nan=False)` accepts."""
    if isinstance(value, bool) or value is None or isinstance(value, int):
        return value
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {_text(str(k)): strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [strict(v) for v in value]
    if hasattr(value, "item"):  # a NumPy scalar
        return strict(value.item())
    return _text(str(value))


def dumps(value: Any, indent: int | None = 2) -> str:
    """Strict, deterministic JSON text (sorted keys, two-space indent, trailing newline).

    `indent=None`: compact, by Python's C encoder (an indented dump runs in pure Python, ~5×
    slower: for documents of tens of MB). Encoded once; only a value that is not strict is
    copied and encoded again.
    """
    seps = None if indent is not None else (",", ":")
    try:
        text = json.dumps(value, ensure_ascii=False, indent=indent, sort_keys=True,
                          allow_nan=False, separators=seps)
        text.encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError):
        text = json.dumps(strict(value), ensure_ascii=False, indent=indent, sort_keys=True,
                          allow_nan=False, separators=seps)
    return text + "\n"


# lists that grow with the data: one compact item per line (orjson, which an indented dump
# cannot use), still one line per anomaly for diffs
_LONG_LISTS = ("anomalies", "verdicts")
# sorted keys; a datetime or dataclass is refused (then `strict` makes it its str(), as before
# orjson) instead of being written orjson's way
_ORJSON = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_LINE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False,
                         separators=(",", ":"))
_BATCH = 512  # items encoded, then written together


def _encode(value: Any) -> bytes:
    """One value as one line of strict, compact UTF-8 JSON with sorted keys (docs/FORMATS.md
    §5): orjson's text (NaN and ±inf as null, what `strict` makes of them). Only a value orjson
    refuses (a lone surrogate, a NumPy scalar, a non-str key…) is copied by `strict`; one it
    still refuses (an integer beyond 64 bits) is written by Python's encoder (the same JSON
    values; float exponents as Python writes them, `1e-07`)."""
    try:
        return orjson.dumps(value, option=_ORJSON)
    except TypeError:  # orjson.JSONEncodeError
        pass
    safe = strict(value)
    try:
        return orjson.dumps(safe, option=_ORJSON)
    except TypeError:
        return _LINE.encode(safe).encode("utf-8")


_escape = json.encoder.encode_basestring  # the C escaper `ensure_ascii=False` uses


def _scalar(v: Any) -> str:
    """A JSON scalar as `json.dumps` writes it; anything else raises (the caller falls back)."""
    t = type(v)
    if t is str:
        return _escape(v)
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if t is int:
        return int.__repr__(v)
    if t is float:
        if not math.isfinite(v):
            raise ValueError("not strict")
        return float.__repr__(v)
    raise TypeError(t)


def _pretty(value: Any, pad: str, out: list[str]) -> None:
    """`value` as `json.dumps(indent=2, sort_keys=True)` writes it, nested at `pad`.

    The standard library's indented encoder runs in pure Python, one generator per node
    (~1 µs a node: 2 s for the 20 000 per-dataset rule summaries at 10⁶ figures); this writes
    the same text with C-escaped scalars and one join."""
    t = type(value)
    if t is dict:
        if not value:
            out.append("{}")
            return
        inner = pad + "  "
        out.append("{")
        first = True
        for k in sorted(value):
            if type(k) is not str:
                raise TypeError(k)
            out.append(("\n" if first else ",\n") + inner + _escape(k) + ": ")
            first = False
            v = value[k]
            if type(v) in (dict, list, tuple):
                _pretty(v, inner, out)
            else:
                out.append(_scalar(v))
        out.append("\n" + pad + "}")
    elif t is list or t is tuple:
        if not value:
            out.append("[]")
            return
        inner = pad + "  "
        out.append("[")
        first = True
        for v in value:
            out.append(("\n" if first else ",\n") + inner)
            first = False
            if type(v) in (dict, list, tuple):
                _pretty(v, inner, out)
            else:
                out.append(_scalar(v))
        out.append("\n" + pad + "]")
    else:
        out.append(_scalar(value))


class Prerendered(dict[str, Any]):
    """A top-level dict of the report whose values were already written as `_indented`
    would write them (`parts`: key → text at the values' depth), by the worker processes of
    a parallel run; the dict itself stays whole for every other reader."""

    def __init__(self, items: dict[str, Any], parts: dict[str, str]):
        super().__init__(items)
        self.parts = parts


def pretty_value(value: Any) -> str | None:
    """A value of a top-level dict as report.json writes it (`Prerendered`), or None when it
    needs the slow path (a value that is not strict JSON)."""
    try:
        out: list[str] = []
        _pretty(value, "    ", out)
        return "".join(out)
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        return None


def _prerendered(value: Prerendered) -> bytes | None:
    if not value or set(value.parts) != set(value) or any(
            type(k) is not str or v is None for k, v in value.parts.items()):
        return None
    try:
        text = "{" + ",".join("\n    " + _escape(k) + ": " + value.parts[k]
                              for k in sorted(value)) + "\n  }"
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def _indented(value: Any) -> bytes:
    """`value` indented by two spaces more than json.dumps(indent=2) would (a top-level key)."""
    if isinstance(value, Prerendered):
        done = _prerendered(value)
        if done is not None:
            return done
    try:
        out: list[str] = []
        _pretty(value, "  ", out)
        return "".join(out).encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError, RecursionError):
        pass
    try:
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, allow_nan=False)
        return text.replace("\n", "\n  ").encode("utf-8")
    except (ValueError, TypeError, UnicodeEncodeError):
        return _indented(strict(value))


def encode_item(item: Any) -> bytes:
    """One anomaly (or verdict) as report.json and report.jsonl write it on its line (a
    worker process encodes its group's anomalies ahead: `chunks.Spool.encoded`)."""
    return _encode(item)


def _join(pieces: Iterable[bytes], out: BinaryIO) -> None:
    """Encoded items, one a line of report.json's list, written `_BATCH` at a time."""
    batch: list[bytes] = []
    first = True
    for piece in pieces:
        batch.append(piece)
        if len(batch) == _BATCH:
            out.write((b"" if first else b",\n") + b"    " + b",\n    ".join(batch))
            batch, first = [], False
    if batch:
        out.write((b"" if first else b",\n") + b"    " + b",\n    ".join(batch))


def write(report: dict[str, Any], out: BinaryIO) -> None:
    """report.json, streamed to a binary file: the exact bytes `render` returns."""
    with paused_gc():  # the encoded chunks hold no cycles (gcpause)
        _write(report, out)


def _write(report: dict[str, Any], out: BinaryIO) -> None:
    keys = sorted(_text(str(k)) for k in report)
    originals = {_text(str(k)): k for k in report}
    out.write(b"{\n")
    for n, key in enumerate(keys):
        value = report[originals[key]]
        out.write(b"  " + json.dumps(key).encode("utf-8") + b": ")
        # a list, or a Sequence read back item by item (a chunked run's spool: chunks.Spool)
        if key in _LONG_LISTS and isinstance(value, list | Sequence) and not isinstance(
                value, str) and len(value):
            out.write(b"[\n")
            encoded = getattr(value, "encoded", None)   # a chunked run's spool
            _join(encoded() if encoded is not None else map(_encode, value), out)
            out.write(b"\n  ]")
        else:
            out.write(_indented(value))
        out.write(b",\n" if n < len(keys) - 1 else b"\n")
    out.write(b"}\n")


def render(report: dict[str, Any], **_: Any) -> str:
    buf = io.BytesIO()
    write(report, buf)
    return buf.getvalue().decode("utf-8")


def write_lines(report: dict[str, Any], out: BinaryIO) -> None:
    """JSON Lines: the report without its anomalies on the first line, then one anomaly a
    line (compact, sorted keys: report.json's item lines), in the report's order; streamed,
    `_BATCH` items a write — a spool's lines copied as they were encoded, never read back."""
    head = {k: v for k, v in report.items() if k != "anomalies"}
    out.write(_encode(head) + b"\n")
    anomalies = report.get("anomalies") or ()
    encoded = getattr(anomalies, "encoded", None)   # a chunked run's spool
    batch: list[bytes] = []
    for piece in encoded() if encoded is not None else map(_encode, anomalies):
        batch.append(piece)
        if len(batch) == _BATCH:
            out.write(b"\n".join(batch) + b"\n")
            batch = []
    if batch:
        out.write(b"\n".join(batch) + b"\n")


def render_lines(report: dict[str, Any], **_: Any) -> str:
    buf = io.BytesIO()
    write_lines(report, buf)
    return buf.getvalue().decode("utf-8")
