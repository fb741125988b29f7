"""`drsmcheck export gx RULES` and `drsmcheck export records DATA`: what drsmcheck knows, for
Great Expectations (a suite) and any SQL / dataframe tool (the records table it runs on)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError, InputErrors

app = typer.Typer(no_args_is_help=True, help="Export rules and records for other tools.")


def _fail(exc: InputError | InputErrors) -> None:
    for e in exc.errors if isinstance(exc, InputErrors) else [exc]:
        typer.echo(str(e), err=True)
    raise typer.Exit(2)


@app.command("gx")
def gx(
    rules: Annotated[Path, typer.Argument(help="Rule pack folder.")],
    output: Annotated[Path | None, typer.Option("--output", help="Suite file (JSON); default "
                                                "stdout.")] = None,
    dialect: Annotated[str, typer.Option("--dialect", help="SQL of the queries: ansi "
                                         "(LEAST/GREATEST: DuckDB, PostgreSQL, Spark) or "
                                         "sqlite.")] = "ansi",
) -> None:
    """A Great Expectations 1.x suite for the rules it can express (run it on the records
    table of `drsmcheck export records`)."""
    from ..rules import load_rules

    try:
        if dialect not in ("ansi", "sqlite"):
            raise InputError("--dialect", None, f"unknown dialect {dialect!r}", "ansi or sqlite")
        pack = load_rules(rules)
        try:
            from ..exports.gx import suite_dict
            text = json.dumps(suite_dict(pack, dialect), ensure_ascii=False, indent=2,
                              sort_keys=True, allow_nan=False) + "\n"
        except ImportError as exc:
            raise InputError("great_expectations", None, f"Great Expectations is not installed "
                             f"({exc.name})", "pip install 'drsmcheck[ge]'") from None
    except (InputError, InputErrors) as exc:
        _fail(exc)
        return
    _write(text, output)


@app.command("records")
def records(
    paths: Annotated[list[Path], typer.Argument(help="Dataset folders or files.")],
    output: Annotated[Path, typer.Option("--output", help="records.csv or records.parquet")],
    rules: Annotated[Path | None, typer.Option("--rules", help="Rule pack folder.")] = None,
) -> None:
    """The records table: one row per record, the interval of each indicator's print."""
    from ..exports.records import records_table
    from ..loader import load_figures
    from ..rules import default_rules_dir, load_rules

    try:
        suffix = output.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            raise InputError(str(output), None, "the records table is written as .csv or "
                             ".parquet")
        pack = load_rules(rules or default_rules_dir())
        datasets, figures = load_figures(paths, pack.reference)
    except (InputError, InputErrors) as exc:
        _fail(exc)
        return
    table = records_table(datasets, figures, sorted(pack.reference.indicators))
    try:
        if suffix == ".csv":
            table.to_csv(output, index=False)
        else:
            table.to_parquet(output, index=False)
    except OSError as exc:
        typer.echo(f"{output}: cannot write: {exc.strerror}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"{output}: {len(table)} records, {(len(table.columns) - 3) // 2} indicators",
               err=True)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        typer.echo(f"{output}: cannot write: {exc.strerror}", err=True)
        raise typer.Exit(2) from None


def register(root: typer.Typer) -> None:
    root.add_typer(app, name="export")
