"""The GitHub workflows, the composite action and the pre-commit hooks are well-formed, and
the action's validate script really runs drsmcheck and hands its results on."""

from __future__ import annotations

import json
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


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                           "-c", "commit.gpgsign=false", *args], cwd=repo, check=True,
                          capture_output=True, text=True)
    return done.stdout.strip()


def _step(name: str) -> str:
    steps = _load(ACTION)["runs"]["steps"]
    return next(s for s in steps if s.get("id") == name)["run"]


def _launcher(tmp_path: Path) -> dict[str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    launcher = bin_dir / "drsmcheck"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c '
                        f'"from drsmcheck.cli import main; main()" "$@"\n', encoding="utf-8")
    launcher.chmod(0o755)
    python = bin_dir / "python"
    if not python.exists():
        python.symlink_to(sys.executable)
    return dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
                GITHUB_ACTION_PATH=str(ACTION.parent))


def _run_step(repo: Path, tmp: Path, name: str, **env: str) -> tuple[int, dict[str, str], str]:
    out = tmp / f"gh-output-{name}"
    out.write_text("", encoding="utf-8")
    full = dict(_launcher(tmp), GITHUB_OUTPUT=str(out),
                GITHUB_STEP_SUMMARY=str(tmp / "summary.md"), **env)
    done = subprocess.run(["bash", "-c", _step(name)], cwd=repo, env=full, capture_output=True,
                          text=True, timeout=600)
    outputs = dict(line.split("=", 1) for line in out.read_text(encoding="utf-8").splitlines())
    return done.returncode, outputs, done.stdout + done.stderr


def test_example_gate_fails_only_on_new_anomalies_of_changed_datasets(tmp_path: Path) -> None:
    """The example gate workflow's steps on a copy of this repository's figures, rules and
    committed baseline: a pull request breaking one total fails on that dataset alone; one
    changing another file of a dataset passes (its published anomalies are accepted); one
    changing the rules validates every dataset, and passes."""
    if shutil.which("git") is None or shutil.which("bash") is None:
        pytest.fail("git and bash are required")
    gate = _load(ROOT / ".github" / "workflows" / "drsmcheck-gate.yml")
    steps = gate["jobs"]["gate"]["steps"]
    assert steps[0]["with"]["fetch-depth"] == 0
    inputs = next(s for s in steps if s.get("uses") == "./.github/actions/drsmcheck")["with"]
    assert inputs["changed-since"] == "${{ github.event.pull_request.base.sha }}"
    repo = tmp_path / "repo"
    repo.mkdir()
    for name in ("samples", "rules"):
        shutil.copytree(ROOT / name, repo / name, ignore=shutil.ignore_patterns("sources"))
    shutil.copy(ROOT / inputs["baseline"], repo / inputs["baseline"])
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "published figures")
    base = _git(repo, "rev-parse", "HEAD")
    env = {"PATHS": inputs["paths"], "SINCE": base, "RULES": inputs["rules"],
           "BASELINE": inputs["baseline"], "ALWAYS": inputs["always-validate"],
           "FAIL_ON": inputs["fail-on"], "LANG_": "en", "OUT": str(tmp_path / "out")}

    def pull_request(edit: str, path: str) -> tuple[str, int, str]:
        _git(repo, "checkout", "-q", "-B", "pr", base)
        target = repo / path
        text = target.read_text(encoding="utf-8") if target.exists() else ""
        target.write_text(text.replace(*edit.split("|"), 1) if "|" in edit else text + edit,
                          encoding="utf-8")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "-m", "pull request")
        code, outputs, log = _run_step(repo, tmp_path, "select", **env)
        assert code == 0, log
        code, outputs2, log = _run_step(repo, tmp_path, "validate",
                                        **dict(env, PATHS=outputs["paths"]))
        assert code == 0, log
        return outputs["paths"], int(outputs2["exit-code"]), log

    ssd = "samples/elsm-seine-saint-denis-2016"
    paths, code, log = pull_request('value: "156"|value: "165"', f"{ssd}/dataset.yaml")
    assert paths == ssd and code == 1, log
    assert f"::error file={ssd}/dataset.yaml," in log
    paths, code, log = pull_request("\n", "samples/drsm-occitanie-2019/README.md")
    assert paths == "samples/drsm-occitanie-2019" and code == 0, log
    assert "105" not in log and "0 new" in log
    paths, code, log = pull_request("\n# reviewed\n", "rules/checks/core.yaml")
    assert paths == "samples" and code == 0, log
    assert "105 anomaly(ies) accepted, 0 new" in log
    paths, code, log = pull_request("notes\n", "NOTES.md")  # no dataset touched
    assert paths == "" and code == 0 and "nothing to validate" in log, log


def test_changed_datasets_script(tmp_path: Path) -> None:
    script = ACTION.parent / "changed_datasets.py"
    repo = tmp_path / "r"
    for ds in ("figures/a", "figures/b", "figures/region/c"):
        (repo / ds).mkdir(parents=True)
        (repo / ds / "dataset.yaml").write_text("x: 1\n", encoding="utf-8")
    (repo / "figures" / "notes.md").write_text("n\n", encoding="utf-8")
    (repo / "rules").mkdir()
    (repo / "rules" / "r.yaml").write_text("r\n", encoding="utf-8")
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")

    def changed(*changes: str, always: tuple[str, ...] = ("rules",)) -> str:
        _git(repo, "checkout", "-q", "-B", "pr", "main")
        for change in changes:
            path = repo / change
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("changed\n", encoding="utf-8")
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "--allow-empty", "-m", "pr")
        args = [a for x in always for a in ("--always", x)]
        done = subprocess.run([sys.executable, str(script), "--base", "main", *args, "figures"],
                              cwd=repo, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    assert changed("figures/a/tables.yaml", "figures/region/c/sub/x.csv") == \
        "figures/a figures/region/c"
    assert changed("figures/notes.md") == ""
    assert changed("figures/b/dataset.yaml", "rules/r.yaml") == "figures"
    assert changed() == ""
    done = subprocess.run([sys.executable, str(script), "--base", "nope", "figures"], cwd=repo,
                          capture_output=True, text=True)
    assert done.returncode == 2 and "fetch-depth: 0" in done.stderr


def test_committed_baseline_accepts_every_published_anomaly() -> None:
    """The example gate's baseline is current: the samples' anomalies are all accepted, none
    is stale (re-create it with `drsmcheck baseline create samples/ --output …` when the
    engine changes anomaly ids)."""
    from support import run_cli

    done = run_cli("validate", "samples", "--baseline", "drsmcheck-baseline.yaml",
                   "--format", "json", "--lang", "en")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["anomalies"] and {a["baseline"] for a in report["anomalies"]} == {"accepted"}
    assert report["baseline"]["stale"] == [] and "stale" not in done.stderr


def test_release_workflow_checks_the_tag() -> None:
    release = _load(ROOT / ".github" / "workflows" / "release.yml")
    triggers = release.get(True, release.get("on"))
    assert triggers == {"push": {"tags": ["v[0-9]+.[0-9]+.[0-9]+*"]}}
    steps = release["jobs"]["build"]["steps"]
    check = next(s for s in steps if "tag" in s.get("name", "").lower())["run"]
    runs = " ".join(str(s.get("run", "")) for s in steps)
    assert "python -m build" in runs and "twine check --strict dist/*" in runs
    assert release["jobs"]["pypi"]["permissions"] == {"id-token": "write"}
    version = __import__("drsmcheck").__version__
    for tag, expected in ((f"v{version}", 0), ("v99.0.0", 1)):
        done = subprocess.run(["bash", "-c", check], cwd=ROOT, capture_output=True, text=True,
                              env=dict(os.environ, TAG=tag))
        assert done.returncode == expected, done.stdout + done.stderr
    assert "does not match pyproject.toml version" in done.stdout
