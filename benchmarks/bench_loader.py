"""Time and memory of loading datasets (drsmcheck.loader.load_figures) on synth.py data.

Each size runs in a fresh child process (interpreter start and imports excluded from "load"),
which reports wall and CPU seconds of `load_figures` and its peak RSS (ru_maxrss). Results go to
benchmarks/results/loader.md (and .json). `--loader MODULE` times another implementation of
`load_figures(paths, ref)` (e.g. the row-wise loader of an earlier commit, copied in a module),
for before/after figures measured side by side.

    python benchmarks/bench_loader.py --sizes 100000,1000000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD = """
import importlib, json, resource, sys, time
from pathlib import Path
from drsmcheck.rules import load_rules
root = Path(sys.argv[1])
mod = importlib.import_module(sys.argv[2])
pack = load_rules(root / "rules")
w, c = time.perf_counter(), time.process_time()
datasets, figures = mod.load_figures([root / "data"], pack.reference)
w, c = time.perf_counter() - w, time.process_time() - c
print(json.dumps({"figures": len(figures), "datasets": len(datasets), "wall": w, "cpu": c,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(root: Path, loader: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(root), loader], capture_output=True,
                         text=True, check=True, env={**os.environ, "PYTHONHASHSEED": "0"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--loader", action="append", default=None,
                    help="module(s) with load_figures (default drsmcheck.loader)")
    ap.add_argument("--work", type=Path, default=None, help="where synth data is written")
    ap.add_argument("--out", type=Path, default=HERE / "results")
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    import synth

    loaders = args.loader or ["drsmcheck.loader"]
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-loader-"))
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        root = work / f"synth-{size}"
        if not (root / "data").is_dir():
            synth.generate(root, size)
        for loader in loaders:
            runs = [run(root, loader) for _ in range(args.runs)]
            best = min(runs, key=lambda r: r["wall"])
            rows.append({"size": size, "loader": loader, **best,
                         "cpu_median": sorted(r["cpu"] for r in runs)[len(runs) // 2],
                         "runs": len(runs)})
            print(json.dumps(rows[-1]), flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=HERE).stdout.strip()
    (args.out / "loader.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    lines = ["# Loading synth.py datasets (load_figures)", "",
             f"`python benchmarks/bench_loader.py` at {commit}; {os.cpu_count()} CPUs, "
             f"python {platform.python_version()}. Best of {args.runs} runs (wall), CPU median; "
             "peak RSS of the child process (imports and rule pack included).", "",
             "| figures | datasets | loader | wall | CPU | peak RSS |", "|---:|---:|---|---:|---:|---:|"]
    for r in rows:
        lines.append(f"| {r['figures']:,} | {r['datasets']} | {r['loader']} | {r['wall']:.2f} s "
                     f"| {r['cpu_median']:.2f} s | {r['rss_mb']:.0f} MB |")
    (args.out / "loader.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
