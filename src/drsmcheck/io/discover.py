"""Which datasets the paths on the command line name, and which files each dataset reads.

Never pass on nothing: a path that holds no dataset, a file of a kind drsmcheck does not read
or a dataset without figures stops the run (exit 2) with what was found and what is read.

- A folder holding `dataset.yaml` is a dataset; every data file under it is read, sub-folders
  included (unless a sub-folder holds its own dataset.yaml: it is a dataset of its own).
- Another folder is searched for dataset folders.
- A file inside a dataset folder stands for that dataset (all of it is validated); a YAML file
  with a `dataset:` header elsewhere is a dataset of one file.
- Extensions are matched whatever their case (`FIGURES.CSV`, `more.YAML`).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..yamlfile import file_kind

KINDS_BY_SUFFIX = {".yaml": "yaml", ".yml": "yaml", ".csv": "csv", ".tsv": "csv",
                   ".xlsx": "xlsx", ".xlsm": "xlsx", ".parquet": "parquet", ".pq": "parquet"}
# Files a dataset folder may hold that are not data: never read, never an error.
DOCUMENTATION = {".md", ".txt", ".rst", ".pdf", ".html", ".htm", ".docx", ".odt"}
EXCLUDED_FILES = {"expected.yaml", "expected.yml"}  # a sample's test oracle
HEADER_NAMES = {"dataset.yaml", "dataset.yml"}
READ = ".yaml .yml .csv .tsv .xlsx .parquet (any case)"
_OTHER_HINTS = {".xls": "save it as .xlsx", ".ods": "save it as .xlsx",
                ".json": "convert it to CSV or Parquet (long layout)"}


def display_path(path: Path) -> str:
    """Paths as the user typed them relative to the working directory, '/'-separated."""
    p = os.fspath(path)
    cwd = os.getcwd()
    full = os.path.normpath(p if os.path.isabs(p) else os.path.join(cwd, p))
    base = cwd.rstrip(os.sep) + os.sep
    if full.startswith(base):  # under the working directory: what relpath gives, cheaper
        rel = full[len(base):]
    else:
        try:
            rel = os.path.relpath(path)
        except ValueError:
            rel = str(path)
        if rel.startswith(".."):
            rel = str(path)
    # a name holding undecodable bytes (Latin-1 on a UTF-8 system) is shown as \xe9
    from ..sanitize import surrogates

    return surrogates(rel.replace(os.sep, "/"))


def header_of(folder: Path) -> Path | None:
    """The folder's dataset.yaml (any case), if it has one."""
    try:
        entries = sorted(folder.iterdir())
    except OSError:
        return None
    for p in entries:
        if p.name.lower() in HEADER_NAMES and p.is_file():
            return p
    return None


@dataclass(frozen=True)
class Target:
    """A dataset to load: a folder (with its header file) or a single YAML file.

    `head`: its header file already read and parsed (`io.load.read_head`), when the run's plan
    read it to group the datasets by id: the loader (a forked worker too) does not read it twice.
    """

    path: Path
    header: Path
    folder: bool
    head: Head | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Head:
    """A header file's parsed YAML and the CRC-32 of its bytes."""

    data: Any
    checksum: int


def find_datasets(paths: list[Path]) -> list[Target]:
    """Expand the command-line paths into datasets, sorted, each once."""
    found: dict[Path, Target] = {}
    for p in paths:
        if not p.exists():
            raise InputError(display_path(p), None, "no such file or folder")
        if not p.is_file() and not p.is_dir():
            raise InputError(display_path(p), None,
                             f"not a regular file or folder: it is {file_kind(p.stat().st_mode)}",
                             "give a dataset folder (with dataset.yaml) or a .yaml file")
        if p.is_file():
            # the dataset folder holding it, however deep (data/2019/figures.csv)
            home = next(((a, h) for a in p.resolve().parents if (h := header_of(a))), None)
            if home is not None:
                folder = p.parent
                for _ in range(len(p.resolve().parents)):
                    if folder.resolve() == home[0]:
                        break
                    folder = folder.parent
                t = Target(folder, folder / home[1].name, True)
            elif p.suffix.lower() in (".yaml", ".yml"):
                t = Target(p, p, False)
            else:
                raise InputError(display_path(p), None,
                                 "a dataset file must be YAML, or a data file in a folder "
                                 "holding dataset.yaml",
                                 "put a dataset.yaml (id, entity, period) beside it, and give "
                                 "the folder")
            found[t.path.resolve()] = t
        elif (header := header_of(p)) is not None:
            found[p.resolve()] = Target(p, header, True)
        else:
            subs = sorted({q.parent for q in p.rglob("*") if q.name.lower() in HEADER_NAMES
                           and q.is_file() and not _hidden(q.relative_to(p))})
            if not subs:
                seen = sorted(display_path(q.relative_to(p)) for q in p.rglob("*")
                              if q.is_file())
                what = (f"found {len(seen)} file(s): {', '.join(seen[:8])}"
                        f"{', …' if len(seen) > 8 else ''}" if seen else "the folder is empty")
                raise InputError(display_path(p), None, f"no dataset.yaml in this folder ({what})",
                                 "a dataset is a folder holding dataset.yaml (id, title, "
                                 f"entity, period) beside its data files: {READ}")
            for s in subs:
                found[s.resolve()] = Target(s, header_of(s) or s / "dataset.yaml", True)
    return sorted(found.values(), key=lambda t: display_path(t.path))


def _hidden(rel: Path) -> bool:
    return any(part.startswith(".") for part in rel.parts)


def dataset_files(folder: Path, header: Path, ignore: list[str]) -> list[tuple[Path, str]]:
    """(file, kind) of every data file of a dataset folder, header first, then by path."""
    out: list[tuple[Path, str]] = []
    unknown: list[str] = []
    for root, dirs, files in os.walk(folder):
        rootp = Path(root)
        rel_root = rootp.relative_to(folder)
        keep = []
        for d in sorted(dirs):
            sub = rootp / d
            if d.startswith(".") or header_of(sub) is not None:
                continue  # hidden, or a dataset of its own
            keep.append(d)
        dirs[:] = keep
        for name in sorted(files):
            path = rootp / name
            rel = (rel_root / name).as_posix()
            if path == header or name.startswith("."):
                continue
            if rel_root == Path(".") and name.lower() in EXCLUDED_FILES:
                continue
            if any(fnmatch.fnmatch(rel, g) or fnmatch.fnmatch(name, g) for g in ignore):
                continue
            suffix = path.suffix.lower()
            if suffix in KINDS_BY_SUFFIX:
                out.append((path, KINDS_BY_SUFFIX[suffix]))
            elif suffix not in DOCUMENTATION:
                unknown.append(rel)
    if unknown:
        first = unknown[0]
        hint = _OTHER_HINTS.get(Path(first).suffix.lower())
        raise InputError(display_path(folder / first), None,
                         f"file of a kind drsmcheck does not read"
                         f"{f' (and {len(unknown) - 1} more)' if len(unknown) > 1 else ''}",
                         f"{hint + '; ' if hint else ''}data files are {READ}; documentation "
                         "(.md, .txt, .pdf) is left alone; list other files under 'ignore:' "
                         "in dataset.yaml")
    out.sort(key=lambda pk: pk[0].relative_to(folder).as_posix())
    return [(header, "yaml"), *out]
