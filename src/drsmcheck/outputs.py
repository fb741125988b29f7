"""Where each output format goes: `--format a,b,c` with `--output FILE` or `--output-dir DIR`.

- one format: to `--output FILE`, else to stdout;
- several formats: the file formats (json, html, junit, sarif, markdown) need `--output-dir`,
  where they are written as report.json, report.html, report.junit.xml, report.sarif,
  report.md; `console` and `github` always go to stdout (annotations must be in the job log).

The gate's exit code counts only anomalies a baseline does not accept (`exit_code`).

Every output file is checked before the (slow) run — never an input (a dataset file, a file of
the rule pack, the baseline), never a directory, a device or a path under a file, in a writable
folder, with a name the file system accepts — and written by one writer (`commit`): each
format to a temporary file in its own folder, then all renamed over the previous outputs
together. A full disk, a write error or Ctrl-C before the renames leaves the previous outputs
untouched; the renames themselves run with SIGINT held back and are undone if one fails.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from .baseline import Baseline, apply_baseline, load_baseline
from .errors import InputError
from .reporters._common import at_or_above, new_anomalies
from .sanitize import surrogates, terminal

FORMATS: tuple[str, ...] = ("console", "json", "jsonl", "html", "junit", "sarif", "github",
                             "markdown", "ess")
STDOUT_FORMATS = frozenset({"console", "github"})
FILE_NAMES: dict[str, str] = {
    "console": "report.txt",
    "json": "report.json",
    "jsonl": "report.jsonl",
    "html": "report.html",
    "junit": "report.junit.xml",
    "sarif": "report.sarif",
    "github": "report.github.txt",
    "markdown": "report.md",
    "ess": "report.ess.json",
}
FAIL_ON = ("error", "warning", "info", "never")
# what the loader reads (any case): an output with one of these suffixes inside a dataset folder
# would be read as data by the next run
DATA_SUFFIXES = frozenset({".yaml", ".yml", ".csv", ".tsv", ".xlsx", ".xls", ".parquet"})


class UsageError(ValueError):
    """Bad combination of output options: the CLI prints it and exits 2."""


def parse_formats(text: str | list[str]) -> list[str]:
    """`"console,html"` → `["console", "html"]`; unknown or repeated formats are refused."""
    items = text if isinstance(text, list) else [text]
    formats: list[str] = []
    for item in items:
        for name in str(item).split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name == "md":
                name = "markdown"
            if name not in FORMATS:
                raise UsageError(f"--format: unknown format {name!r} (use {', '.join(FORMATS)})")
            if name in formats:
                raise UsageError(f"--format: {name!r} given twice")
            formats.append(name)
    if not formats:
        raise UsageError(f"--format: give at least one of {', '.join(FORMATS)}")
    return formats


def plan_outputs(
    formats: list[str], output: Path | None, output_dir: Path | None,
) -> list[tuple[str, Path | None]]:
    """(format, file or None for stdout) for each format, or UsageError."""
    if output is not None and output_dir is not None:
        raise UsageError("--output and --output-dir exclude each other: --output writes one "
                         "format to one file, --output-dir several formats to one folder")
    if output is not None:
        if len(formats) != 1:
            raise UsageError(f"--output takes one format, got {len(formats)} "
                             f"({','.join(formats)}): use --output-dir DIR for several")
        return [(formats[0], output)]
    if output_dir is not None:
        return [(f, None if f in STDOUT_FORMATS else output_dir / FILE_NAMES[f])
                for f in formats]
    file_formats = [f for f in formats if f not in STDOUT_FORMATS]
    if len(formats) > 1 and file_formats:
        raise UsageError(f"--format {','.join(formats)}: several formats need --output-dir DIR "
                         f"({', '.join(file_formats)} cannot share stdout)")
    return [(f, None) for f in formats]


def _lead_renderer(module: str) -> Callable[..., str]:
    from importlib import import_module

    return import_module(f"drsmcheck.reporters.{module}").render  # type: ignore[no-any-return]


def render(
    report: Mapping[str, Any], fmt: str, lang: str = "fr", *, color: bool = False,
    fail_on: str = "error", console: Mapping[str, Any] | None = None,
) -> str:
    """One format as text (deterministic for a given report, language and options).

    `console`: the console reporter's layout options (width, rules_table, quiet, limit).
    """
    if fmt == "console":
        return _lead_renderer(fmt)(report, lang=lang, color=color, **(console or {}))
    if fmt == "json":
        return _lead_renderer(fmt)(report, lang=lang, color=color)
    if fmt == "jsonl":
        from .reporters.json import render_lines

        return render_lines(report)
    if fmt == "html":
        from .reporters.html import render_html

        return render_html(report, lang)
    if fmt == "junit":
        from .reporters.junit import render_junit

        return render_junit(report, lang, fail_on="info" if fail_on == "never" else fail_on)
    if fmt == "sarif":
        from .reporters.sarif import render_sarif

        return render_sarif(report, lang)
    if fmt == "github":
        from .reporters.github import render_github

        return render_github(report, lang, workspace=os.environ.get("GITHUB_WORKSPACE"))
    if fmt == "markdown":
        from .reporters.markdown import render_markdown

        return render_markdown(report, lang)
    if fmt == "ess":
        from .reporters.ess import render_ess

        return render_ess(report, lang)
    raise UsageError(f"unknown format {fmt!r}")


def _show(path: Path | str) -> str:
    return terminal(str(path).replace(os.sep, "/"))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


def _inside(path: Path, folder: Path) -> bool:
    try:
        return path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError, ValueError):
        return False


@dataclass(frozen=True)
class Inputs:
    """What a run reads, so that no output can overwrite it."""

    datasets: Sequence[Path] = ()
    rules: Path | None = None
    baseline: Path | None = None


def _name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError, AttributeError):
        return 255


def _existing_ancestor(path: Path) -> Path:
    current = path.parent
    while not os.path.lexists(current) and current != current.parent:
        current = current.parent
    return current


def check_output_path(path: Path, inputs: Inputs, *, option: str = "--output",
                      folder: bool = False) -> None:
    """Raise InputError (exit 2) when `path` cannot or must not be written.

    `folder` is for `--output-dir`: the path is a folder to create or reuse.
    """
    shown = _show(path)
    try:
        encoded = [os.fsencode(part) for part in path.parts]
    except (UnicodeError, ValueError):
        raise InputError(shown, None, f"{option}: the name cannot be written on this system",
                         "use a name in plain characters") from None
    if b"\0" in b"".join(encoded):
        raise InputError(shown, None, f"{option}: the name holds a NUL byte",
                         "use a name in plain characters")
    if len(os.fsencode(str(path))) > 4000:
        raise InputError(shown, None, f"{option}: the path is too long "
                         f"({len(os.fsencode(str(path)))} bytes)", "use a shorter path")
    ancestor = _existing_ancestor(path)
    for part in encoded:
        if len(part) > _name_max(ancestor if ancestor.is_dir() else Path(".")):
            raise InputError(shown, None, f"{option}: a file name is too long ({len(part)} bytes, "
                             f"the file system allows {_name_max(ancestor)})",
                             "use a shorter name")
    if not ancestor.is_dir():
        raise InputError(shown, None, f"{option}: {_show(ancestor)} is a file, not a folder",
                         "write beside it, e.g. into a folder of its own")
    if os.path.lexists(path):
        if folder:
            if not path.is_dir():
                raise InputError(shown, None, f"{option}: this is a file, not a folder",
                                 "--output-dir takes a folder (created if missing); use "
                                 "--output FILE for one format")
        elif path.is_dir():
            raise InputError(shown, None, f"{option}: this is a folder, not a file",
                             f"give a file name, e.g. {_show(path / 'report.json')}, or use "
                             "--output-dir for several formats")
        elif not path.is_file():
            raise InputError(shown, None, f"{option}: this is not a regular file (a device, a "
                             "pipe or a broken link)",
                             "write to a regular file; without --output the report goes to "
                             "stdout")
        elif not os.access(path, os.W_OK):
            raise InputError(shown, None, f"{option}: this file is read-only",
                             "make it writable or choose another name")
    where = path if folder and path.is_dir() else ancestor
    if not os.access(where, os.W_OK | os.X_OK):
        raise InputError(shown, None, f"{option}: the folder {_show(where)} is not writable "
                         "(permissions or a read-only file system)",
                         "choose a folder you can write to")
    if folder:
        return
    _check_not_an_input(path, inputs, option)


def _check_not_an_input(path: Path, inputs: Inputs, option: str) -> None:
    shown = _show(path)
    exists = path.exists()
    if inputs.baseline is not None and (
            (exists and _same_file(path, inputs.baseline))
            or path.resolve() == inputs.baseline.resolve()):
        raise InputError(shown, None, f"{option}: this is the --baseline file: the report "
                         "would overwrite the reviewed baseline",
                         "write the report elsewhere; update a baseline with "
                         "'drsmcheck baseline create'")
    if inputs.rules is not None and _inside(path, inputs.rules):
        raise InputError(shown, None, f"{option}: this is inside the rule pack "
                         f"{_show(inputs.rules)}", "write the report outside the rule pack")
    for data in inputs.datasets:
        if (exists and _same_file(path, data)) or path.resolve() == data.resolve():
            raise InputError(shown, None, f"{option}: this is a dataset file of this run: the "
                             "report would replace it", "write the report elsewhere, e.g. "
                             "--output report.json")
        if data.is_dir() and _inside(path, data) and path.suffix.lower() in DATA_SUFFIXES:
            raise InputError(shown, None, f"{option}: this is inside the dataset folder "
                             f"{_show(data)} and would be read as data by the next run",
                             "write the report outside the dataset folder, or name it .json "
                             "/ .html / .md")


def check_plan(plan: list[tuple[str, Path | None]], output_dir: Path | None,
               inputs: Inputs) -> None:
    """Check every output of a run before it starts (InputError, exit 2)."""
    if output_dir is not None:
        check_output_path(output_dir, inputs, option="--output-dir", folder=True)
    for _fmt, path in plan:
        if path is not None:
            check_output_path(path, inputs, option="--output-dir" if output_dir else "--output")


# a file's content: its text, or a function that streams it to the (binary) file
Content = str | Callable[[BinaryIO], None]


def streamer(report: Mapping[str, Any], fmt: str) -> Callable[[BinaryIO], None] | None:
    """The formats written to a file by streaming (big reports are never held as one text)."""
    if fmt == "json":
        from .reporters.json import write

        return lambda fh: write(dict(report), fh)
    if fmt == "jsonl":
        from .reporters.json import write_lines

        return lambda fh: write_lines(dict(report), fh)
    return None


def write_text(path: Path, text: str) -> None:
    """One file, atomically (UTF-8, `\\n` line ends on every OS, parent folders created)."""
    commit([(path, text)])


@dataclass
class _Pending:
    path: Path
    temp: Path | None = None
    backup: Path | None = None
    replaced: bool = False
    created_dirs: list[Path] = field(default_factory=list)


def _make_dirs(folder: Path) -> list[Path]:
    """mkdir -p, returning the folders it created (deepest last), for undoing."""
    missing = []
    current = folder
    while not current.exists():
        missing.append(current)
        current = current.parent
    for d in reversed(missing):
        d.mkdir()
    return list(reversed(missing))


def _write_error(path: Path, exc: OSError) -> InputError:
    what = os.strerror(exc.errno) if exc.errno else str(exc)
    hints = {errno.ENOSPC: "free some space; the previous outputs are untouched",
             errno.EDQUOT: "free some space; the previous outputs are untouched",
             errno.EROFS: "the file system is read-only: write elsewhere",
             errno.EACCES: "choose a folder you can write to",
             errno.ENAMETOOLONG: "use a shorter name"}
    return InputError(_show(path), None, f"cannot write the report: {what.lower()}",
                      hints.get(exc.errno or 0, "the previous outputs are untouched"))


@contextlib.contextmanager
def _sigint_held() -> Iterator[None]:
    """Hold SIGINT back (delivered right after) so that Ctrl-C cannot split the renames."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(
            signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def commit(files: Sequence[tuple[Path, Content]]) -> None:
    """Write every file or none: temporary files first, then renamed together.

    Raises InputError (exit 2) on a write error (full disk, I/O error, permissions); the
    previous files are then left as they were, and no temporary file remains.
    """
    # a link to a report is kept a link: its target is what gets replaced
    pending = [_Pending(Path(os.path.realpath(path)) if path.is_symlink() else path)
               for path, _ in files]
    current = pending[0].path if pending else Path(".")
    try:
        for item, (_, content) in zip(pending, files, strict=True):
            current = item.path
            item.created_dirs = _make_dirs(item.path.parent)
            fd, name = tempfile.mkstemp(dir=item.path.parent, prefix=f".{item.path.name[:40]}.",
                                        suffix=".tmp")
            item.temp = Path(name)
            with os.fdopen(fd, "wb", buffering=1 << 20) as fh:
                if isinstance(content, str):
                    fh.write(content.encode("utf-8"))
                else:
                    content(fh)
                fh.flush()
                os.fsync(fh.fileno())
            if item.path.exists():
                os.chmod(item.temp, item.path.stat().st_mode & 0o7777)
            else:
                os.chmod(item.temp, 0o666 & ~_umask())
        with _sigint_held():
            for item in pending:
                current = item.path
                if item.path.exists():
                    item.backup = item.temp.with_suffix(".old")  # type: ignore[union-attr]
                    try:
                        os.link(item.path, item.backup)
                    except OSError:
                        shutil.copy2(item.path, item.backup)
                os.replace(item.temp, item.path)  # type: ignore[arg-type]
                item.replaced = True
                item.temp = None
    except BaseException as exc:
        _undo(pending)
        if isinstance(exc, OSError):
            raise _write_error(current, exc) from None
        raise
    for item in pending:
        if item.backup is not None:
            with contextlib.suppress(OSError):
                item.backup.unlink()


def _undo(pending: list[_Pending]) -> None:
    """Put back what `commit` changed: restore replaced files, drop temporaries and folders."""
    for item in reversed(pending):
        if item.replaced:
            with contextlib.suppress(OSError):
                if item.backup is not None:
                    os.rename(item.backup, item.path)
                    item.backup = None
                else:
                    item.path.unlink()
        for leftover in (item.temp, item.backup):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    leftover.unlink(missing_ok=True)
        for d in reversed(item.created_dirs):
            with contextlib.suppress(OSError):
                d.rmdir()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_outputs(
    report: Mapping[str, Any],
    formats: list[str],
    output: Path | None,
    output_dir: Path | None,
    lang: str,
    *,
    fail_on: str = "error",
    stdout: TextIO | None = None,
    color: bool | None = None,
    console: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Render every format, commit the files together, then print the stdout formats.

    Returns the files written.
    """
    plan = plan_outputs(formats, output, output_dir)
    out = stdout if stdout is not None else sys.stdout
    files: list[tuple[Path, Content]] = []
    printed: list[str] = []
    for fmt, path in plan:
        stream = streamer(report, fmt) if path is not None else None
        if stream is not None:  # strict UTF-8 by itself (bad bytes escaped as \\xNN)
            files.append((path, stream))  # type: ignore[arg-type]
            continue
        use_color = bool(color) if color is not None else (
            path is None and fmt == "console" and out.isatty())
        # a file gets the unwrapped layout whatever the terminal's width, and every anomaly;
        # standard output lists the first ones (all with `verbose`)
        if path is not None:
            layout = {**(console or {}), "width": None, "limit": None}
        else:
            from .reporters.console import LIMIT

            layout = {**(console or {})}
            layout.setdefault("limit", None if layout.pop("verbose", False) else LIMIT)
        # a file name holding Latin-1 bytes reaches every format: its bytes shown as \\xe9
        text = surrogates(render(report, fmt, lang, color=use_color if path is None else False,
                                 fail_on=fail_on, console=layout))
        if path is None:
            printed.append(text)
        else:
            files.append((path, text))
    if files:
        commit(files)
    for text in printed:
        _print(out, text)
    return [path for path, _ in files]


def _print(out: TextIO, text: str) -> None:
    """Write to stdout; a closed pipe (`| head`) ends the output quietly."""
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, out.fileno())


def exit_code(report: Mapping[str, Any], fail_on: str) -> int:
    """1 when an anomaly not accepted by the baseline is at or above `fail_on`, else 0."""
    if fail_on == "never":
        return 0
    return 1 if any(at_or_above(a.get("severity"), fail_on) for a in new_anomalies(report)) else 0


@dataclass(frozen=True)
class Gate:
    """The output side of `validate`, checked before the (slow) validation runs."""

    formats: list[str]
    output: Path | None
    output_dir: Path | None
    baseline: Baseline | None


def prepare(
    format: str | list[str], output: Path | None, output_dir: Path | None,
    baseline: Path | None, inputs: Inputs | None = None,
) -> Gate:
    """Parse --format, check --output/--output-dir and every output file, load --baseline.

    Raises UsageError (bad options) or InputError / InputErrors (an output that cannot or must
    not be written, a bad baseline file, with file:line): the CLI prints them and exits 2.
    """
    formats = parse_formats(format)
    plan = plan_outputs(formats, output, output_dir)
    base = inputs or Inputs()
    check_plan(plan, output_dir, Inputs(base.datasets, base.rules, baseline or base.baseline))
    loaded = load_baseline(baseline) if baseline is not None else None
    return Gate(formats, output, output_dir, loaded)


def finish(
    report: Mapping[str, Any], gate: Gate, lang: str, fail_on: str, *,
    stdout: TextIO | None = None, stderr: TextIO | None = None, color: bool | None = None,
    console: Mapping[str, Any] | None = None,
) -> int:
    """Apply the baseline, write every output, say what the baseline did; the exit code."""
    if gate.baseline is not None:
        report = apply_baseline(report, gate.baseline)
    write_outputs(report, gate.formats, gate.output, gate.output_dir, lang, fail_on=fail_on,
                  stdout=stdout, color=color, console=console)
    err = stderr if stderr is not None else sys.stderr
    info = report.get("baseline")
    if isinstance(info, Mapping):
        accepted = len(info.get("accepted") or ())
        new = len(new_anomalies(report))
        file = terminal(info["file"])
        if lang == "fr":
            err.write(f"baseline {file} : {accepted} anomalie(s) acceptée(s), "
                      f"{new} nouvelle(s)\n")
        else:
            err.write(f"baseline {file}: {accepted} anomaly(ies) accepted, {new} new\n")
        for entry in info.get("stale") or ():
            where = f"{file}:{entry['line']}" if entry.get("line") else file
            what = terminal(" ".join(str(entry.get(k)) for k in (
                "rule", "dataset", "entity", "period", "subject") if entry.get(k)))
            eid = terminal(entry["id"])
            if lang == "fr":
                err.write(f"{where}: entrée de baseline obsolète {eid} ({what}) : "
                          "l'anomalie n'apparaît plus, retirez l'entrée\n")
            else:
                err.write(f"{where}: stale baseline entry {eid} ({what}): the anomaly "
                          "no longer occurs, remove the entry\n")
    return exit_code(report, fail_on)
