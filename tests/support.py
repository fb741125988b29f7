"""Paths, the CLI runner and the report-schema check shared by the tests (a plain module:
conftest is pytest's)."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def drsmcheck_exe() -> str:
    """The installed console script: tests exercise what a user runs."""
    exe = shutil.which("drsmcheck")
    assert exe, "the drsmcheck console script is not installed (pip install -e .)"
    return exe


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    from drsmcheck.model import load_schema

    schema = load_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def assert_valid_report(report: Mapping[str, Any], where: str = "report") -> None:
    """The report follows the shipped JSON Schema (src/drsmcheck/schemas/report.schema.json)."""
    errors = sorted(_validator().iter_errors(report), key=lambda e: list(e.absolute_path))
    assert not errors, f"{where} does not follow report.schema.json:\n" + "\n".join(
        f"  at /{'/'.join(str(p) for p in e.absolute_path)}: {e.message[:300]}"
        for e in errors[:20])


def assert_valid_lines(text: str, where: str = "report.jsonl") -> list[dict[str, Any]]:
    """JSON Lines (`--format jsonl`): the first line follows the schema's `jsonl_head`, every
    other line its `anomaly`, one line per anomaly the head counts; returns the parsed lines."""
    from jsonschema import Draft202012Validator

    from drsmcheck.model import load_schema

    schema = load_schema()
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines and text.endswith("\n"), f"{where}: no lines, or no final newline"
    for n, (line, ref) in enumerate(zip(lines, ["jsonl_head"] + ["anomaly"] * (len(lines) - 1),
                                        strict=True), start=1):
        sub = Draft202012Validator({**schema, "$ref": f"#/$defs/{ref}", "required": []})
        if ref == "anomaly":
            sub = Draft202012Validator({"$defs": schema["$defs"], "$ref": "#/$defs/anomaly"})
        errors = [e.message[:300] for e in sub.iter_errors(line)]
        assert not errors, f"{where}:{n} does not follow #/$defs/{ref}: {errors[:5]}"
    assert len(lines) == lines[0]["summary"]["anomalies"] + 1, where
    return lines


def json_outputs(args: Sequence[str], stdout: str, cwd: Path, fmt: str = "json"
                 ) -> list[tuple[str, str]]:
    """(where, text) of every JSON report (`fmt`: json or jsonl) a `drsmcheck validate`
    command line wrote."""
    args = [str(a) for a in args]
    if not args or args[0] != "validate" or "--format" not in args:
        return []
    formats = [f.strip() for f in args[args.index("--format") + 1].split(",")]
    if fmt not in formats:
        return []
    if "--output" in args:
        path = cwd / args[args.index("--output") + 1]
        return [(str(path), path.read_text(encoding="utf-8"))] if path.is_file() else []
    if "--output-dir" in args:
        path = cwd / args[args.index("--output-dir") + 1] / f"report.{fmt}"
        return [(str(path), path.read_text(encoding="utf-8"))] if path.is_file() else []
    return [("stdout", stdout)] if stdout.strip() else []


def check_json_outputs(args: Sequence[str], stdout: str, cwd: Path) -> None:
    for where, text in json_outputs(args, stdout, cwd):
        assert_valid_report(json.loads(text), where)
    for where, text in json_outputs(args, stdout, cwd, "jsonl"):
        assert_valid_lines(text, where)


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """The console script; every JSON report it writes is checked against the schema."""
    proc = subprocess.run([drsmcheck_exe(), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)
    if proc.returncode in (0, 1):
        check_json_outputs(args, proc.stdout, cwd)
    return proc


def run_cli_tty(*args: str, columns: int = 80, stdout_tty: bool = True, stderr_tty: bool = False,
                env: dict[str, str] | None = None, cwd: Path = ROOT) -> tuple[int, str, str]:
    """The CLI with stdout and/or stderr on a pseudo-terminal of `columns` columns.

    Returns (exit code, stdout, stderr) with the terminal's CRLF turned back into LF.
    """
    import fcntl
    import os
    import pty
    import select
    import struct
    import termios

    full_env = {**os.environ, "COLUMNS": str(columns), "TERM": "xterm"}
    full_env.pop("NO_COLOR", None)
    full_env.update(env or {})
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(
        [drsmcheck_exe(), *args], cwd=cwd, env=full_env, stdin=subprocess.DEVNULL,
        stdout=slave if stdout_tty else subprocess.PIPE,
        stderr=slave if stderr_tty else subprocess.PIPE)
    os.close(slave)
    tty_out = bytearray()
    pipes = {p: bytearray() for p in (proc.stdout, proc.stderr) if p is not None}
    open_fds = [master, *pipes]
    while open_fds:
        ready, _, _ = select.select(open_fds, [], [], 600)
        if not ready:
            proc.kill()
            raise TimeoutError(f"drsmcheck {' '.join(args)} did not finish")
        for fd in ready:
            try:
                chunk = os.read(fd if isinstance(fd, int) else fd.fileno(), 65536)
            except OSError:  # the terminal closes with EIO once the child has exited
                chunk = b""
            if not chunk:
                open_fds.remove(fd)
                continue
            (tty_out if fd == master else pipes[fd]).extend(chunk)
    os.close(master)
    code = proc.wait(timeout=600)
    tty_text = tty_out.decode("utf-8", "replace").replace("\r\n", "\n")
    piped = {p: b.decode("utf-8", "replace") for p, b in pipes.items()}
    out = tty_text if stdout_tty else piped[proc.stdout]
    err = tty_text if stderr_tty and not stdout_tty else piped.get(proc.stderr, "")
    if stdout_tty and stderr_tty:
        err = ""  # both on one terminal: everything is in `out`
    return code, out, err
