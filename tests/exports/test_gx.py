"""The exported Great Expectations suite, run in GX on the samples, finds drsmcheck's failures.

The samples' records table goes into SQLite, GX 1.x validates the suite of `drsmcheck export
gx rules --dialect sqlite` on it, and the records each expectation returns must be exactly the
(rule, dataset, entity, period) of drsmcheck's failing equation and bounds verdicts.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from support import ROOT, run_cli

# GX runs in a child process: importing it costs ~250 MB that the test process would keep (and
# hand on to every subprocess it forks afterwards, whose peak-memory bounds other tests check)
GX_CHILD = """
import json, logging, sqlite3, sys
from drsmcheck.exports.gx import import_gx
gx, _ = import_gx()
import pandas as pd
tmp = sys.argv[1]
with sqlite3.connect(f"{tmp}/records.db") as con:
    pd.read_parquet(f"{tmp}/records.parquet").to_sql("records", con, index=False)
logging.getLogger("great_expectations").setLevel(logging.ERROR)
ctx = gx.get_context(mode="ephemeral")
ctx.variables.progress_bars = {"globally": False, "metric_calculations": False}
source = ctx.data_sources.add_sqlite("samples", connection_string=f"sqlite:///{tmp}/records.db")
batch = source.add_table_asset("records", table_name="records") \\
    .add_batch_definition_whole_table("all").get_batch()
spec = json.load(open(f"{tmp}/suite.json", encoding="utf-8"))
suite = ctx.suites.add(gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"]))
result = batch.validate(suite, result_format={"result_format": "COMPLETE"})
found, errors = [], []
for r in result.results:
    if r.exception_info.get("raised_exception"):
        errors.append(str(r.exception_info))
    rule = r.expectation_config.meta["drsmcheck_rule"]
    for row in r.result["details"]["unexpected_rows"]:
        found.append([rule, row["dataset"], row["entity"], row["period"]])
print(json.dumps({"found": found, "errors": errors}))
"""


@pytest.fixture(scope="module")
def gx_failures(tmp_path_factory: pytest.TempPathFactory) -> set[tuple[str, str, str, str]]:
    tmp = tmp_path_factory.mktemp("gx")
    proc = run_cli("export", "gx", "rules", "--dialect", "sqlite", "--output",
                   str(tmp / "suite.json"))
    assert proc.returncode == 0, proc.stderr
    proc = run_cli("export", "records", "samples", "--output", str(tmp / "records.parquet"))
    assert proc.returncode == 0, proc.stderr
    child = subprocess.run([sys.executable, "-c", GX_CHILD, str(tmp)], capture_output=True,
                           text=True, timeout=600)
    assert child.returncode == 0, child.stderr
    out = json.loads(child.stdout.strip().splitlines()[-1])
    assert out["errors"] == []
    return {tuple(f) for f in out["found"]}


def test_suite_expresses_equations_and_bounds(tmp_path):
    proc = run_cli("export", "gx", "rules", "--output", str(tmp_path / "s.json"), cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    spec = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    rules = {e["meta"]["drsmcheck_rule"] for e in spec["expectations"]}
    assert "ald.admission.parts" in rules and "bounds.percent" in rules
    skipped = {s["rule"]: s["reason"] for s in spec["meta"]["drsmcheck"]["not_exported"]}
    assert "agreement" in skipped and "rollup" in skipped["rollup.sum"]


def test_gx_finds_the_failures_drsmcheck_finds(gx_failures, samples_run):
    _, report = samples_run
    kinds = {r["rule"]: r["kind"] for r in report["rules"]}
    want = {(a["rule"], a["dataset"], a["entity"], a["period"]) for a in report["anomalies"]
            if kinds.get(a["rule"]) in ("equation", "bounds")
            and a["category"] in ("inconsistent", "rounding", "bounds")}
    assert want, "the samples hold equation failures"
    assert gx_failures == want
