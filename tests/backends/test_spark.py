"""The Spark backend gives the embedded backend's report, byte for byte (but the backend name).

These tests need PySpark (the `spark` extra, in the lock) and a Java runtime (CI installs
`default-jre-headless`): without them they FAIL, never skip. The sample comparisons share one
SparkSession (local[2]) in one child process (spark_compare.py: its memory stays out of
pytest's, which other tests measure their children against); the CLI tests start their own, as
a user's run does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from drsmcheck.backends import Backend, resolve

from support import ROOT, SAMPLES, drsmcheck_exe, run_cli

SAMPLE_DIRS = sorted(p for p in SAMPLES.iterdir() if (p / "dataset.yaml").is_file())


def _same_but_backend(spark: dict, numpy: dict) -> None:
    assert spark["tool"].pop("backend") == "spark"
    assert numpy["tool"].pop("backend") == "numpy"
    assert json.dumps(spark, ensure_ascii=False) == json.dumps(numpy, ensure_ascii=False)


@pytest.fixture(scope="module")
def compared(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """spark_compare.py in a child process: every sample on both backends (one JVM)."""
    out = tmp_path_factory.mktemp("spark-compare") / "result.json"
    proc = subprocess.run([sys.executable, str(Path(__file__).with_name("spark_compare.py")),
                           str(SAMPLES), str(out)], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(out.read_text(encoding="utf-8"))


def test_there_are_five_samples() -> None:
    assert len(SAMPLE_DIRS) == 5


@pytest.mark.parametrize("sample", SAMPLE_DIRS, ids=lambda p: p.name)
def test_each_sample_same_report(sample: Path, compared: dict) -> None:
    got = compared["samples"][sample.name]
    assert got["backends"] == ["numpy", "spark"]
    assert got["verdicts"] > 30, "the comparison is not vacuous"
    assert got["differs"] == [] and got["same"], got


def test_verdict_table_round_trips_exactly(compared: dict) -> None:
    """Every verdict column (status, reason, both sides' floats, the figures read), in the
    embedded engine's order (the diagnosis reads roll-up items by position)."""
    assert compared["verdict_differences"] == []


def test_synthetic_100k_same_report(tmp_path: Path) -> None:
    """10⁵ figures in 99 datasets (benchmarks/synth.py), ~1 % typist errors: the same
    anomalies, ids, suspects and suggested values on both backends (through the CLI: the
    runs' memory stays out of the test process)."""
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), str(tmp_path),
                    "--figures", "100000"], check=True, capture_output=True)
    reports = {}
    for backend in ("numpy", "spark"):
        out = tmp_path / f"{backend}.json"
        proc = run_cli("validate", str(tmp_path / "data"), "--rules", str(tmp_path / "rules"),
                       "--no-default-rules", "--backend", backend, "-f", "json", "-o", str(out),
                       *(["--spark-master", "local[2]"] if backend == "spark" else []),
                       cwd=tmp_path)
        assert proc.returncode == 1, proc.stderr
        reports[backend] = json.loads(out.read_text(encoding="utf-8"))
    numpy = reports["numpy"]
    assert numpy["summary"]["figures"] >= 100_000 and len(numpy["datasets"]) > 50
    assert sum(1 for a in numpy["anomalies"] if a["suspect"]) > 500
    _same_but_backend(reports["spark"], numpy)


# --- the command line -------------------------------------------------------------------------

def test_cli_spark_same_json_no_files_left_repeated_runs(tmp_path: Path) -> None:
    """Two runs in a row from an empty working directory: both work, the JSON equals the
    embedded one but the backend, and nothing is left behind (no spark-warehouse/,
    metastore_db/, derby.log, checkpoint or temp dir)."""
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp), "SPARK_MASTER": "local[2]"}
    outs = []
    for k, extra in enumerate((["--backend", "spark", "--spark-conf",
                                "spark.sql.shuffle.partitions=2"],
                               ["--backend", "spark"], [])):
        out = tmp_path / f"run{k}.json"
        proc = subprocess.run([drsmcheck_exe(), "validate", str(SAMPLES), *extra,
                               "-f", "json", "-o", str(out)], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=600)
        assert proc.returncode == 1, proc.stderr
        assert "Traceback" not in proc.stderr and "WARN" not in proc.stderr, proc.stderr
        outs.append(json.loads(out.read_text(encoding="utf-8")))
        assert sorted(os.listdir(cwd)) == []
        assert sorted(os.listdir(tmp)) == []
    assert outs[0] == outs[1]
    _same_but_backend(outs[0], outs[2])


def test_duckdb_is_the_embedded_backend_old_name(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    proc = run_cli("validate", str(SAMPLES / SAMPLE_DIRS[0].name), "--backend", "duckdb",
                   "-f", "json", "-o", str(out))
    assert proc.returncode == 1, proc.stderr
    assert json.loads(out.read_text(encoding="utf-8"))["tool"]["backend"] == "numpy"


def test_help_says_what_each_backend_is() -> None:
    proc = run_cli("validate", "--help")
    text = " ".join(proc.stdout.split())
    for words in ("numpy (the default, embedded", "duckdb", "spark (Apache Spark",
                  "--spark-master", "SPARK_MASTER", "local[*]", "--spark-conf"):
        assert words in text, words


@pytest.mark.parametrize(("args", "message"), [
    (["--backend", "oracle"], "--backend: unknown backend 'oracle'"),
    (["--backend", "spark", "--spark-conf", "spark.executor.memory"],
     "--spark-conf: expected KEY=VALUE, got 'spark.executor.memory'"),
    (["--spark-master", "local[2]"], "--spark-master: only the spark backend takes this option"),
])
def test_bad_backend_options_exit_2(args: list[str], message: str) -> None:
    proc = run_cli("validate", str(SAMPLE_DIRS[0]), "--lang", "en", *args)
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_missing_java_is_a_clear_message(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(bin_dir)  # the venv only: no java on it
    proc = subprocess.run([drsmcheck_exe(), "validate", str(SAMPLE_DIRS[0]), "--lang", "en",
                           "--backend", "spark"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "no Java runtime found" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_pyspark_is_a_clear_message(tmp_path: Path) -> None:
    fake = tmp_path / "site" / "pyspark"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('no pyspark here')\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}
    proc = subprocess.run([drsmcheck_exe(), "validate", str(SAMPLE_DIRS[0]), "--lang", "en",
                           "--backend", "spark"], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "PySpark is not installed" in proc.stderr and "pip install" in proc.stderr


def test_embedded_run_never_imports_pyspark() -> None:
    code = ("import sys; from drsmcheck.report import validate; from drsmcheck.pack import "
            f"load_pack; validate([__import__('pathlib').Path({str(SAMPLE_DIRS[0])!r})], "
            "load_pack(None)); print('pyspark' in sys.modules)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert proc.stdout.strip() == "False"


def test_resolve_reads_spark_master_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPARK_MASTER", "spark://host:7077")
    assert resolve("pyspark") == Backend("spark", "spark://host:7077")
    assert resolve("spark", "local[3]", ["a.b=c"]) == Backend("spark", "local[3]", (("a.b", "c"),))


def test_figures_written_in_chunks_are_the_whole_table(tmp_path: Path) -> None:
    """The engine columns go to Spark a chunk at a time, figure ids continuing across chunks."""
    import pyarrow.parquet as pq

    from drsmcheck.backends.spark import FIGURE_ID, figures_arrow, write_figures
    from drsmcheck.loader import load_figures
    from drsmcheck.pack import load_pack

    _, figures = load_figures([SAMPLES], load_pack(None).reference)
    path = tmp_path / "f.parquet"
    write_figures(figures, str(path), chunk=97)
    import numpy as np

    got, whole = pq.read_table(path), figures_arrow(figures)
    assert got.schema == whole.schema
    for name in whole.column_names:
        a, b = got[name].to_numpy(), whole[name].to_numpy()
        if a.dtype.kind == "f":  # NaN is a non-numeric figure's bound
            assert np.array_equal(a, b, equal_nan=True), name
        else:
            assert a.tolist() == b.tolist(), name
    assert got[FIGURE_ID].to_pylist() == list(range(len(figures)))
    assert pq.ParquetFile(path).metadata.num_row_groups == -(-len(figures) // 97)


def test_baseline_create_takes_the_same_backend_options(tmp_path: Path) -> None:
    proc = run_cli("baseline", "create", str(SAMPLE_DIRS[0]), "--output", str(tmp_path / "b.yaml"),
                   "--lang", "en", "--backend", "spark", "--spark-conf", "nonsense")
    assert proc.returncode == 2
    assert "--spark-conf: expected KEY=VALUE, got 'nonsense'" in proc.stderr
    assert not (tmp_path / "b.yaml").exists()
