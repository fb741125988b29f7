"""Load YAML keeping the line of every key and value, rejecting what YAML silently accepts.

Duplicate keys (PyYAML keeps the last one) and aliases (the "billion laughs" bomb) are refused,
so a dataset can never say two things at once or explode in memory. Plain values that YAML 1.1
would silently turn into something else than what was typed (`010` → 8, `0x1F` → 31, `1:30` →
90, `12.50` → 12.5) are refused too. Every message is drsmcheck's own, never PyYAML's wording,
so it does not change when a new PyYAML is released.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    MappingStartEvent,
    SequenceStartEvent,
)
from yaml.resolver import Resolver

from .errors import InputError

MAX_FILE_BYTES = 50 * 1024 * 1024
# The size limit is a per-format decision: YAML is parsed node by node in Python and XLSX
# unzipped into cells, so 50 MiB is already a very large report; CSV and Parquet are read by
# pyarrow's columnar readers (10⁷ figures is ~1 GB of CSV, ~100 MB of Parquet).
MAX_BYTES = {"yaml": MAX_FILE_BYTES, "xlsx": MAX_FILE_BYTES, "csv": 2**30, "parquet": 2**30}
_BIG_HINTS = {
    "yaml": "put the figures in CSV or Parquet files (long layout) beside dataset.yaml: "
            "those are read up to 1024 MiB a file",
    "xlsx": "save the sheets as CSV or Parquet (long layout): those are read up to 1024 MiB "
            "a file",
    "csv": "split it into several files of the dataset folder (e.g. one a year: "
           "year=2019/figures.csv), or write it as Parquet",
    "parquet": "split it into several files of the dataset folder (a partitioned folder such "
               "as year=2019/part-0.parquet is read as one dataset)",
}


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
        # libyaml's check_event compares exact classes: name both collection starts
        if not self.check_event(MappingStartEvent, SequenceStartEvent):
            return super().compose_node(parent, index)  # a scalar: no recursion below it
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                event = self.peek_event()
                raise _too_deep(self.filename, event.start_mark.line + 1)
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
        if isinstance(node, yaml.ScalarNode) and not node.style:  # plain: None or ""
            _check_plain_scalar(self, node)
        try:
            return super().construct_object(node, deep)
        except (ValueError, OverflowError):
            # e.g. an unquoted 5 000-digit integer, or a date like 2019-13-45
            raise InputError(self.filename, node.start_mark.line + 1,
                             f"invalid YAML value {_short(node)}: {_value_problem(node)}",
                             "quote the value to keep it as text") from None


def _value_problem(node: yaml.Node) -> str:
    """Why a plain value could not be built, in our words (the library's change with versions)."""
    if node.tag.endswith(":timestamp"):
        return "not a valid date"
    if node.tag.endswith(":int"):
        return "a number too long to read"
    return f"cannot be read as {node.tag.rsplit(':', 1)[-1]}"


_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_DECIMAL = re.compile(r"[-+]?(?P<int>[0-9]*)\.(?P<dec>[0-9]*)")


def _check_plain_scalar(loader: _Loader, node: yaml.ScalarNode) -> None:
    """Refuse an unquoted value that YAML 1.1 reads as something else than what was typed.

    Octal (`010` is 8), hexadecimal (`0x1F` is 31), binary, underscores (`1_000`), sexagesimal
    (`1:30` is 90) and decimals whose trailing zeros are dropped (`12.50` becomes 12.5, losing
    the printed precision that a figure's interval is built from). Plain integers (`2019`,
    `line: 12`) and decimals printed as Python prints them (`71.9`) are what they look like.
    """
    text, filename, line = node.value, loader.filename, node.start_mark.line + 1
    if node.tag == "tag:yaml.org,2002:int":
        if _PLAIN_INT.fullmatch(text):
            return
        try:
            seen = f"as the number {loader.construct_yaml_int(node)}"
        except (ValueError, OverflowError):
            seen = "as a number"
        why = ("sexagesimal, base 60" if ":" in text else "hexadecimal" if "x" in text.lower()
               else "binary" if "b" in text.lower() else "digit groups" if "_" in text
               else "octal, because of the leading zero")
        raise InputError(filename, line, f"YAML reads {text} {seen} ({why}), not as typed",
                         f'quote it: "{text}"')
    if node.tag == "tag:yaml.org,2002:float":
        if ":" in text or "_" in text:
            raise InputError(filename, line, f"YAML reads {text} as a number in base 60 or with "
                             "digit groups, not as typed", f'quote it: "{text}"')
        m = _PLAIN_DECIMAL.fullmatch(text)
        if m is None:
            return  # exponent forms (1.0e+3), .inf, .nan: the number checks say what is wrong
        shown = repr(float(text))
        decimals = len(shown.split(".")[1]) if "." in shown and "e" not in shown else None
        if decimals != len(m.group("dec")):
            raise InputError(filename, line, f"YAML reads {text} as the number {shown}: the "
                             "printed precision is lost",
                             f'quote it to keep it as printed: "{text}"')


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
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    raise InputError(loader.filename, node.start_mark.line + 1,
                     f"YAML tag {tag if len(tag) <= 40 else tag[:37] + '...'} is not supported",
                     "write plain strings, numbers, lists and mappings")


for _tag in ("binary", "set", "omap", "pairs"):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)
_Loader.add_constructor(None, _refuse_tag)  # any other tag (!!python/object, !custom, ...)


_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def file_kind(mode: int) -> str:
    """What a non-regular file is, for a message."""
    return ("a named pipe (FIFO)" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else
            "a folder" if stat.S_ISDIR(mode) else "not a plain file")


def read_bytes(path: Path, display: str | None = None, kind: str = "yaml") -> bytes:
    """The bytes of a regular file, at most MAX_BYTES[kind] of them, or a clear InputError.

    The file is opened without blocking and checked once open (no race between a check and the
    read): a FIFO, a device (`/dev/zero`, also through a symlink) or a socket is refused instead
    of hanging or reading without end, and the size limit holds for what is read, whatever
    `stat` said (files that grow, /proc files that claim size 0).
    """
    name = display or str(path)
    max_bytes = MAX_BYTES[kind]
    limit = max_bytes // 2**20
    hint = _BIG_HINTS[kind]
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise InputError(name, None, f"cannot read file: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise InputError(name, None, f"not a regular file: it is {file_kind(info.st_mode)}",
                             "give a plain file; drsmcheck reads only regular files")
        if info.st_size > max_bytes:
            raise InputError(name, None, f"file is {info.st_size / 1e6:.0f} MB, more than the "
                             f"{limit} MiB limit of a {kind.upper()} file", hint)
        try:
            # the file's size and one byte more (a file that grew is read on, to the limit):
            # `read(max_bytes + 1)` allocated a 50 MiB buffer per file, 0.5 ms of a small CSV
            data = fh.read(info.st_size + 1)
            if len(data) > info.st_size:
                data += fh.read(max_bytes + 1 - len(data))
        except OSError as exc:
            raise InputError(name, None, f"cannot read file: {exc.strerror}") from None
    if len(data) > max_bytes:
        raise InputError(name, None, f"file holds more than the {limit} MiB limit of a "
                         f"{kind.upper()} file", hint)
    return data


def read_text(path: Path, display: str | None = None, kind: str = "yaml") -> str:
    """Read a UTF-8 file (BOM accepted); a clear error for other encodings or huge files."""
    name = display or str(path)
    return _decode(read_bytes(path, name, kind), name)


def read_utf8(path: Path, display: str | None = None, kind: str = "yaml") -> bytes:
    """The bytes of a file `read_text` accepts, UTF-8 BOM dropped, refused as it refuses them.

    For readers that take bytes (Arrow's CSV reader): an ASCII file is not decoded at all, and
    no file is decoded then encoded back.
    """
    name = display or str(path)
    data = read_bytes(path, name, kind)
    if data.isascii():  # no BOM, valid UTF-8: only the binary check applies
        _check_binary(data, name)
        return data
    _decode(data, name)
    return data[3:] if data.startswith(b"\xef\xbb\xbf") else data


def _check_binary(data: bytes, name: str) -> None:
    if b"\x00" in data[:4096] and data[:4096].count(b"\x00") * 4 > len(data[:4096]):
        raise InputError(name, 1, "file is not text (UTF-16 without BOM, or binary)",
                         "re-save the file as UTF-8 text")


def _decode(data: bytes, name: str) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            raise InputError(name, 1, f"file is encoded as {encoding}, not UTF-8",
                             "re-save the file as UTF-8")
    _check_binary(data, name)
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
    return parse_yaml(read_bytes(path, name), name)


def parse_yaml(raw: bytes, name: str) -> Any:
    """`load_yaml` of a file's bytes already read (`read_bytes`: checked, within the limit)."""
    text = _decode(raw, name)
    if not text.strip():
        raise InputError(name, 1, "file is empty", "a dataset or rule file needs content")
    if len(text) >= CACHE_FROM:
        import hashlib

        from .plancache import memo

        key = hashlib.sha256(f"{name}\0{text}".encode()).hexdigest()
        return memo("yaml", key, lambda: _parse(text, name), keep=CACHE_KEEP)
    return _parse(text, name)


# a parse is cached (pickled, keyed by the file's name and bytes) from this size on: below it,
# parsing costs less than reading the cache
CACHE_FROM = 16_384
CACHE_KEEP = 256  # parses kept; the least recently written go first


def _parse(text: str, name: str) -> Any:
    loader = None
    try:
        loader = _Loader(text, name)
        data = loader.get_single_data()
    except InputError:
        raise
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise InputError(name, line, f"invalid YAML: character {_codepoint(exc.character)} is not "
                         "allowed in YAML text", "remove control characters (NUL, …)") from None
    except yaml.YAMLError as exc:
        raise _syntax_error(name, text, exc) from None
    except RecursionError:
        raise _too_deep(name, _nesting_line(text, len(text))) from None
    finally:
        if loader is not None:
            loader.dispose()
    if data is None:
        raise InputError(name, 1, "file has no content (only comments or blank lines)",
                         "a dataset or rule file needs content")
    return data


def _too_deep(name: str, line: int | None) -> InputError:
    return InputError(name, line, f"YAML nesting is too deep (more than {MAX_DEPTH} levels)",
                      "datasets and rules nest a few levels; check the brackets and indentation")


class _Events(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """PyYAML's pure-Python parser: a state machine with no nesting limit of its own."""

    def __init__(self, text: str):
        yaml.reader.Reader.__init__(self, text)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


def _nesting_line(text: str, upto: int) -> int | None:
    """The line where collections first nest deeper than MAX_DEPTH in text[:upto], else None.

    Our own measure (the same count as the composer's guard), so that a refusal by any layer
    (our composer, a parser's own limit, Python's recursion limit) is recognised as over-deep
    nesting without reading the library's message.
    """
    events = _Events(text[: upto + 1])
    depth = 0
    try:
        while events.check_event():
            event = events.get_event()
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line + 1
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except yaml.YAMLError:
        return None
    return None


def _syntax_error(name: str, text: str, exc: yaml.YAMLError) -> InputError:
    """A YAML syntax error in drsmcheck's words: where it is and the likely cause."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    mark = problem or context
    if mark is not None:
        deep = _nesting_line(text, mark.index)
        if deep is not None:
            return _too_deep(name, deep)
    line = mark.line + 1 if mark is not None else None
    lines = text.splitlines()
    source = lines[line - 1] if line and line <= len(lines) else ""
    indent = source[: len(source) - len(source.lstrip())]
    if "\t" in indent or (mark is not None and source[mark.column:][:1] == "\t"):
        return InputError(name, line, "invalid YAML: a tab is used for indentation",
                          "YAML indentation must use spaces")
    if isinstance(exc, yaml.composer.ComposerError) and source.startswith(("---", "...")):
        return InputError(name, line, "invalid YAML: a second YAML document starts here",
                          "a file holds one document: remove the '---' / '...' line or split "
                          "the file")
    opener = text[context.index] if context is not None and context.index < len(text) else ""
    if isinstance(exc, yaml.parser.ParserError) and opener in "[{" and opener:
        closer = "]" if opener == "[" else "}"
        return InputError(name, line, f"invalid YAML: the {opener!r} opened at line "
                          f"{context.line + 1} is not closed by {closer!r} where expected",
                          "check the commas, quotes and brackets of this list or mapping")
    if mark is not None and mark.index >= len(text.rstrip()):
        return InputError(name, line, "invalid YAML: the file ends in the middle of a value",
                          "a quote or a bracket is not closed")
    where = f" (column {mark.column + 1})" if mark is not None else ""
    return InputError(name, line, f"invalid YAML syntax{where}",
                      "check quotes, colons and indentation")


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
