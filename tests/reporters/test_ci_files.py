"""The GitHub workflows, the composite action and the pre-commit hooks are well-formed, and
the action's validate script really runs drsmcheck and hands its results on."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ACTION = ROOT / ".github" / "actions" / "drsmcheck" / "action.yml"


def _load(path: Path) -> object:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_workflows_parse() -> None:
    ci = _load(ROOT / ".github" / "workflows" / "ci.yml")
    assert {"lint", "test"} <= set(ci["jobs"])
    assert any("ruff check" in str(s.get("run", "")) for s in ci["jobs"]["lint"]["steps"])
    assert any("chromium" in str(s.get("run", "")) for s in ci["jobs"]["test"]["steps"])
    gate = _load(ROOT / ".github" / "workflows" / "drsmcheck-gate.yml")
    triggers = gate.get(True, gate.get("on"))  # YAML 1.1 reads the key `on` as True
    assert "pull_request" in triggers
    steps = gate["jobs"]["gate"]["steps"]
    assert any(s.get("uses") == "./.github/actions/drsmcheck" for s in steps)


def _requirement_name(spec: str) -> str:
    return re.split(r"[\[<>=!~;\s]", spec, maxsplit=1)[0].lower().replace("_", "-")


def test_installs_are_locked_and_drift_is_watched() -> None:
    """CI, .ci/run and the README's test command install the locked versions; a second CI job
    installs the newest allowed ones without the lock and only warns."""
    lock = (ROOT / "requirements" / "lock.txt").read_text(encoding="utf-8")
    pins = dict(line.split("==", 1) for line in lock.splitlines()
                if line and not line.startswith((" ", "#")))
    pins = {_requirement_name(name): version for name, version in pins.items()}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in ("test", "ge", "spark"):
        wanted += project["optional-dependencies"][extra]
    for spec in wanted:
        assert "==" not in spec, f"pyproject.toml keeps ranges, not pins: {spec}"
        assert _requirement_name(spec) in pins, f"{spec} is not in requirements/lock.txt"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    command = next(line for line in readme.splitlines() if "python -m pytest" in line
                   and line.startswith("python3 -m venv"))
    assert "-c requirements/lock.txt" in command
    assert command in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    jobs = _load(ROOT / ".github" / "workflows" / "ci.yml")["jobs"]  # type: ignore[index]
    runs = [str(s.get("run", "")) for s in jobs["test"]["steps"]]
    assert any("pip install -c requirements/lock.txt" in r for r in runs)
    latest = jobs["latest"]
    assert latest["continue-on-error"] is True
    runs = [str(s.get("run", "")) for s in latest["steps"]]
    assert any("pip install" in r for r in runs) and not any("lock.txt" in r for r in runs
                                                             if "pip install" in r)
    assert any("::warning" in r for r in runs)


def test_action_inputs() -> None:
    action = _load(ACTION)
    assert {"paths", "rules", "fail-on", "baseline"} <= set(action["inputs"])
    assert action["runs"]["using"] == "composite"
    for step in action["runs"]["steps"]:
        # inputs reach scripts through env variables only (no ${{ }} inside `run`)
        assert "${{" not in step.get("run", "")


def test_pre_commit_hooks() -> None:
    hooks = {h["id"]: h for h in _load(ROOT / ".pre-commit-hooks.yaml")}
    assert hooks["drsmcheck"]["entry"] == "drsmcheck validate"
    assert hooks["drsmcheck"]["pass_filenames"] is False
    assert hooks["drsmcheck-rules"]["entry"] == "drsmcheck rules check"


def test_action_validate_script(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.fail("bash is required")
    action = _load(ACTION)
    script = next(s for s in action["runs"]["steps"] if s.get("id") == "validate")["run"]
    gate = next(s for s in action["runs"]["steps"] if s.get("name") == "Gate")["run"]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    launcher = bin_dir / "drsmcheck"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c '
                        f'"from drsmcheck.cli import main; main()" "$@"\n', encoding="utf-8")
    launcher.chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
               PATHS="samples/elsm-seine-saint-denis-2016", RULES="", FAIL_ON="error",
               BASELINE="", LANG_="en", OUT=str(tmp_path / "out"),
               GITHUB_OUTPUT=str(tmp_path / "gh_output"),
               GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    run = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    outputs = dict(line.split("=", 1) for line in
                   (tmp_path / "gh_output").read_text(encoding="utf-8").splitlines())
    assert outputs == {"exit-code": "0", "report-dir": str(tmp_path / "out")}
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "report.html", "report.junit.xml", "report.md", "report.sarif"]
    assert "✅ No anomaly." in (tmp_path / "summary.md").read_text(encoding="utf-8")
    for code, expected in (("0", 0), ("1", 1), ("2", 2)):
        done = subprocess.run(["bash", "-c", gate], env=dict(os.environ, CODE=code),
                              capture_output=True, text=True)
        assert done.returncode == expected
