"""The records table: one row per (dataset, entity, period), two columns per indicator.

`"<id>.lo"` / `"<id>.hi"` hold the interval of the print the rules read (the best kind, then
the first in the report — loader precedence); NULL where the figure is missing, not a number
or unbounded (`> 120 %`). Declared records (wide rows, `records:`) are rows even when empty.
This is the table the exported Great Expectations suite runs on.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

KEYS = ["dataset", "entity", "period"]


def records_table(datasets: list[Any], figures: pd.DataFrame, indicators: list[str]
                  ) -> pd.DataFrame:
    """The table; `indicators`: the catalog (every one has its columns, printed or not)."""
    best = figures.sort_values(["prio", "seq"], kind="stable").drop_duplicates(
        KEYS + ["indicator"])
    lo = best["lo"].where(np.isfinite(best["lo"]) & np.isfinite(best["hi"]))
    hi = best["hi"].where(np.isfinite(best["lo"]) & np.isfinite(best["hi"]))
    long = pd.DataFrame({**{k: best[k] for k in KEYS}, "indicator": best["indicator"],
                         "lo": lo, "hi": hi})
    wide = long.set_index([*KEYS, "indicator"])[["lo", "hi"]].unstack("indicator")
    wide.columns = [f"{ind}.{side}" for side, ind in wide.columns]
    wide = wide.reset_index()
    declared = [(ds.id, e, p) for ds in datasets for e, p in (ds.records or [])]
    if declared:
        extra = pd.DataFrame(declared, columns=KEYS)
        wide = extra.merge(wide, on=KEYS, how="outer")
    for ind in indicators:
        for side in ("lo", "hi"):
            if f"{ind}.{side}" not in wide.columns:
                wide[f"{ind}.{side}"] = np.nan
    cols = sorted(c for c in wide.columns if c not in KEYS)
    wide = wide[KEYS + cols].sort_values(KEYS, kind="stable").reset_index(drop=True)
    for c in cols:
        wide[c] = wide[c].astype("float64")
    return wide
