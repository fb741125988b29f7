"""Text from data never drives a terminal or a CI log (issue 16, family 3).

A quote can hold a newline followed by `::error file=README.md,line=1::x` (a real workflow
command on GitHub Actions), `::add-mask::`, or ANSI escapes that clear the screen or retitle
the window. Through YAML, a quoted CSV field and a file name holding a newline, none of it may
reach stdout or stderr raw: no control character but the line ends, no line starting with `::`
except drsmcheck's own annotations in `--format github`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from support import ROOT, drsmcheck_exe

CORPUS = ROOT / "tests" / "bad_inputs"
HOSTILE = "\n::error file=README.md,line=1::x\n::add-mask::secret \x1b[2J \x1b]0;title\x07 \r::warning::y"
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")
OWN_COMMAND = re.compile(r"^::(error|warning|notice) file=[^\n]*::")


def _yaml_string(text: str) -> str:
    return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("hostile")
    (work / "pack" / "reference").mkdir(parents=True)
    shutil.copyfile(ROOT / "rules" / "reference" / "entities.yaml",
                    work / "pack" / "reference" / "entities.yaml")
    shutil.copytree(CORPUS / "_pack", work / "pack", dirs_exist_ok=True)
    shutil.copytree(CORPUS / "ok_reference" / "data", work / "data")
    ds = work / "data" / "dataset.yaml"
    text = ds.read_text(encoding="utf-8")
    text = text.replace('title: "Cas de test"', f"title: {_yaml_string('Cas' + HOSTILE)}")
    text = text.replace('quote: "100 avis"', f"quote: {_yaml_string('101 avis' + HOSTILE)}")
    ds.write_text(text.replace('value: "100"', 'value: "101"'), encoding="utf-8")
    quoted = '"31 ' + HOSTILE.replace('"', '""') + '"'
    (work / "data" / "more.csv").write_text(
        "indicator,entity,value,line,quote,table\n" f"t.paper,OCC,31,2,{quoted},t8\n",
        encoding="utf-8")
    (work / "data" / "x\n::error file=a::b.csv").write_text(
        "indicator,entity,value,line,quote,table\nt.electronic,OCC,71,2,q,t9\n", encoding="utf-8")
    (work / "baseline.yaml").write_text(
        "version: 1\nanomalies:\n  0123456789abcdef:\n    rule: " + _yaml_string("r" + HOSTILE)
        + "\n    dataset: case\n    entity: " + _yaml_string("E" + HOSTILE)
        + "\n    justification: accepted after review\n", encoding="utf-8")
    return work


def _run(work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120", "GITHUB_ACTIONS": "true"}
    return subprocess.run([drsmcheck_exe(), *args], cwd=work, capture_output=True, text=True,
                          env=env, timeout=300)


def _assert_inert(text: str, *, github: bool = False) -> None:
    assert not CONTROL.search(text), repr(CONTROL.search(text))
    for line in text.split("\n"):
        if line.lstrip().startswith("::"):
            # one physical line is one command: the data inside it is %0A-escaped by the runner's
            # rules, so it cannot start a command of its own
            assert github and OWN_COMMAND.match(line), f"a workflow command from data: {line!r}"


@pytest.mark.parametrize("fmt", ["markdown", "github", "json", "sarif"])
def test_reports_on_stdout_are_inert(work: Path, fmt: str) -> None:
    proc = _run(work, "validate", "data", "--rules", "pack", "--format", fmt,
                "--baseline", "baseline.yaml", "--lang", "en")
    assert proc.returncode == 1, proc.stderr
    _assert_inert(proc.stdout, github=fmt == "github")
    _assert_inert(proc.stderr)
    if fmt == "markdown":
        assert "add-mask" in proc.stdout  # shown, not dropped
    # the stale entry is reported on stderr, its hostile fields escaped
    assert "baseline.yaml:3: stale baseline entry 0123456789abcdef" in proc.stderr
    assert "\\e[2J" in proc.stderr


def test_the_console_report_is_inert(work: Path) -> None:
    proc = _run(work, "validate", "data", "--rules", "pack")
    assert proc.returncode == 1, proc.stderr
    _assert_inert(proc.stdout)


def test_error_messages_quoting_data_are_inert(work: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(work / "data", bad / "data")
    (bad / "data" / "more.csv").write_text(
        "indicator,entity,value,line\nt.paper," + '"OCC' + HOSTILE.replace('"', '""')
        + '"' + ",31,2\n", encoding="utf-8")
    proc = _run(work, "validate", str(bad / "data"), "--rules", "pack")
    assert proc.returncode == 2
    _assert_inert(proc.stderr)
    assert "unknown entity" in proc.stderr and "\\n::error" in proc.stderr
