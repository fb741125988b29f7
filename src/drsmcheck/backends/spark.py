"""The distributed backend: every rule kind's verdicts computed by Apache Spark.

Same semantics, not a second implementation of it: equations go through `algebra.evaluate`
and the other kinds through their backend-neutral `decide` functions, over Spark columns
(`sparkexpr.SparkOps`). The data work — resolving the print rules read, the wide table of a
record's figures, joining parents to children, grouping the prints of one figure — is Spark's
(joins, pivots, group-bys). The verdict table is collected once (Arrow) and handed to the
local stages unchanged: anomaly rendering and the diagnosis read it as they read the embedded
backend's, with the same codes (those of the local `Store`).

What stays local: the `Store`'s category lists and figure row numbers (the codes the verdicts
use and the rows anomalies cite), and the figures' key columns they are built from.
"""

from __future__ import annotations

import atexit
import fnmatch
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import algebra as A
from ..errors import InputError
from ..verdicts import (
    BOOL_COLUMNS,
    CATEGORY_CODE,
    FAIL,
    FLOAT_COLUMNS,
    INT_COLUMNS,
    NA,
    PASS,
    REASON_CODE,
    Verdicts,
)
from . import sparkexpr as S
from .sparkexpr import OPS, X, col, lit, node

ORDER = ("o1", "o2", "o3", "o4")


# --- the session ----------------------------------------------------------------------------------

@dataclass
class SparkOptions:
    """Where Spark runs and how: `master` (default $SPARK_MASTER or local[*]), extra conf."""

    master: str | None = None
    conf: dict[str, str] = field(default_factory=dict)


_SESSION: dict[str, Any] = {}


def _require() -> None:
    """PySpark and a Java runtime, or a clear message (exit 2), never a traceback."""
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise InputError("--backend spark", None, "PySpark is not installed",
                         "pip install 'drsmcheck[spark]', or use --backend numpy") from None
    java_home = os.environ.get("JAVA_HOME")
    if not (java_home and os.path.exists(os.path.join(java_home, "bin", "java"))) \
            and not shutil.which("java"):
        raise InputError("--backend spark", None, "no Java runtime found (Spark runs on a JVM)",
                         "install Java 17 or 21 (Debian: apt-get install openjdk-17-jre-headless) "
                         "or set JAVA_HOME; or use --backend numpy")


_LOG4J = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def session(options: SparkOptions | None = None) -> Any:
    """The process's SparkSession (created once; everything it writes goes to a temp dir that
    is removed at exit: warehouse, Derby home, scratch space — nothing in the working dir)."""
    _require()
    from pyspark.sql import SparkSession

    options = options or SparkOptions()
    master = options.master or os.environ.get("SPARK_MASTER") or "local[*]"
    key = repr((master, sorted(options.conf.items())))
    if _SESSION.get("key") == key and _SESSION.get("spark") is not None:
        return _SESSION["spark"]
    stop()
    tmp = tempfile.mkdtemp(prefix="drsmcheck-spark-")
    log4j = os.path.join(tmp, "log4j2.properties")
    with open(log4j, "w", encoding="utf-8") as fh:
        fh.write(_LOG4J)
    java_opts = f"-Dderby.system.home={tmp} -Dlog4j2.configurationFile=file:{log4j}"
    conf = {
        "spark.ui.enabled": "false",
        "spark.sql.warehouse.dir": os.path.join(tmp, "warehouse"),
        "spark.local.dir": os.path.join(tmp, "local"),
        "spark.driver.extraJavaOptions": java_opts,
        "spark.sql.ansi.enabled": "false",          # IEEE doubles, as NumPy's (∞, NaN)
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.pivotMaxValues": "100000",
    }
    if master.startswith("local"):
        conf["spark.sql.shuffle.partitions"] = "8"
    conf.update(options.conf)
    builder = SparkSession.builder.master(master).appName("drsmcheck")
    for k, v in conf.items():
        builder = builder.config(k, v)
    cwd = os.getcwd()
    try:
        os.chdir(tmp)  # anything Spark still writes relative to the cwd lands in the temp dir
        spark = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - a JVM that does not start is bad setup, exit 2
        shutil.rmtree(tmp, ignore_errors=True)
        raise InputError("--backend spark", None, f"Spark did not start: {exc}".splitlines()[0],
                         "check --spark-master / SPARK_MASTER, --spark-conf and the Java "
                         "runtime (java -version)") from None
    finally:
        os.chdir(cwd)
    spark.sparkContext.setLogLevel("ERROR")
    _SESSION.update(key=key, spark=spark, tmp=tmp)
    if not _SESSION.get("atexit"):
        atexit.register(stop)
        _SESSION["atexit"] = True
    return spark


def stop() -> None:
    """Stop the session and remove its temp dir (safe to call twice)."""
    spark, tmp = _SESSION.pop("spark", None), _SESSION.pop("tmp", None)
    _SESSION.pop("key", None)
    if spark is not None:
        spark.stop()
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)


# --- the figures as Spark tables -------------------------------------------------------------------

def _codes(names: list[str], patterns: list[str]) -> list[int] | None:
    """Codes of the names a selector matches (None: `*`, everything)."""
    if patterns == ["*"]:
        return None
    return [k for k, e in enumerate(names) if any(fnmatch.fnmatchcase(e, p) for p in patterns)]


def _selected(F: Any, rule: Any, store: Any, ent: str = "ent", per: str = "per") -> Any:
    cond = F.lit(True)
    ents = _codes(store.entities, rule.entities)
    pers = _codes(store.periods, rule.periods)
    if ents is not None:
        cond = cond & F.col(ent).isin(ents)
    if pers is not None:
        cond = cond & F.col(per).isin(pers)
    return cond


class Tables:
    """The coded figures (one row each), the resolved prints, the records, in Spark."""

    def __init__(self, spark: Any, store: Any, figures: Any = None):
        import pandas as pd
        from pyspark.sql import Window
        from pyspark.sql import functions as F

        self.spark, self.store = spark, store
        s = store
        if figures is None:
            frame = pd.DataFrame({
                "row": np.arange(s.n, dtype=np.int64), "ds": s.f_ds.astype(np.int32),
                "ent": s.f_ent.astype(np.int32), "per": s.f_per.astype(np.int32),
                "ind": s.f_ind.astype(np.int32), "rec": s.f_rec.astype(np.int64),
                "lo": s.f_lo, "hi": s.f_hi, "tlo": s.f_tlo, "thi": s.f_thi, "nn": s.f_nn,
                "unit": s.f_unit.astype(np.int32), "uprint": s.f_uprint.astype(np.int32),
                "prio": s.f_prio, "seq": s.f_seq})
            figures = spark.createDataFrame(frame, schema=_schema(_FIG_SPEC))
        self.figs = figures.persist()
        w = Window.partitionBy("rec", "ind").orderBy("prio", "seq", "row")
        self.resolved = (self.figs.withColumn("_k", F.row_number().over(w))
                         .where(F.col("_k") == 1).drop("_k").persist())
        recs = pd.DataFrame({
            "rec": np.arange(len(s.rec_keys), dtype=np.int64), "ds": s.r_ds.astype(np.int32),
            "ent": s.r_ent.astype(np.int32), "per": s.r_per.astype(np.int32),
            "prev": s.r_prev.astype(np.int64), "declared": np.zeros(len(s.rec_keys), bool)})
        if s.declared is not None:
            recs.loc[s.declared, "declared"] = True
        self.records = spark.createDataFrame(recs, schema=_schema(_REC_SPEC))

    def wide(self, current: list[int], previous: list[int]) -> Any:
        """One row per record, with its resolved prints as a map indicator → print (`m`), and
        those of the record of the year before (`pm`): one narrow plan whatever the number of
        indicators (a pivot to one column per indicator costs Catalyst more than the data)."""
        from pyspark.sql import functions as F

        entry = F.struct(*[F.col(c) for c in _WIDE])
        out = self.records
        for name, inds, on in (("m", current, "rec"), ("pm", previous, "prev")):
            if not inds:
                out = out.withColumn(name, F.lit(None).cast(f"map<int,{_ENTRY}>"))
                continue
            m = (self.resolved.where(F.col("ind").isin(inds)).groupBy("rec")
                 .agg(F.map_from_entries(F.collect_list(F.struct("ind", entry))).alias(name)))
            out = out.join(m.withColumnRenamed("rec", on), on, "left")
        return out


def _leaf(name: str) -> str:
    """The SQL of an Env leaf `c<k>_<field>` / `p<k>_<field>`, read off the record's maps."""
    prefix, field = name.split("_", 1)
    m = f"element_at({'m' if prefix[0] == 'c' else 'pm'}, {int(prefix[1:])})"
    if field == "has":
        return f"({m} IS NOT NULL)"
    default = "CAST(-1 AS BIGINT)" if field == "row" else S.sql_lit(_NULL[field])
    return f"coalesce({m}.{field}, {default})"


_NULL = {"lo": 0.0, "hi": 0.0, "tlo": 0.0, "thi": 0.0, "nn": False, "unit": -1, "uprint": -1}
_WIDE = ("row", "lo", "hi", "tlo", "thi", "nn", "unit", "uprint")
_ENTRY = ("struct<row:bigint,lo:double,hi:double,tlo:double,thi:double,nn:boolean,unit:int,"
          "uprint:int>")


def _schema(spec: str) -> Any:
    from pyspark.sql.types import _parse_datatype_string

    return _parse_datatype_string(spec)


_FIG_SPEC = ("row bigint, ds int, ent int, per int, ind int, rec bigint, lo double, hi double, "
             "tlo double, thi double, nn boolean, unit int, uprint int, prio bigint, seq bigint")
_REC_SPEC = "rec bigint, ds int, ent int, per int, prev bigint, declared boolean"
_OUT_SPEC = {**{c: "int" for c in INT_COLUMNS}, **{c: "double" for c in FLOAT_COLUMNS},
             **{c: "boolean" for c in BOOL_COLUMNS}, **{c: "bigint" for c in ORDER}}




def _finish(df: Any, outputs: dict[str, X], refs: list[X], keep: list[str] | None = None) -> Any:
    """A block of verdicts in the common schema (every column typed, refs without −1)."""
    outs = dict(outputs)
    for i, r in enumerate(refs):
        outs[f"_ref{i}"] = r
    df = S.project(df, outs, keep or [])
    cols = []
    for name, typ in _OUT_SPEC.items():
        value = f"`{name}`" if name in outputs else S.sql_lit(_DEFAULT.get(name, 0))
        cols.append(f"CAST({value} AS {typ}) AS {name}")
    items = ", ".join(f"CAST(`_ref{i}` AS BIGINT)" for i in range(len(refs)))
    cols.append(f"filter(array({items}), x -> x >= 0) AS refs" if refs
                else "CAST(array() AS ARRAY<BIGINT>) AS refs")
    return df.selectExpr(*cols, *[f"`{k}`" for k in keep or []])


_DEFAULT: dict[str, Any] = {"subject": -1, "cmp": -1, "hierarchy": -1, "aspect": -1,
                            "category": -1, "reason": 0, "rounding": False,
                            **{c: float("nan") for c in FLOAT_COLUMNS}}


# --- kinds ------------------------------------------------------------------------------------------

class Env:
    """algebra.Env over the wide table: each figure read is a few columns of the record's row."""

    def __init__(self, store: Any, widen: bool = False):
        self.ops = OPS
        self.store = store
        self.widen = widen
        self.read: dict[tuple[str, str], str] = {}  # (which, indicator) → leaf prefix

    def _iv(self, which: str, indicator: str) -> A.Iv:
        k = self.store.ind_code[indicator]
        p = f"{'c' if which == 'cur' else 'p'}{k}"
        self.read[(which, indicator)] = p
        lo, hi = ("tlo", "thi") if self.widen else ("lo", "hi")
        miss = ~col(f"{p}_has") | col(f"{p}_nn")
        return A.Iv(col(f"{p}_{lo}"), col(f"{p}_{hi}"), miss, lit(False), lit(False))

    def figure(self, indicator: str) -> A.Iv:
        return self._iv("cur", indicator)

    def previous(self, indicator: str) -> A.Iv:
        return self._iv("prev", indicator)

    def glob_sum(self, indicators: list[str]) -> A.Iv:
        lo: X = lit(0.0)
        hi: X = lit(0.0)
        any_has: X = lit(False)
        any_nn: X = lit(False)
        for ind in indicators:
            iv = self._iv("cur", ind)
            p = self.read[("cur", ind)]
            has = col(f"{p}_has")
            any_has = node("or", any_has, has)
            any_nn = node("or", any_nn, has & iv.miss)
            lo = X("+", (lo, OPS.where(iv.miss, 0.0, iv.lo)))
            hi = X("+", (hi, OPS.where(iv.miss, 0.0, iv.hi)))
        miss = ~any_has | any_nn
        return A.Iv(OPS.where(miss, 0.0, lo), OPS.where(miss, 0.0, hi), miss, lit(False),
                    lit(False))

    def refs(self) -> list[X]:
        return [col(f"{self.read[k]}_row") for k in sorted(self.read)]

    def nonnum(self) -> X:
        return S.any_of([col(f"{self.read[k]}_nn") for k in sorted(self.read)])


def _na_reason(status: X, miss: X, div0: X, undef: X, nonnum: X) -> X:
    na = status == NA
    w = OPS.where
    return w(na & div0, REASON_CODE["division"], w(na & undef, REASON_CODE["undefined"], w(
        na & nonnum, REASON_CODE["non_numeric"], w(na & miss, REASON_CODE["missing"], w(
            na, REASON_CODE["missing"], 0)))))


def _status(tv: A.Tv) -> X:
    return OPS.where(tv.t, PASS, OPS.where(tv.f, FAIL, NA))


@dataclass
class Block:
    """The verdicts of one rule (objective: of one pair and aspect) over the rows of a table:
    which rows are items, each verdict column, and the figures read (−1: none)."""

    item: X
    fields: dict[str, X]
    refs: list[X]


def _sel(rule: Any, store: Any, ent: str = "ent", per: str = "per") -> X:
    out: X = lit(True)
    ents = _codes(store.entities, rule.entities)
    pers = _codes(store.periods, rule.periods)
    if ents is not None:
        out = out & S.isin(col(ent), ents)
    if pers is not None:
        out = out & S.isin(col(per), pers)
    return out


def equation(rule: Any, ridx: int, ctx: Any) -> Block:
    store = ctx.store
    env = Env(store)
    ev = A.evaluate(rule.ast, env, rule.tolerance, ctx.known)
    wenv = Env(store, widen=True)
    wide_ev = A.evaluate(rule.ast, wenv, rule.tolerance, ctx.known)
    status = _status(ev.truth)
    rounding = (status == FAIL) & wide_ev.truth.t
    tv = ev.truth
    reason = _na_reason(status, tv.miss, tv.div0, tv.undef, env.nonnum())
    # the comparison each verdict is about: the first one that fails, else the first evaluable
    cmp: X = lit(-1)
    nan = lit(float("nan"))
    llo, lhi, rlo, rhi = nan, nan, nan, nan
    for k, (_node, a, b, ctv) in enumerate(ev.comparisons):
        take = (cmp < 0) & ctv.f & (status == FAIL)
        first = OPS.isnan(llo) & (ctv.t | ctv.f)
        put = take | first
        llo, lhi = OPS.where(put, a.lo, llo), OPS.where(put, a.hi, lhi)
        rlo, rhi = OPS.where(put, b.lo, rlo), OPS.where(put, b.hi, rhi)
        cmp = OPS.where(take, k, cmp)
    category = OPS.where(status == FAIL, OPS.where(rounding, CATEGORY_CODE["rounding"],
                                                   CATEGORY_CODE["inconsistent"]),
                         OPS.where(reason >= 3, CATEGORY_CODE["missing"], -1))
    item = S.any_of([col("declared")] + [col(f"c{store.ind_code[i]}_has") for i in rule.needed])
    out = {"rule": lit(ridx), "o1": col("rec"), "dataset": col("ds"), "entity": col("ent"),
           "period": col("per"), "status": status, "reason": reason, "cmp": cmp,
           "lhs_lo": llo, "lhs_hi": lhi, "rhs_lo": rlo, "rhs_hi": rhi,
           "diff": (llo + lhi) / 2 - (rlo + rhi) / 2, "rounding": rounding,
           "category": category}
    return Block(item & _sel(rule, store), out, env.refs())


def combine(df: Any, blocks: list[Block], define: Any = None) -> Any:
    """Every block evaluated in one pass over `df` (one plan, shared sub-expressions computed
    once), then one row per (row of df, block) that is an item, in the common schema."""

    outs: dict[str, X] = {}
    for b, blk in enumerate(blocks):
        outs[f"b{b}_item"] = blk.item
        for name, x in blk.fields.items():
            outs[f"b{b}_{name}"] = x
        for i, r in enumerate(blk.refs):
            outs[f"b{b}_ref{i}"] = r
    df = S.project(df, outs, [], define)
    structs = []
    for b, blk in enumerate(blocks):
        fields = [f"'item', `b{b}_item`"]
        for name, typ in _OUT_SPEC.items():
            value = f"`b{b}_{name}`" if name in blk.fields else S.sql_lit(_DEFAULT.get(name, 0))
            fields.append(f"'{name}', CAST({value} AS {typ})")
        refs = ", ".join(f"CAST(`b{b}_ref{i}` AS BIGINT)" for i in range(len(blk.refs)))
        fields.append(f"'refs', filter(array({refs}), x -> x >= 0)" if blk.refs
                      else "'refs', CAST(array() AS ARRAY<BIGINT>)")
        structs.append(f"named_struct({', '.join(fields)})")
    rows = df.selectExpr(f"explode(array({', '.join(structs)})) AS v").where("v.item")
    return rows.selectExpr(*[f"v.{name}" for name in (*_OUT_SPEC, "refs")])


def agreement(rule: Any, ridx: int, ctx: Any, t: Tables) -> Any:
    """Groups of ≥ 2 numeric prints of one (record, indicator): Spark's group-by, then the
    kind's `decide` on the highest lower bound and the lowest upper bound."""
    from pyspark.sql import functions as F

    from ..kinds import agreement as K

    store = ctx.store
    inds = [store.ind_code[i] for i in ctx.indicators_of(rule) if i in store.ind_code]
    prints = t.figs.where(~F.col("nn") & F.col("ind").isin(inds) & _selected(F, rule, store))

    def finite_abs(c: str) -> Any:
        return F.when(F.abs(F.col(c)) == F.lit(float("inf")), F.lit(0.0)).otherwise(
            F.abs(F.col(c)))

    tie = ("prio", "seq", "row")
    # the prints the decision reads: highest lower bound (ties: the last print, as NumPy's
    # stable sort), lowest upper bound (ties: the first)
    g = prints.groupBy("rec", "ind", "ds", "ent", "per").agg(
        F.count("*").alias("n"),
        F.max(F.struct("lo", *tie, "hi")).alias("top"),
        F.min(F.struct("hi", *tie, "lo")).alias("bottom"),
        F.max(F.struct("tlo", *tie)).alias("wtop"), F.min(F.struct("thi", *tie)).alias("wbottom"),
        F.max(F.greatest(finite_abs("lo"), finite_abs("hi"))).alias("mag"),
        F.max(F.greatest(finite_abs("tlo"), finite_abs("thi"))).alias("wmag"),
        F.array_sort(F.collect_list(F.struct(*tie))).alias("_prints"),
    ).where(F.col("n") > 1)
    g = g.select("*", F.col("top.lo").alias("t_lo"), F.col("top.hi").alias("t_hi"),
                 F.col("bottom.hi").alias("b_hi"), F.col("bottom.lo").alias("b_lo"),
                 F.col("wtop.tlo").alias("wt_lo"), F.col("wbottom.thi").alias("wb_hi"))
    ok = K.decide(OPS, rule, col("t_lo"), col("b_hi"), col("mag"))
    wok = K.decide(OPS, rule, col("wt_lo"), col("wb_hi"), col("wmag"))
    status = OPS.where(ok, PASS, FAIL)
    rounding = ~ok & wok
    out = {"rule": lit(ridx), "o1": col("rec"), "o2": col("ind"), "dataset": col("ds"),
           "entity": col("ent"), "period": col("per"), "subject": col("ind"), "status": status,
           "lhs_lo": col("t_lo"), "lhs_hi": col("t_hi"), "rhs_lo": col("b_lo"),
           "rhs_hi": col("b_hi"),
           "diff": (col("t_lo") + col("t_hi")) / 2 - (col("b_lo") + col("b_hi")) / 2,
           "rounding": rounding,
           "category": OPS.where(status == FAIL, OPS.where(rounding, CATEGORY_CODE["rounding"],
                                                           CATEGORY_CODE["inconsistent"]), -1)}
    block = _finish(g, out, [], keep=["_prints"])
    return block.withColumn("refs", F.transform("_prints", lambda p: p["row"])).drop("_prints")


def bounds(rule: Any, ridx: int, ctx: Any) -> Block:
    from ..kinds import bounds as K

    store = ctx.store
    inds = [store.ind_code[i] for i in ctx.indicators_of(rule) if i in store.ind_code]
    item = S.isin(col("ind"), inds) & _sel(rule, store)
    if rule.units:
        item = item & S.isin(col("unit"), [k for k, u in enumerate(store.units)
                                            if u in rule.units])
    lo, hi, nn = col("lo"), col("hi"), col("nn")
    below, above = K.decide(OPS, rule, lo, hi)
    ok = ~(below | above)
    nan = float("nan")
    bound = OPS.where(below, rule.min if rule.min is not None else nan,
                      OPS.where(above, rule.max if rule.max is not None else nan, nan))
    status = OPS.where(nn, NA, OPS.where(ok, PASS, FAIL))
    gap = OPS.where(below, hi - bound, lo - bound)
    out = {"rule": lit(ridx), "o1": col("row"), "dataset": col("ds"), "entity": col("ent"),
           "period": col("per"), "subject": col("ind"), "status": status,
           "reason": OPS.where(nn, REASON_CODE["non_numeric"], 0), "lhs_lo": lo, "lhs_hi": hi,
           "rhs_lo": bound, "rhs_hi": bound, "diff": OPS.where(status == FAIL, gap, nan),
           "category": OPS.where(status == FAIL, CATEGORY_CODE["bounds"], -1)}
    return Block(item, out, [col("row")])


def objective(rule: Any, ridx: int, ctx: Any) -> list[Block]:
    from ..kinds import objective as K

    store = ctx.store
    blocks = []
    empty = store.uprints.index("") if "" in store.uprints else -1
    for pos, (base, direction) in enumerate(K.pairs(rule, ctx)):
        oc = store.ind_code.get(f"{base}.objective", -1)
        rc = store.ind_code.get(f"{base}.result", -1)
        ac = store.ind_code.get(f"{base}.attainment", -1)
        item = col(f"c{oc}_has") & col(f"c{rc}_has") & _sel(rule, store)

        def iv(k: int) -> A.Iv:
            return A.Iv(col(f"c{k}_lo"), col(f"c{k}_hi"), col(f"c{k}_nn"), lit(False), lit(False))

        o, r = iv(oc), iv(rc)
        po, pr = col(f"c{oc}_uprint"), col(f"c{rc}_uprint")
        unit_bad = (col(f"c{oc}_unit") != col(f"c{rc}_unit")) | (
            (po != empty) & (pr != empty) & (po != pr))
        missed = K.missed_objective(OPS, rule, direction, o, r)
        values = ~(o.miss | r.miss)
        known = values & lit(direction is not None)
        status = OPS.where(unit_bad, FAIL, OPS.where(known, OPS.where(missed, FAIL, PASS), NA))
        category = OPS.where(unit_bad, CATEGORY_CODE["unit"],
                             OPS.where(status == FAIL, CATEGORY_CODE["objective_missed"], -1))
        reason = OPS.where(status == NA, OPS.where(values, REASON_CODE["missing"],
                                                   REASON_CODE["non_numeric"]), 0)
        refs = [col(f"c{oc}_row"), col(f"c{rc}_row")] + ([col(f"c{ac}_row")] if ac >= 0 else [])
        base_out = {"rule": lit(ridx), "o1": lit(pos), "o3": col("rec"), "dataset": col("ds"),
                    "entity": col("ent"), "period": col("per")}
        blocks.append(Block(item, {
            **base_out, "o2": lit(K.MET), "subject": lit(oc), "aspect": lit(K.MET),
            "status": status, "reason": reason, "category": category, "lhs_lo": r.lo,
            "lhs_hi": r.hi, "rhs_lo": o.lo, "rhs_hi": o.hi,
            "diff": OPS.where(values, (r.lo + r.hi - o.lo - o.hi) / 2, float("nan"))}, refs))
        if ac < 0:
            continue
        a = iv(ac)
        fits, evaluable, up, down = K.attainment_fits(OPS, rule, o, r, a)
        st = OPS.where(evaluable, OPS.where(fits, PASS, FAIL), NA)
        ratio = up if direction != "lower" else down
        blocks.append(Block(item & col(f"c{ac}_has"), {
            **base_out, "o2": lit(K.ATTAINMENT), "subject": lit(ac), "aspect": lit(K.ATTAINMENT),
            "status": st, "reason": OPS.where(st == NA, OPS.where(
                a.miss, REASON_CODE["non_numeric"], REASON_CODE["undefined"]), 0),
            "category": OPS.where(st == FAIL, CATEGORY_CODE["inconsistent"], -1),
            "lhs_lo": a.lo, "lhs_hi": a.hi, "rhs_lo": ratio.lo, "rhs_hi": ratio.hi,
            "diff": OPS.where(st != NA, (a.lo + a.hi - ratio.lo - ratio.hi) / 2,
                              float("nan"))}, refs))
    return blocks


def objective_inds(rule: Any, ctx: Any) -> set[int]:
    from ..kinds import objective as K

    codes = ctx.store.ind_code
    return {codes[f"{b}.{s}"] for b, _d in K.pairs(rule, ctx)
            for s in ("objective", "result", "attainment") if f"{b}.{s}" in codes}


def rollup(rule: Any, ridx: int, ctx: Any, t: Tables) -> Any:
    from pyspark.sql import functions as F

    from ..kinds import rollup as K

    store, ref = ctx.store, ctx.pack.reference
    spark = t.spark
    inds = [store.ind_code[i] for i in ctx.indicators_of(rule, rule.method == "sum")
            if i in store.ind_code]
    names = sorted(ref.hierarchies)
    wcode = store.ind_code.get(rule.weight or "", -1)
    width = max([len(c) for h in rule.hierarchies for c in ref.hierarchies[h].values()] or [0])
    parents, children = [], []
    for hpos, h in enumerate(rule.hierarchies):
        for ppos, (parent, kids) in enumerate(sorted(ref.hierarchies[h].items())):
            pc = store.ent_code.get(parent)
            if pc is None:
                continue
            parents.append((hpos, ppos, pc, len(kids), names.index(h)))
            children += [(hpos, ppos, j, store.ent_code[c]) for j, c in enumerate(kids)
                         if c in store.ent_code]
    if not parents or not children or not inds or width == 0:
        return None
    hp = spark.createDataFrame(parents, "hpos int, ppos int, pent int, expected int, hier int")
    hc = spark.createDataFrame(children, "hpos int, ppos int, slot int, cent int")
    sel = t.resolved.where(F.col("ind").isin(inds) & _selected(F, rule, store))
    par = sel.join(F.broadcast(hp), sel.ent == hp.pent).select(
        "hpos", "ppos", "expected", "hier", "rec", "ind", "ds", "ent", "per",
        *[F.col(c).alias(f"p_{c}") for c in ("row", "lo", "hi", "tlo", "thi", "nn")])
    kids = par.select("hpos", "ppos", "rec", "ind", "ds", "per").join(F.broadcast(hc),
                                                                      ["hpos", "ppos"])
    child = sel.select(F.col("ds"), F.col("ent").alias("cent"), "per", "ind",
                       *[F.col(c).alias(f"c_{c}") for c in ("row", "lo", "hi", "tlo", "thi",
                                                            "nn")])
    kids = kids.join(child, ["ds", "cent", "per", "ind"], "left")
    aggs = ["c_row", "c_lo", "c_hi", "c_tlo", "c_thi", "c_nn"]
    if wcode >= 0:
        wsel = t.resolved.where((F.col("ind") == wcode) & _selected(F, rule, store)).select(
            "ds", F.col("ent").alias("cent"), "per",
            *[F.col(c).alias(f"w_{c}") for c in ("row", "lo", "hi", "nn")])
        kids = kids.join(wsel, ["ds", "cent", "per"], "left")
        aggs += ["w_row", "w_lo", "w_hi", "w_nn"]
    piv = kids.groupBy("hpos", "ppos", "rec", "ind").pivot("slot", list(range(width))).agg(
        *[F.first(c).alias(c) for c in aggs])
    df = par.join(piv, ["hpos", "ppos", "rec", "ind"], "left")
    has_any = F.lit(False)
    for j in range(width):
        has_any = has_any | F.col(f"{j}_c_row").isNotNull()
    df = df.where(has_any)
    fills: dict[str, Any] = {}
    for j in range(width):
        fills.update({f"{j}_c_lo": 0.0, f"{j}_c_hi": 0.0, f"{j}_c_tlo": 0.0, f"{j}_c_thi": 0.0,
                      f"{j}_c_nn": False})
        if wcode >= 0:
            fills.update({f"{j}_w_lo": 0.0, f"{j}_w_hi": 0.0, f"{j}_w_nn": False})
    df = df.select("*", *[F.col(f"{j}_c_row").isNotNull().alias(f"{j}_has")
                          for j in range(width)],
                   *([F.col(f"{j}_w_row").isNotNull().alias(f"{j}_whas") for j in range(width)]
                     if wcode >= 0 else [])).fillna(fills)

    def judge(widen: bool) -> tuple[X, X, A.Iv, A.Iv]:
        lo, hi = ("tlo", "thi") if widen else ("lo", "hi")
        has = [col(f"{j}_has") for j in range(width)]
        c_nn = [has[j] & col(f"{j}_c_nn") for j in range(width)]
        c_lo = [col(f"{j}_c_{lo}") for j in range(width)]
        c_hi = [col(f"{j}_c_{hi}") for j in range(width)]
        ok = [has[j] & ~c_nn[j] for j in range(width)]
        bad_w: X = lit(False)
        if rule.method == "weighted_mean":
            if wcode < 0:
                w = [lit(float("nan"))] * width
            else:
                w = [OPS.where(~col(f"{j}_whas") | col(f"{j}_w_nn"), float("nan"),
                               (col(f"{j}_w_lo") + col(f"{j}_w_hi")) / 2) for j in range(width)]
            ok = [ok[j] & ~OPS.isnan(w[j]) for j in range(width)]
            bad_w = S.any_of([ok[j] & (w[j] <= 0) for j in range(width)])
            wv = [OPS.where(ok[j], w[j], 0.0) for j in range(width)]
            sw = S.pairwise_sum(wv)
            bad_w = bad_w | (S.any_of(ok) & (sw <= 0))
            safe = OPS.where(sw > 0, sw, 1.0)
            e_lo = S.pairwise_sum([OPS.where(ok[j], c_lo[j], 0.0) * wv[j]
                                   for j in range(width)]) / safe
            e_hi = S.pairwise_sum([OPS.where(ok[j], c_hi[j], 0.0) * wv[j]
                                   for j in range(width)]) / safe
        else:
            e_lo = S.pairwise_sum([OPS.where(ok[j], c_lo[j], 0.0) for j in range(width)])
            e_hi = S.pairwise_sum([OPS.where(ok[j], c_hi[j], 0.0) for j in range(width)])
        n_ok: X = lit(0)
        n_present: X = lit(0)
        for j in range(width):
            n_ok = X("+", (n_ok, OPS.where(ok[j], 1, 0)))
            n_present = X("+", (n_present, OPS.where(has[j], 1, 0)))
        p_miss = col("p_nn")
        pv = A.Iv(col(f"p_{lo}"), col(f"p_{hi}"), p_miss, lit(False), lit(False))
        ev = A.Iv(e_lo, e_hi, lit(False), lit(False), bad_w)
        nonnum = p_miss | S.any_of(c_nn)
        status, reason = K.decide(OPS, rule, pv, ev, n_ok, n_present, col("expected"), nonnum)
        return status, reason, pv, ev

    status, reason, p, e = judge(False)
    wstatus, _, _, _ = judge(True)
    rounding = (status == FAIL) & (wstatus == PASS)
    category = OPS.where(status == FAIL, OPS.where(rounding, CATEGORY_CODE["rounding"],
                                                   CATEGORY_CODE["inconsistent"]),
                         OPS.where(reason >= 3, CATEGORY_CODE["missing"], -1))
    refs = [col("p_row")] + [OPS.where(col(f"{j}_has"), col(f"{j}_c_row"), -1)
                             for j in range(width)]
    if wcode >= 0:
        refs += [OPS.where(col(f"{j}_whas"), col(f"{j}_w_row"), -1) for j in range(width)]
    out = {"rule": lit(ridx), "o1": col("hpos"), "o2": col("ppos"), "o3": col("ind"),
           "o4": col("rec"), "dataset": col("ds"), "entity": col("ent"), "period": col("per"),
           "subject": col("ind"), "hierarchy": col("hier"), "status": status, "reason": reason,
           "lhs_lo": p.lo, "lhs_hi": p.hi, "rhs_lo": e.lo, "rhs_hi": e.hi,
           "diff": (p.lo + p.hi) / 2 - (e.lo + e.hi) / 2, "rounding": rounding,
           "category": category}
    return _finish(df, out, refs)


def non_numeric(rule: Any, ridx: int, ctx: Any) -> Block:
    nn = col("nn")
    out = {"rule": lit(ridx), "o1": col("row"), "dataset": col("ds"), "entity": col("ent"),
           "period": col("per"), "subject": col("ind"), "status": OPS.where(nn, FAIL, PASS),
           "category": OPS.where(nn, CATEGORY_CODE["non_numeric"], -1)}
    return Block(lit(True), out, [OPS.where(nn, col("row"), -1)])


def print_unit(rule: Any, ridx: int, ctx: Any) -> Block:
    from ..figures import unit_factor

    store = ctx.store
    nu = len(store.units)
    bad_pairs = [pu * nu + u for pu, printed in enumerate(store.uprints)
                 for u, unit in enumerate(store.units) if unit_factor(printed or None, unit) is None]
    paired = [k for k, i in enumerate(store.indicators) if i.endswith((".objective", ".result"))]
    bad = S.isin(col("uprint") * nu + col("unit"), bad_pairs) & ~S.isin(col("ind"), paired)
    out = {"rule": lit(ridx), "o1": col("row"), "dataset": col("ds"), "entity": col("ent"),
           "period": col("per"), "subject": col("ind"), "status": OPS.where(bad, FAIL, PASS),
           "category": OPS.where(bad, CATEGORY_CODE["unit"], -1)}
    return Block(lit(True), out, [OPS.where(bad, col("row"), -1)])


# --- the engine ----------------------------------------------------------------------------------

def verdict_blocks(rules: list[Any], ctx: Any, t: Tables) -> list[Any]:
    """The verdicts of every rule as a few Spark DataFrames in the common schema: the kinds
    evaluated per record (equation, objective) in one pass over the records' table, those per
    print (bounds, the built-ins) in one pass over the figures, roll-ups and agreement apart."""
    store = ctx.store
    per_record: list[Block] = []
    per_figure: list[Block] = []
    frames: list[Any] = []
    cur: set[int] = set()
    prev: set[int] = set()
    for ridx, rule in enumerate(rules):
        if rule.kind == "equation":
            per_record.append(equation(rule, ridx, ctx))
            cur |= {store.ind_code[i] for i in rule.needed}
            prev |= {store.ind_code[i] for i in rule.needed_prev}
        elif rule.kind == "objective":
            per_record += objective(rule, ridx, ctx)
            cur |= objective_inds(rule, ctx)
        elif rule.kind in ("bounds", "non_numeric", "print_unit"):
            per_figure.append({"bounds": bounds, "non_numeric": non_numeric,
                               "print_unit": print_unit}[rule.kind](rule, ridx, ctx))
        else:
            b = {"rollup": rollup, "agreement": agreement}[rule.kind](rule, ridx, ctx, t)
            if b is not None:
                frames.append(b)
    if per_record:  # one small plan per rule over the cached records' table: Catalyst and
        # the code generator cost grows faster than linearly with a plan's width
        wide = t.wide(sorted(cur), sorted(prev)).persist()
        frames += [combine(wide, [blk], _leaf) for blk in per_record]
    if per_figure:
        frames.append(combine(t.figs, per_figure))
    return frames


def collect(blocks: list[Any]) -> Verdicts:
    """The union of the blocks, sorted as the embedded engine emits them, as a Verdicts."""
    if not blocks:
        return Verdicts.build(0, np.zeros((0, 0), dtype=np.int64))
    df = blocks[0]
    for b in blocks[1:]:
        df = df.unionByName(b)
    table = df.orderBy("rule", *ORDER).toArrow()
    n = table.num_rows
    cols: dict[str, np.ndarray] = {}
    for name in INT_COLUMNS:
        cols[name] = table.column(name).to_numpy().astype(np.int32)
    for name in FLOAT_COLUMNS:
        cols[name] = table.column(name).to_numpy().astype(np.float64)
    for name in BOOL_COLUMNS:
        cols[name] = table.column(name).to_numpy(zero_copy_only=False).astype(bool)
    refs = table.column("refs").combine_chunks()
    offsets = np.asarray(refs.offsets, dtype=np.int64) if n else np.zeros(1, dtype=np.int64)
    ptr = offsets - offsets[0]
    idx = np.asarray(refs.flatten(), dtype=np.int64) if n else np.zeros(0, dtype=np.int64)
    return Verdicts(cols, ptr, idx)


class SparkEngine:
    """engine.Engine's contract (`run() → Run`), with the verdicts computed by Spark."""

    def __init__(self, figures: Any, pack: Any, records: list[tuple[str, str, str]] | None = None,
                 options: SparkOptions | None = None, spark_figures: Any = None):
        from ..engine import Engine

        self.local = Engine(figures, pack, records)  # codes, rules, context: as the embedded one
        self.options = options
        self.spark_figures = spark_figures

    def run(self) -> Any:
        from ..engine import Run

        spark = session(self.options)
        e = self.local
        t = Tables(spark, e.store, self.spark_figures)
        try:
            verdicts = collect(verdict_blocks(e.rules, e.context, t))
        finally:
            t.figs.unpersist()
            t.resolved.unpersist()
            spark.catalog.clearCache()
        return Run(e.rules, verdicts, e.store, e.context)
