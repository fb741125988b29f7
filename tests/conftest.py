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


def _schema_checked_run() -> None:
    """Every report dict built in this test process (`drsmcheck.report.run`, which
    `validate()` and the in-process CLI call) is checked against the shipped JSON Schema."""
    import functools

    import drsmcheck.report as report_module

    from support import assert_valid_report

    original = report_module.run
    if getattr(original, "_schema_checked", False):
        return

    @functools.wraps(original)
    def run(*args, **kwargs):  # type: ignore[no-untyped-def]
        out = original(*args, **kwargs)
        assert_valid_report(out, "drsmcheck.report.run()")
        return out

    run._schema_checked = True  # type: ignore[attr-defined]
    report_module.run = run


_schema_checked_run()
