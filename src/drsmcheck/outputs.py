"""Where each output format goes: `--format a,b,c` with `--output FILE` or `--output-dir DIR`.

- one format: to `--output FILE`, else to stdout;
- several formats: the file formats (json, html, junit, sarif, markdown) need `--output-dir`,
  where they are written as report.json, report.html, report.junit.xml, report.sarif,
  report.md; `console` and `github` always go to stdout (annotations must be in the job log).

The gate's exit code counts only anomalies a baseline does not accept (`exit_code`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from .baseline import Baseline, apply_baseline, load_baseline
from .reporters._common import at_or_above, new_anomalies

FORMATS: tuple[str, ...] = ("console", "json", "html", "junit", "sarif", "github", "markdown")
STDOUT_FORMATS = frozenset({"console", "github"})
FILE_NAMES: dict[str, str] = {
    "console": "report.txt",
    "json": "report.json",
    "html": "report.html",
    "junit": "report.junit.xml",
    "sarif": "report.sarif",
    "github": "report.github.txt",
    "markdown": "report.md",
}
FAIL_ON = ("error", "warning", "info", "never")


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

    `console`: the console reporter's layout options (width, rules_table, quiet).
    """
    if fmt == "console":
        return _lead_renderer(fmt)(report, lang=lang, color=color, **(console or {}))
    if fmt == "json":
        return _lead_renderer(fmt)(report, lang=lang, color=color)
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
    raise UsageError(f"unknown format {fmt!r}")


def write_text(path: Path, text: str) -> None:
    """UTF-8, `\\n` line ends on every OS, parent folders created."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


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
    """Render every format and write it to its place; returns the files written."""
    plan = plan_outputs(formats, output, output_dir)
    out = stdout if stdout is not None else sys.stdout
    written: list[Path] = []
    for fmt, path in plan:
        use_color = bool(color) if color is not None else (
            path is None and fmt == "console" and out.isatty())
        # a file gets the unwrapped layout whatever the terminal's width
        layout = {**(console or {}), "width": None} if path is not None else console
        text = render(report, fmt, lang, color=use_color if path is None else False,
                      fail_on=fail_on, console=layout)
        if path is None:
            out.write(text)
            out.flush()
        else:
            write_text(path, text)
            written.append(path)
    return written


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
    baseline: Path | None,
) -> Gate:
    """Parse --format, check --output/--output-dir, load --baseline.

    Raises UsageError (bad options) or InputError / InputErrors (bad baseline file, with
    file:line): the CLI prints them and exits 2.
    """
    formats = parse_formats(format)
    plan_outputs(formats, output, output_dir)
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
        if lang == "fr":
            err.write(f"baseline {info['file']} : {accepted} anomalie(s) acceptée(s), "
                      f"{new} nouvelle(s)\n")
        else:
            err.write(f"baseline {info['file']}: {accepted} anomaly(ies) accepted, {new} new\n")
        for entry in info.get("stale") or ():
            where = f"{info['file']}:{entry['line']}" if entry.get("line") else str(info["file"])
            what = " ".join(str(entry.get(k)) for k in ("rule", "dataset", "entity", "period",
                                                        "subject") if entry.get(k))
            if lang == "fr":
                err.write(f"{where}: entrée de baseline obsolète {entry['id']} ({what}) : "
                          "l'anomalie n'apparaît plus, retirez l'entrée\n")
            else:
                err.write(f"{where}: stale baseline entry {entry['id']} ({what}): the anomaly "
                          "no longer occurs, remove the entry\n")
    return exit_code(report, fail_on)
