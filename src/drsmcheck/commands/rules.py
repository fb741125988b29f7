"""`drsmcheck rules check|list|explain|doc`, `drsmcheck indicators search`, `drsmcheck coverage`.

They all load the pack the way `validate` does: the shipped pack, extended by the project
config and `--rules DIR` (unless `--no-default-rules` or a standalone pack).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InputError, InputErrors
from ..pack import load_pack
from ..rules import RulePack

RulesOpt = Annotated[Path | None, typer.Option("--rules", help="Your rule pack folder: it "
                                               "extends the shipped one.")]
NoDefaultOpt = Annotated[bool, typer.Option("--no-default-rules", help="Do not load the "
                                            "shipped rule pack under --rules.")]
LangOpt = Annotated[str, typer.Option("--lang", help="fr or en.")]


def _fail(exc: InputError | InputErrors) -> None:
    errors = exc.errors if isinstance(exc, InputErrors) else [exc]
    for e in errors:
        typer.echo(str(e), err=True)
    raise typer.Exit(2)


def _lang(lang: str) -> str:
    if lang not in ("fr", "en"):
        typer.echo(f"--lang: unknown language {lang!r}\n  hint: fr or en", err=True)
        raise typer.Exit(2)
    return lang


def _pack(rules: Path | None, no_default: bool) -> RulePack:
    try:
        return load_pack(rules, defaults=not no_default)
    except (InputError, InputErrors) as exc:
        _fail(exc)
        raise  # unreachable: _fail exits


def _links(paths: list[Path], pack: RulePack):  # -> (figures, links) DataFrames
    """Load the datasets like `validate`, run the engine, and take its coverage links."""
    import pandas as pd

    from ..loader import load_figures
    from ..report import analyse, coverage_links
    from ..schema import validate_figures

    datasets, figures = load_figures(paths, pack.reference)
    figures = validate_figures(figures, pack.reference)
    if not len(figures):
        return figures, pd.DataFrame(columns=["ref", "rule", "strength", "status"])
    return figures, coverage_links(analyse(pack, datasets, figures))


def register(app: typer.Typer, rules_app: typer.Typer) -> None:
    """Add the commands to the main app and its `rules` group."""
    indicators_app = typer.Typer(no_args_is_help=True, help="Find indicators of the catalog.")
    app.add_typer(indicators_app, name="indicators")

    @rules_app.command("check")
    def rules_check(
        path: Annotated[Path | None, typer.Argument(help="Your rule pack folder (default: the "
                                                    "shipped pack alone).")] = None,
        no_default_rules: NoDefaultOpt = False,
        lang: Annotated[str, typer.Option("--lang", help="fr or en.")] = "fr",
    ) -> None:
        """Lint a rule pack (with the packs it extends): syntax, unknown keys and indicators,
        an indicator or a rule id defined twice, with file:line and did-you-mean."""
        from ..i18n import t

        pack = _pack(path, no_default_rules)
        code = _lang(lang)
        layers = ", ".join(str(p) for p in pack.layers) or str(pack.path)
        # lint warnings (a selector that matches nothing) on stderr; they never fail the check
        warnings = [w for rule in pack.rules for w in rule.warnings]
        for w in warnings:
            typer.echo(w.render("warning"), err=True)
        typer.echo(t("cli.rules_ok", code, rules=t("count.rules", code, n=len(pack.rules)),
                     indicators=t("count.indicators", code, n=len(pack.reference.indicators)),
                     entities=t("count.entities", code, n=len(pack.reference.entities)))
                   + (f" ({len(warnings)} warning(s) on stderr)" if warnings else ""))
        if len(pack.layers) > 1:
            typer.echo(f"layers: {layers}")
        for rid, where in pack.overridden.items():
            typer.echo(f"overrides {rid} (was {where})")
        if pack.disabled:
            typer.echo(f"disabled: {', '.join(pack.disabled)}")

    @rules_app.command("list")
    def rules_list(
        theme: Annotated[str | None, typer.Option("--theme", help="Only this theme.")] = None,
        rules: RulesOpt = None,
        no_default_rules: NoDefaultOpt = False,
        lang: LangOpt = "fr",
    ) -> None:
        """One line per rule: id, kind, severity, theme, what it checks."""
        lang = _lang(lang)
        pack = _pack(rules, no_default_rules)
        themes = sorted({r.theme for r in pack.rules})
        if theme is not None and theme not in themes:
            from ..yamlfile import did_you_mean

            typer.echo(f"--theme: unknown theme {theme!r}\n  hint: "
                       f"{did_you_mean(theme, themes) or 'themes: ' + ', '.join(themes)}",
                       err=True)
            raise typer.Exit(2)
        chosen = sorted((r for r in pack.rules if theme is None or r.theme == theme),
                        key=lambda r: (r.theme, r.id))
        width = max((len(r.id) for r in chosen), default=0)
        for r in chosen:
            typer.echo(f"{r.id:<{width}}  {r.kind:<9} {r.severity:<7} {r.theme:<13} "
                       f"{r.description[lang]}")

    @rules_app.command("explain")
    def rules_explain(
        rule_id: Annotated[str, typer.Argument(metavar="ID", help="A rule id (`rules list`).")],
        rules: RulesOpt = None,
        no_default_rules: NoDefaultOpt = False,
        lang: LangOpt = "fr",
    ) -> None:
        """A rule in words: description, relation, the indicators it reads, an example."""
        from ..catalog_doc import explain

        lang = _lang(lang)
        pack = _pack(rules, no_default_rules)
        by_id = {r.id: r for r in pack.rules}
        if rule_id not in by_id:
            from ..yamlfile import did_you_mean

            typer.echo(f"{rule_id}: unknown rule\n  hint: "
                       f"{did_you_mean(rule_id, by_id) or '`drsmcheck rules list` shows the ids'}",
                       err=True)
            raise typer.Exit(2)
        typer.echo(explain(by_id[rule_id], pack, lang))

    @rules_app.command("doc")
    def rules_doc(
        output: Annotated[Path | None, typer.Option("--output", help="Write the Markdown "
                                                    "here (default: stdout).")] = None,
        rules: RulesOpt = None,
        no_default_rules: NoDefaultOpt = False,
    ) -> None:
        """The rule reference (every rule and indicator by theme) in Markdown."""
        from ..catalog_doc import reference_markdown

        text = reference_markdown(_pack(rules, no_default_rules))
        if output is None:
            typer.echo(text, nl=False)
        else:
            from ..outputs import write_text

            write_text(output, text)  # atomic, `\n` line ends, as every other output

    @indicators_app.command("search")
    def indicators_search(
        words: Annotated[list[str], typer.Argument(help="Words of the label, French or "
                                                   "English (accents ignored).")],
        theme: Annotated[str | None, typer.Option("--theme", help="Only this theme.")] = None,
        limit: Annotated[int, typer.Option("--limit", min=1, help="Most results.")] = 10,
        rules: RulesOpt = None,
        no_default_rules: NoDefaultOpt = False,
        lang: LangOpt = "fr",
    ) -> None:
        """Find indicator ids by words: "avis ALD admission" → ald.admission.total."""
        from ..catalog_search import search

        lang = _lang(lang)
        pack = _pack(rules, no_default_rules)
        hits = search(pack.reference, " ".join(words), limit, theme)
        if not hits:
            typer.echo("no indicator matches", err=True)
            raise typer.Exit(1)
        width = max(len(h.indicator.id) for h in hits)
        for h in hits:
            ind = h.indicator
            typer.echo(f"{ind.id:<{width}}  {ind.unit:<7} {getattr(ind, lang)}")

    @app.command("coverage")
    def coverage_command(
        paths: Annotated[list[Path], typer.Argument(help="Dataset folders or files.")],
        fail_under: Annotated[float | None, typer.Option(
            "--fail-under", min=0, max=100, help="Exit 1 when less than PCT % of the numeric "
            "figures take part in an equality relation.")] = None,
        format: Annotated[str, typer.Option("--format", help="console or json.")] = "console",
        output: Annotated[Path | None, typer.Option("--output", help="Write to this file.")]
        = None,
        rules: RulesOpt = None,
        no_default_rules: NoDefaultOpt = False,
    ) -> None:
        """Rule coverage: which figures an equality checks, which only an inequality or a
        bound, which nothing (per dataset, table and indicator)."""
        from ..coverage import compute_coverage, render_console

        if format not in ("console", "json"):
            typer.echo(f"--format: unknown format {format!r}\n  hint: console or json", err=True)
            raise typer.Exit(2)
        pack = _pack(rules, no_default_rules)
        try:
            figures, links = _links(paths, pack)
        except (InputError, InputErrors) as exc:
            _fail(exc)
            return
        result = compute_coverage(figures, links)
        text = (json.dumps(result, indent=2, ensure_ascii=False) + "\n" if format == "json"
                else render_console(result))
        if output is None:
            typer.echo(text, nl=False)
        else:
            from ..outputs import write_text

            write_text(output, text)  # atomic, `\n` line ends, as every other output
        if fail_under is not None and result["totals"]["equality_pct"] < fail_under:
            typer.echo(f"coverage {result['totals']['equality_pct']:.1f} % of numeric figures in "
                       f"an equality is under --fail-under {fail_under:g}", err=True)
            raise typer.Exit(1)
