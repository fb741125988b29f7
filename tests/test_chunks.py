"""A run one group of datasets at a time (`drsmcheck.chunks`) gives the one-shot run's report,
byte for byte, and holds one group's memory, not the whole run's."""

from __future__ import annotations

import importlib.util
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from drsmcheck import budget, chunks
from drsmcheck.io.discover import find_datasets
from drsmcheck.pack import load_pack
from drsmcheck.report import validate
from drsmcheck.reporters.console import render as render_console
from drsmcheck.reporters.json import write, write_lines

from support import ROOT, SAMPLES, assert_valid_report, run_cli


def _bench(name: str) -> ModuleType:
    key = f"drsmcheck_bench_{name}"
    if key not in sys.modules:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        spec = importlib.util.spec_from_file_location(key, ROOT / "benchmarks" / f"{name}.py")
        assert spec and spec.loader
        mod = importlib.util.module_from_spec(spec)
        sys.modules[key] = mod
        spec.loader.exec_module(mod)
    return sys.modules[key]


def _json(report: dict) -> bytes:
    buf = io.BytesIO()
    write(report, buf)
    return buf.getvalue()


def _lines(report: dict) -> bytes:
    buf = io.BytesIO()
    write_lines(report, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """19 datasets (18 DRSM and the nation), 20 000 figures, ~1 % typist errors, Parquet."""
    root = tmp_path_factory.mktemp("national") / "n"
    _bench("national").generate(root, 20_000, formats=("parquet",))
    return root


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_samples_chunked_cli_is_byte_identical(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               fmt: str) -> None:
    assert len(chunks.plan(find_datasets([SAMPLES]), 1)) == 5   # one group per sample
    out = {}
    for size in ("0", "1"):
        monkeypatch.setenv(chunks.CHUNK_ENV, size)
        path = tmp_path / f"report-{size}.{fmt}"
        proc = run_cli("validate", "samples", "--format", fmt, "--output", str(path))
        assert proc.returncode == 1, proc.stderr
        out[size] = path.read_bytes()
    assert out["0"] == out["1"]
    assert b"drsm-occitanie-2019" in out["1"] and b"cpam-somme-2022" in out["1"]


def test_samples_chunked_exit_codes_follow_fail_on(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    # the streamed path reads the exit code off the summary's counts: the same as the list's
    for fail_on, code in (("error", 1), ("never", 0)):
        for size in ("0", "1"):
            monkeypatch.setenv(chunks.CHUNK_ENV, size)
            proc = run_cli("validate", "samples/cpam-somme-2022", "--format", "json",
                           "--fail-on", fail_on, "--output", str(tmp_path / "r.json"))
            assert proc.returncode == code, (fail_on, size, proc.stderr)


def test_national_chunked_is_byte_identical_with_the_budget_cut(
        national: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A localization budget that stops in the middle of the datasets: the chunked run
    diagnoses exactly the datasets the one-shot run does."""
    monkeypatch.setattr(budget, "LOCALIZE_BUDGET", 6_000)
    pack = load_pack(national / "rules", defaults=False)
    paths = [national / "parquet"]
    assert len(chunks.plan(find_datasets(paths), 3_000)) > 5
    one = validate(paths, pack, chunk_figures=0, with_verdicts=True)
    small = validate(paths, pack, chunk_figures=3_000, with_verdicts=True)
    spooled = validate(paths, pack, chunk_figures=1, with_verdicts=True, spool=True)
    assert isinstance(spooled["anomalies"], chunks.Spool)
    assert_valid_report(small, "chunked report")
    assert _json(one) == _json(small) == _json(spooled)
    assert _lines(one) == _lines(spooled)
    # the budget really cut: some datasets' anomalies have suspects, later ones have none
    named = {a["dataset"] for a in one["anomalies"] if a["suspect"]}
    found = {a["dataset"] for a in one["anomalies"]}
    assert named and found - named and max(named) < max(found - named)
    # and the report says which datasets were left without a diagnosis, in id order
    skipped = one["summary"]["not_localized"]
    assert skipped == small["summary"]["not_localized"] == sorted(skipped)
    assert set(skipped) >= found - named and not set(skipped) & named
    line = render_console(one, lang="en", limit=0).splitlines()[-1]
    assert line.startswith(f"no diagnosis (localization budget spent): {len(skipped)} "
                           f"dataset(s) — {skipped[0]}, ")


def test_a_run_within_the_budget_says_nothing_of_it() -> None:
    report = validate([SAMPLES], load_pack(None))
    assert "not_localized" not in report["summary"]


def test_dataset_id_used_twice_in_two_groups(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a", "b"):
        shutil_copy(SAMPLES / "cpam-somme-2022", tmp_path / name)
    errors = {}
    for size in ("0", "1"):
        monkeypatch.setenv(chunks.CHUNK_ENV, size)
        proc = run_cli("validate", str(tmp_path), "--format", "json")
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        errors[size] = proc.stderr
    assert errors["0"] == errors["1"]
    assert "dataset id 'cpam-somme-2022' is also used by" in errors["1"]


def shutil_copy(src: Path, dst: Path) -> None:
    import shutil

    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("expected.yaml"))


def test_spool_reads_back_what_it_was_given() -> None:
    spool = chunks.Spool()
    items = [{"id": str(i), "text": "x" * (i * 997 % 5000)} for i in range(700)]
    spool.extend(items[:300])
    spool.extend(items[300:])
    assert len(spool) == 700
    assert list(spool) == items and list(spool) == items   # read twice
    assert spool[0] == items[0] and spool[-1] == items[-1] and spool[5:8] == items[5:8]
    with pytest.raises(IndexError):
        spool[700]
    spool.close()


def test_spool_reads_integers_beyond_64_bits_and_floats_as_json_does() -> None:
    # orjson.loads reads 2**64 as a float; the spool's decoder must give json.loads' values
    items = [{"id": "a", "n": 2**64, "m": -(2**70), "v": 0.1, "e": 1e-5, "s": "1" * 25},
             {"id": "b", "n": 2**63 - 1, "v": 1.0000000000000002, "t": "é\u202f%"},
             {"id": "c", "nested": [{"k": 10**30}, None, True]}]
    spool = chunks.Spool()
    spool.extend(items)
    back = list(spool)
    assert back == items
    assert [type(b["n"]) for b in back[:2]] == [int, int]
    assert back[2]["nested"][0]["k"] == 10**30 and spool[0]["m"] == -(2**70)
    for raw in spool.encoded():
        assert chunks.decode(raw) == json.loads(raw)
    spool.close()


_PEAK = """
import atexit, sys
from drsmcheck.cli import main

OUT = sys.argv.pop(1)


def peak():
    with open("/proc/self/status") as fh:
        hwm = next(line for line in fh if line.startswith("VmHWM:"))
    with open(OUT, "w") as out:
        out.write(hwm.split()[1])

atexit.register(peak)
main()
"""


def _peak_rss_mb(args: list[str], env: dict[str, str], cwd: Path) -> float:
    """The CLI's own peak RSS (VmHWM, read by the child at exit: wait4's ru_maxrss would
    count the parent's pages the child had before its exec)."""
    out = cwd / "peak.txt"
    proc = subprocess.run([sys.executable, "-c", _PEAK, str(out), *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stderr[-2000:]
    return int(out.read_text()) / 1024


def test_memory_is_bounded_by_the_group(tmp_path: Path) -> None:
    """60 000 figures in ~60 datasets: a chunked run peaks near a run on a quarter of them,
    far below the one-shot run (which holds every figure, verdict and anomaly at once)."""
    gen = _bench("synth").generate(tmp_path / "s", 60_000, seed=5)
    data = gen.data
    quarter = tmp_path / "quarter"
    quarter.mkdir()
    for d in sorted(data.iterdir())[: len(list(data.iterdir())) // 4]:
        d.rename(quarter / d.name)
    rest = tmp_path / "rest"
    data.rename(rest)
    args = ["validate", "--rules", str(gen.rules), "--no-default-rules", "--format", "json",
            "--output", str(tmp_path / "r.json")]
    # one process: the bound is the group's (parallel runs hold one group per worker)
    env = {**os.environ, chunks.CHUNK_ENV: "4000", "DRSMCHECK_JOBS": "1"}
    small = _peak_rss_mb([*args, str(quarter)], env, tmp_path)
    chunked = _peak_rss_mb([*args, str(quarter), str(rest)], env, tmp_path)
    whole = _peak_rss_mb([*args, str(quarter), str(rest)], {**env, chunks.CHUNK_ENV: "0"},
                         tmp_path)
    assert chunked < small + 60, (small, chunked, whole)
    assert whole > chunked + 100, (small, chunked, whole)


def test_spark_backend_runs_group_by_group(national: Path, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """--backend spark reuses the groups (its driver then holds one group): the same report
    as the embedded one-shot run, but the backend's name. Needs PySpark and Java (fails
    without them, as tests/backends/test_spark.py)."""
    assert len(chunks.plan(find_datasets([national / "parquet"]), 8_000)) > 2
    reports = {}
    for backend, size in (("numpy", "0"), ("spark", "8000")):
        monkeypatch.setenv(chunks.CHUNK_ENV, size)
        out = tmp_path / f"{backend}.json"
        proc = run_cli("validate", str(national / "parquet"), "--rules", str(national / "rules"),
                       "--no-default-rules", "--backend", backend, "-f", "json", "-o", str(out),
                       *(["--spark-master", "local[2]"] if backend == "spark" else []),
                       cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr[-3000:]
        reports[backend] = out.read_text(encoding="utf-8")
    assert reports["spark"].replace('"backend": "spark"', '"backend": "numpy"') == reports["numpy"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["numpy.json", "spark.json"]
