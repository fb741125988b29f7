"""The `drsmcheck` command: validate datasets, lint rule packs. Exit 0 / 1 / 2 / 3 (ARCHITECTURE §7).

Help texts come from the catalogues (`drsmcheck.i18n`) in the language of `DRSMCHECK_LANG`
(English when unset: the help is read before `--lang` is parsed); messages follow `--lang`.
"""

from __future__ import annotations

import os
import shutil
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperArgument

from . import __version__
from .backends import resolve as resolve_backend
from .errors import InputError, InputErrors
from .i18n import LANGS, t
from .io.header import csv_separator
from .options import FailOn, Lang
from .pack import load_pack
from .rules import RulePack, default_rules_dir
from .sanitize import terminal

LANG_ENV = "DRSMCHECK_LANG"
HELP_LANG = os.environ.get(LANG_ENV, "en") if os.environ.get(LANG_ENV) in LANGS else "en"


def _help(key: str) -> str:
    return t(f"help.{key}", HELP_LANG)


CONTEXT = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(add_completion=False, no_args_is_help=True, context_settings=CONTEXT,
                  rich_markup_mode=None, help=_help("app"), epilog=_help("exit_codes"),
                  pretty_exceptions_enable=False)
rules_app = typer.Typer(no_args_is_help=True, help=_help("rules_group"),
                        context_settings=CONTEXT, rich_markup_mode=None)
app.add_typer(rules_app, name="rules")


# `--rules DIR` extends the shipped pack; this flag (or `extend: false` in DIR/pack.yaml) drops it
NoDefaultRules = Annotated[bool, typer.Option(
    "--no-default-rules", help="Do not load the shipped rule pack under --rules.")]


class Color(StrEnum):
    auto = "auto"
    always = "always"
    never = "never"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"drsmcheck {__version__}")
        raise typer.Exit(0)


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", help=_help("version"), is_eager=True,
                                          callback=_version)] = False,
) -> None:
    """Consistency checks for the figures of DRSM / ELSM activity reports."""


LangOption = Annotated[Lang, typer.Option("--lang", help=_help("lang"), envvar=LANG_ENV,
                                          show_envvar=False)]


BackendOption = Annotated[str, typer.Option("--backend", help=_help("backend"), metavar="NAME")]
SparkMasterOption = Annotated[str | None, typer.Option(
    "--spark-master", help=_help("spark_master"), metavar="URL", show_default=False)]
SparkConfOption = Annotated[list[str] | None, typer.Option(
    "--spark-conf", help=_help("spark_conf"), metavar="KEY=VALUE", show_default=False)]


def _say(text: object) -> None:
    """One message on stderr; data in it (file names, values) made inert line by line."""
    typer.echo("\n".join(terminal(line) for line in str(text).split("\n")), err=True)


def _warn(pack: RulePack) -> int:
    """Lint warnings (a selector that matches nothing): on stderr, once; they never fail."""
    count = 0
    for rule in pack.rules:
        for w in rule.warnings:
            typer.echo(w.render("warning"), err=True)
            count += 1
    return count


def _fail(exc: InputError | InputErrors) -> None:
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    for e in errors:
        _say(e)
    raise typer.Exit(2)


def _use_color(color: Color) -> bool | None:
    """--color: always / never, or None to let the writer ask whether stdout is a terminal."""
    if color is Color.always:
        return True
    if color is Color.never or os.environ.get("NO_COLOR"):
        return False
    return None


def _progress_delay() -> float:
    """Seconds before the progress line shows: 1, or DRSMCHECK_PROGRESS_DELAY (e.g. 0 in tests)."""
    try:
        return max(0.0, float(os.environ.get("DRSMCHECK_PROGRESS_DELAY", "1")))
    except ValueError:
        return 1.0


def _terminal_width() -> int | None:
    """The width to wrap the console report to, or None when stdout is not a terminal."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return max(20, shutil.get_terminal_size().columns)


@app.command(epilog=_help("exit_codes"), context_settings=CONTEXT, help=_help("validate"))
def validate(
    paths: Annotated[list[Path], typer.Argument(help=_help("paths"), metavar="PATH...",
                                                show_default=False)],
    rules: Annotated[Path | None, typer.Option("--rules", help=_help("rules"), metavar="DIR",
                                               show_default=False)] = None,
    format: Annotated[str, typer.Option("--format", "-f", help=_help("format"),
                                        metavar="FORMATS")] = "console",
    output: Annotated[Path | None, typer.Option("--output", "-o", help=_help("output"),
                                                metavar="FILE", show_default=False)] = None,
    output_dir: Annotated[Path | None, typer.Option("--output-dir", help=_help("output_dir"),
                                                    metavar="DIR", show_default=False)] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help=_help("baseline"),
                                                  metavar="FILE", show_default=False)] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help=_help("fail_on"))] = FailOn.error,
    lang: LangOption = Lang.fr,
    rules_table: Annotated[bool, typer.Option("--rules-table", help=_help("rules_table"))] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help=_help("verbose"))] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help=_help("quiet"))] = False,
    color: Annotated[Color, typer.Option("--color", help=_help("color"))] = Color.auto,
    backend: BackendOption = "numpy",
    spark_master: SparkMasterOption = None,
    spark_conf: SparkConfOption = None,
    no_default_rules: NoDefaultRules = False,
    csv_sep: Annotated[str | None, typer.Option("--csv-sep", help=_help("csv_sep"),
                                                metavar="SEP", show_default=False)] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", help=_help("jobs"), min=1,
                                             metavar="N", show_default=False)] = None,
) -> None:
    from .outputs import Inputs, UsageError, finish, plan_outputs, prepare
    from .progress import DelayedProgress
    from .report import validate as run_validation

    code = lang.value
    try:
        # every output checked before the run: never an input, never unwritable
        gate = prepare(format, output, output_dir, baseline,
                       Inputs(paths, rules or default_rules_dir(), baseline))
        engine = resolve_backend(backend, spark_master, spark_conf or [], code)
        pack = load_pack(rules, defaults=not no_default_rules)
        _warn(pack)
        message = t("cli.progress", code, datasets=", ".join(terminal(p) for p in paths))
        # JSON and JSON Lines stream the anomalies from a spool file (a national run never
        # holds them all); the other formats and the baseline read them as a list
        streamed = gate.baseline is None and set(gate.formats) <= STREAMED
        with DelayedProgress(message, sys.stderr, delay=_progress_delay()):
            # the ESS report is one event per rule × record: it needs the verdict table
            report = run_validation(paths, pack, engine, csv_sep=csv_separator(csv_sep),
                                    with_verdicts="ess" in gate.formats, spool=streamed,
                                    jobs=jobs)
        layout = {"width": _terminal_width(), "rules_table": rules_table or verbose,
                  "quiet": quiet, "verbose": verbose}
        # a write error (full disk) is exit 2 with the previous outputs untouched
        if streamed:
            status = _streamed(report, gate, code, fail_on.value)
        else:
            status = finish(report, gate, code, fail_on.value, color=_use_color(color),
                            console=layout)
    except UsageError as exc:
        _say(exc)
        raise typer.Exit(2) from None
    except (InputError, InputErrors) as exc:
        _fail(exc)
        return
    for _fmt, path in plan_outputs(gate.formats, gate.output, gate.output_dir):
        if path is not None:
            typer.echo(t("cli.report_written", code, path=terminal(path)), err=True)
    raise typer.Exit(status)


STREAMED = frozenset({"json", "jsonl"})


def _streamed(report: dict[str, Any], gate: Any, lang: str, fail_on: str) -> int:
    """Write JSON / JSON Lines outputs (no baseline); the exit code from the summary's counts
    by severity, which are what `outputs.exit_code` counts when no baseline applies."""
    from .outputs import write_outputs
    from .reporters._common import at_or_above

    write_outputs(report, gate.formats, gate.output, gate.output_dir, lang, fail_on=fail_on)
    if fail_on == "never":
        return 0
    counts = report["summary"]["by_severity"]
    return 1 if any(n and at_or_above(sev, fail_on) for sev, n in counts.items()) else 0


baseline_app = typer.Typer(no_args_is_help=True, help=_help("baseline_group"),
                           context_settings=CONTEXT, rich_markup_mode=None)
app.add_typer(baseline_app, name="baseline")


@baseline_app.command("create")
def baseline_create(
    paths: Annotated[list[Path], typer.Argument(help="Dataset folders or files.")],
    output: Annotated[Path, typer.Option("--output", help="Baseline file to write.")] = Path(
        "drsmcheck-baseline.yaml"),
    justification: Annotated[str | None, typer.Option(
        "--justification", help="One reason for every recorded anomaly (edit entries "
        "afterwards); without it, entries say 'TODO: justify'.")] = None,
    select: Annotated[list[str] | None, typer.Option(
        "--select", help="Record only matching anomalies: rule=, entity=, category=, "
        "dataset= or severity= a pattern (globs; repeat the option: same key = or, "
        "different keys = and).")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Rule pack folder.")] = None,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of messages.")] = Lang.fr,
    backend: BackendOption = "numpy",
    spark_master: SparkMasterOption = None,
    spark_conf: SparkConfOption = None,
    no_default_rules: NoDefaultRules = False,
) -> None:
    """Record current anomalies as accepted; each needs a justification before the gate uses it."""
    from .baseline import Selection, check_justification, summary_lines, write_baseline
    from .outputs import Inputs, check_output_path
    from .report import validate as run_validation

    try:
        reason = check_justification(justification) if justification is not None else None
        selection = Selection.parse(select or ())
        engine = resolve_backend(backend, spark_master, spark_conf or [], lang.value)
        # the baseline being updated is the target, not an input to protect
        check_output_path(output, Inputs(paths, rules or default_rules_dir(), None))
        report = run_validation(paths, load_pack(rules, defaults=not no_default_rules), engine)
        written = write_baseline(report, output, lang.value, justification=reason,
                                 select=selection)
    except (InputError, InputErrors) as exc:
        _fail(exc)
        return
    for line in summary_lines(written, str(output), lang.value):
        _say(line)


def _argv_lang(argv: list[str]) -> str:
    """The run's language for a message printed outside any command (an internal error)."""
    for i, arg in enumerate(argv):
        value = arg.split("=", 1)[1] if arg.startswith("--lang=") else (
            argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None)
        if value in LANGS:
            return value
    env = os.environ.get(LANG_ENV)
    return env if env in LANGS else "fr"


class _PlainArgument(TyperArgument):
    """An argument shown as click shows it (`PATH...`, `[DIR]`), not `{PATH}... <list[Path]>`."""

    def display_type_rich(self, ctx: Any) -> str | None:
        return None

    def _plain_name(self) -> str:
        return self.metavar or (self.name or "").upper()

    def _rich_display_name(self) -> str:
        return self._plain_name() + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self._plain_name() if self.required else f"[{self._plain_name()}]"
        return name + ("..." if self.nargs != 1 else "")


def command() -> Any:
    """The (click) command behind `app`, with plain argument names in help and usage."""
    root = typer.main.get_command(app)
    todo = [root]
    while todo:
        cmd = todo.pop()
        for param in cmd.params:
            if type(param) is TyperArgument:
                param.__class__ = _PlainArgument
        todo.extend(getattr(cmd, "commands", {}).values())
    return root


from .commands.compare import register as _register_compare  # noqa: E402
from .commands.export import register as _register_export  # noqa: E402
from .commands.report_tools import register as _register_report_tools  # noqa: E402
from .commands.rules import register as _register_rules_commands  # noqa: E402

_register_report_tools(app)
_register_rules_commands(app, rules_app)
_register_compare(app)
_register_export(app)


def main() -> None:
    """Console entry point: no traceback ever reaches the user."""
    try:
        command()(prog_name="drsmcheck")
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence, reported and exit 3
        lang = _argv_lang(sys.argv[1:])
        typer.echo(t("cli.internal_error", lang, error=f"{type(exc).__name__}: {terminal(exc)}")
                   + "\n"
                   + t("cli.internal_hint", lang), err=True)
        sys.exit(3)
