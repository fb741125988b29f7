"""The command line's own surface: -h, --version, help texts with exit codes, progress."""

from __future__ import annotations

import os
import re
import subprocess

from drsmcheck import __version__

from support import ROOT, drsmcheck_exe, run_cli, run_cli_tty

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def test_version_and_short_help() -> None:
    proc = run_cli("--version")
    assert proc.returncode == 0 and proc.stdout.strip() == f"drsmcheck {__version__}"
    for args in (["-h"], ["--help"], ["validate", "-h"], ["rules", "check", "-h"],
                 ["baseline", "create", "-h"]):
        proc = run_cli(*args)
        assert proc.returncode == 0, (args, proc.stderr)
        assert proc.stdout.startswith("Usage: drsmcheck"), args


def test_validate_help_says_what_each_option_does_and_the_exit_codes() -> None:
    out = run_cli("validate", "--help").stdout
    assert "Usage: drsmcheck validate [OPTIONS] PATH..." in out
    assert "<list[Path]>" not in out and "<str>" not in out and "<bool>" not in out
    flat = re.sub(r"\s+", " ", out)
    for option in ("--rules DIR", "--format FORMATS", "--output FILE", "--output-dir DIR",
                   "--baseline FILE", "--fail-on", "--lang", "--rules-table", "-v, --verbose",
                   "-q, --quiet", "--color [auto|always|never]", "-h, --help"):
        assert option in flat, option
    assert "Exit codes: 0 no anomaly at or above --fail-on; 1 at least one" in flat
    assert "2 bad input or usage" in flat and "3 internal error" in flat
    top = re.sub(r"\s+", " ", run_cli("-h").stdout)
    assert "Exit codes: 0" in top and "--version" in top


def test_help_in_french_with_drsmcheck_lang() -> None:
    env = {**os.environ, "DRSMCHECK_LANG": "fr"}
    out = subprocess.run([drsmcheck_exe(), "validate", "-h"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120).stdout
    flat = re.sub(r"\s+", " ", out)
    assert "Codes de sortie : 0 aucune anomalie" in flat
    assert "Console : n'affiche que la ligne de résumé." in flat


def test_rules_check_speaks_the_run_language() -> None:
    fr = run_cli("rules", "check").stdout.strip()
    en = run_cli("rules", "check", "--lang", "en").stdout.strip()
    assert re.fullmatch(r"\d+ règles, [\d\u00a0]+ indicateurs, \d+ entités : OK", fr), fr
    assert re.fullmatch(r"\d+ rules, [\d,]+ indicators, \d+ entities: OK", en), en


def test_progress_on_a_terminal_stderr_only(tmp_path) -> None:
    somme = "samples/cpam-somme-2022"
    out_file = tmp_path / "r.json"
    # the delay (1 s by default) brought to 0 so that the test does not depend on speed
    code, out, err = run_cli_tty("validate", somme, "--format", "json", "--output", str(out_file),
                                 "--lang", "en", stdout_tty=False, stderr_tty=True, columns=100,
                                 env={"DRSMCHECK_PROGRESS_DELAY": "0"})
    assert code == 1
    assert f"Validating {somme}…" in err and "0:00:0" in err  # spinner, text, elapsed time
    assert out == ""  # stdout untouched: the report went to the file
    assert err.rstrip().endswith(f"report written to {out_file}")
    # a run quicker than the delay: nothing but the written-file line, even on a terminal
    code, out, err = run_cli_tty("validate", somme, "--format", "json", "--output", str(out_file),
                                 stdout_tty=False, stderr_tty=True, columns=100,
                                 env={"DRSMCHECK_PROGRESS_DELAY": "600"})
    assert ANSI.sub("", err).strip() == f"rapport écrit dans {out_file}"
    # piped stderr (a run longer than 1 s): see test_console's test_written_files_are_named_…


def test_error_messages_are_inert(tmp_path) -> None:
    folder = tmp_path / "bad\x1b[2Jname"
    folder.mkdir()
    proc = run_cli("validate", str(folder))
    assert proc.returncode == 2
    assert "\x1b" not in proc.stderr and "bad\\e[2Jname: no dataset.yaml" in proc.stderr
