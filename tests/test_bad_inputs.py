"""Never crash, never lie: every case of tests/bad_inputs/ through the real CLI.

Each case is a folder: `case.yaml` says what it covers (`what`), the command (`args`, default
`validate data --rules pack --format json`), the exit code, the substrings stderr must hold, and
for runs that get as far as the rules the anomalies (and per-rule counts) the JSON must report.
The other files of the folder are copied into a fresh working directory; `pack/` there is a small
rule pack: the shipped `rules/reference/entities.yaml` + `bad_inputs/_pack/` + the case's own
`pack/` files on top. Most cases run in-process through typer's CliRunner on `drsmcheck.cli.app`,
the ones marked `runner: script` through the installed `drsmcheck` console script.

Every run must end with the documented exit code and, on bad input, only `file[:line]: message`
lines (each optionally followed by one `  hint: ...` line) — never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from drsmcheck.cli import app

from support import ROOT, assert_valid_report, drsmcheck_exe

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES = sorted(p for p in CORPUS.iterdir() if (p / "case.yaml").is_file())
DEFAULT_ARGS = ["validate", "data", "--rules", "pack", "--format", "json"]
CASE_KEYS = {"what", "args", "exit", "stderr", "stdout", "stdout_absent", "anomalies",
             "anomalies_exact", "rules", "runner", "generate", "max_seconds", "max_rss_mb"}
MESSAGE_LINE = re.compile(r"^(?P<file>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?P<message>\S.*)$")
HINT_LINE = re.compile(r"^  hint: \S.*$")


@dataclass
class Outcome:
    exit: int
    stdout: str
    stderr: str
    seconds: float
    max_rss_mb: float | None = None


# -- working directory ------------------------------------------------------------------------

def _copy_tree(src: Path, dst: Path) -> None:
    for path in sorted(src.rglob("*")):
        if path.is_file():
            target = dst / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)


def _generate_huge_csv(work: Path) -> None:
    """A 1.1 GiB long-format CSV beside dataset.yaml, past the CSV limit (sparse: a header and
    one row, then a hole; written at test time, never committed)."""
    path = work / "data" / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("indicator,entity,value,line,kind,quote,table,row,column,unit\n")
        fh.write("t.total,OCC,100,3,table,,t9,total,OCC,\n")
    os.truncate(path, 1100 * 2**20)


def _generate_huge_yaml(work: Path) -> None:
    """A 60 MB YAML file of a dataset, past the YAML limit (sparse, as above)."""
    path = work / "data" / "more.yaml"
    path.write_text("figures: []\n", encoding="utf-8")
    os.truncate(path, 60 * 2**20)


def _generate_deep_nesting(work: Path) -> None:
    """50 000 nested flow lists: libyaml's C composer would overflow the C stack on them."""
    (work / "data").mkdir()
    (work / "data" / "dataset.yaml").write_text(
        "dataset:\n  id: case\n  title: deep\n  entity: OCC\n  period: \"2019\"\n"
        "figures: " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")


def _generate_huge_field(work: Path) -> None:
    """A CSV whose quote is 200 000 characters, beyond the csv module's field limit."""
    (work / "data" / "figures.csv").write_text(
        'indicator,entity,value,line,quote\nt.total,OCC,100,3,"' + "x" * 200_000 + '"\n',
        encoding="utf-8")


def _generate_long_chain(work: Path) -> None:
    """3 000 entities in one chain E0 → E1 → … (a deep tree, no cycle)."""
    lines = ["entities:"] + [f"  E{i}: {{fr: e{i}, en: e{i}}}" for i in range(3000)]
    lines += ["hierarchies:", "  chain:"] + [f"    E{i}: [E{i + 1}]" for i in range(2999)]
    (work / "pack" / "reference" / "entities.yaml").write_text("\n".join(lines) + "\n",
                                                               encoding="utf-8")


def _generate_fifo(work: Path) -> None:
    """A named pipe `more.yaml` beside dataset.yaml: opening it to read would wait forever."""
    os.mkfifo(work / "data" / "more.yaml")


def _generate_fifo_argument(work: Path) -> None:
    """A named pipe given on the command line as the dataset file."""
    os.mkfifo(work / "data.yaml")


def _generate_dev_zero(work: Path) -> None:
    """`more.csv` a symlink to /dev/zero: stat says 0 bytes, reading never ends."""
    (work / "data" / "more.csv").symlink_to("/dev/zero")


def _generate_million_prints(work: Path) -> None:
    """One figure printed 10^6 times (each at its own report line): a 30 MB CSV."""
    with (work / "data" / "big.csv").open("w", encoding="utf-8") as fh:
        fh.write("indicator,entity,value,line,kind\n")
        fh.writelines(f"t.total,OCC,1000,{i},table\n" for i in range(1, 1_000_001))


GENERATORS = {"million_prints": _generate_million_prints, "huge_csv": _generate_huge_csv,
              "huge_yaml": _generate_huge_yaml,
              "deep_nesting": _generate_deep_nesting,
              "huge_field": _generate_huge_field, "long_chain": _generate_long_chain,
              "fifo": _generate_fifo, "fifo_argument": _generate_fifo_argument,
              "dev_zero": _generate_dev_zero}


def make_workdir(case: Path, spec: dict[str, Any], work: Path) -> None:
    pack = work / "pack"
    (pack / "reference").mkdir(parents=True)
    shutil.copyfile(ROOT / "rules" / "reference" / "entities.yaml",
                    pack / "reference" / "entities.yaml")
    _copy_tree(CORPUS / "_pack", pack)
    for path in sorted(case.iterdir()):
        if path.name == "case.yaml":
            continue
        if path.is_dir():
            _copy_tree(path, work / path.name)
        else:
            shutil.copyfile(path, work / path.name)
    if spec.get("generate"):
        GENERATORS[spec["generate"]](work)


# -- running ----------------------------------------------------------------------------------

def run_in_process(args: list[str], work: Path, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    monkeypatch.chdir(work)
    start = time.perf_counter()
    result = CliRunner().invoke(app, args)
    seconds = time.perf_counter() - start
    exc = result.exception
    if exc is not None and not isinstance(exc, SystemExit):
        tb = "".join(traceback.format_exception(exc))
        pytest.fail(f"the CLI raised {type(exc).__name__}: {exc}\n{tb}")
    return Outcome(result.exit_code, result.stdout, result.stderr, seconds)


# a small launcher between pytest and the CLI: the kernel starts a child's peak RSS from the
# memory of the process it was forked from (pytest holds 400-500 MB late in the suite), so the
# CLI is forked from this ~10 MB interpreter, which reports the CLI's own ru_maxrss
_LAUNCH = """
import os, resource, subprocess, sys
out = sys.argv[1]
proc = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(proc.pid, 0)
with open(out, "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
"""


def run_script(args: list[str], work: Path, timeout: float | None = None) -> Outcome:
    """The installed console script, with the child's peak memory (ru_maxrss) measured.

    With a timeout the child is killed when it runs over (a hang then fails the case).
    """
    out, err, peak = work / ".stdout", work / ".stderr", work / ".peak"
    env = {**os.environ, "COLUMNS": "120"}
    start = time.perf_counter()
    with out.open("wb") as fo, err.open("wb") as fe:
        proc = subprocess.Popen([sys.executable, "-c", _LAUNCH, str(peak), drsmcheck_exe(),
                                 *args], cwd=work, stdout=fo, stderr=fe, env=env,
                                start_new_session=True)
        killer = threading.Timer(timeout, os.killpg, (proc.pid, signal.SIGKILL)) \
            if timeout else None
        if killer is not None:
            killer.start()
        try:
            proc.wait()
        except BaseException:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
        finally:
            if killer is not None:
                killer.cancel()
    seconds = time.perf_counter() - start
    rss = int(peak.read_text()) / 1024 if peak.exists() else None
    return Outcome(proc.returncode, out.read_text(encoding="utf-8"),
                   err.read_text(encoding="utf-8"), seconds, rss)


# -- checks -----------------------------------------------------------------------------------

def check_error_lines(stderr: str) -> list[re.Match[str]]:
    """stderr is only `file[:line]: message` lines, each optionally followed by one hint line."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "bad input must be explained on stderr"
    messages = []
    previous = None
    for line in lines:
        if HINT_LINE.match(line):
            assert previous == "message", f"a hint line must follow a message line:\n{stderr}"
            previous = "hint"
            continue
        m = MESSAGE_LINE.match(line)
        assert m, f"not a 'file:line: message' line: {line!r}\n--- stderr:\n{stderr}"
        messages.append(m)
        previous = "message"
    return messages


def _matches(anomaly: dict[str, Any], want: dict[str, Any]) -> bool:
    for key, value in want.items():
        if key == "line":
            if not any(f["source"]["line"] == value for f in anomaly["figures"]):
                return False
        elif anomaly.get(key) != value:
            return False
    return True


def check_report(report: dict[str, Any], spec: dict[str, Any]) -> None:
    assert_valid_report(report)
    anomalies = report["anomalies"]
    for want in spec.get("anomalies") or []:
        assert any(_matches(a, want) for a in anomalies), (
            f"no anomaly matches {want}; got {[(a['rule'], a['category'], a['entity']) for a in anomalies]}")
    if "anomalies_exact" in spec:
        exact = spec["anomalies_exact"] or []
        assert len(anomalies) == len(exact), (
            f"expected {len(exact)} anomalies, got {len(anomalies)}: "
            f"{[(a['rule'], a['category'], a['entity'], a['relation']['en']) for a in anomalies]}")
        for want in exact:
            assert any(_matches(a, want) for a in anomalies), f"no anomaly matches {want}"
    rules = {r["rule"]: r for r in report["rules"]}
    for rid, counts in (spec.get("rules") or {}).items():
        for key, value in counts.items():
            assert rules[rid][key] == value, f"rule {rid}: {key} is {rules[rid][key]}, want {value}"
    # never lie: a run that reports no anomaly evaluated something and left nothing unexplained
    summary = report["summary"]
    assert summary["anomalies"] == len(anomalies)
    for r in report["rules"]:
        assert r["items"] == r["passes"] + r["fails"] + r["not_evaluable"] or r["kind"] == "objective"


def load_case(case: Path) -> dict[str, Any]:
    spec = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    unknown = set(spec) - CASE_KEYS
    assert not unknown, f"{case.name}/case.yaml: unknown keys {unknown}"
    assert spec.get("what"), f"{case.name}/case.yaml: say what the case covers"
    return spec


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_bad_input(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   request: pytest.FixtureRequest) -> None:
    spec = load_case(case)
    work = tmp_path / "work"
    work.mkdir()
    make_workdir(case, spec, work)
    args = [str(a) for a in spec.get("args", DEFAULT_ARGS)]
    if spec.get("runner") == "script":
        outcome = run_script(args, work, timeout=spec.get("max_seconds"))
    else:
        outcome = run_in_process(args, work, monkeypatch)
    both = outcome.stdout + outcome.stderr
    assert "Traceback" not in both, both
    assert "internal error" not in outcome.stderr, outcome.stderr
    assert outcome.exit == spec["exit"], (
        f"exit {outcome.exit}, want {spec['exit']}\n--- stderr:\n{outcome.stderr}"
        f"\n--- stdout:\n{outcome.stdout[:2000]}")
    if spec["exit"] == 2:
        check_error_lines(outcome.stderr)
        assert outcome.stdout == "", "nothing on stdout when the input is refused"
    for needle in spec.get("stderr") or []:
        assert needle in outcome.stderr, f"{needle!r} not in stderr:\n{outcome.stderr}"
    for needle in spec.get("stdout") or []:
        assert needle in outcome.stdout, f"{needle!r} not in stdout:\n{outcome.stdout}"
    for needle in spec.get("stdout_absent") or []:
        assert needle not in both, f"{needle!r} must not appear"
    if spec["exit"] in (0, 1) and "--format" in args and args[args.index("--format") + 1] == "json":
        check_report(json.loads(outcome.stdout), spec)
    if "max_seconds" in spec:
        assert outcome.seconds < spec["max_seconds"], f"took {outcome.seconds:.1f} s"
    if "max_rss_mb" in spec:
        assert outcome.max_rss_mb is not None and outcome.max_rss_mb < spec["max_rss_mb"], (
            f"peak memory {outcome.max_rss_mb:.0f} MB")


def test_corpus_is_large_enough() -> None:
    """The issue asks for at least 40 cases; most must be refused inputs (exit 2)."""
    specs = [load_case(c) for c in CASES]
    assert len(specs) >= 40
    assert sum(1 for s in specs if s["exit"] == 2) >= 40
    assert sum(1 for s in specs if s.get("runner") == "script") >= 3
