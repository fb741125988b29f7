"""Shared fixtures: one CLI run over all samples, reused by many tests."""

from __future__ import annotations

import json

import pytest

from support import ROOT, SAMPLES, drsmcheck_exe, run_cli  # noqa: F401  (re-exported)


@pytest.fixture(scope="session")
def samples_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict]:
    """`drsmcheck validate samples/ --format json` once: (exit code, report)."""
    out = tmp_path_factory.mktemp("golden") / "report.json"
    proc = run_cli("validate", "samples", "--format", "json", "--output", str(out))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(out.read_text(encoding="utf-8"))
