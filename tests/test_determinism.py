"""Same inputs, same bytes: the reports do not depend on hash seeds or on file order on disk.

A CI gate compares reports and baselines across runs and machines; anomaly ids and the order
of everything must not move when Python's string hashing or the directory listing does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from drsmcheck.rules import default_rules_dir

from conftest import SAMPLES, drsmcheck_exe
from support import assert_valid_report

FILE_FORMATS = "json,html,junit,sarif,markdown"


def _run(cwd: Path, out: Path, seed: str, *extra: str) -> dict[str, bytes]:
    """The console script on samples/ under PYTHONHASHSEED=seed: every file report's bytes."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([drsmcheck_exe(), "validate", "samples", "--format", FILE_FORMATS,
                           "--output-dir", str(out), *extra], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr
    assert_valid_report(json.loads((out / "report.json").read_text(encoding="utf-8")))
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


def _copy_samples(dst: Path, reverse: bool) -> None:
    """Copy the rule pack, and every sample's dataset files in the given order."""
    shutil.copytree(default_rules_dir(), dst / "rules")
    datasets = sorted(p.parent for p in SAMPLES.glob("*/dataset.yaml"))
    for ds in sorted(datasets, reverse=reverse):
        target = dst / "samples" / ds.name
        target.mkdir(parents=True)
        files = sorted((p for p in ds.iterdir() if p.is_file()), reverse=reverse)
        for i, path in enumerate(files):
            shutil.copyfile(path, target / path.name)
            # different modification times too, in the opposite order in the other copy
            stamp = 1_600_000_000 + (i if reverse else len(files) - i) * 3600
            os.utime(target / path.name, (stamp, stamp))


@pytest.fixture(scope="module")
def seeded_runs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, bytes]]:
    root = SAMPLES.parent
    return [_run(root, tmp_path_factory.mktemp(f"seed{seed}"), seed) for seed in ("0", "4242")]


def test_json_is_independent_of_pythonhashseed(seeded_runs: list[dict[str, bytes]]) -> None:
    first, second = seeded_runs
    assert first["report.json"] == second["report.json"]


@pytest.mark.parametrize("name", ["report.html", "report.junit.xml", "report.sarif", "report.md"])
def test_other_reports_are_independent_of_pythonhashseed(
        seeded_runs: list[dict[str, bytes]], name: str) -> None:
    first, second = seeded_runs
    assert first[name] == second[name], f"{name} differs between two hash seeds"


def test_json_is_independent_of_file_order_on_disk(tmp_path: Path,
                                                   seeded_runs: list[dict[str, bytes]]) -> None:
    """Copies made in opposite orders (folders, files, mtimes) give the bytes of the original."""
    reports = []
    for reverse, seed in ((False, "1"), (True, "2")):
        root = tmp_path / ("reversed" if reverse else "forward")
        _copy_samples(root, reverse)
        reports.append(_run(root, tmp_path / f"out-{root.name}", seed,
                            "--rules", "rules")["report.json"])
    assert reports[0] == reports[1]
    # and the copies report exactly what the repository's samples do (same relative paths)
    assert reports[0] == seeded_runs[0]["report.json"]


def test_listing_order_does_not_matter_in_process(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Even if the OS listed directories backwards, the report would not change."""
    from drsmcheck.report import validate
    from drsmcheck.reporters.json import render
    sample = SAMPLES / "drsm-bfc-2019"  # the sample with the most files (13)
    monkeypatch.chdir(SAMPLES.parent)
    normal = render(validate([Path("samples") / sample.name], default_rules_dir()))
    real_iterdir, real_rglob = Path.iterdir, Path.rglob
    monkeypatch.setattr(Path, "iterdir", lambda self: iter(sorted(real_iterdir(self),
                                                                  reverse=True)))
    monkeypatch.setattr(Path, "rglob", lambda self, pattern: iter(sorted(
        real_rglob(self, pattern), reverse=True)))
    backwards = render(validate([Path("samples") / sample.name], default_rules_dir()))
    assert normal == backwards
