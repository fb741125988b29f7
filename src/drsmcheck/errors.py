"""One error type for bad input, so the CLI can print `file:line: message` and exit 2."""

from __future__ import annotations

from dataclasses import dataclass

from .sanitize import terminal


@dataclass
class InputError(Exception):
    """Bad dataset, rule or reference file: where, what is wrong, what to do.

    File names and messages quote data (a file name holding a newline, a YAML value holding
    `::error …` or an ANSI escape): the text is made inert by `sanitize.terminal()` so that each
    error stays one `file:line: message` line on a terminal or a CI log.
    """

    file: str
    line: int | None
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        return self.render()

    def render(self, label: str = "") -> str:
        """`file:line: [label: ]message`, then `  hint: …` on its own line."""
        where = terminal(f"{self.file}:{self.line}" if self.line else self.file)
        text = f"{where}: {label + ': ' if label else ''}{terminal(self.message)}"
        if self.hint:
            text += f"\n  hint: {terminal(self.hint)}"
        return text


class InputErrors(Exception):
    """Several input errors found in one pass (a linter reports them all)."""

    def __init__(self, errors: list[InputError]):
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors
