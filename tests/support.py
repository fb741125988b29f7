"""Paths and the CLI runner shared by the tests (a plain module: conftest is pytest's)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

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
