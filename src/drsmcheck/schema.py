"""The figures table checked against its contract (figures.CHECKS) before any rule runs."""

from __future__ import annotations

from typing import Any

from .errors import InputError
from .figures import failures


def validate_figures(frame: Any, ref: Any) -> Any:
    """Run the contract's checks (vectorized); a failure is bad input, never a traceback."""
    found = failures(frame, ref)
    if not found:
        return frame
    check, pos = found[0]
    row = frame.iloc[pos]
    raise InputError(str(row["file"]), int(row["line"]),
                     f"figure fails the figures contract: {check.message} "
                     f"({check.column} = {row[check.column]!r})")
