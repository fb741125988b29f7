"""Speed, memory and findings of drsmcheck against pandera and Great Expectations, in one run.

    python benchmarks/bench_peers.py            # 10^3, 10^4, 10^5 (3 runs), 10^6 (1 run)
    python benchmarks/bench_peers.py --quick    # about a minute: 10^3 and 10^4, one run
    python benchmarks/bench_peers.py --sizes 100000 --tools drsmcheck,pandera

For each size, `synth.generate` writes the same synthetic datasets (long CSV, FORMATS.md §1) and
a rule pack; each tool then runs, in its own subprocess (so that the peak RSS the kernel reports
through wait4() is that tool's alone), the same checks on the same files:

- drsmcheck: the Python API (`load_rules`, `load_figures`, `validate_figures`, `report.run`),
  DuckDB backend, i.e. what `drsmcheck validate --format json` does minus writing the file;
- pandera: reads the CSVs with pandas, parses the French numbers, pivots to wide frames and
  validates DataFrameSchemas whose dataframe-level checks express the same equations;
- Great Expectations 1.x: same frames, ephemeral context, pandas data source, one suite per frame;
- `ge-spark` (only when asked: `--tools ge-spark`): the same suites on GX's Spark execution
  engine (local[2]), the distributed peer for the national scale (needs Java and pyspark).

Peers run in two modes: `tolerant` (per-check tolerances derived from the catalog's printed
precision, written by hand: the best each tool allows) and `naive` (exact equality, which is
what `==`, ExpectMulticolumnSumToEqual and ExpectColumnPairValuesToBeEqual give). Wall time is
the median of the runs of the tolerant mode; the naive mode runs once, for its findings.

Every finding is mapped to the figures it involves; a corruption is found when a finding
involves it, a finding is a false positive when it involves no corrupted figure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

T_START = time.perf_counter()
HERE = Path(__file__).resolve().parent

TOOLS = ("drsmcheck", "pandera", "ge", "limit", "ge-spark")
DEFAULT_TOOLS = ("drsmcheck", "pandera", "ge", "limit")  # ge-spark when asked (Java, minutes)
TOOL_LABEL = {"drsmcheck": "drsmcheck", "pandera": "pandera", "ge": "Great Expectations",
              "ge-spark": "Great Expectations, Spark engine (local[2])",
              "limit": "near-limit baseline (hand-written NumPy)"}
DEFAULT_SIZES = (1_000, 10_000, 100_000, 1_000_000)
BIG = 1_000_000  # sizes from here on run --big-runs times (one drsmcheck run is minutes)
EPS = 1e-9  # drsmcheck's float slack: 1e-9 × (1 + |scale|)
HALF = {"count": 0.0, "percent": 0.05, "meur": 0.005}  # half a unit of the printed last digit
CHILD_ENV = {"GX_ANALYTICS_ENABLED": "False", "TQDM_DISABLE": "1"}

Failure = tuple[str, list[str]]  # (check id, figure keys "dataset|period|entity|indicator")


def fkey(dataset: str, period: str, entity: str, indicator: str) -> str:
    return f"{dataset}|{period}|{entity}|{indicator}"


# ============================================================================================
# children: one tool, one mode, one dataset root → JSON with phase times and findings
# ============================================================================================
class Phases:
    def __init__(self) -> None:
        self.t: dict[str, float] = {}
        self.workers: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.t[name] = self.t.get(name, 0.0) + now - self._last
        self._last = now

    __call__ = lap   # passed as report.validate's `lap`, with `add` beside it

    def add(self, name: str, seconds: float) -> None:
        """A phase run by a worker process (drsmcheck's parallel groups), summed over them:
        they overlap, so these are not parts of the wall time."""
        self.workers[name] = self.workers.get(name, 0.0) + seconds


def child_drsmcheck(root: Path, mode: str, ph: Phases) -> list[Failure]:
    from drsmcheck import report as R
    from drsmcheck.reporters.json import write
    from drsmcheck.rules import load_rules

    ph.lap("import")
    if mode == "import":
        return []
    # what `drsmcheck validate --format json --output F` does, phase by phase: a group of
    # datasets at a time (chunks.py; each phase's time summed over the groups), the
    # anomalies spooled, report.json streamed
    pack = load_rules(root / "rules")
    rep = R.validate([root / "data"], pack, spool=True, lap=ph)
    with open(root / "report.json", "wb", buffering=1 << 20) as fh:  # streamed, as the CLI does
        write(rep, fh)
    ph.lap("render")
    out: list[Failure] = []
    for a in rep["anomalies"]:
        cid = f"{a['rule']}|{a['category']}|{a['severity']}"
        out.append((cid, [fkey(a["dataset"], f["period"], f["entity"], f["indicator"])
                          for f in a["figures"]]))
    ph.lap("collect")
    return out


def child_limit(root: Path, mode: str, ph: Phases) -> list[Failure]:
    """The near-limit baseline: a hand-written vectorized pass doing the same checks.

    pyarrow reads the CSVs, the French numbers are parsed with vectorized string kernels,
    figures are integer-coded and pivoted into dense NumPy matrices, and every equation,
    roll-up and bound is an interval check on whole columns. No provenance, no messages, no
    diagnosis: what the checks cost and nothing else.
    """
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    ph.lap("import")
    if mode == "import":
        return []
    plan = Plan(root, "tolerant")
    cols = ["indicator", "entity", "period", "value"]
    opts = pacsv.ConvertOptions(column_types=dict.fromkeys(cols, pa.string()),
                                include_columns=cols)
    tables = []
    for csv in sorted((root / "data").glob("*/figures.csv")):
        t = pacsv.read_csv(csv, convert_options=opts)
        tables.append(t.append_column("dataset", pa.array([csv.parent.name] * t.num_rows)))
    t = pa.concat_tables(tables)
    text = pc.replace_substring_regex(t["value"], "[\\s\u00a0\u202f%]|M€", "")
    comma = pc.find_substring(text, ",").to_numpy(zero_copy_only=False)
    length = pc.utf8_length(text).to_numpy(zero_copy_only=False)
    decimals = np.where(comma >= 0, length - comma - 1, 0)
    value = pc.cast(pc.replace_substring(text, ",", "."), pa.float64()).to_numpy(
        zero_copy_only=False)

    def codes(col: str) -> tuple[np.ndarray, np.ndarray]:
        cats, inv = np.unique(t[col].to_numpy(zero_copy_only=False), return_inverse=True)
        return cats, inv

    ind_c, ind = codes("indicator")
    ent_c, ent = codes("entity")
    per_c, per = codes("period")
    ds_c, ds = codes("dataset")
    unit = np.array([plan.ind[i]["unit"] for i in ind_c])[ind]
    half = np.where((decimals > 0) | (unit != "count"), 0.5 * 10.0 ** -decimals, 0.0)
    lo, hi = value - half, value + half
    ph.lap("load")
    rec_key = (ds * len(per_c) + per) * len(ent_c) + ent
    recs, rec = np.unique(rec_key, return_inverse=True)
    LO = np.full((len(recs), len(ind_c)), np.nan)
    HI = np.full((len(recs), len(ind_c)), np.nan)
    LO[rec, ind], HI[rec, ind] = lo, hi
    col = {i: k for k, i in enumerate(ind_c)}
    r_ds, r_per, r_ent = (recs // len(ent_c) // len(per_c), (recs // len(ent_c)) % len(per_c),
                          recs % len(ent_c))

    def keys(rows: np.ndarray, inds: list[str]) -> list[list[str]]:
        return [[fkey(ds_c[r_ds[r]], per_c[r_per[r]], ent_c[r_ent[r]], i) for i in inds]
                for r in rows]

    out: list[Failure] = []
    tol = lambda m: EPS * (1 + m)  # noqa: E731 - drsmcheck's float slack
    for eq in plan.equations:
        a, b, c = (col[i] for i in eq["indicators"])
        alo, ahi, blo, bhi, clo, chi = LO[:, a], HI[:, a], LO[:, b], HI[:, b], LO[:, c], HI[:, c]
        if eq["id"].endswith(".share"):  # a == 100 × b / c, counts positive
            with np.errstate(divide="ignore", invalid="ignore"):
                rlo, rhi = 100 * blo / chi, 100 * bhi / clo
            m = np.maximum.reduce([np.abs(alo), np.abs(ahi), np.abs(rlo), np.abs(rhi)])
            bad = (alo > rhi + tol(m)) | (rlo > ahi + tol(m))
        else:  # a + b == c
            m = np.maximum.reduce([np.abs(alo + blo), np.abs(ahi + bhi), np.abs(clo), np.abs(chi)])
            bad = (alo + blo > chi + tol(m)) | (clo > ahi + bhi + tol(m))
        rows = np.flatnonzero(bad)
        out += [(eq["id"], f) for f in keys(rows, eq["indicators"])]
    ent_code = {e: k for k, e in enumerate(ent_c)}
    rec_of = {int(k): r for r, k in enumerate(recs)}
    for h, p, cs in plan.relations:
        prow = np.flatnonzero(r_ent == ent_code[p])
        child_rows = []
        for cchild in cs:
            key = (r_ds[prow] * len(per_c) + r_per[prow]) * len(ent_c) + ent_code[cchild]
            child_rows.append(np.array([rec_of.get(int(k), -1) for k in key]))
        for u in plan.units():
            for i in plan.additive(u):
                k = col[i]
                plo, phi = LO[prow, k], HI[prow, k]
                clo = sum(np.where(cr >= 0, LO[np.maximum(cr, 0), k], np.nan) for cr in child_rows)
                chi = sum(np.where(cr >= 0, HI[np.maximum(cr, 0), k], np.nan) for cr in child_rows)
                m = np.maximum.reduce([np.abs(plo), np.abs(phi), np.abs(clo), np.abs(chi)])
                bad = (plo > chi + tol(m)) | (clo > phi + tol(m))
                for r in np.flatnonzero(bad):
                    row = prow[r]
                    out.append((f"rollup|{h}|{p}", [fkey(ds_c[r_ds[row]], per_c[r_per[row]], e, i)
                                                    for e in [p, *cs]]))
    for u, lo_b, hi_b in (("count", 0.0, None), ("percent", 0.0, 100.0)):
        mask = unit == u
        bad = mask & (hi < lo_b - EPS)
        if hi_b is not None:
            bad |= mask & (lo > hi_b + EPS)
        for f in np.flatnonzero(bad):
            out.append((f"bounds|{u}", [fkey(ds_c[ds[f]], per_c[per[f]], ent_c[ent[f]],
                                             ind_c[ind[f]])]))
    ph.lap("validate")
    return out


# -- the peers' shared preparation: read, parse French numbers, pivot ---------------------------
def read_long(root: Path) -> Any:
    import pandas as pd

    frames = []
    for csv in sorted((root / "data").glob("*/figures.csv")):
        f = pd.read_csv(csv, dtype=str, keep_default_na=False,
                        usecols=["indicator", "entity", "period", "value"])
        f["dataset"] = csv.parent.name
        frames.append(f)
    long = pd.concat(frames, ignore_index=True)
    # "24 619" (space, NBSP, narrow NBSP), "71,9 %", "13,74 M€" → float
    text = long["value"].str.replace("M€", "", regex=False)
    text = text.str.replace("[ \u00a0\u202f%]", "", regex=True).str.replace(",", ".", regex=False)
    long["v"] = pd.to_numeric(text, errors="coerce")
    return long


class Plan:
    """What the peers check, from the manifest: equations, roll-up relations, bounds, tolerances."""

    def __init__(self, root: Path, mode: str):
        m = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
        self.mode = mode
        self.ind = {s["id"]: s for s in m["indicators"]}
        self.equations = m["equations"]
        self.relations = [(h, p, cs) for h, tree in sorted(m["tree"].items())
                          for p, cs in sorted(tree.items())]
        self.entities = m["entities"]

    def eq_tol(self, eq: dict[str, Any]) -> float:
        """|lhs − rhs| allowed: the half-units of the printed figures, summed (by hand)."""
        if self.mode == "naive":
            return 0.0
        a, b, c = eq["indicators"]
        if eq["id"].endswith(".share"):  # rate ± ½·10⁻¹, the counts are exact
            return HALF["percent"] + EPS * 101
        return sum(HALF[self.ind[i]["unit"]] for i in (a, b, c)) + EPS * 1e6

    def rollup_tol(self, unit: str, n_children: int) -> float:
        if self.mode == "naive":
            return 0.0
        return HALF[unit] * (n_children + 1) + EPS * 1e6

    def additive(self, unit: str) -> list[str]:
        return [i for i, s in self.ind.items() if s["additive"] and s["unit"] == unit]

    def units(self) -> list[str]:
        return [u for u in ("count", "meur") if self.additive(u)]


def residual(frame: Any, eq: dict[str, Any]) -> Any:
    a, b, c = eq["indicators"]
    if eq["id"].endswith(".share"):
        return frame[a] - 100 * frame[b] / frame[c]
    return frame[a] + frame[b] - frame[c]


def prepare(root: Path) -> tuple[Any, dict[str, Any]]:
    """Wide frames: records (dataset, period, entity) × indicators; per unit, roll-up frames
    (dataset, period, indicator) × entities for the additive indicators."""
    long = read_long(root)
    records = long.pivot(index=["dataset", "period", "entity"], columns="indicator",
                         values="v").reset_index()
    records.columns.name = None
    plan = Plan(root, "tolerant")
    rollups = {}
    for unit in plan.units():
        sub = long[long["indicator"].isin(plan.additive(unit))]
        r = sub.pivot(index=["dataset", "period", "indicator"], columns="entity",
                      values="v").reset_index()
        r.columns.name = None
        rollups[unit] = r
    return records, rollups


def record_figs(records: Any, rows: Any, inds: list[str]) -> list[list[str]]:
    keys = records.loc[rows, ["dataset", "period", "entity"]].itertuples(index=False)
    return [[fkey(d, p, e, i) for i in inds] for d, p, e in keys]


def rollup_figs(frame: Any, rows: Any, ents: list[str]) -> list[list[str]]:
    keys = frame.loc[rows, ["dataset", "period", "indicator"]].itertuples(index=False)
    return [[fkey(d, p, e, i) for e in ents] for d, p, i in keys]


def child_pandera(root: Path, mode: str, ph: Phases) -> list[Failure]:
    import pandas as pd
    import pandera.pandas as pa

    ph.lap("import")
    if mode == "import":
        return []
    records, rollups = prepare(root)
    plan = Plan(root, mode)
    ph.lap("load")

    def eq_check(eq: dict[str, Any]) -> pa.Check:
        tol = plan.eq_tol(eq)
        if mode == "naive":  # what one writes first: df.a + df.b == df.total
            a, b, c = eq["indicators"]
            if eq["id"].endswith(".share"):
                return pa.Check(lambda d: d[a] == 100 * d[b] / d[c], name=eq["id"])
            return pa.Check(lambda d: d[a] + d[b] == d[c], name=eq["id"])
        return pa.Check(lambda d: residual(d, eq).abs() <= tol, name=eq["id"])

    cols: dict[str, pa.Column] = {}
    for i, s in plan.ind.items():
        if s["unit"] == "count":
            cols[i] = pa.Column(float, pa.Check.ge(0), nullable=True)
        elif s["unit"] == "percent":
            cols[i] = pa.Column(float, pa.Check.in_range(0, 100), nullable=True)
        else:
            cols[i] = pa.Column(float, nullable=True)
    schemas = [("records", records, pa.DataFrameSchema(
        cols, checks=[eq_check(eq) for eq in plan.equations]))]

    def up_check(unit: str, h: str, p: str, cs: list[str]) -> pa.Check:
        tol = plan.rollup_tol(unit, len(cs))
        name = f"rollup|{h}|{p}"
        if mode == "naive":
            return pa.Check(lambda d: d[p] == d[cs].sum(axis=1), name=name)
        return pa.Check(lambda d: (d[p] - d[cs].sum(axis=1)).abs() <= tol, name=name)

    for unit, frame in rollups.items():
        checks = [up_check(unit, h, p, cs) for h, p, cs in plan.relations]
        schemas.append((f"rollup_{unit}", frame, pa.DataFrameSchema(
            {e: pa.Column(float, nullable=True) for e in plan.entities}, checks=checks)))
    cases = []
    for name, frame, schema in schemas:
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            cases.append((name, frame, exc.failure_cases))
    ph.lap("validate")
    out: list[Failure] = []
    rel = {f"rollup|{h}|{p}": [p, *cs] for h, p, cs in plan.relations}
    eqs = {eq["id"]: eq["indicators"] for eq in plan.equations}
    for name, frame, fc in cases:
        # a dataframe-level check fails once per (row, column): one finding per (check, row)
        fc = fc.dropna(subset=["index"])
        frame_level = fc[fc["schema_context"] == "DataFrameSchema"]
        for check, grp in frame_level.groupby("check"):
            rows = pd.unique(grp["index"].astype(int))
            if name == "records":
                figs = record_figs(frame, rows, eqs[str(check)])
            else:
                figs = rollup_figs(frame, rows, rel[str(check)])
            out += [(str(check), f) for f in figs]
        col_level = fc[fc["schema_context"] == "Column"]
        for (col, check), grp in col_level.groupby(["column", "check"]):
            rows = pd.unique(grp["index"].astype(int))
            out += [(f"bounds|{check}", f) for f in record_figs(frame, rows, [str(col)])]
    ph.lap("collect")
    return out


def ge_jobs(plan: Plan, records: Any, rollups: dict[str, Any], gxe: Any, mode: str
            ) -> list[tuple[str, Any, list[tuple[Any, str, Callable[[Any, Any], list[list[str]]]]]]]:
    """(frame name, frame, [(expectation, check id, figure-key function)]): the same checks as
    pandera's, as GX expectations (residual columns where GX has no tolerance)."""
    jobs: list[tuple[str, Any, list[tuple[Any, str, Callable[[Any, Any], list[list[str]]]]]]] = []
    rec_exps: list[tuple[Any, str, Callable[[Any, Any], list[list[str]]]]] = []
    for eq in plan.equations:
        a, b, c = eq["indicators"]
        if mode == "naive":
            if eq["id"].endswith(".share"):
                records[f"expected:{a}"] = 100 * records[b] / records[c]
                exp = gxe.ExpectColumnPairValuesToBeEqual(column_A=a, column_B=f"expected:{a}")
            else:
                records[f"minus:{c}"] = -records[c]
                exp = gxe.ExpectMulticolumnSumToEqual(column_list=[a, b, f"minus:{c}"],
                                                      sum_total=0)
        else:  # no tolerance on the equality expectations: a residual column, then between
            records[f"residual:{eq['id']}"] = residual(records, eq)
            tol = plan.eq_tol(eq)
            exp = gxe.ExpectColumnValuesToBeBetween(column=f"residual:{eq['id']}",
                                                    min_value=-tol, max_value=tol)
        rec_exps.append((exp, eq["id"], partial(record_figs, inds=eq["indicators"])))
    for i, s in plan.ind.items():
        bounds = {"count": (0, None), "percent": (0, 100)}.get(s["unit"])
        if bounds:
            rec_exps.append((gxe.ExpectColumnValuesToBeBetween(
                column=i, min_value=bounds[0], max_value=bounds[1]), f"bounds|{s['unit']}",
                partial(record_figs, inds=[i])))
    jobs.append(("records", records, rec_exps))
    for unit, frame in rollups.items():
        exps: list[tuple[Any, str, Callable[[Any, Any], list[list[str]]]]] = []
        for h, p, cs in plan.relations:
            if mode == "naive":
                frame[f"minus:{p}"] = -frame[p]
                exp = gxe.ExpectMulticolumnSumToEqual(column_list=[*cs, f"minus:{p}"],
                                                      sum_total=0)
            else:
                frame[f"residual:{h}:{p}"] = frame[p] - frame[cs].sum(axis=1)
                tol = plan.rollup_tol(unit, len(cs))
                exp = gxe.ExpectColumnValuesToBeBetween(column=f"residual:{h}:{p}",
                                                        min_value=-tol, max_value=tol)
            exps.append((exp, f"rollup|{h}|{p}", partial(rollup_figs, ents=[p, *cs])))
        jobs.append((f"rollup_{unit}", frame, exps))
    return jobs


def ge_failures(results: list[tuple[Any, Any, Any]], row_of: Callable[[Any], int]
                ) -> list[Failure]:
    """Findings of the validation results: `row_of` maps an unexpected index to a row."""
    out: list[Failure] = []
    for frame, exps, res in results:
        by_id = {e.id: (cid, f) for e, cid, f in exps}  # the suite gave each an id
        for r in res.results:
            if r.success:
                continue
            cid, f = by_id[r.expectation_config.id]
            rows = r.result.get("unexpected_index_list") or []
            out += [(cid, figs) for figs in f(frame, [row_of(x) for x in rows])]
    return out


def child_ge(root: Path, mode: str, ph: Phases) -> list[Failure]:
    import logging

    from drsmcheck.exports.gx import import_gx

    gx, gxe = import_gx()  # without GX's optional pyspark support (see import_gx)
    ph.lap("import")
    if mode == "import":
        return []
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    records, rollups = prepare(root)
    plan = Plan(root, mode)
    ph.lap("load")
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False, "metric_calculations": False}
    source = ctx.data_sources.add_pandas("synth")
    results = []
    for name, frame, exps in ge_jobs(plan, records, rollups, gxe, mode):
        asset = source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": frame})
        suite = ctx.suites.add(gx.ExpectationSuite(name=name))
        for exp, _, _ in exps:
            suite.add_expectation(exp)
        res = batch.validate(suite, result_format={"result_format": "COMPLETE"})
        results.append((frame, exps, res))
    ph.lap("validate")
    out = ge_failures(results, int)
    ph.lap("collect")
    return out


def child_ge_spark(root: Path, mode: str, ph: Phases) -> list[Failure]:
    """Great Expectations' Spark execution engine (local[2]) on the same frames and checks:
    the distributed peer of the national-scale backends (pandera's pyspark backend does not
    import with pandas 3: pyspark.pandas reads a pandas attribute pandas 3 removed)."""
    import logging
    import tempfile as tf

    import great_expectations as gx
    import great_expectations.expectations as gxe
    from pyspark.sql import SparkSession

    ph.lap("import")
    if mode == "import":
        return []
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    tmp = tf.mkdtemp(prefix="bench-ge-spark-")
    spark = (SparkSession.builder.master("local[2]").appName("bench-ge-spark")
             .config("spark.ui.enabled", "false")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true")
             .config("spark.local.dir", tmp)
             .config("spark.sql.warehouse.dir", f"{tmp}/warehouse")
             .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={tmp}")
             .getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    ph.lap("spark_start")
    records, rollups = prepare(root)
    plan = Plan(root, mode)
    ph.lap("load")
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = {"globally": False, "metric_calculations": False}
    source = ctx.data_sources.add_spark("synth")
    results = []
    for name, frame, exps in ge_jobs(plan, records, rollups, gxe, mode):
        # Spark reads dots in a column name as a field access: plain names c0, c1, … and a
        # row column for the unexpected rows (a Spark frame has no index)
        names = {c: f"c{k}" for k, c in enumerate(frame.columns)}
        sdf = spark.createDataFrame(frame.rename(columns=names).assign(_row=frame.index))
        asset = source.add_dataframe_asset(name)
        batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
            batch_parameters={"dataframe": sdf})
        suite = ctx.suites.add(gx.ExpectationSuite(name=name))
        for exp, _, _ in exps:
            exp.column = names[exp.column]
            suite.add_expectation(exp)
        res = batch.validate(suite, result_format={
            "result_format": "COMPLETE", "unexpected_index_column_names": ["_row"]})
        results.append((frame, exps, res))
    ph.lap("validate")
    out = ge_failures(results, lambda x: int(x["_row"]))
    ph.lap("collect")
    spark.stop()
    shutil.rmtree(tmp, ignore_errors=True)
    return out


CHILDREN = {"drsmcheck": child_drsmcheck, "pandera": child_pandera, "ge": child_ge,
            "ge-spark": child_ge_spark, "limit": child_limit}


def child_main(tool: str, mode: str, root: Path, out: Path) -> None:
    ph = Phases()
    ph._last = T_START  # imports of this script count as part of the tool's import phase
    if mode == "profile":  # the tolerant run under cProfile; the statistics beside `out`
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        failures = prof.runcall(CHILDREN[tool], root, "tolerant", ph)
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(25)
        repo = str(HERE.parent) + os.sep  # paths relative to the repository, not to this machine
        text = "\n".join(line.replace(str(Path(sys.prefix)), "$VENV").replace(repo, "")
                         for line in buf.getvalue().splitlines() if line.strip())
        out.with_suffix(".prof.txt").write_text(text + "\n", encoding="utf-8")
    else:
        failures = CHILDREN[tool](root, mode, ph)
    out.write_text(json.dumps({"phases": ph.t, "workers": ph.workers, "failures": failures}),
                   encoding="utf-8")


# ============================================================================================
# parent: generate, run children, measure, score, write results
# ============================================================================================
def run_child(tool: str, mode: str, root: Path, work: Path) -> dict[str, Any]:
    out = work / f"{tool}-{mode}-{time.monotonic_ns()}.json"
    prof = out.with_suffix(".prof.txt")
    err = work / f"{tool}-{mode}.stderr"
    # the process-tree accounting of the backends benchmark, and its installed-package env
    from bench_backends import installed_env, tree

    env = installed_env(CHILD_ENV)

    t0 = time.perf_counter()
    with open(err, "w", encoding="utf-8") as ferr:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "child", tool,
                                 mode, str(root), str(out)], stdout=subprocess.DEVNULL,
                                stderr=ferr, env=env)
        # a tool running several processes (drsmcheck's workers, a JVM): the peak of the sum
        # of the tree's resident sets, sampled every 50 ms (shared pages counted in each
        # process: an upper bound); a single process: its own ru_maxrss
        tree_peak, done = [0], threading.Event()

        def sample() -> None:  # never reaps the child (wait4 does, for its rusage)
            while not done.is_set():
                _, rss, pids = tree(proc.pid)
                if len(pids) > 1:
                    tree_peak[0] = max(tree_peak[0], rss)
                done.wait(0.05)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        th.join()
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} ({mode}) failed with exit code {proc.returncode}:\n"
                           + err.read_text(encoding="utf-8")[-3000:])
    data = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    profile = None
    if prof.exists():
        profile = prof.read_text(encoding="utf-8")
        prof.unlink()
    return {"wall": wall, "peak_rss_mb": max(usage.ru_maxrss * 1024, tree_peak[0]) / 2**20,
            "cpu": usage.ru_utime
            + usage.ru_stime, "phases": data["phases"], "workers": data.get("workers") or {},
            "failures": data["failures"],
            "profile": profile}


def family(cid: str, figs: list[str], units: dict[str, str]) -> str:
    """A finding's kind of relation and unit: `share (percent)`, `rollup (meur)`, …"""
    head = cid.split("|")[0]
    kind = head.split(".")[0] if head.startswith(("rollup", "bounds")) else head.split(".")[-1]
    unit = units.get(figs[0].rsplit("|", 1)[-1], "?") if figs else "?"
    return f"{kind} ({unit})"


def score(failures: list[Failure], corrupted: set[str], units: dict[str, str]
          ) -> dict[str, Any]:
    """Corruptions found (some finding involves the figure) and false positives (findings
    that involve no corrupted figure), by kind of relation."""
    found: set[str] = set()
    fp: dict[str, int] = {}
    for cid, figs in failures:
        hit = corrupted.intersection(figs)
        if hit:
            found |= hit
        else:
            k = family(cid, figs, units)
            fp[k] = fp.get(k, 0) + 1
    return {"findings": len(failures), "found": len(found), "injected": len(corrupted),
            "recall": len(found) / len(corrupted) if corrupted else None,
            "false_positives": sum(fp.values()), "false_positives_by_check": dict(sorted(fp.items())),
            "missed": sorted(corrupted - found)[:20]}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    phases = sorted({k for r in runs for k in r["phases"]})
    return {
        "runs": len(runs),
        "wall_s": statistics.median(r["wall"] for r in runs),
        "wall_s_all": [round(r["wall"], 3) for r in runs],
        "cpu_s": statistics.median(r["cpu"] for r in runs),
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs),
        "phases_s": {p: statistics.median(r["phases"].get(p, 0.0) for r in runs)
                     for p in phases},
        "workers_s": {p: statistics.median(r["workers"].get(p, 0.0) for r in runs)
                      for p in sorted({k for r in runs for k in r.get("workers", {})})},
    }


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for pkg in ("drsmcheck", "pandas", "pandera", "great-expectations", "numpy", "pyarrow"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "-"
    return out


def source_state() -> str:
    """The commit drsmcheck was measured at, and whether src/ had uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=HERE, text=True,
                              capture_output=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src"], cwd=HERE.parent,
                               text=True, capture_output=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + (" + uncommitted changes in src/" if dirty else "")


def machine() -> dict[str, Any]:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpus": os.cpu_count(), "cpu": cpu, "memory": mem, "platform": platform.platform()}


def ratio(a: float | None, b: float | None) -> float | None:
    return None if not a or not b else a / b


def bench_size(size: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    import synth  # the generator (numpy, yaml) stays out of the children's import phase

    root = work / f"synth-{size}"
    t0 = time.perf_counter()
    gen = synth.generate(root, size, seed=args.seed, themes=args.themes)
    gen_s = time.perf_counter() - t0
    disk = sum(f.stat().st_size for f in (root / "data").rglob("*") if f.is_file())
    corrupted = {fkey(c.dataset, c.period, c.entity, c.indicator) for c in gen.corruptions}
    units = {i.id: i.unit for i in synth.catalog(args.themes)}
    print(f"\n== {gen.n_figures} figures, {gen.n_datasets} datasets, {len(corrupted)} corruptions "
          f"({disk / 1e6:.1f} MB of CSV, generated in {gen_s:.1f} s)", flush=True)
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in args.tools}
    n_runs = args.runs if size < BIG else args.big_runs
    for k in range(n_runs):
        for tool in args.tools:  # interleaved, so that drift hits every tool alike
            r = run_child(tool, "tolerant", root, work)
            print(f"   run {k + 1}/{n_runs} {tool:10s} {r['wall']:7.2f} s "
                  f"{r['peak_rss_mb']:7.0f} MB", flush=True)
            runs[tool].append(r)
    result: dict[str, Any] = {
        "size": size, "figures": gen.n_figures, "datasets": gen.n_datasets,
        "themes": gen.n_themes, "corruptions": len(corrupted), "csv_bytes": disk,
        "records": gen.n_datasets * 29, "tools": {},
    }
    for tool in args.tools:
        s = summarize(runs[tool])
        s["mode"] = "interval" if tool == "drsmcheck" else "tolerant"
        s.update(score(runs[tool][0]["failures"], corrupted, units))
        result["tools"][tool] = s
    if not args.no_naive:
        for tool in (t for t in args.tools if t not in ("drsmcheck", "limit", "ge-spark")):
            r = run_child(tool, "naive", root, work)
            s = summarize([r])
            s["mode"] = "naive"
            s.update(score(r["failures"], corrupted, units))
            result["tools"][f"{tool}-naive"] = s
            print(f"   naive    {tool:10s} {r['wall']:7.2f} s {r['peak_rss_mb']:7.0f} MB "
                  f"{s['false_positives']} false positives", flush=True)
    d = result["tools"].get("drsmcheck")
    if d:
        result["ratios"] = {
            f"drsmcheck/{t}": {
                "wall": ratio(d["wall_s"], result["tools"][t]["wall_s"]),
                "work": ratio(_work(d), _work(result["tools"][t])),
                # the engine phase of a parallel run is in its workers (summed: CPU-like)
                "engine": ratio(d["phases_s"].get("engine")
                                or (d.get("workers_s") or {}).get("engine"),
                                result["tools"][t]["phases_s"].get("validate")),
                "peak_rss": ratio(d["peak_rss_mb"], result["tools"][t]["peak_rss_mb"]),
            } for t in args.tools if t != "drsmcheck"}
    if args.profile and "drsmcheck" in args.tools and size in args.profile:
        r = run_child("drsmcheck", "profile", root, work)
        (args.out / f"profile-drsmcheck-{size}.txt").write_text(
            f"# cProfile of one drsmcheck run on {gen.n_figures} figures (profiling overhead "
            f"included: {r['wall']:.1f} s wall vs {result['tools']['drsmcheck']['wall_s']:.1f} s"
            f" unprofiled)\n" + (r["profile"] or ""), encoding="utf-8")
        print(f"   profile  drsmcheck  {r['wall']:7.2f} s → profile-drsmcheck-{size}.txt")
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)
    return result


DRSMCHECK_VALIDATE = ("schema", "engine", "anomalies", "budget", "diagnosis", "groups", "render")


def _work(s: dict[str, Any]) -> float:
    """Time after the imports: every phase but `import`."""
    return sum(v for k, v in s["phases_s"].items() if k != "import")


def _validate(p: dict[str, float]) -> float:
    return p.get("validate", 0.0) + sum(p.get(k, 0.0) for k in DRSMCHECK_VALIDATE)


def fmt_ratio(x: float | None) -> str:
    return "–" if x is None else f"{x:.2f}×"


def table(res: dict[str, Any], imports: dict[str, Any]) -> str:
    lines = [
        f"### {res['figures']:,} figures ({res['datasets']} dataset"
        f"{'s' if res['datasets'] > 1 else ''} × 29 entities × "
        f"{res['themes']} themes × 7 indicators; {res['corruptions']} corruptions injected; "
        f"tolerant runs: {next(iter(res['tools'].values()))['runs']})",
        "",
        "| tool | mode | wall (median) | import | load | validate | collect | peak RSS | "
        "findings | corruptions found | false positives |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tool, s in res["tools"].items():
        p = s["phases_s"]
        name = TOOL_LABEL[tool.removesuffix("-naive")]
        rec = "–" if s["recall"] is None else f"{s['found']}/{s['injected']} ({s['recall']:.0%})"
        lines.append(
            f"| {name} | {s['mode']} | {s['wall_s']:.2f} s | {p.get('import', 0):.2f} s | "
            f"{p.get('load', 0):.2f} s | {_validate(p):.2f} s | "
            f"{p.get('collect', 0):.2f} s | {s['peak_rss_mb']:.0f} MB | {s['findings']} | {rec} | "
            f"{s['false_positives']} |")
    d = res["tools"].get("drsmcheck")
    if d:
        p = d["phases_s"]
        lines += ["", "drsmcheck's phases: " + ", ".join(
            f"{k} {p.get(k, 0):.2f} s" for k in ("load", *DRSMCHECK_VALIDATE, "collect"))
            + " (render = the report dict and report.json written)."]
        w = d.get("workers_s") or {}
        if w:
            lines += ["", "`groups` = the groups of datasets run by worker processes side by side "
                      "(wall time); inside them, summed over the workers: " + ", ".join(
                          f"{k} {w.get(k, 0):.2f} s" for k in ("load", *DRSMCHECK_VALIDATE,
                                                               "spool") if k in w)
                      + " (spool = a worker's anomalies encoded for the parent)."]
    if res.get("ratios"):
        lines += ["", "| ratio | wall time | time after imports | peak RSS |", "|---|---:|---:|---:|"]
        for k, r in res["ratios"].items():
            t = TOOL_LABEL[k.split("/")[1]]
            lines.append(f"| drsmcheck / {t} | {fmt_ratio(r['wall'])} | {fmt_ratio(r['work'])} | "
                         f"{fmt_ratio(r['peak_rss'])} |")
    naive = {t: s for t, s in res["tools"].items() if t.endswith("-naive")}
    if naive:
        lines += ["", "False positives of the naive (exact equality) checks, by relation: "
                  + "; ".join(f"{TOOL_LABEL[t.removesuffix('-naive')]}: "
                              + ", ".join(f"{k} {v}" for k, v in
                                          s["false_positives_by_check"].items())
                              for t, s in naive.items()) + "."]
    return "\n".join(lines)


def markdown(results: list[dict[str, Any]], imports: dict[str, Any], meta: dict[str, Any]) -> str:
    out = [
        "# drsmcheck vs pandera vs Great Expectations",
        "",
        f"Generated by `{' '.join(['python benchmarks/bench_peers.py', meta['argv']]).strip()}`"
        f" on {meta['date']}; "
        f"{meta['machine']['cpus']} CPUs ({meta['machine']['cpu']}), "
        f"{meta['machine']['memory']} RAM; drsmcheck at {meta['source']}. Versions: "
        + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".",
        "",
        "Wall time = whole subprocess (interpreter start, imports, reading the CSV files, "
        "checks, collecting findings), median of the runs; peak RSS = the subprocess's "
        "`ru_maxrss` from `wait4()`, or for a process tree (drsmcheck's worker processes from "
        "50 000 figures) the largest sum of its processes' resident sets, sampled every 50 ms "
        "(shared pages counted in each: an upper bound). *Time after imports* leaves out the import cost "
        "(Great Expectations alone takes seconds to import). See benchmarks/README.md for what "
        "each tool runs and how findings are scored.",
        "",
        "Import only (interpreter + the tool's imports, no data):",
        "",
        "| tool | wall | peak RSS |",
        "|---|---:|---:|",
    ]
    for tool, s in imports.items():
        out.append(f"| {TOOL_LABEL[tool]} | {s['wall_s']:.2f} s | {s['peak_rss_mb']:.0f} MB |")
    out += ["", "## Ratios (drsmcheck / peer, tolerant mode)", "",
            "| figures | time vs pandera | time vs GE | time vs near-limit | "
            "after imports vs pandera | after imports vs near-limit | "
            "engine vs pandera validate | RSS vs pandera | RSS vs GE | RSS vs near-limit |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for res in results:
        r = res.get("ratios", {})
        d = res["tools"].get("drsmcheck", {})
        peer = res["tools"].get("pandera")
        if peer and r.get("drsmcheck/pandera", {}).get("engine") is None:
            r.setdefault("drsmcheck/pandera", {})["engine"] = ratio(
                (d.get("workers_s") or {}).get("engine"), peer["phases_s"].get("validate"))
        rp, rg = r.get("drsmcheck/pandera", {}), r.get("drsmcheck/ge", {})
        rl = r.get("drsmcheck/limit", {})
        out.append(f"| {res['figures']:,} | {fmt_ratio(rp.get('wall'))} | "
                   f"{fmt_ratio(rg.get('wall'))} | {fmt_ratio(rl.get('wall'))} | "
                   f"{fmt_ratio(rp.get('work'))} | {fmt_ratio(rl.get('work'))} | "
                   f"{fmt_ratio(rp.get('engine'))} | {fmt_ratio(rp.get('peak_rss'))} | "
                   f"{fmt_ratio(rg.get('peak_rss'))} | {fmt_ratio(rl.get('peak_rss'))} |")
    out += ["", "*engine* = drsmcheck's engine phase (every rule → the verdict table) against "
            "the peer's validate phase (schema / suite run): the part of the work that is alike "
            "(from 10⁵ figures, drsmcheck's engine time summed over its worker processes). "
            "drsmcheck's wall time includes building every anomaly with its provenance, the "
            "diagnosis and writing report.json; the near-limit baseline does the same pivot and "
            "interval checks and nothing else."]
    out += ["", "## Per size", ""]
    for res in results:
        out += [table(res, imports), ""]
    return "\n".join(out) + "\n"


def rewrite_summary(out: Path) -> int:
    """peers.md again from the JSON files of a run (e.g. after changing the summary's layout)."""
    results = sorted((json.loads(f.read_text(encoding="utf-8"))
                      for f in out.glob("peers-[0-9]*.json")), key=lambda r: r["size"])
    if not results:
        print(f"no peers-*.json in {out}", file=sys.stderr)
        return 2
    for res in results:
        d = res["tools"].get("drsmcheck")
        for key, r in res.get("ratios", {}).items():
            peer = res["tools"][key.split("/")[1]]
            r["engine"] = ratio(d["phases_s"].get("engine"), peer["phases_s"].get("validate"))
    (out / "peers.md").write_text(markdown(results, results[0]["import_only"],
                                           results[0]["meta"]), encoding="utf-8")
    print(f"wrote {out / 'peers.md'}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "child":
        child_main(argv[1], argv[2], Path(argv[3]), Path(argv[4]))
        return 0
    ap = argparse.ArgumentParser(description="drsmcheck vs pandera vs Great Expectations: "
                                 "time, peak memory, corruptions found, false positives.")
    ap.add_argument("--sizes", default=None,
                    help="comma list of figure counts (default 1000,10000,100000,1000000)")
    ap.add_argument("--runs", type=int, default=None, help="runs per tool (default 3)")
    ap.add_argument("--big-runs", type=int, default=1,
                    help=f"runs per tool for sizes ≥ {BIG:,} (default 1)")
    ap.add_argument("--profile", default="100000",
                    help="comma list of sizes at which to cProfile one more drsmcheck run "
                         "(default 100000; '' for none)")
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: 1000 and 10000 figures, one run, results in a temp dir")
    ap.add_argument("--tools", default=",".join(DEFAULT_TOOLS), help="comma list of " + ", ".join(TOOLS))
    ap.add_argument("--themes", type=int, default=5, help="themes (7 indicators each)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-naive", action="store_true", help="skip the naive peer runs")
    ap.add_argument("--out", type=Path, default=None,
                    help="results folder (default benchmarks/results; --quick: a temp dir)")
    ap.add_argument("--work", type=Path, default=None, help="where to generate data (temp)")
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    ap.add_argument("--summarize", action="store_true",
                    help="only rewrite peers.md from the peers-*.json in --out")
    args = ap.parse_args(argv)
    if args.summarize:
        return rewrite_summary(args.out or HERE / "results")
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in args.tools:
        if t not in TOOLS:
            ap.error(f"unknown tool {t!r}: {', '.join(TOOLS)}")
    sizes = ([int(s) for s in args.sizes.split(",")] if args.sizes
             else [1_000, 10_000] if args.quick else list(DEFAULT_SIZES))
    args.runs = args.runs or (1 if args.quick else 3)
    out = args.out or (Path(tempfile.mkdtemp(prefix="bench-peers-")) if args.quick
                       else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    args.out = out
    args.profile = {int(x) for x in args.profile.split(",") if x.strip()} if not args.quick else set()
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-peers-work-"))
    work.mkdir(parents=True, exist_ok=True)
    t_all = time.perf_counter()
    meta = {"argv": " ".join(argv), "date": time.strftime("%Y-%m-%d %H:%M %Z"),
            "machine": machine(), "versions": versions(), "source": source_state()}
    print("import only:", flush=True)
    imports: dict[str, Any] = {}
    for tool in args.tools:
        r = run_child(tool, "import", work, work)
        imports[tool] = summarize([r])
        print(f"   {tool:10s} {r['wall']:7.2f} s {r['peak_rss_mb']:7.0f} MB", flush=True)
    results = []
    for size in sizes:
        res = bench_size(size, args, work)
        res["meta"] = meta
        res["import_only"] = imports
        results.append(res)
        (out / f"peers-{size}.json").write_text(json.dumps(res, indent=1, sort_keys=True)
                                                + "\n", encoding="utf-8")
        print("\n" + table(res, imports), flush=True)
    name = "peers.md" if not args.sizes else f"peers-{'-'.join(map(str, sizes))}.md"
    (out / name).write_text(markdown(results, imports, meta), encoding="utf-8")
    if not args.work and not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nresults in {out} (total {time.perf_counter() - t_all:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
