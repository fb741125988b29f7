"""End to end: the CI gate on a throw-away git repository of figures.

A clean dataset passes; a commit that breaks a total fails the gate (exit 1) with a GitHub
annotation on the changed line; a justified baseline accepts it (exit 0); once the figure is
fixed, the baseline entry is reported stale.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import assert_valid_report

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "elsm-seine-saint-denis-2016"
DATASET = "figures/elsm-seine-saint-denis-2016/dataset.yaml"
GATE = ["validate", "figures", "--format", "github", "--fail-on", "error"]


def drsmcheck(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from drsmcheck.cli import main; main()", *args],
        cwd=repo, capture_output=True, text=True, encoding="utf-8", timeout=600,
    )


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=test@example.invalid",
                    "-c", "commit.gpgsign=false", *args],
                   cwd=repo, check=True, capture_output=True, text=True)


def annotations(stdout: str) -> list[tuple[str, dict[str, str], str]]:
    out = []
    for line in stdout.splitlines():
        m = re.match(r"^::(error|warning|notice) ([^:]*)::(.*)$", line)
        if m:
            props = dict(item.split("=", 1) for item in m.group(2).split(","))
            out.append((m.group(1), props, m.group(3)))
    return out


def staff_total_line(path: Path) -> int:
    """1-based line of the value of the first `staff.total` figure (the one we break)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "- indicator: staff.total":
            for j in range(i + 1, min(i + 4, len(lines))):
                if lines[j].strip() == 'value: "156"':
                    return j + 1
    pytest.fail(f"{path}: no `staff.total` figure with value \"156\" to break")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    if shutil.which("git") is None:
        pytest.fail("git is required for the gate test")
    root = tmp_path / "figures-repo"
    (root / "figures").mkdir(parents=True)
    shutil.copytree(SAMPLE, root / "figures" / SAMPLE.name)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "figures as published")
    return root


def test_gate(repo: Path) -> None:
    dataset = repo / DATASET
    line = staff_total_line(dataset)

    # 1. the published figures are consistent: the gate passes
    clean = drsmcheck(repo, *GATE)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert not [a for a in annotations(clean.stdout) if a[0] == "error"]

    # 2. a pull request breaks a total: 156 = 124 + 32 becomes 165
    lines = dataset.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = lines[line - 1].replace('"156"', '"165"')
    dataset.write_text("".join(lines), encoding="utf-8")
    git(repo, "commit", "-q", "-am", "staff: 165")
    broken = drsmcheck(repo, *GATE)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    errors = [a for a in annotations(broken.stdout) if a[0] == "error"]
    assert errors, broken.stdout
    at_line = [a for a in errors if a[1].get("file") == DATASET and a[1].get("line") == str(line)]
    assert at_line, f"no error annotation at {DATASET}:{line}:\n{broken.stdout}"
    assert any("165" in a[2] and "156" in a[2] for a in at_line)

    # 3. a baseline: created with TODO justifications, refused until justified (exit 2)
    created = drsmcheck(repo, "baseline", "create", "figures", "--output",
                        "drsmcheck-baseline.yaml")
    assert created.returncode == 0, created.stderr
    baseline = repo / "drsmcheck-baseline.yaml"
    text = baseline.read_text(encoding="utf-8")
    assert "TODO: justify" in text
    refused = drsmcheck(repo, *GATE, "--baseline", "drsmcheck-baseline.yaml")
    assert refused.returncode == 2
    todo_line = text.splitlines().index("    justification: 'TODO: justify'") + 1
    assert f"drsmcheck-baseline.yaml:{todo_line}: baseline entry" in refused.stderr
    assert "Traceback" not in refused.stderr

    # 4. justified: the gate accepts the known anomalies
    baseline.write_text(text.replace("'TODO: justify'",
                                     "'Chiffre publié ainsi ; erratum demandé'"),
                        encoding="utf-8")
    git(repo, "add", "drsmcheck-baseline.yaml")
    git(repo, "commit", "-q", "-m", "baseline")
    accepted = drsmcheck(repo, *GATE, "--baseline", "drsmcheck-baseline.yaml")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert annotations(accepted.stdout) == []
    assert "acceptée(s)" in accepted.stderr

    # 5. the figure is fixed: nothing fails, and the baseline entries are reported stale
    dataset.write_text(dataset.read_text(encoding="utf-8").replace('value: "165"',
                                                                   'value: "156"', 1),
                       encoding="utf-8")
    git(repo, "commit", "-q", "-am", "staff: back to 156")
    fixed = drsmcheck(repo, *GATE, "--baseline", "drsmcheck-baseline.yaml")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    stale = [a for a in annotations(fixed.stdout) if a[0] == "warning"]
    ids = re.findall(r"^  ([0-9a-f]{16}):$", baseline.read_text(encoding="utf-8"), re.M)
    assert ids and len(stale) == len(ids)
    id_lines = {i: baseline.read_text(encoding="utf-8").splitlines().index(f"  {i}:") + 1
                for i in ids}
    assert sorted(a[1]["line"] for a in stale) == sorted(str(n) for n in id_lines.values())
    assert all(a[1]["file"] == "drsmcheck-baseline.yaml" for a in stale)
    for i, n in id_lines.items():
        assert f"drsmcheck-baseline.yaml:{n}: entrée de baseline obsolète {i}" in fixed.stderr


def test_every_output_is_byte_identical_across_runs(tmp_path: Path) -> None:
    """Two runs of the CLI on the same data write the same bytes in every format."""
    sample = SAMPLE.parent / "drsm-occitanie-2019"
    root = Path(__file__).resolve().parents[1]
    outputs = []
    for run in ("a", "b"):
        out = tmp_path / run
        done = drsmcheck(root, "validate", str(sample.relative_to(root)), "--format",
                         "json,html,junit,sarif,markdown,github", "--output-dir", str(out),
                         "--fail-on", "never")
        assert done.returncode == 0, done.stderr
        assert_valid_report(json.loads((out / "report.json").read_text(encoding="utf-8")))
        outputs.append((done.stdout, {p.name: p.read_bytes() for p in sorted(out.iterdir())}))
    assert outputs[0] == outputs[1]
    assert sorted(outputs[0][1]) == ["report.html", "report.json", "report.junit.xml",
                                     "report.md", "report.sarif"]
    assert "::error file=samples/drsm-occitanie-2019/" in outputs[0][0]
