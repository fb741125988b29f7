"""Rule coverage, like code coverage for figures: which figures a rule really checks.

A figure is covered by an *equality* when it takes part in an evaluated relation that pins it
(a sum, a ratio, a roll-up, two prints that must agree): a typo in it breaks the relation. A
figure read only by *inequalities* (`part <= total`) or *bounds* (`0 <= rate <= 100`) can be
off by a factor of ten unnoticed; a figure in *none* is checked by nothing. Relations that were
not evaluable (status `na`) cover nothing.

Input: the figures table and the engine's links table (one row per evaluated relation × figure
it read: `ref`, `rule`, `strength` in equality / inequality / bounds, `status` in pass / fail /
na). Output: a JSON-ready dict with totals and the same counts per dataset, table, indicator.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

LEVELS = ("equality", "inequality", "bounds", "none")
STRENGTH_RANK = {"equality": 0, "inequality": 1, "bounds": 2}
NO_TABLE = "(text)"  # figures printed outside a table (text, headline boxes)


def classify(figures: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """One row per figure: its ref, dataset, table, indicator, numeric?, coverage level."""
    cols = ["ref", "dataset", "indicator", "entity", "period", "table", "file", "line", "value"]
    out = figures.loc[:, [c for c in cols if c in figures.columns]].copy()
    out["numeric"] = figures["value"].notna().to_numpy()
    if "table" not in out.columns:
        out["table"] = None
    out["table"] = out["table"].where(out["table"].notna(), NO_TABLE).astype(str)
    live = links[links["status"].isin(("pass", "fail"))] if len(links) else links
    if len(live):
        bad = sorted(set(live["strength"]) - set(STRENGTH_RANK))
        if bad:
            raise ValueError(f"unknown link strength {bad[0]!r}")
        rank = live.assign(rank=live["strength"].map(STRENGTH_RANK)).groupby("ref")["rank"].min()
        best = out["ref"].map(rank)
    else:
        best = pd.Series([float("nan")] * len(out), index=out.index)
    level = best.map({0: "equality", 1: "inequality", 2: "bounds"}).fillna("none")
    out["level"] = level.where(out["numeric"], "non_numeric").to_numpy()
    rules = live.groupby("ref")["rule"].apply(lambda s: sorted(set(s))) if len(live) else {}
    out["rules"] = [list(rules.get(r, [])) if len(live) else [] for r in out["ref"]]
    return out


def _counts(frame: pd.DataFrame) -> dict[str, Any]:
    numeric = int(frame["numeric"].sum())
    counts = {lv: int((frame["level"] == lv).sum()) for lv in LEVELS}
    checked = counts["equality"] + counts["inequality"] + counts["bounds"]
    return {
        "figures": int(len(frame)), "numeric": numeric,
        "non_numeric": int(len(frame)) - numeric, **counts,
        "equality_pct": round(100 * counts["equality"] / numeric, 1) if numeric else 100.0,
        "checked_pct": round(100 * checked / numeric, 1) if numeric else 100.0,
    }


def _grouped(frame: pd.DataFrame, keys: list[str]) -> list[dict[str, Any]]:
    rows = []
    for key, part in frame.groupby(keys, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        rows.append({**dict(zip(keys, key, strict=True)), **_counts(part)})
    return rows


def compute_coverage(figures: pd.DataFrame, links: pd.DataFrame) -> dict[str, Any]:
    """Coverage totals and per dataset / table / indicator; lists the figures nothing pins."""
    fig = classify(figures, links)
    weak = fig[fig["level"].isin(("inequality", "bounds", "none"))].sort_values(
        ["dataset", "file", "line", "ref"])
    return {
        "levels": list(LEVELS),
        "totals": _counts(fig),
        "datasets": _grouped(fig, ["dataset"]),
        "tables": _grouped(fig, ["dataset", "table"]),
        "indicators": _grouped(fig, ["indicator"]),
        "not_pinned": [{
            "ref": r.ref, "dataset": r.dataset, "indicator": r.indicator, "level": r.level,
            "file": getattr(r, "file", None),
            "line": None if getattr(r, "line", None) is None else int(r.line),
            "rules": r.rules,
        } for r in weak.itertuples()],
    }


def render_console(result: dict[str, Any], limit: int = 20) -> str:
    """A plain-text summary: totals, per dataset, the least covered tables, unpinned figures."""
    t = result["totals"]
    lines = [f"rule coverage: {t['equality']} of {t['numeric']} numeric figures in an equality "
             f"({t['equality_pct']:.1f} %), {t['inequality']} only in inequalities, "
             f"{t['bounds']} only in bounds, {t['none']} in nothing; {t['non_numeric']} "
             "non-numeric", "", "per dataset:"]
    for d in result["datasets"]:
        lines.append(f"  {d['dataset']:<32} {d['equality_pct']:5.1f} %  "
                     f"({d['equality']}/{d['numeric']}; inequality {d['inequality']}, "
                     f"bounds {d['bounds']}, none {d['none']})")
    tables = sorted((x for x in result["tables"] if x["numeric"]),
                    key=lambda x: (x["equality_pct"], x["dataset"], x["table"]))
    lines += ["", "least covered tables:"]
    for x in tables[:10]:
        lines.append(f"  {x['dataset']} / {x['table']}: {x['equality_pct']:.1f} % "
                     f"({x['equality']}/{x['numeric']})")
    weak = result["not_pinned"]
    if weak:
        lines += ["", f"figures no equality pins ({len(weak)}; first {min(limit, len(weak))}):"]
        for w in weak[:limit]:
            lines.append(f"  {w['file']}:{w['line']}: {w['indicator']} [{w['level']}]")
    return "\n".join(lines) + "\n"
