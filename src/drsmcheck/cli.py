"""The `drsmcheck` command: validate datasets, lint rule packs. Exit 0 / 1 / 2 (ARCHITECTURE §7)."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from .errors import InputError, InputErrors
from .pack import load_pack

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Consistency checks for the figures of DRSM / ELSM activity reports.")
rules_app = typer.Typer(no_args_is_help=True, help="Work with rule packs.")
app.add_typer(rules_app, name="rules")


# `--rules DIR` extends the shipped pack; this flag (or `extend: false` in DIR/pack.yaml) drops it
NoDefaultRules = Annotated[bool, typer.Option(
    "--no-default-rules", help="Do not load the shipped rule pack under --rules.")]


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


class Lang(StrEnum):
    fr = "fr"
    en = "en"


def _check_backend(backend: str) -> None:
    """Only DuckDB runs today: the engine compiles rules to Ibis, but the Spark path has not
    been made to pass the golden tests yet, so it is refused rather than half-working."""
    if backend != "duckdb":
        raise InputError("--backend", None, f"backend {backend!r} is not available",
                         "use --backend duckdb (the default)")


def _fail(exc: InputError | InputErrors) -> None:
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    for e in errors:
        typer.echo(str(e), err=True)
    raise typer.Exit(2)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Dataset folders or files (a folder of "
                                                     "datasets is searched for dataset.yaml).")],
    rules: Annotated[Path | None, typer.Option("--rules", help="Your rule pack folder: it "
                                               "extends the shipped one.")] = None,
    format: Annotated[str, typer.Option("--format", help="Comma list of console, json, html, "
                                        "junit, sarif, github, markdown.")] = "console",
    output: Annotated[Path | None, typer.Option("--output", help="Write the (one) format to "
                                                "this file.")] = None,
    output_dir: Annotated[Path | None, typer.Option("--output-dir", help="Write each format "
                                                    "to DIR/report.<ext>.")] = None,
    baseline: Annotated[Path | None, typer.Option("--baseline", help="Accepted anomalies "
                                                  "(YAML): fail only on new ones.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Lowest severity that makes "
                                            "the exit code 1.")] = FailOn.error,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of messages.")] = Lang.fr,
    backend: Annotated[str, typer.Option("--backend", help="duckdb (the only backend so far)")] =
    "duckdb",
    no_default_rules: NoDefaultRules = False,
) -> None:
    """Check datasets against the rule pack and report every anomaly."""
    from .outputs import UsageError, finish, prepare
    from .report import validate as run_validation

    try:
        gate = prepare(format, output, output_dir, baseline)
        _check_backend(backend)
        report = run_validation(paths, load_pack(rules, defaults=not no_default_rules), backend)
    except UsageError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except (InputError, InputErrors) as exc:
        _fail(exc)
        return
    raise typer.Exit(finish(report, gate, lang.value, fail_on.value))


baseline_app = typer.Typer(no_args_is_help=True, help="Accepted anomalies for a CI gate.")
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
    backend: Annotated[str, typer.Option("--backend", help="duckdb (the only backend so far)")] = "duckdb",
    no_default_rules: NoDefaultRules = False,
) -> None:
    """Record current anomalies as accepted; each needs a justification before the gate uses it."""
    from .baseline import Selection, check_justification, summary_lines, write_baseline
    from .report import validate as run_validation

    try:
        reason = check_justification(justification) if justification is not None else None
        selection = Selection.parse(select or ())
        _check_backend(backend)
        report = run_validation(paths, load_pack(rules, defaults=not no_default_rules), backend)
        written = write_baseline(report, output, lang.value, justification=reason,
                                 select=selection)
    except (InputError, InputErrors) as exc:
        _fail(exc)
        return
    for line in summary_lines(written, str(output), lang.value):
        typer.echo(line, err=True)


from .commands.report_tools import register as _register_report_tools  # noqa: E402
from .commands.rules import register as _register_rules_commands  # noqa: E402

_register_report_tools(app)
_register_rules_commands(app, rules_app)


def main() -> None:
    """Console entry point: no traceback ever reaches the user."""
    try:
        app()
    except SystemExit:
        raise
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:  # noqa: BLE001 - last line of defence, reported and exit 3
        typer.echo(f"drsmcheck: internal error: {type(exc).__name__}: {exc}\n"
                   "  hint: this is a bug in drsmcheck; please report it with the input",
                   err=True)
        sys.exit(3)
