"""The embedded (NumPy) and Spark backends side by side on the national dataset.

For each size (default 10⁶ and 10⁷ figures, `national.py`) and backend (`numpy`; `spark` on
local[2]), one child process does what `drsmcheck validate --format json` does, phase by phase
(import, load, schema, spark session, engine, anomalies, diagnosis, render), and reports per
phase the wall and CPU time of its whole process tree (the JVM and Spark's Python workers
included, read from /proc). The parent samples the tree's resident memory (the sum over its
processes, every 0.2 s) and stops a child whose tree passes `--mem-limit` GB (a run that does
not fit is reported as such, not left to the machine's OOM killer). It also checks that both
backends found the same anomalies (ids) and how many injected errors each recovered, and
measures reading the Parquet files into Arrow on the driver: pyarrow vs Spark.

    python benchmarks/bench_backends.py                      # 10^6 and 10^7 → results/backends.md
    python benchmarks/bench_backends.py --sizes 100000 --out /tmp/b

Not a test: timings depend on the machine; the lead re-runs it on an idle one.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

T_START = time.perf_counter()
HERE = Path(__file__).resolve().parent
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def installed_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A child's environment as after `pip install`: drsmcheck's bytecode compiled once (pip
    compiles a wheel's modules; the peers' site-packages have theirs) and a calling shell's
    PYTHONDONTWRITEBYTECODE dropped — else every run recompiles drsmcheck's ~80 modules
    (~0.25 s of each run at 10^5 figures) while the peers load theirs from .pyc files."""
    import compileall

    import drsmcheck

    compileall.compile_dir(str(Path(drsmcheck.__file__).parent), quiet=1)
    env = {**os.environ, **(extra or {})}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


# -- process tree accounting ----------------------------------------------------------------------
def _procs() -> dict[int, tuple[int, float, int]]:
    """pid → (parent pid, cpu seconds incl. waited children, rss bytes) of every process."""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as fh:
                raw = fh.read().decode()
        except OSError:
            continue
        f = raw[raw.rindex(")") + 2:].split()
        # fields after the name: state ppid ... utime(12) stime(13) cutime(14) cstime(15) rss(22)
        cpu = (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / CLK
        out[int(d)] = (int(f[1]), cpu, int(f[21]) * PAGE)
    return out


def tree(root: int) -> tuple[float, int, list[int]]:
    """(cpu seconds, rss bytes, pids) of `root` and all its descendants."""
    procs = _procs()
    kids: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in procs.items():
        kids.setdefault(ppid, []).append(pid)
    todo, seen = [root], []
    while todo:
        p = todo.pop()
        if p in procs:
            seen.append(p)
            todo.extend(kids.get(p, []))
    return (sum(procs[p][1] for p in seen), sum(procs[p][2] for p in seen), seen)


def _hwm(reset: bool = True) -> int:
    """This process' peak resident set (VmHWM, bytes) since the last reset; then reset it
    (Linux: `5` to /proc/self/clear_refs), so that each phase gets its own peak."""
    peak = 0
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                peak = int(line.split()[1]) * 1024
    if reset:
        try:
            with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
                fh.write("5")
        except OSError:
            pass
    return peak


class Phases:
    """Wall and process-tree CPU per phase, measured from inside the child; a chunked run
    passes each phase once per group of datasets: the times add up, and the memory is the
    largest tree RSS at the phase's ends and this process' largest peak RSS inside it."""

    def __init__(self, progress: Path | None = None) -> None:
        self.t: dict[str, dict[str, float]] = {}
        self.workers: dict[str, dict[str, float]] = {}
        self._wall = T_START
        self._cpu = 0.0
        self.progress = progress  # the phases so far, for a run stopped at the memory limit

    def lap(self, name: str) -> None:
        cpu, rss, _ = tree(os.getpid())
        now = time.perf_counter()
        t = self.t.setdefault(name, {"wall": 0.0, "cpu": 0.0, "rss_gb": 0.0, "laps": 0})
        t["wall"] += now - self._wall
        t["cpu"] += cpu - self._cpu
        t["rss_gb"] = max(t["rss_gb"], rss / 2**30)
        t["hwm_gb"] = max(t.get("hwm_gb", 0.0), _hwm() / 2**30)
        t["laps"] += 1
        self._wall, self._cpu = now, cpu
        if self.progress is not None:
            self.progress.write_text(json.dumps(self.t), encoding="utf-8")

    __call__ = lap   # passed as report.validate's `lap`, with `add` beside it

    def add(self, name: str, seconds: float) -> None:
        """A phase run by a worker process (parallel groups), wall summed over the workers:
        they overlap, so these are not parts of the run's wall time (`groups` is)."""
        w = self.workers.setdefault(name, {"wall": 0.0, "laps": 0})
        w["wall"] += seconds
        w["laps"] += 1


# -- the child: one backend, one dataset ---------------------------------------------------------
def child(backend: str, data: Path, rules: Path, out: Path, chunk: int | None = None) -> None:
    ph = Phases(out.with_suffix(".progress"))
    from drsmcheck import report as R
    from drsmcheck.backends import Backend
    from drsmcheck.pack import load_pack
    from drsmcheck.reporters.json import write

    ph.lap("import")
    pack = load_pack(rules, defaults=False)
    chosen = Backend(backend, "local[2]") if backend == "spark" else Backend(backend)
    if backend == "spark":
        from drsmcheck.backends.spark import SparkOptions, session

        session(SparkOptions("local[2]"))
        ph.lap("spark_start")
    # what `drsmcheck validate --format json --output F` does: group by group (chunks.py;
    # `chunk` figures a group, 0 = the one-shot run), the anomalies spooled, report.json
    # streamed from the spool
    rep = R.validate([data], pack, chosen, chunk_figures=chunk, spool=True, lap=ph)
    with open(out.with_suffix(".report.json"), "wb", buffering=1 << 20) as fh:
        write(rep, fh)
    ph.lap("render")
    found = {a["id"] for a in rep["anomalies"]}
    suspects = sorted({(a["dataset"], a["suspect"]["ref"].split("@")[0]) for a in rep["anomalies"]
                       if a["suspect"]})
    ph.lap("collect")   # the benchmark's own reading back of the ids (not the CLI's work)
    out.write_text(json.dumps({"phases": ph.t, "workers": ph.workers, "figures": rep["summary"]["figures"],
                               "anomalies": len(found), "ids": sorted(found),
                               "suspects": suspects, "chunk": chunk}), encoding="utf-8")
    if backend == "spark":
        from drsmcheck.backends.spark import stop

        stop()


def child_read(data: Path, out: Path) -> None:
    """Reading every Parquet file of the national dataset into one Arrow table on the
    driver: pyarrow (what the embedded loader does) against Spark (read, then toArrow)."""
    import pyarrow.parquet as pq

    files = sorted(str(p) for p in data.rglob("*.parquet"))
    res: dict[str, Any] = {"files": len(files)}
    t0, c0 = time.perf_counter(), tree(os.getpid())[0]
    n = sum(pq.read_table(f).num_rows for f in files)
    res["pyarrow"] = {"wall": time.perf_counter() - t0, "cpu": tree(os.getpid())[0] - c0,
                      "rows": n}
    from drsmcheck.backends.spark import SparkOptions, session, stop

    spark = session(SparkOptions("local[2]"))
    t0, c0 = time.perf_counter(), tree(os.getpid())[0]
    df = spark.read.parquet(*files).selectExpr("*", "_metadata.file_path as file",
                                               "_metadata.row_index as row")
    table = df.toArrow()
    res["spark"] = {"wall": time.perf_counter() - t0, "cpu": tree(os.getpid())[0] - c0,
                    "rows": table.num_rows}
    stop()
    out.write_text(json.dumps(res), encoding="utf-8")


# -- the parent --------------------------------------------------------------------------------
def run_child(args: list[str], out: Path, mem_limit: float, tail: list[str] | None = None,
              env: dict[str, str] | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    err = out.with_suffix(".stderr")
    with open(err, "w", encoding="utf-8") as ferr:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "child", *args,
                                 str(out), *(tail or [])], stdout=subprocess.DEVNULL, stderr=ferr,
                                start_new_session=True, env=installed_env(env))
    peak, stopped = [0], [False]

    def sample() -> None:
        while proc.poll() is None:
            _, rss, _ = tree(proc.pid)
            peak[0] = max(peak[0], rss)
            if rss > mem_limit * 2**30:
                stopped[0] = True
                os.killpg(proc.pid, signal.SIGKILL)
                return
            time.sleep(0.2)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    _, status, usage = os.wait4(proc.pid, 0)
    th.join()
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    res: dict[str, Any] = {"wall": wall, "peak_tree_gb": peak[0] / 2**30,
                           "cpu_waited": usage.ru_utime + usage.ru_stime, "exit": code}
    if stopped[0]:
        res["stopped"] = f"process tree above {mem_limit:g} GB"
        progress = out.with_suffix(".progress")
        if progress.exists():  # the phases it finished
            res["phases"] = json.loads(progress.read_text(encoding="utf-8"))
    elif code != 0:
        res["error"] = err.read_text(encoding="utf-8")[-2000:]
    else:
        res.update(json.loads(out.read_text(encoding="utf-8")))
    return res


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000000,10000000")
    # `numpy@0`: the embedded backend with the one-shot run (no groups of datasets);
    # `numpy@N`: groups of about N figures (default: automatic, chunks.CHUNK_FIGURES);
    # `…/jK`: K worker processes for the groups (default: the CPUs; `numpy/j1`: serial)
    ap.add_argument("--backends", default="numpy,spark")
    ap.add_argument("--format", default="parquet", choices=("parquet", "csv"))
    ap.add_argument("--work", type=Path,
                    default=Path(tempfile.gettempdir()) / "drsmcheck-bench-backends")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--mem-limit", type=float, default=14.0)
    ap.add_argument("--no-read", action="store_true")
    a = ap.parse_args()
    sys.path.insert(0, str(HERE))
    import national

    a.work.mkdir(parents=True, exist_ok=True)
    a.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"sizes": {}}
    for size in (int(s) for s in a.sizes.split(",")):
        root = a.work / f"national-{size}"
        if not (root / "truth.json").exists():
            national.generate(root, size)
        truth = json.loads((root / "truth.json").read_text(encoding="utf-8"))
        wanted = {(c["dataset"], f"{c['entity']}|{c['period']}|{c['indicator']}")
                  for c in truth["corruptions"]}
        per: dict[str, Any] = {"figures": truth["n_figures"], "injected": len(wanted)}
        columns = a.backends.split(",")
        per["columns"] = columns
        for column in columns:
            base, _, jobs = column.partition("/j")
            backend, _, chunk = base.partition("@")
            print(f"{size} {column} …", file=sys.stderr, flush=True)
            r = run_child([backend, str(root / a.format), str(root / "rules")],
                          a.work / f"{backend}-{chunk or 'auto'}-j{jobs or 'auto'}-{size}.json",
                          a.mem_limit, [chunk] if chunk else None,
                          {"DRSMCHECK_JOBS": jobs} if jobs else None)
            if "suspects" in r:
                named = {(d, ref) for d, ref in r.pop("suspects")}
                r["suspects_injected"] = len(named & wanted)
                r["suspects_other"] = len(named - wanted)
            per[column] = r
            print(json.dumps({k: v for k, v in r.items() if k != "ids"})[:600], file=sys.stderr)
        ids = [set(per[c]["ids"]) for c in columns if "ids" in per[c]]
        if len(ids) >= 2:
            per["same_anomalies"] = all(x == ids[0] for x in ids)
        for c in columns:
            per[c].pop("ids", None)
        if not a.no_read and "spark" in a.backends:
            per["read"] = run_child(["read", str(root / "parquet")], a.work / f"read-{size}.json",
                                    a.mem_limit)
        results["sizes"][str(size)] = per
    results["machine"] = {"cpus": os.cpu_count(), "load_avg": os.getloadavg()}
    (a.out / "backends.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    (a.out / "backends.md").write_text(markdown(results), encoding="utf-8")
    print(markdown(results))


def markdown(res: dict[str, Any]) -> str:
    lines = ["# Backends side by side: embedded (NumPy) and Spark local[2]", "",
             "`python benchmarks/bench_backends.py` on the national dataset (`national.py`, "
             "Parquet). Wall and CPU per phase are the child's whole process tree (JVM and "
             "Spark's Python workers included); peak memory is the sum of the tree's resident "
             "sets, sampled every 0.2 s. The wall time is the child's: after `render` "
             "(report.json written, what `drsmcheck validate -f json -o` does) it reads every "
             "anomaly back to compare the backends (`collect`). Machine: "
             f"{res['machine']['cpus']} CPUs, load average "
             f"{', '.join(f'{x:.1f}' for x in res['machine']['load_avg'])} at the end "
             "(shared: wall times are noisy, CPU times less so).", ""]
    for size, per in res["sizes"].items():
        lines += [f"## {int(size):,} figures requested ({per['figures']:,} written, "
                  f"{per['injected']:,} injected errors)".replace(",", " "), ""]
        backends = per.get("columns") or [b for b in ("numpy", "spark") if b in per]
        lines += ["| | " + " | ".join(backends) + " |", "|---|" + "---|" * len(backends)]

        def row(label: str, fn: Any, per: dict[str, Any] = per,
                backends: list[str] = backends, out: list[str] = lines) -> None:
            out.append(f"| {label} | " + " | ".join(fn(per[b]) for b in backends) + " |")

        row("exit", lambda r: r.get("stopped") or str(r["exit"]))
        row("wall (s)", lambda r: f"{r['wall']:.1f}")
        row("peak memory, tree (GB)", lambda r: f"{r['peak_tree_gb']:.2f}")
        row("groups of datasets (chunks)", lambda r: str(
            r.get("phases", {}).get("engine", r.get("workers", {}).get("engine", {})).get(
                "laps", "–")))
        phases = [p for p in ("import", "load", "schema", "spark_start", "engine", "anomalies",
                              "budget", "diagnosis", "groups", "render", "collect")
                  if any(p in per[b].get("phases", {}) for b in backends)]
        for p in phases:
            row(f"{p}: wall / CPU (s), tree memory after (GB), peak in it", lambda r, p=p: (
                f"{r['phases'][p]['wall']:.1f} / {r['phases'][p]['cpu']:.1f}, "
                f"{r['phases'][p].get('rss_gb', float('nan')):.2f}, "
                f"{r['phases'][p].get('hwm_gb', float('nan')):.2f}"
                if p in r.get("phases", {}) else "–"))
        for p in ("load", "schema", "engine", "anomalies", "budget", "diagnosis", "render",
                  "spool"):
            if any(p in per[b].get("workers", {}) for b in backends):
                row(f"{p} in the worker processes: wall summed over them (s)", lambda r, p=p: (
                    f"{r['workers'][p]['wall']:.1f}" if p in r.get("workers", {}) else "–"))
        row("anomalies", lambda r: str(r.get("anomalies", "–")))
        row("suspects: injected / other", lambda r: (
            f"{r['suspects_injected']} / {r['suspects_other']}" if "suspects_injected" in r
            else "–"))
        if "same_anomalies" in per:
            lines += ["", f"Same anomaly ids in every column: **{per['same_anomalies']}**."]
        if "read" in per and "pyarrow" in per["read"]:
            rd = per["read"]
            lines += ["", f"Reading the {rd['files']} Parquet files into one Arrow table on the "
                      f"driver: pyarrow {rd['pyarrow']['wall']:.1f} s wall / "
                      f"{rd['pyarrow']['cpu']:.1f} s CPU; Spark (read with file path and row "
                      f"index, toArrow) {rd['spark']['wall']:.1f} s / {rd['spark']['cpu']:.1f} s."]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "child":
        if sys.argv[2] == "read":
            child_read(Path(sys.argv[3]), Path(sys.argv[4]))
        else:
            child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]),
                  int(sys.argv[6]) if len(sys.argv) > 6 else None)
    else:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        main()
