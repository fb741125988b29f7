"""One reader per input type; each gives the same document model."""

from __future__ import annotations

import os
from pathlib import Path

from ...errors import InputError
from ..document import Document

SUFFIXES = (".txt", ".pdf", ".docx")


def display_path(path: Path) -> str:
    """The path as the user typed it relative to the working directory, '/'-separated (as
    `drsmcheck.loader.display_path`, without importing pandas for it)."""
    try:
        rel = os.path.relpath(path)
    except ValueError:
        rel = str(path)
    return (str(path) if rel.startswith("..") else rel).replace(os.sep, "/")


def read_document(path: Path, entities: dict[str, dict[str, str]] | None = None) -> Document:
    """Read a `.txt`, `.pdf` or `.docx` report; InputError (file, what to do) otherwise.

    `entities` (the rule pack's entity labels) lets headings name the entity of their section.
    """
    shown = display_path(path)
    if not path.exists():
        raise InputError(shown, None, "no such file")
    if not path.is_file():
        raise InputError(shown, None, "not a file", "give one report file (.txt, .pdf or .docx)")
    suffix = path.suffix.lower()
    if suffix == ".txt":
        from .txt import read_txt

        return read_txt(path, shown, entities or {})
    if suffix == ".pdf":
        from .pdf import read_pdf

        return read_pdf(path, shown, entities or {})
    if suffix == ".docx":
        from .docx import read_docx

        return read_docx(path, shown, entities or {})
    raise InputError(shown, None, f"unsupported report type {suffix or '(no suffix)'!r}",
                     "give a .txt (text extraction), .pdf or .docx report")
