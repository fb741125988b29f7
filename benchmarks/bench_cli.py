"""End-to-end `drsmcheck validate` through the installed CLI, process start included.

    python benchmarks/bench_cli.py [--runs 7] [--out benchmarks/results/cli.md]

What a user feels on one report: Occitanie (648 figures), `samples/` (five reports, 1 535
figures), each with a cold plan cache (the rule pack parsed and linted) and a warm one (the
compiled pack loaded from the cache). Wall time is the median of the runs; CPU time (user +
sys of the child, from wait4) is reported too, since a loaded machine inflates wall time but
not CPU time. Not a test: timings are measurements, written to benchmarks/results/.

Python's bytecode is written as a user's install does (`pip install` compiles it; an editable
install writes it on first import): a `PYTHONDONTWRITEBYTECODE` of the calling shell is
dropped, else every run would recompile drsmcheck's modules (~50 ms).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CASES = [
    ("Occitanie (648 figures)", ["samples/drsm-occitanie-2019"]),
    ("samples/ (5 reports, 1 535 figures)", ["samples"]),
]


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    exe = shutil.which("drsmcheck")
    assert exe, "install drsmcheck first (pip install -e .)"
    out = Path(env["DRSMCHECK_CACHE_DIR"]).parent / "report.json"
    t0 = time.perf_counter()
    proc = subprocess.Popen([exe, "validate", *args, "--format", "json", "--output", str(out)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 1), f"drsmcheck exited {code}"
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def measure(args: list[str], runs: int, warm: bool) -> dict[str, float]:
    walls, cpus, rss = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DRSMCHECK_CACHE_DIR=str(Path(tmp) / "cache"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        run_once(args, env)  # bytecode written, files in the page cache, as after an install
        if warm:
            run_once(args, env)
        for _ in range(runs):
            if not warm:
                shutil.rmtree(env["DRSMCHECK_CACHE_DIR"], ignore_errors=True)
            w, c, m = run_once(args, env)
            walls.append(w)
            cpus.append(c)
            rss.append(m)
    return {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
            "rss": max(rss)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "cli.md")
    opts = ap.parse_args()
    lines = ["# `drsmcheck validate` end to end (CLI, process start included)", "",
             f"Python {sys.version.split()[0]}, {os.cpu_count()} cores; median of {opts.runs} "
             "runs; `--format json --output`.", "",
             "| input | plan cache | wall | CPU (user+sys) | peak RSS |", "|---|---|---:|---:|---:|"]
    for label, args in CASES:
        for warm in (False, True):
            r = measure(args, opts.runs, warm)
            lines.append(f"| {label} | {'warm' if warm else 'cold'} | {r['wall']:.2f} s | "
                         f"{r['cpu']:.2f} s | {r['rss']:.0f} MB |")
            print(lines[-1], flush=True)
    opts.out.parent.mkdir(parents=True, exist_ok=True)
    opts.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"written to {opts.out}")


if __name__ == "__main__":
    main()
