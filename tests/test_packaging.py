"""What `pip install drsmcheck==X` installs: the wheel and the sdist built as the release
workflow builds them (`python -m build`) hold the rule pack, the templates and the report
schema, and the installed wheel runs from them; versions agree with the changelog."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

import drsmcheck
from drsmcheck.rules import default_rules_dir

from support import ROOT

VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
    "version"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return out


def _package_files() -> list[str]:
    """Files the package needs at run time, relative to src/drsmcheck."""
    pkg = Path(drsmcheck.__file__).parent
    rules = default_rules_dir()
    files = [f"rules/{p.relative_to(rules).as_posix()}" for p in sorted(rules.rglob("*"))
             if p.is_file() and "__pycache__" not in p.parts]
    files += [f"templates/{p.name}" for p in sorted((pkg / "templates").iterdir())]
    return [*files, "schemas/report.schema.json", "py.typed"]


def test_wheel_holds_rule_pack_templates_and_schema(dist: Path) -> None:
    (wheel,) = dist.glob(f"drsmcheck-{VERSION}-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        needed = _package_files()
        assert len([n for n in needed if n.startswith("rules/")]) >= 10
        missing = [n for n in needed if f"drsmcheck/{n}" not in names]
        assert not missing, missing
        schema = json.loads(z.read("drsmcheck/schemas/report.schema.json"))
        assert schema == json.loads((Path(drsmcheck.__file__).parent / "schemas" /
                                     "report.schema.json").read_text(encoding="utf-8"))
        meta = z.read(f"drsmcheck-{VERSION}.dist-info/METADATA").decode("utf-8")
        assert f"\nVersion: {VERSION}\n" in meta
        entry = z.read(f"drsmcheck-{VERSION}.dist-info/entry_points.txt").decode("utf-8")
        assert "drsmcheck = drsmcheck.cli:main" in entry


def test_sdist_holds_sources_and_changelog(dist: Path) -> None:
    (sdist,) = dist.glob(f"drsmcheck-{VERSION}.tar.gz")
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    assert "CHANGELOG.md" in names and "pyproject.toml" in names
    missing = [n for n in _package_files() if f"src/drsmcheck/{n}" not in names]
    assert not missing, missing


def test_installed_wheel_runs_from_its_own_files(dist: Path, tmp_path: Path) -> None:
    (wheel,) = dist.glob("*.whl")
    target = tmp_path / "site"
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                           "--no-index", "--target", str(target), str(wheel)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import drsmcheck, json\n"
        "from pathlib import Path\n"
        "assert Path(drsmcheck.__file__).is_relative_to(sys.argv[1]), drsmcheck.__file__\n"
        "from drsmcheck.model import load_schema\n"
        "from drsmcheck.rules import default_rules_dir, load_rules\n"
        "from drsmcheck.reporters.html import render_html\n"
        "pack = load_rules(default_rules_dir())\n"
        "report = json.loads(Path(sys.argv[2]).read_text(encoding='utf-8'))\n"
        "html = render_html(report)\n"
        "print(load_schema()['title'], len(pack.rules), len(html) > 10000)\n"
    )
    run = subprocess.run([sys.executable, "-c", code, str(target),
                          str(ROOT / "tests" / "fixtures" / "report_sample.json")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=600)
    assert run.returncode == 0, run.stderr
    title, rules, rendered = run.stdout.split(" ")[-3:]
    assert int(rules) > 100 and rendered.strip() == "True"


def test_versions_and_changelog_agree() -> None:
    assert drsmcheck.__version__ == VERSION
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(VERSION)}\] - \d{{4}}-\d{{2}}-\d{{2}}$", changelog,
                     re.M), f"CHANGELOG.md has no section for {VERSION}"
    assert "## [Unreleased]" in changelog
    release = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    assert "python -m build" in release and "twine check --strict" in release
    hooks = (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8")
    assert f"rev: v{VERSION}" in hooks
