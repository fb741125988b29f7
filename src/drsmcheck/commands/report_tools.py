"""`drsmcheck extract REPORT` and `drsmcheck scan REPORT`: work from the report itself.

`extract` writes a draft dataset (YAML, the project's format) with every printed number and
suggested entities and indicators; `scan` checks the report's tables and text with no rules and
reports through the same reporters as `validate` (same --format / --output / --fail-on).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError, InputErrors
from ..options import FailOn, Lang


def _bad_input(exc: InputError | InputErrors) -> typer.Exit:
    for e in exc.errors if isinstance(exc, InputErrors) else [exc]:
        typer.echo(str(e), err=True)
    return typer.Exit(2)


def scan(
    report: Annotated[Path, typer.Argument(help="The report: .txt (text extraction), .pdf or .docx.")],
    rules: Annotated[Path | None, typer.Option("--rules", help="Rule pack whose entity and "
                                               "hierarchy reference is used (default: shipped).")] = None,
    format: Annotated[str, typer.Option("--format", help="Comma list of console, json, html, "
                                        "junit, sarif, github, markdown.")] = "console",
    output: Annotated[Path | None, typer.Option("--output", help="Write the (one) format to "
                                                "this file.")] = None,
    output_dir: Annotated[Path | None, typer.Option("--output-dir", help="Write each format "
                                                    "to DIR/report.<ext>.")] = None,
    fail_on: Annotated[FailOn, typer.Option("--fail-on", help="Lowest severity that makes "
                                             "the exit code 1.")] = FailOn.error,
    lang: Annotated[Lang, typer.Option("--lang", help="Language of messages.")] = Lang.fr,
) -> None:
    """Check a report's tables and text with no rules: totals, "dont" rows, percentages,
    region = sum of its parts, text figures that differ from the table's."""
    from ..outputs import UsageError, finish, prepare
    from ..rules import default_rules_dir
    from ..scan import run_scan

    try:
        gate = prepare(format, output, output_dir, None)
        result = run_scan(report, rules or default_rules_dir())
    except UsageError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    except (InputError, InputErrors) as exc:
        raise _bad_input(exc) from None
    raise typer.Exit(finish(result, gate, lang.value, fail_on.value))


def extract(
    report: Annotated[Path, typer.Argument(help="The report: .txt (text extraction), .pdf or .docx.")],
    output: Annotated[Path | None, typer.Option("--output", help="Write the draft dataset "
                                                "(YAML) to this file (default: stdout).")] = None,
    rules: Annotated[Path | None, typer.Option("--rules", help="Rule pack whose catalogue "
                                               "labels the suggestions come from.")] = None,
    dataset_id: Annotated[str | None, typer.Option("--id", help="Dataset id (default: from "
                                                   "the file name).")] = None,
    entity: Annotated[str | None, typer.Option("--entity", help="Default entity (default: "
                                               "the one the report names most).")] = None,
    period: Annotated[str | None, typer.Option("--period", help="Default period (default: "
                                               "the report's year).")] = None,
    min_confidence: Annotated[float, typer.Option("--min-confidence", help="Suggest an "
                                                  "indicator only from this score (0-1).")] = 0.6,
) -> None:
    """Write a draft dataset from a report: every printed number with its line and sentence,
    every table, suggested entities and indicators with a confidence."""
    from ..extract.draft import draft_dataset
    from ..extract.readers import display_path
    from ..rules import default_rules_dir

    try:
        draft = draft_dataset(report, rules or default_rules_dir(), dataset_id=dataset_id,
                              entity=entity, period=period, min_confidence=min_confidence)
    except (InputError, InputErrors) as exc:
        raise _bad_input(exc) from None
    if output is None:
        typer.echo(draft.text, nl=False)
    else:
        from ..outputs import write_text

        write_text(output, draft.text)
    where = display_path(output) if output else "stdout"
    typer.echo(f"{where}: {draft.figures} figures ({draft.suggested} with a suggested indicator, "
               f"{draft.unmatched} left as comments to confirm), {draft.tables} tables", err=True)


def register(app: typer.Typer) -> None:
    """Add `extract` and `scan` to the drsmcheck app."""
    app.command("extract")(extract)
    app.command("scan")(scan)
