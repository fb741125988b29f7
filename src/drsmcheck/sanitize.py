"""Text from data on its way to a terminal, a CI log or stderr: made inert and visible.

A quote in a dataset can hold a newline followed by `::error …` (a GitHub workflow command),
or ANSI escapes that clear the screen or retitle the window. Every terminal-facing channel
passes data text through `terminal()`; `--format github` has its own escaping on top.
"""

from __future__ import annotations

import re
import unicodedata

# C0 and C1 controls, DEL, and the Unicode line/paragraph separators
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMES = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "\x1b": "\\e"}
# `::name` at the start of a log line is a workflow command on GitHub Actions
_WORKFLOW = re.compile(r"^(\s*)::", re.M)


def _escape(match: re.Match[str]) -> str:
    ch = match.group(0)
    if ch in _NAMES:
        return _NAMES[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def terminal(text: object) -> str:
    """One line of inert text: controls escaped visibly, workflow-command prefixes broken."""
    s = str(text)
    # surrogates (a file name holding Latin-1 bytes) cannot be encoded: show them as \\x..
    if any("\ud800" <= c <= "\udfff" for c in s):
        s = s.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    s = _CONTROL.sub(_escape, s)
    # bidi overrides reorder what the reader sees
    s = "".join(f"\\u{ord(c):04x}" if unicodedata.category(c) == "Cf" and c in _BIDI else c
                for c in s)
    return _WORKFLOW.sub(lambda m: m.group(1) + ":\u200b:", s)


_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
