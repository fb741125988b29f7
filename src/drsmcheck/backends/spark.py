"""The distributed backend: Apache Spark spreads the datasets, the one engine evaluates them.

Every rule of a pack evaluates within one dataset (a record is dataset × entity × period;
roll-ups read the entities of the same dataset and period, `prev()` the same dataset's previous
period), so the figures are grouped by dataset in Spark (`groupBy("dataset").applyInArrow`) and
each group runs the embedded engine (`engine.Engine`: the NumPy Store and `kinds/`) inside a
Spark Python worker. The groups' verdict tables come back as Arrow (through Parquet files in
local mode, so that 10⁷ figures never sit in the driver JVM's heap), with the figures they read
as figure ids (the row numbers of the figures table, never a group's own positions) and the
dataset and period as names, and are re-coded onto the driver's Store: the same semantics by
construction, the same verdicts, hence the same anomalies, ids and diagnosis.

Chosen by measurement (issue 10): the earlier prototype compiled the algebra into Spark column
expressions; the 123 equations of the shipped pack took ~40 s to plan and one sample ~5 min.
Here Spark does what it is good at (reading, partitioning, scheduling, shuffling whole
datasets to workers) and the per-dataset work stays vectorized NumPy.
"""

from __future__ import annotations

import atexit
import os
import pickle
import shutil
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..verdicts import BOOL_COLUMNS, FLOAT_COLUMNS, INT_COLUMNS, Verdicts
from .numpy import Store

# the figures-table columns the engine's Store reads (figures.py); the figure id is added
ENGINE_COLUMNS = Store.READS
FIGURE_ID = "_fid"
# verdict columns whose codes are a group's own (re-coded by name on the driver)
_RECODED = ("dataset", "period")


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
    with warnings.catch_warnings():  # pyspark warns about pandas 3 at import
        warnings.simplefilter("ignore")
        from pyspark import SparkConf, SparkContext
        from pyspark.java_gateway import launch_gateway
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
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.warehouse.dir": os.path.join(tmp, "warehouse"),
        "spark.local.dir": os.path.join(tmp, "local"),
        "spark.driver.extraJavaOptions": java_opts,
        "spark.sql.ansi.enabled": "false",          # IEEE doubles, as NumPy's (∞, NaN)
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        "spark.sql.session.timeZone": "UTC",
    }
    if master.startswith("local"):
        conf["spark.sql.shuffle.partitions"] = "8"
        # the driver is the executor: room for the shuffle of 10⁷ figures (the data itself
        # comes and goes through Parquet files, see `evaluate`)
        conf["spark.driver.memory"] = "2g"
        # the workers run this interpreter (its venv holds drsmcheck); a cluster sets its own
        conf["spark.pyspark.python"] = os.environ.get("PYSPARK_PYTHON", sys.executable)
    conf.update(options.conf)
    spark_conf = SparkConf().setMaster(master).setAppName("drsmcheck")
    for k, v in conf.items():
        spark_conf.set(k, v)
    cwd = os.getcwd()
    # the JVM's own stderr (launcher notices, Python workers' warnings) goes to a log in the
    # temp dir, shown only when Spark fails to start
    log = open(os.path.join(tmp, "jvm.log"), "w+b")  # noqa: SIM115 - closed by stop()
    try:
        os.chdir(tmp)  # anything Spark still writes relative to the cwd lands in the temp dir
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gateway = launch_gateway(spark_conf, popen_kwargs={"stderr": log})
            context = SparkContext(conf=spark_conf, gateway=gateway)
            spark = SparkSession(context)
    except Exception as exc:  # noqa: BLE001 - a JVM that does not start is bad setup, exit 2
        log.seek(0)
        tail = [ln for ln in log.read().decode("utf-8", "replace").splitlines() if ln.strip()]
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)
        why = (tail[-1] if tail else str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
        raise InputError("--backend spark", None, f"Spark did not start: {why}",
                         "check --spark-master / SPARK_MASTER, --spark-conf and the Java "
                         "runtime (java -version)") from None
    finally:
        os.chdir(cwd)
    context.setLogLevel("ERROR")
    _SESSION.update(key=key, spark=spark, tmp=tmp, log=log)
    if not _SESSION.get("atexit"):
        atexit.register(stop)
        _SESSION["atexit"] = True
    return spark


def stop() -> None:
    """Stop the session and remove its temp dir (safe to call twice)."""
    spark, tmp = _SESSION.pop("spark", None), _SESSION.pop("tmp", None)
    log = _SESSION.pop("log", None)
    _SESSION.pop("key", None)
    try:
        if spark is not None:
            try:
                spark.stop()
            except Exception:  # noqa: BLE001 - a JVM already gone (killed, out of memory)
                pass
            _stop_jvm()
    finally:
        if log is not None:
            log.close()
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def _stop_jvm() -> None:
    """End the gateway JVM this process started (closing its stdin ends it), so that a next
    session starts its own, with its own temp dir."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    SparkContext._gateway = None
    SparkContext._jvm = None
    if gateway is None:
        return
    try:
        gateway.shutdown()
    except Exception:  # noqa: BLE001, S110 - already gone
        pass
    proc = getattr(gateway, "proc", None)
    if proc is not None:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=60)
        except Exception:  # noqa: BLE001 - a JVM that does not end: ask it to
            proc.kill()


# --- evaluation: one dataset per group ------------------------------------------------------------

_OUT_SCHEMA = ", ".join(
    [f"{c} {'string' if c in _RECODED else 'int'}" for c in INT_COLUMNS]
    + [f"{c} double" for c in FLOAT_COLUMNS] + [f"{c} boolean" for c in BOOL_COLUMNS]
    + ["pos bigint", "own bigint", "refs array<bigint>"])
# kinds whose verdicts are one per figure, in figure order (the rest are in record order,
# grouped as noted in `global_order`)
FIGURE_KINDS = ("bounds", "non_numeric", "print_unit")


class EvaluateDataset:
    """The function each Spark group runs: the embedded engine on one dataset's figures.

    Picklable (Spark ships it to the workers): it holds the rule pack pickled once and the
    records each dataset declares apart from its figures.
    """

    def __init__(self, pack: Any, records: dict[str, list[tuple[str, str, str]]]):
        self.pack_bytes = pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL)
        self.records = records
        self._pack: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"pack_bytes": self.pack_bytes, "records": self.records, "_pack": None}

    def __call__(self, table: Any) -> Any:
        import pandas as pd
        import pyarrow as pa
        import pyarrow.compute as pc

        from ..engine import Engine

        if self._pack is None:
            self._pack = pickle.loads(self.pack_bytes)
        table = table.take(pc.sort_indices(table, [(FIGURE_ID, "ascending")]))
        # the columns as the loader types them: object arrays with None, not pandas strings
        frame = pd.DataFrame({c: _column(table[c], pd) for c in ENGINE_COLUMNS}, copy=False)
        fid = table[FIGURE_ID].to_numpy(zero_copy_only=False).astype(np.int64)
        dataset = str(frame["dataset"].iat[0])
        run = Engine(frame, self._pack, self.records.get(dataset, [])).run()
        return verdicts_to_arrow(run.verdicts.full(), run.store, fid, pa, run.rules)


def _column(arr: Any, pd: Any) -> Any:
    """A column as the loader types it: strings as objects with None (pandas would otherwise
    infer its string dtype, whose missing value is NaN, not None)."""
    values = arr.to_numpy(zero_copy_only=False)
    return pd.Series(values, dtype=object, copy=False) if values.dtype == object else values


def _table_function(fn: EvaluateDataset) -> Any:
    """`fn` as the plain function of Arrow tables Spark expects (it reads the type hints to
    choose the table API over the batch iterator one)."""
    import pyarrow as pa

    def evaluate_dataset(table: pa.Table) -> pa.Table:
        return fn(table)

    evaluate_dataset.__annotations__ = {"table": pa.Table, "return": pa.Table}
    return evaluate_dataset


def verdicts_to_arrow(v: Verdicts, store: Any, fid: np.ndarray, pa: Any, rules: list[Any]
                      ) -> Any:
    """One group's verdicts as Arrow: its dataset and period codes as names, the figures read
    as figure ids, each row's position (the engine's order within the group) and, for the
    kinds that judge every figure, that figure's id (`own`, the global order of those)."""
    own = np.full(len(v), -1, dtype=np.int64)
    codes = v["rule"]
    for k, rule in enumerate(rules):
        if rule.kind not in FIGURE_KINDS:
            continue
        rows = np.flatnonzero(codes == k)
        if rule.kind == "bounds":  # one figure read: the figure judged
            own[rows] = fid[v.idx[v.ptr[rows]]]
        else:  # every figure of the group, in order
            own[rows] = fid[np.arange(len(rows))]
    cols: dict[str, Any] = {}
    for c in INT_COLUMNS:
        if c == "dataset":
            cols[c] = pa.array(np.asarray(store.datasets, dtype=object)[v[c]], pa.string())
        elif c == "period":
            cols[c] = pa.array(np.asarray(store.periods, dtype=object)[v[c]], pa.string())
        else:
            cols[c] = pa.array(v[c], pa.int32())
    for c in FLOAT_COLUMNS:
        cols[c] = pa.array(v[c], pa.float64())
    for c in BOOL_COLUMNS:
        cols[c] = pa.array(v[c], pa.bool_())
    cols["pos"] = pa.array(np.arange(len(v), dtype=np.int64))
    cols["own"] = pa.array(own)
    cols["refs"] = pa.ListArray.from_arrays(pa.array(v.ptr, pa.int32()),
                                            pa.array(fid[v.idx], pa.int64()))
    return pa.table(cols)


def arrow_to_verdicts(column: Any, n: int, store: Any, rules: list[Any], pack: Any) -> Verdicts:
    """The groups' verdicts re-coded onto the driver's Store, in the embedded engine's order
    (`global_order`: the diagnosis reads roll-up items by their position in a rule's block).

    `column(name)` gives one column of the groups' output (Arrow): read one at a time, each
    converted and put in order before the next, so that the raw output and the verdict table
    are never both whole in memory (10⁷ figures make ~2·10⁷ verdicts).
    """
    import pyarrow as pa

    def ints(c: str) -> np.ndarray:
        arr = column(c)
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if c in _RECODED:
            return _recode(arr, store.datasets if c == "dataset" else store.periods)
        return arr.to_numpy(zero_copy_only=False).astype(np.int32)

    keys = {c: ints(c) for c in ("rule", "dataset", "entity", "subject", "aspect", "hierarchy")}
    pos = np.asarray(column("pos"), dtype=np.int64).copy()
    own = np.asarray(column("own"), dtype=np.int64)
    order = global_order(keys, pos, own, store, rules, pack)
    del pos, own
    cols: dict[str, np.ndarray] = {}
    for c in INT_COLUMNS:
        cols[c] = (keys.pop(c) if c in keys else ints(c))[order]
    for c in FLOAT_COLUMNS:
        cols[c] = np.asarray(column(c), dtype=np.float64)[order]
    for c in BOOL_COLUMNS:
        cols[c] = np.asarray(column(c), dtype=bool)[order]
    refs = column("refs")
    refs = refs.combine_chunks() if isinstance(refs, pa.ChunkedArray) else refs
    if not n:
        return Verdicts(cols, np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64))
    offsets = refs.offsets.to_numpy().astype(np.int64)
    flat = refs.values.to_numpy().astype(np.int64)
    del refs
    lengths = np.diff(offsets)[order]
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    # gather each sorted row's slice of the flat ref list, vectorized
    starts = np.repeat(offsets[:-1][order] - ptr[:-1], lengths)
    starts += np.arange(ptr[-1], dtype=np.int64)
    return Verdicts(cols, ptr, flat[starts])


def global_order(cols: dict[str, np.ndarray], pos: np.ndarray, own: np.ndarray, store: Any,
                 rules: list[Any], pack: Any) -> np.ndarray:
    """The permutation that puts the groups' verdicts in the order the embedded engine emits
    them on all the figures at once. Rule by rule (the engine's blocks), and within a rule:
    - equation, agreement: by record (dataset first), i.e. dataset, then the group's order;
    - bounds and the built-ins: by the figure judged (its id);
    - rollup: by hierarchy (the rule's order), parent entity, indicator, then dataset;
    - objective: by pair (objective indicator), aspect (met, attainment), then dataset.
    """
    n = len(pos)
    rule = cols["rule"].astype(np.int64)
    ds = cols["dataset"].astype(np.int64)
    k1, k2, k3 = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.int64)
    names = sorted(pack.reference.hierarchies)
    for code, r in enumerate(rules):
        rows = np.flatnonzero(rule == code)
        if not len(rows):
            continue
        if r.kind in FIGURE_KINDS:
            k1[rows] = own[rows]
            ds[rows] = 0
            pos[rows] = 0
        elif r.kind == "rollup":
            rank = np.array([r.hierarchies.index(h) if h in r.hierarchies else len(names)
                             for h in names] + [len(names)], dtype=np.int64)
            k1[rows] = rank[cols["hierarchy"][rows]]
            k2[rows] = cols["entity"][rows]
            k3[rows] = cols["subject"][rows]
        elif r.kind == "objective":
            sub = cols["subject"][rows]
            pair = np.empty(len(rows), np.int64)
            for s_code in np.unique(sub):
                name = store.indicators[s_code]
                base = name.rsplit(".", 1)[0]
                pair[sub == s_code] = store.ind_code.get(f"{base}.objective", s_code)
            k1[rows] = pair
            k2[rows] = cols["aspect"][rows]
    return np.lexsort((pos, ds, k3, k2, k1, rule))


def _recode(arr: Any, names: list[str]) -> np.ndarray:
    import pyarrow as pa
    import pyarrow.compute as pc

    codes = pc.index_in(arr, value_set=pa.array(names, pa.string()))
    if codes.null_count:
        raise AssertionError("a Spark group returned a dataset or period the driver lacks")
    return codes.to_numpy(zero_copy_only=False).astype(np.int32)


def evaluate(figures: Any, pack: Any, records: list[tuple[str, str, str]], store: Any,
             rules: list[Any], options: SparkOptions | None = None) -> Verdicts:
    """The verdict table of `figures` (the loaded figures table, row = figure id) computed in
    Spark, one group per dataset, coded for `store` (the driver's Store of the same figures)."""
    spark = session(options)
    by_ds: dict[str, list[tuple[str, str, str]]] = {}
    for rec in records:
        by_ds.setdefault(rec[0], []).append(rec)
    try:
        column, n = _run_groups(spark, figures, EvaluateDataset(pack, by_ds))
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - a failed Spark job: what the JVM said, exit 2
        if type(exc).__name__ == "PythonException":
            raise  # drsmcheck's own code failed in a worker: a bug (exit 3), not the setup
        raise InputError("--backend spark", None, f"the Spark job failed: {_jvm_error(exc)}",
                         "give Spark more memory (--spark-conf spark.driver.memory=8g, "
                         "spark.executor.memory=8g) or more executors (--spark-master)") from None
    try:
        return arrow_to_verdicts(column, n, store, rules, pack)
    finally:
        for name in os.listdir(_SESSION["tmp"]):
            if name.startswith("exchange-"):
                shutil.rmtree(os.path.join(_SESSION["tmp"], name), ignore_errors=True)


def _run_groups(spark: Any, figures: Any, fn: EvaluateDataset) -> tuple[Any, int]:
    """Every dataset's verdicts: (a function giving one output column as Arrow, row count)."""
    import pyarrow.parquet as pq

    local = str(spark.sparkContext.master).startswith("local")
    exchange = os.path.join(_SESSION["tmp"], f"exchange-{len(os.listdir(_SESSION['tmp']))}")
    with warnings.catch_warnings():  # pyspark warns about pandas 3 on every Arrow UDF
        warnings.simplefilter("ignore")
        if local:
            # through Parquet files in the session's temp dir: neither the figures nor the
            # verdicts pass through the driver JVM's heap (10⁷ figures would not fit in 1 GB)
            os.makedirs(exchange)
            path = os.path.join(exchange, "figures.parquet")
            write_figures(figures, path)
            df = spark.read.parquet(path)
        else:
            df = spark.createDataFrame(figures_arrow(figures))
        out = df.groupBy("dataset").applyInArrow(_table_function(fn), _OUT_SCHEMA)
        if not local:
            table = out.toArrow()
            return (lambda c: table[c]), table.num_rows
        out.write.parquet(os.path.join(exchange, "verdicts"))
        dataset = pq.ParquetDataset(os.path.join(exchange, "verdicts"))
        n = sum(f.metadata.num_rows for f in dataset.fragments)
        return (lambda c: dataset.read(columns=[c])[c]), n


def _jvm_error(exc: Exception) -> str:
    """The first line that says what went wrong: the JVM's log, else the exception's."""
    log = _SESSION.get("log")
    lines: list[str] = []
    if log is not None:
        log.flush()
        log.seek(0)
        lines = log.read().decode("utf-8", "replace").splitlines()
        log.seek(0, os.SEEK_END)
    for line in lines:
        if "OutOfMemoryError" in line or "Exception:" in line or " ERROR " in line:
            return line.strip()[:300]
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:300]


class SparkEngine:
    """`engine.Engine` with its verdicts computed in Spark (the driver keeps the Store the
    anomalies and the diagnosis read)."""

    def __init__(self, figures: Any, pack: Any, records: list[tuple[str, str, str]] | None = None,
                 options: SparkOptions | None = None):
        from ..engine import Engine

        self.local = Engine(figures, pack, records)
        self.figures, self.pack, self.records = figures, pack, list(records or [])
        self.options = options

    def run(self) -> Any:
        from ..engine import Run, compact

        e = self.local
        verdicts = evaluate(self.figures, self.pack, self.records, e.store, e.rules,
                            self.options)
        return Run(e.rules, compact(verdicts, e.rules, e.store), e.store, e.context)


def write_figures(figures: Any, path: str, chunk: int = 1_000_000) -> None:
    """The engine columns as one Parquet file, written a million figures at a time (the Arrow
    copy of 10⁷ figures' strings would be another gigabyte on the driver)."""
    import pyarrow.parquet as pq

    first = figures_arrow(figures.iloc[:chunk], 0)
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first)
        del first
        for start in range(chunk, len(figures), chunk):
            writer.write_table(figures_arrow(figures.iloc[start:start + chunk], start))


def figures_arrow(figures: Any, offset: int = 0) -> Any:
    """The engine's columns of the figures table as Arrow, with the figure id (row number)."""
    import pyarrow as pa

    from ..figures import COLUMNS

    types = {"str": pa.string(), "float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}
    dtype = {c.name: types[c.dtype] for c in COLUMNS}
    cols = {}
    for c in ENGINE_COLUMNS:
        arr = figures[c].to_numpy()
        # typed by the contract (a column of None is still strings); strings: None → null;
        # floats keep NaN as NaN (a non-numeric figure's bounds)
        cols[c] = pa.array(arr, type=dtype[c], from_pandas=arr.dtype == object)
    cols[FIGURE_ID] = pa.array(np.arange(offset, offset + len(figures), dtype=np.int64))
    return pa.table(cols)
