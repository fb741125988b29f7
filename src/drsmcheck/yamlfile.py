"""Load YAML keeping the line of every key and value, rejecting what YAML silently accepts.

Duplicate keys (PyYAML keeps the last one) and aliases (the "billion laughs" bomb) are refused,
so a dataset can never say two things at once or explode in memory.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent
from yaml.resolver import Resolver

from .errors import InputError

MAX_FILE_BYTES = 50 * 1024 * 1024


class LDict(dict):
    """A mapping that remembers the line of itself, of each key and of each value."""

    line: int = 0
    key_lines: dict[Any, int]
    value_lines: dict[Any, int]

    def line_of(self, key: Any) -> int:
        return self.value_lines.get(key, self.key_lines.get(key, self.line))


class LList(list):
    """A sequence that remembers its own line and the line of each item."""

    line: int = 0
    item_lines: list[int]


MAX_DEPTH = 64

try:
    from yaml.cyaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:
    class _Base(Composer, _CParser, SafeConstructor, Resolver):  # type: ignore[misc, valid-type]
        """libyaml's parser (fast, iterative) under PyYAML's Python composer.

        libyaml's own composer recurses in C without a limit: 50 000 nested `[` overflow the
        C stack and kill the process. The Python composer can count the depth and refuse.
        """

        def __init__(self, stream: str):
            _CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader  # type: ignore[misc, assignment]


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """Safe loader that refuses aliases (billion laughs) and nesting deeper than MAX_DEPTH."""

    def __init__(self, stream: str, filename: str):
        super().__init__(stream)
        self.filename = filename
        self.depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        if self.check_event(AliasEvent):
            event = self.peek_event()
            raise InputError(
                self.filename,
                event.start_mark.line + 1,
                f"YAML aliases (*{event.anchor}) are not allowed",
                "write the values out; aliases can expand without bound (billion laughs)",
            )
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()
                raise InputError(self.filename, event.start_mark.line + 1,
                                 f"YAML nesting is too deep (more than {MAX_DEPTH} levels)",
                                 "datasets and rules nest a few levels; check brackets")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_object(self, node, deep=False):  # type: ignore[no-untyped-def]
        if node in self.constructed_objects or node in self.recursive_objects:
            raise InputError(
                self.filename,
                node.start_mark.line + 1,
                "YAML aliases (*name) are not allowed",
                "write the values out; aliases can expand without bound (billion laughs)",
            )
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError) as exc:
            # e.g. an unquoted 5 000-digit integer, or a date like 2019-13-45
            raise InputError(self.filename, node.start_mark.line + 1,
                             f"invalid YAML value {_short(node)}: {str(exc).split(';')[0]}",
                             "quote the value to keep it as text") from None


def _short(node: yaml.Node) -> str:
    value = node.value if isinstance(node.value, str) else ""
    return repr(value if len(value) <= 40 else value[:37] + "...")


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> LDict:
    loader.flatten_mapping(node)
    result = LDict()
    result.line = node.start_mark.line + 1
    result.key_lines = {}
    result.value_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise InputError(loader.filename, key_node.start_mark.line + 1,
                             "a mapping key must be a plain value") from None
        if key in result:
            raise InputError(
                loader.filename,
                key_node.start_mark.line + 1,
                f"duplicate key {key!r} (first at line {result.key_lines[key]})",
                "remove one of the two: YAML would silently keep only the last",
            )
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = key_node.start_mark.line + 1
        result.value_lines[key] = value_node.start_mark.line + 1
    return result


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode, deep: bool = False) -> LList:
    result = LList(loader.construct_object(child, deep=True) for child in node.value)
    result.line = node.start_mark.line + 1
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


def _refuse_tag(loader: _Loader, node: yaml.Node) -> None:
    raise InputError(loader.filename, node.start_mark.line + 1,
                     f"YAML tag {node.tag.replace('tag:yaml.org,2002:', '!!')} is not supported",
                     "write plain strings, numbers, lists and mappings")


for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def read_text(path: Path, display: str | None = None) -> str:
    """Read a UTF-8 file (BOM accepted); a clear error for other encodings or huge files."""
    name = display or str(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(name, None, f"cannot read file: {exc.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise InputError(
            name, None,
            f"file is {size / 1e6:.0f} MB, more than the {MAX_FILE_BYTES // 2**20} MiB limit",
            "split the dataset into several files, or use Parquet/CSV with the Spark backend",
        )
    data = path.read_bytes()
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise InputError(name, 1, f"file is encoded as {encoding}, not UTF-8",
                             "re-save the file as UTF-8")
    if b"\x00" in data[:4096] and data[:4096].count(b"\x00") * 4 > len(data[:4096]):
        raise InputError(name, 1, "file is not text (UTF-16 without BOM, or binary)",
                         "re-save the file as UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        guess = ""
        try:
            data.decode("cp1252")
            guess = " (it looks like Latin-1 / Windows-1252)"
        except UnicodeDecodeError:
            pass
        raise InputError(name, line, f"file is not valid UTF-8{guess}",
                         "re-save the file as UTF-8") from None
    return text


def load_yaml(path: Path, display: str | None = None) -> Any:
    """Parse one YAML file into LDict / LList / scalars, or raise InputError with file:line."""
    name = display or str(path)
    text = read_text(path, name)
    if not text.strip():
        raise InputError(name, 1, "file is empty", "a dataset or rule file needs content")
    loader = None
    try:
        loader = _Loader(text, name)
        data = loader.get_single_data()
    except InputError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        source = text.splitlines()[line - 1] if line and line <= len(text.splitlines()) else ""
        tabs = "\t" in source[: len(source) - len(source.lstrip())] or "\t" in problem
        hint = ("a tab is used for indentation: YAML indentation must use spaces" if tabs
                else "check quotes, colons and indentation")
        raise InputError(name, line, f"invalid YAML: {problem}", hint) from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise InputError(name, line, f"invalid YAML: character {_codepoint(exc.character)} is not "
                         "allowed in YAML text", "remove control characters (NUL, …)") from None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise InputError(name, None, f"invalid YAML: {first}") from None
    except RecursionError:
        raise InputError(name, None, "YAML nesting is too deep") from None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        raise InputError(name, 1, "file has no content (only comments or blank lines)",
                         "a dataset or rule file needs content")
    return data


def _codepoint(character: int | str) -> str:
    code = character if isinstance(character, int) else ord(character[:1] or "\0")
    return f"U+{code:04X}"


def did_you_mean(word: str, choices: list[str] | set[str] | tuple[str, ...]) -> str | None:
    """A 'did you mean' hint for an unknown name, or None."""
    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None


def check_keys(
    mapping: Any,
    file: str,
    what: str,
    allowed: set[str],
    required: set[str] = frozenset(),  # type: ignore[assignment]
) -> LDict:
    """Check that a mapping has only known keys and all required ones; say where and what."""
    line = getattr(mapping, "line", None)
    if not isinstance(mapping, dict):
        raise InputError(file, line, f"{what} must be a mapping, got {type(mapping).__name__}")
    for key in mapping:
        if key not in allowed:
            kline = mapping.key_lines.get(key) if isinstance(mapping, LDict) else line
            raise InputError(file, kline, f"unknown key {key!r} in {what}",
                             did_you_mean(str(key), allowed) or
                             f"allowed keys: {', '.join(sorted(allowed))}")
    for key in sorted(required):
        if key not in mapping:
            raise InputError(file, line, f"{what} is missing required key {key!r}")
    return mapping  # type: ignore[return-value]
