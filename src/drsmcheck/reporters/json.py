"""The versioned JSON report: deterministic (sorted keys, fixed order), what tools consume.

Strict JSON (RFC 8259), so that every parser and code-scanning upload accepts it: a bound that
is unbounded (`"> 1 000"` is [1000, +∞)) is `null` — the side says which infinity: `lo` null is
no lower bound, `hi` null no upper bound —, a difference computed from one, or an undefined
number (NaN, which no valid report holds), is `null` too, as report.schema.json allows; text
that is not valid Unicode (a file name holding Latin-1 bytes) has its bad bytes escaped as
`\\xe9` (docs/FORMATS.md §5).
"""

from __future__ import annotations

import json
import math
from typing import Any


def _float(x: float) -> float | None:
    return x if math.isfinite(x) else None


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


def _safe(value: Any) -> Any:
    """The value itself when it is already strict (the common case: no copy), else a copy."""
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        return value
    except (ValueError, TypeError, UnicodeEncodeError):
        return strict(value)


def dumps(value: Any) -> str:
    """Strict, deterministic JSON text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(_safe(value), ensure_ascii=False, indent=2, sort_keys=True,
                      allow_nan=False) + "\n"


# lists that grow with the data: one compact item per line (Python's C encoder, which an
# indented dump cannot use — 3× faster at 10^6 figures), still one line per anomaly for diffs
_LONG_LISTS = ("anomalies", "verdicts")
_COMPACT = json.JSONEncoder(ensure_ascii=False, sort_keys=True, allow_nan=False,
                            separators=(", ", ": "))


def render(report: dict[str, Any], **_: Any) -> str:
    report = _safe(report)
    parts = []
    for key in sorted(report):
        value = report[key]
        if key in _LONG_LISTS and isinstance(value, list) and value:
            items = ",\n".join("    " + _COMPACT.encode(item) for item in value)
            text = "[\n" + items + "\n  ]"
        else:
            text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True,
                              allow_nan=False).replace("\n", "\n  ")
        parts.append(f"  {json.dumps(key)}: {text}")
    return "{\n" + ",\n".join(parts) + "\n}\n"
