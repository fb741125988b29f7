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


OCC_SELECT = ["--select", "rule=cpg.*,agreement,rollup.*", "--select", "entity=LR,MP,OCC"]
OCC_REASON = "Publié ainsi ; erratum demandé le 2020-06-12"
STALE_ENTRY = ("  0123456789abcdef:\n    rule: agreement\n    dataset: drsm-occitanie-2019\n"
               "    justification: corrigé depuis\n"
               "  fedcba9876543210:\n    rule: agreement\n    dataset: cpam-somme-2022\n"
               "    justification: autre jeu\n")


@pytest.fixture(scope="session")
def occitanie_baseline(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Occitanie through the CLI with a baseline accepting its objectives and its errors:
    `baseline create --select … --justification …`, one stale entry and one of another
    dataset added by hand, then `validate --baseline` writing json, html and junit."""
    tmp = tmp_path_factory.mktemp("occ-baseline")
    baseline = tmp / "drsmcheck-baseline.yaml"
    created = run_cli("baseline", "create", "samples/drsm-occitanie-2019", "--output",
                      str(baseline), "--justification", OCC_REASON, *OCC_SELECT)
    assert created.returncode == 0, created.stderr
    text = baseline.read_text(encoding="utf-8") + STALE_ENTRY
    baseline.write_text(text, encoding="utf-8")
    out = tmp / "out"
    done = run_cli("validate", "samples/drsm-occitanie-2019", "--baseline", str(baseline),
                   "--format", "json,html,junit", "--output-dir", str(out))
    assert "Traceback" not in done.stderr, done.stderr
    return {"created": created, "baseline": baseline, "text": text, "validated": done,
            "out": out, "report": json.loads((out / "report.json").read_text("utf-8"))}
