"""The compiled rule pack, cached between runs (keyed by the pack's content and the engine).

Parsing and linting ~6 000 lines of YAML rules and catalogues is the largest fixed cost of a
run; a CI gate or a pre-commit hook pays it once per pack version. The cache lives in
`$DRSMCHECK_CACHE_DIR`, else `$XDG_CACHE_HOME/drsmcheck`, else `~/.cache/drsmcheck`;
`DRSMCHECK_NO_CACHE=1` turns it off. A stale, corrupt or foreign entry is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from . import __version__

ENGINE_VERSION = "3"  # bump when the compiled form (Rule, RulePack, AST) changes
PACKS_KEPT = 16  # pack versions kept in the cache (each edit of a pack or of drsmcheck adds one)


def cache_dir() -> Path:
    if os.environ.get("DRSMCHECK_CACHE_DIR"):
        return Path(os.environ["DRSMCHECK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "drsmcheck"


@cache
def code_key() -> str:
    """The code that builds the compiled form: every module of the package (path, size, mtime),
    so that an upgrade or an edit of drsmcheck never loads a pack pickled by other code."""
    h = hashlib.sha256()
    root = Path(__file__).resolve().parent
    for path in sorted(root.rglob("*.py")):
        st = path.stat()
        h.update(f"{path.relative_to(root)}|{st.st_size}|{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def pack_key(roots: list[Path]) -> str:
    """Hash of every YAML file of the packs (relative path + bytes), the tool and its code."""
    h = hashlib.sha256(f"{__version__}|{ENGINE_VERSION}|{code_key()}".encode())
    for root in roots:
        root = Path(root)
        h.update(str(root.resolve()).encode())
        if not root.is_dir():
            continue
        for path in sorted(p for p in root.rglob("*") if p.is_file()
                           and p.suffix.lower() in (".yaml", ".yml")):
            h.update(str(path.relative_to(root)).encode() + b"\0")
            h.update(path.read_bytes())
            h.update(b"\0")
    return h.hexdigest()


def _trusted(path: Path) -> bool:
    """Only our own, not group/world-writable cache files are read (pickle runs code)."""
    try:
        st = path.stat()
    except OSError:
        return False
    own = not hasattr(os, "getuid") or st.st_uid == os.getuid()
    return own and not (st.st_mode & (stat.S_IWGRP | stat.S_IWOTH))


def cached(roots: list[Path], build: Callable[[], Any]) -> Any:
    """`build()` once per pack content; later runs load the pickled result."""
    if os.environ.get("DRSMCHECK_NO_CACHE"):
        return build()
    try:
        key = pack_key(roots)
    except OSError:
        return build()
    return _through(f"pack-{key[:32]}", build, keep=PACKS_KEPT)


def memo(name: str, key: str, build: Callable[[], Any], keep: int | None = None) -> Any:
    """`build()` once per `key` for derived data that costs more to compute than to unpickle:
    the locale's number symbols (Babel's locale data, ~20 ms), a big dataset file's parse
    (keyed by its bytes: a CI gate re-validates mostly unchanged files). Keyed by drsmcheck's
    code too, so an edit of drsmcheck never reads another version's objects."""
    if os.environ.get("DRSMCHECK_NO_CACHE"):
        return build()
    digest = hashlib.sha256(
        f"{__version__}|{ENGINE_VERSION}|{code_key()}|{name}|{key}".encode()).hexdigest()
    return _through(f"{name}-{digest[:32]}", build, keep)


def _prune(folder: Path, prefix: str, keep: int) -> None:
    """Keep the `keep` most recently used entries of one kind (dataset parses pile up)."""
    try:
        entries = sorted(folder.glob(f"{prefix}-*.pickle"), key=lambda p: p.stat().st_mtime)
        for old in entries[:-keep]:
            old.unlink(missing_ok=True)
    except OSError:
        pass


def _through(stem: str, build: Callable[[], Any], keep: int | None = None) -> Any:
    folder = cache_dir()
    path = folder / f"{stem}.pickle"
    if path.is_file() and _trusted(path):
        try:
            with open(path, "rb") as fh:
                return pickle.load(fh)
        except Exception:  # noqa: BLE001 - a corrupt cache entry is rebuilt, never fatal
            pass
    value = build()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{stem[:8]}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        if keep is not None:
            _prune(folder, stem.rsplit("-", 1)[0], keep)
    except (OSError, pickle.PicklingError, RecursionError):
        pass  # a read-only home (or a too deep object) is no reason to fail a validation
    return value
