"""The one output writer: every format of a run written together or not at all.

A full disk, a failed rename or Ctrl-C while writing several formats must leave the previous
outputs exactly as they were (no truncated report.json beside an old report.html), and no
temporary file behind. Runs go through the real CLI (in-process) on the bad-input corpus's
small dataset and rule pack.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drsmcheck import outputs
from drsmcheck.cli import app

from support import ROOT

CORPUS = ROOT / "tests" / "bad_inputs"
ARGS = ["validate", "data", "--rules", "pack", "--format", "json,html,sarif,markdown",
        "--output-dir", "out"]


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pack" / "reference").mkdir(parents=True)
    shutil.copyfile(ROOT / "rules" / "reference" / "entities.yaml",
                    tmp_path / "pack" / "reference" / "entities.yaml")
    shutil.copytree(CORPUS / "_pack", tmp_path / "pack", dirs_exist_ok=True)
    shutil.copytree(CORPUS / "ok_reference" / "data", tmp_path / "data")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(args: list[str] = ARGS) -> tuple[int, str]:
    result = CliRunner().invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _break_the_data(work: Path) -> None:
    """So that the next run's outputs differ from the previous ones."""
    ds = work / "data" / "dataset.yaml"
    ds.write_text(ds.read_text(encoding="utf-8").replace('value: "100"', 'value: "101"'),
                  encoding="utf-8")


def _failing_after(n: int, exc: BaseException, real):  # type: ignore[no-untyped-def]
    calls = {"n": 0}

    def fake(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > n:
            raise exc
        return real(*args, **kwargs)
    return fake


def test_full_disk_leaves_the_previous_outputs(work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run()[0] == 0
    before = _snapshot(work / "out")
    assert sorted(before) == ["report.html", "report.json", "report.md", "report.sarif"]
    _break_the_data(work)
    monkeypatch.setattr(outputs.os, "fsync", _failing_after(
        2, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)), os.fsync))
    code, err = _run()
    assert code == 2
    assert "out/report.sarif: cannot write the report: no space left on device" in err
    assert "hint: free some space; the previous outputs are untouched" in err
    assert _snapshot(work / "out") == before  # no temporary file either


def test_a_failed_rename_puts_back_the_ones_already_renamed(
        work: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _run()[0] == 0
    before = _snapshot(work / "out")
    _break_the_data(work)
    monkeypatch.setattr(outputs.os, "replace", _failing_after(
        2, OSError(errno.EIO, os.strerror(errno.EIO)), os.replace))
    code, err = _run()
    assert code == 2 and "cannot write the report: input/output error" in err
    assert _snapshot(work / "out") == before


def test_ctrl_c_while_writing_leaves_the_previous_outputs(work: Path) -> None:
    out = work / "out"
    out.mkdir()
    old = {name: f"old {name}\n" for name in ("a.json", "b.html", "c.sarif")}
    for name, text in old.items():
        (out / name).write_text(text, encoding="utf-8")
    real_fsync = os.fsync
    try:
        outputs.os.fsync = _failing_after(1, KeyboardInterrupt(), real_fsync)  # type: ignore[attr-defined]
        with pytest.raises(KeyboardInterrupt):
            outputs.commit([(out / name, "new\n") for name in old])
    finally:
        outputs.os.fsync = real_fsync  # type: ignore[attr-defined]
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == old


def test_sigint_during_the_renames_is_held_back_then_undoes_all(work: Path,
                                                                 monkeypatch: pytest.MonkeyPatch
                                                                 ) -> None:
    out = work / "out"
    out.mkdir()
    names = ("a.json", "b.html", "c.sarif")
    for name in names:
        (out / name).write_text("old\n", encoding="utf-8")
    real_replace = os.replace
    state = {"sent": False}

    def replace_and_interrupt(src, dst):  # type: ignore[no-untyped-def]
        if not state["sent"]:
            state["sent"] = True
            # a real SIGINT between two renames, sent to this thread: os.kill to the process
            # may land on one of Arrow's threads, which do not block it
            signal.raise_signal(signal.SIGINT)
        return real_replace(src, dst)

    monkeypatch.setattr(outputs.os, "replace", replace_and_interrupt)
    with pytest.raises(KeyboardInterrupt):
        outputs.commit([(out / name, "new\n") for name in names])
    contents = {p.read_text(encoding="utf-8") for p in out.iterdir()}
    assert contents == {"old\n"} and sorted(p.name for p in out.iterdir()) == list(names)


def test_a_read_only_folder_is_refused_before_the_run(work: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (work / "ro").mkdir()
    real_access = os.access
    monkeypatch.setattr(outputs.os, "access", lambda p, mode: False if Path(p).name == "ro"
                        else real_access(p, mode))
    started = []
    monkeypatch.setattr("drsmcheck.report.validate", lambda *a, **k: started.append(1))
    code, err = _run(["validate", "data", "--rules", "pack", "--format", "json",
                      "--output", "ro/report.json"])
    assert code == 2 and not started
    assert "ro/report.json: --output: the folder ro is not writable" in err


def test_a_link_to_a_report_stays_a_link_and_modes_are_kept(work: Path) -> None:
    target = work / "real.json"
    target.write_text("{}\n", encoding="utf-8")
    os.chmod(target, 0o640)
    (work / "link.json").symlink_to(target)
    outputs.commit([(work / "link.json", "new\n"), (work / "fresh.json", "x\n")])
    assert (work / "link.json").is_symlink() and target.read_text(encoding="utf-8") == "new\n"
    assert target.stat().st_mode & 0o777 == 0o640
    mask = os.umask(0)
    os.umask(mask)
    assert (work / "fresh.json").stat().st_mode & 0o777 == 0o666 & ~mask
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".")) == []


def test_a_closed_pipe_ends_stdout_quietly() -> None:
    class Closed:
        def write(self, _text: str) -> None:
            raise BrokenPipeError

        def flush(self) -> None:
            raise BrokenPipeError

        def fileno(self) -> int:
            raise ValueError("no descriptor")

    outputs._print(Closed(), "x")  # type: ignore[arg-type]
