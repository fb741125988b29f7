"""Text extractions of reports (like the seeds): one line a line, tables as tab-separated rows."""

from __future__ import annotations

from pathlib import Path

from ...yamlfile import read_text
from ..document import Document
from ..layout import Line, build_document


def read_txt(path: Path, shown: str, entities: dict[str, dict[str, str]]) -> Document:
    text = read_text(path, shown)  # UTF-8 or a clear error (file, what to do)
    lines = [Line(t) for t in text.splitlines()]
    return build_document(lines, shown, path.name, "txt", entities)
