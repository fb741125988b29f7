"""Text from data on its way to a terminal, a CI log or stderr: made inert and visible.

A quote in a dataset can hold a newline followed by `::error …` (a GitHub workflow command),
or ANSI escapes that clear the screen or retitle the window. Every terminal-facing channel
passes data text through `terminal()`; `--format github` has its own escaping on top.
"""

from __future__ import annotations

import re

# C0 and C1 controls, DEL, and the Unicode line/paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
# `::name` at the start of a log line is a workflow command on GitHub Actions
_WORKFLOW = re.compile(r"^(\s*)::", re.M)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _escape_surrogate(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code - 0xdc00:02x}" if 0xdc80 <= code <= 0xdcff else f"\\u{code:04x}"


def surrogates(text: str) -> str:
    """Only the lone surrogates escaped (`\\xe9`): the text can then be encoded as UTF-8."""
    return _SURROGATE.sub(_escape_surrogate, text)


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _NAMES:
        return _NAMES[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def visible(text: object) -> str:
    """Controls (newlines too), bidi overrides and lone surrogates escaped visibly."""
    s = str(text)
    if s.isascii() and s.isprintable():  # the common case: nothing to escape
        return s
    # lone surrogates (a file name holding Latin-1 bytes, decoded by the OS with
    # surrogateescape) cannot be encoded: show the byte as \\xe9, any other one as \\udXXX
    s = _SURROGATE.sub(_escape_surrogate, s)
    s = _CONTROL.sub(_escape, s)
    # bidi overrides reorder what the reader sees
    return _BIDI_RE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", s)


def terminal(text: object) -> str:
    """One line of inert text: controls escaped visibly, workflow-command prefixes broken."""
    return _WORKFLOW.sub(lambda m: m.group(1) + ":\u200b:", visible(text))


def lines(text: str) -> str:
    """Multi-line text made inert line by line: its own `\\n` kept, every other control
    escaped, no line starting with `::` (for Markdown or any report printed to a CI log)."""
    return "\n".join(terminal(line) for line in str(text).split("\n"))


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_BIDI_RE = re.compile("[" + "".join(sorted(_BIDI)) + "]")
