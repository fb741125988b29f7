"""Routing of formats to files / stdout, and the gate's exit code."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

from drsmcheck.baseline import Baseline, BaselineEntry, apply_baseline
from drsmcheck.outputs import (
    FILE_NAMES,
    UsageError,
    exit_code,
    parse_formats,
    plan_outputs,
    render,
    write_outputs,
)

MINE = ["html", "junit", "sarif", "github", "markdown"]


def test_parse_formats() -> None:
    assert parse_formats("console, html,SARIF") == ["console", "html", "sarif"]
    assert parse_formats(["json", "md"]) == ["json", "markdown"]
    with pytest.raises(UsageError, match="unknown format 'pdf'"):
        parse_formats("html,pdf")
    with pytest.raises(UsageError, match="given twice"):
        parse_formats("html,html")
    with pytest.raises(UsageError, match="at least one"):
        parse_formats(" , ")


def test_plan_outputs(tmp_path: Path) -> None:
    assert plan_outputs(["html"], None, None) == [("html", None)]
    assert plan_outputs(["html"], tmp_path / "r.html", None) == [("html", tmp_path / "r.html")]
    assert plan_outputs(["console", "github"], None, None) == [("console", None),
                                                               ("github", None)]
    assert plan_outputs(["console", "html", "sarif", "github"], None, tmp_path) == [
        ("console", None), ("html", tmp_path / "report.html"),
        ("sarif", tmp_path / "report.sarif"), ("github", None)]
    with pytest.raises(UsageError, match="--output takes one format"):
        plan_outputs(["html", "sarif"], tmp_path / "x", None)
    with pytest.raises(UsageError, match="several formats need --output-dir"):
        plan_outputs(["console", "html"], None, None)
    with pytest.raises(UsageError, match="exclude each other"):
        plan_outputs(["html"], tmp_path / "x", tmp_path)


def test_write_outputs_to_a_folder(report: dict[str, Any], tmp_path: Path) -> None:
    out = io.StringIO()
    written = write_outputs(report, ["html", "junit", "sarif", "markdown", "github"], None,
                            tmp_path / "out", "fr", stdout=out)
    assert sorted(p.name for p in written) == sorted(
        FILE_NAMES[f] for f in ("html", "junit", "sarif", "markdown"))
    assert out.getvalue().startswith("::error file=")
    for fmt in ("html", "junit", "sarif", "markdown"):
        data = (tmp_path / "out" / FILE_NAMES[fmt]).read_bytes()
        assert data.decode("utf-8") == render(report, fmt, "fr")
        assert b"\r\n" not in data


def test_every_format_is_byte_identical_across_runs(report: dict[str, Any],
                                                    tmp_path: Path) -> None:
    for run in ("a", "b"):
        write_outputs(report, MINE, None, tmp_path / run, "en", stdout=io.StringIO())
    for fmt in ("html", "junit", "sarif", "markdown"):
        name = FILE_NAMES[fmt]
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_exit_code_honours_fail_on_and_baseline(report: dict[str, Any]) -> None:
    assert exit_code(report, "error") == 1
    assert exit_code(report, "never") == 0
    only_info = dict(report, anomalies=[a for a in report["anomalies"]
                                        if a["severity"] == "info"])
    assert exit_code(only_info, "error") == 0
    assert exit_code(only_info, "warning") == 0
    assert exit_code(only_info, "info") == 1
    errors = [a for a in report["anomalies"] if a["severity"] in ("error", "warning")]
    baseline = Baseline("b.yaml", {a["id"]: BaselineEntry(a["id"], "ok", i + 1,
                                                          dataset=a["dataset"])
                                   for i, a in enumerate(errors)})
    accepted = apply_baseline(report, baseline)
    assert exit_code(accepted, "warning") == 0
    assert exit_code(accepted, "info") == 1
