"""Shared fixtures: the repository root, and one CLI run over all samples reused by many tests."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def drsmcheck_exe() -> str:
    """The installed console script: tests exercise what a user runs."""
    exe = shutil.which("drsmcheck")
    assert exe, "the drsmcheck console script is not installed (pip install -e .)"
    return exe


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([drsmcheck_exe(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


@pytest.fixture(scope="session")
def samples_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict]:
    """`drsmcheck validate samples/ --format json` once: (exit code, report)."""
    out = tmp_path_factory.mktemp("golden") / "report.json"
    proc = run_cli("validate", "samples", "--format", "json", "--output", str(out))
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(out.read_text(encoding="utf-8"))
