"""Load datasets: find them, read each file with its reader, build one figures table."""

from __future__ import annotations

import fnmatch
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from ..errors import InputError
from ..reference import Reference
from ..yamlfile import parse_yaml, read_bytes
from .build import PERIOD, build_figures, check_entity, check_period
from .datasets.csv import read_csv
from .datasets.grid import Grid
from .datasets.long import read_long
from .datasets.parquet import read_parquet
from .datasets.wide import read_wide
from .datasets.xlsx import read_xlsx
from .datasets.yaml import read_yaml
from .discover import READ, Head, Target, dataset_files, display_path, find_datasets
from .header import Dataset, FileSpec, parse_header
from .part import Part


def _spec(ds: Dataset, folder: Path, path: Path) -> FileSpec | None:
    rel = path.relative_to(folder).as_posix()
    for pattern, spec in ds.specs.items():
        if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel.lower(), pattern.lower()):
            spec.used = True
            return spec
    return None


def _grid_part(grid: Grid, spec: FileSpec | None, ds: Dataset) -> Part:
    if spec is not None and spec.layout == "wide":
        return read_wide(grid, spec, ds.period)
    return read_long(grid, spec)


def load_dataset(target: Target, ref: Reference, csv_sep: str | None = None
                 ) -> tuple[Dataset, list[Part]]:
    """One dataset's header and the raw figures of each of its files."""
    hfile = display_path(target.header)
    head = target.head or read_head(target.header, hfile)
    ds = parse_header(head.data, hfile)
    ds.path = display_path(target.path)
    parts = [read_yaml(target.header, hfile, header_allowed=True, data=head.data,
                       checksum=head.checksum)]
    ds.files.append(hfile)
    if target.folder:
        for path, kind in dataset_files(target.path, target.header, ds.ignore)[1:]:
            file = display_path(path)
            spec = _spec(ds, target.path, path)
            if kind == "yaml":
                if spec is not None:
                    raise InputError(hfile, spec.line, f"files entry {spec.pattern!r} names a "
                                     f"YAML file ({file})", "YAML files say their own layout")
                parts.append(read_yaml(path, file, header_allowed=False))
            elif kind == "csv":
                sep = spec.sep if spec is not None and spec.sep else csv_sep
                parts.append(_grid_part(read_csv(path, file, sep), spec, ds))
            elif kind == "parquet":
                grid = read_parquet(path, file)
                grid.header_line = 0
                parts.append(_grid_part(grid, spec, ds))
            else:
                for grid in read_xlsx(path, file, spec.sheets if spec else None,
                                      spec.header if spec else None):
                    parts.append(_grid_part(grid, spec, ds))
            ds.files.append(file)
    elif ds.specs:
        spec = next(iter(ds.specs.values()))
        raise InputError(hfile, spec.line, "'files' is for a dataset folder",
                         "put dataset.yaml and its data files in a folder of their own")
    for spec in ds.specs.values():
        if not spec.used:
            raise InputError(hfile, spec.line, f"files entry {spec.pattern!r} matches no file "
                             f"of {ds.path}", "give the file's name relative to the folder")
    return ds, parts


def _records(ds: Dataset, parts: list[Part], ref: Reference) -> list[tuple[str, str]] | None:
    """The records a dataset declares (header `records:`, rows of wide tables), checked."""
    out: set[tuple[str, str]] = set()
    declared = False
    for entity, period, line in ds.declared_records:
        check_entity(entity, ref, ds.header_file, line)
        check_period(period, ds.header_file, line)
        out.add((entity, period))
        declared = True
    for part in parts:
        if part.records is None:
            continue
        declared = True
        entity, period, files, lines = part.records
        if not len(lines):
            continue
        for arr, what in ((entity, "entity"), (period, "period")):
            missing = pc.is_null(arr).to_numpy(zero_copy_only=False)
            if missing.any():
                i = int(np.argmax(missing))
                raise InputError(files[i].as_py(), int(lines[i]), f"row has no {what}",
                                 f"fill the {what} column, or give '{what}' in the files: entry")
        pairs = pd.DataFrame({"e": entity.to_numpy(zero_copy_only=False),
                              "p": period.to_numpy(zero_copy_only=False)})
        first = ~pairs.duplicated().to_numpy()
        for i in np.flatnonzero(first):
            e, p = pairs["e"].iat[i], pairs["p"].iat[i]
            check_entity(e, ref, files[int(i)].as_py(), int(lines[i]))
            if not PERIOD.fullmatch(p):
                check_period(p, files[int(i)].as_py(), int(lines[i]))
            out.add((e, p))
    return sorted(out) if declared else None


def load_figures(paths: list[Path], ref: Reference, csv_sep: str | None = None
                 ) -> tuple[list[Dataset], pd.DataFrame]:
    """Load every dataset under `paths`; the figures of all as one DataFrame."""
    return load_targets(find_datasets(paths), ref, csv_sep)


def load_targets(targets: list[Target], ref: Reference, csv_sep: str | None = None
                 ) -> tuple[list[Dataset], pd.DataFrame]:
    """Load these datasets (a whole run, or one chunk of a chunked run: `drsmcheck.chunks`)."""
    loaded = [load_dataset(t, ref, csv_sep) for t in targets]
    check_ids([ds for ds, _ in loaded])
    frame = build_figures(loaded, ref)
    counts = frame["dataset"].value_counts() if len(frame) else pd.Series(dtype=int)
    for ds, parts in loaded:
        ds.records = _records(ds, parts, ref)
        if not counts.get(ds.id, 0):
            raise InputError(ds.path, None, f"dataset {ds.id!r} has no figures (read: "
                             f"{', '.join(ds.files)})",
                             f"figures go in 'figures:' or 'tables:' of its YAML files, or in "
                             f"data files beside dataset.yaml: {READ}")
    return [ds for ds, _ in loaded], frame


def check_ids(datasets: list[Dataset]) -> None:
    """Each dataset id once in a run (the second one named, with the first one's path)."""
    ids: dict[str, str] = {}
    for ds in datasets:
        if ds.id in ids:
            raise InputError(ds.path, None, f"dataset id {ds.id!r} is also used by {ids[ds.id]}",
                             "give each dataset its own id")
        ids[ds.id] = ds.path


def read_head(header: Path, hfile: str) -> Head:
    """A header file read once: its YAML (for the header and its own figures) and checksum."""
    raw = read_bytes(header, hfile)
    return Head(parse_yaml(raw, hfile), zlib.crc32(raw))


def load_header(target: Target) -> tuple[Dataset, Target]:
    """A dataset's header alone (id, title, report, ignore…), without reading its figures;
    and the target carrying the file read, for the loader."""
    hfile = display_path(target.header)
    head = target.head or read_head(target.header, hfile)
    ds = parse_header(head.data, hfile)
    ds.path = display_path(target.path)
    return ds, replace(target, head=head)
