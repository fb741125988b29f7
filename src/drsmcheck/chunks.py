"""A validation run one group of datasets at a time, so that memory stays bounded at scale.

Every rule evaluates inside one dataset (a record is dataset × entity × period; roll-ups,
`prev()` and agreement read the same dataset), so a run can load, check and diagnose a few
datasets, keep what the report needs of them (the anomalies as report dicts, the per-rule
counts, the objectives) and let their figures table, Store and verdicts go before the next
group. The report is the same, byte for byte, as the one-shot run's (`tests/test_chunks.py`):

- groups are whole datasets in **dataset id order**, so the report's order (anomalies, rules by
  dataset, objectives, verdicts: all sorted by dataset first) is the concatenation of the
  groups', and the diagnosis' localization budget (`diagnosis.LOCALIZE_BUDGET`, a running count
  over the datasets with anomalies in id order) is carried from group to group (`Budget`);
- what crosses datasets stays run-wide: every header is read first (a dataset id used twice is
  refused before any figure is read), the per-rule counts are summed, the baseline is applied
  to the whole report;
- a group holds about `CHUNK_FIGURES` figures (`DRSMCHECK_CHUNK_FIGURES`), estimated before
  reading from the files (Parquet: the row count of its footer; other formats: by size); a
  dataset bigger than that is a group of its own. A run that fits in one group is the one-shot
  run itself.

The anomalies of a chunked run can go to a `Spool` (a temporary file, one pickled report dict
per anomaly) instead of a list in memory: the JSON and JSON Lines writers stream it item by
item, so a national run never holds its hundreds of thousands of anomaly dicts at once.
"""

from __future__ import annotations

import gc
import os
import pickle
import sys
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, overload

from . import diagnosis, parallel
from .anomalies import Anomaly
from .backends import Backend, resolve
from .engine import RuleSummary, engine_rules
from .io.discover import KINDS_BY_SUFFIX, Target, find_datasets
from .io.load import check_ids, load_header, load_targets
from .parallel import Part, Segment
from .reporters.json import Prerendered, pretty_value
from .rules import RulePack
from .schema import validate_figures

CHUNK_FIGURES = 250_000
CHUNK_ENV = "DRSMCHECK_CHUNK_FIGURES"
# a run this big goes on several processes when it may (`parallel`), in at least
# GROUPS_PER_JOB groups per process; below it, forking costs more than it gives
PARALLEL_FIGURES = 50_000
GROUPS_PER_JOB = 2
# bytes of a file per figure, to estimate a dataset's size before reading it (a CSV row of the
# long layout is ~40-60 bytes; a YAML figure ~3 lines)
_BYTES_PER_FIGURE = {"csv": 40, "yaml": 60, "xlsx": 12}


def chunk_figures(requested: int | None = None) -> int:
    """The figures per group: `requested`, else DRSMCHECK_CHUNK_FIGURES, else CHUNK_FIGURES;
    0 or less: never chunked."""
    if requested is not None:
        return requested
    return parallel.env_int(CHUNK_ENV, CHUNK_FIGURES, "the figures per group (0 = never group)")


def estimate(target: Target) -> int:
    """About how many figures a dataset holds, from its files (nothing parsed)."""
    if not target.folder:
        return _file_estimate(target.path, "yaml")
    total = 0
    for root, dirs, files in os.walk(target.path):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        for name in files:
            kind = KINDS_BY_SUFFIX.get(Path(name).suffix.lower())
            if kind is not None and not name.startswith("."):
                total += _file_estimate(Path(root) / name, kind)
    return total


def _file_estimate(path: Path, kind: str) -> int:
    if kind == "parquet":
        try:
            import pyarrow.parquet as pq

            return int(pq.read_metadata(path).num_rows)
        except Exception:  # noqa: BLE001 - unreadable: the loader says why, with the file
            return 0
    try:
        return path.stat().st_size // _BYTES_PER_FIGURE[kind]
    except OSError:
        return 0


@dataclass
class Plan:
    """The groups of a run, the figures each is estimated to hold, and the size aimed at."""

    groups: list[list[Target]]
    figures: list[int]
    size: int


def plan(targets: list[Target], size: int, jobs: int = 1) -> list[list[Target]]:
    """The groups of datasets (`make_plan`)."""
    return make_plan(targets, size, jobs).groups


def make_plan(targets: list[Target], size: int, jobs: int = 1) -> Plan:
    """The groups of datasets, in dataset id order, each about `size` figures (one group when
    the whole run is that small). With `jobs` processes, a run of PARALLEL_FIGURES or more is
    cut into at least GROUPS_PER_JOB groups a process (the groups' costs differ: more groups
    than processes keep them all busy). Reads every header (ids, and a dataset id used twice
    is refused here, before any figure)."""
    estimates = [estimate(t) for t in targets]
    total = sum(estimates)
    if size > 0 and jobs > 1 and total >= PARALLEL_FIGURES:
        size = min(size, -(-total // (GROUPS_PER_JOB * jobs)))
    if size <= 0 or len(targets) <= 1 or total <= size:
        return Plan([targets], [total], size)
    # the workers load the targets carrying their header read here (a fork shares it)
    read = [load_header(t) for t in targets]
    headers, targets = [ds for ds, _ in read], [t for _, t in read]
    check_ids(headers)
    order = sorted(range(len(targets)), key=lambda i: headers[i].id)
    groups: list[list[int]] = []
    held = 0
    for i in order:
        if groups and held + estimates[i] <= size:
            groups[-1].append(i)
            held += estimates[i]
        else:
            groups.append([i])
            held = estimates[i]
    # inside a group, datasets are read in the order of the paths (as the one-shot run reads)
    return Plan([[targets[i] for i in sorted(g)] for g in groups],
                [sum(estimates[i] for i in g) for g in groups], size)


class Budget:
    """The diagnosis' localization budget carried over the groups of a run: the datasets
    whose anomalies it may read are those the one-shot run keeps (whole datasets, in id
    order, until LOCALIZE_BUDGET figures; the first one always)."""

    def __init__(self) -> None:
        self.used = 0
        self.kept_any = False
        self.closed = False
        self.sizes: Counter[str] = Counter()
        self.skipped: list[str] = []   # datasets with anomalies left without a diagnosis

    def __call__(self, anomalies: list[Anomaly]) -> list[Anomaly]:
        kept = self.keep(wanted(anomalies), self.sizes)
        return [a for a in anomalies if a.dataset in kept]

    @property
    def spent(self) -> bool:
        """Nothing more will be kept: every dataset asked about from now on is skipped (a
        wanted dataset has figures, so its size passes the budget), whatever the order."""
        return self.closed or (self.kept_any and self.used >= diagnosis.LOCALIZE_BUDGET)

    def keep(self, wanted: list[str], sizes: dict[str, int]) -> set[str]:
        """Of `wanted` (datasets with anomalies to diagnose, in id order), those the budget
        keeps; the others are noted in `skipped`."""
        kept: set[str] = set()
        for ds in wanted:
            if not self.closed:
                self.used += int(sizes.get(ds, 0))
                if self.used > diagnosis.LOCALIZE_BUDGET and self.kept_any:
                    self.closed = True
            if self.closed:
                self.skipped.append(ds)
                continue
            kept.add(ds)
            self.kept_any = True
        return kept


def wanted(anomalies: list[Anomaly]) -> list[str]:
    """The datasets with anomalies the diagnosis reads, in id order."""
    return sorted({a.dataset for a in anomalies if a.category in diagnosis.CATEGORIES})


class Spool(Sequence[dict[str, Any]]):
    """A list of report dicts kept in temporary files (deleted when closed or collected):
    appended to group by group (pickled here, or a worker's file adopted whole), read back
    item by item, in order, as often as needed."""

    _BLOCK = 1 << 20

    def __init__(self) -> None:
        self._files: list[Any] = []
        self._own: Any = None       # the files `extend` appends to (pickles, JSON)
        self._own_json: Any = None
        self._own_index = -1
        self._own_size = self._own_json_size = 0
        self._file_of = array("i")  # per item: its file's index in _files
        self._ends = array("q")     # per item: its end offset in its file
        # the items as report.json encodes them: (file, offset of the first, end offsets)
        self._json: list[tuple[Any, int, array[int]]] = []

    def extend(self, items: list[dict[str, Any]]) -> None:
        """Append items: pickled (read back as dicts) and encoded as report.json writes them
        (read back as bytes by the JSON writer: `encoded`)."""
        if not items:
            return
        if self._own is None or self._file_of[-1:] != array("i", [self._own_index]):
            self._own = tempfile.TemporaryFile(prefix="drsmcheck-spool-")
            self._own_size = 0
            self._own_index = len(self._files)
            self._files.append(self._own)
        if self._own_json is None:
            self._own_json = tempfile.TemporaryFile(prefix="drsmcheck-spool-")
        start = self._own_json_size
        self._own.seek(0, os.SEEK_END)
        self._own_json.seek(0, os.SEEK_END)
        ends, json_ends = parallel.write_items(items, self._own, self._own_json,
                                               self._own_size, start)
        self._ends.extend(ends)
        self._file_of.extend(array("i", [self._own_index]) * len(ends))
        self._own_size, self._own_json_size = ends[-1], json_ends[-1]
        self._json.append((self._own_json, start, json_ends))

    def adopt(self, segment: Segment) -> None:
        """Append the items a worker pickled and encoded (`parallel.Segment`); its files
        become ours."""
        ends = array("q")
        ends.frombytes(segment.ends)
        json_ends = array("q")
        json_ends.frombytes(segment.json_ends)
        fh, fj = _adopted(segment.path), _adopted(segment.json_path)
        self._files.append(fh)
        self._ends.extend(ends)
        self._file_of.extend(array("i", [len(self._files) - 1]) * len(ends))
        self._json.append((fj, 0, json_ends))

    def encoded(self) -> Iterator[bytes]:
        """The items as report.json encodes them (`reporters.json.encode_item`), in order."""
        if self._own_json is not None:
            self._own_json.flush()
        for fj, start, ends in self._json:
            yield from _slices(fj.fileno(), start, ends)

    def __len__(self) -> int:
        return len(self._ends)

    @overload
    def __getitem__(self, i: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, i: slice) -> list[dict[str, Any]]: ...

    def __getitem__(self, i: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        f = self._file_of[i]
        start = self._ends[i - 1] if i and self._file_of[i - 1] == f else 0
        fh = self._files[f]
        fh.flush()
        return pickle.loads(os.pread(fh.fileno(), self._ends[i] - start, start))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for fh in self._files:
            fh.flush()
        i, n = 0, len(self._ends)
        while i < n:   # the items of one file at a time (they are contiguous)
            f, j = self._file_of[i], i
            while j < n and self._file_of[j] == f:
                j += 1
            for raw in _slices(self._files[f].fileno(), 0, self._ends[i:j]):
                yield pickle.loads(raw)
            i = j

    def close(self) -> None:
        for fh in [*self._files, *(fj for fj, _, _ in self._json)]:
            fh.close()
        self._files, self._json = [], []


def _slices(fd: int, start: int, ends: Sequence[int]) -> Iterator[bytes]:
    """The bytes of consecutive items of a file (the first at `start`, each ending at its
    offset in `ends`), read a block of Spool._BLOCK bytes or more at a time."""
    base, buf = start, b""
    for end in ends:
        if end > base + len(buf):
            base = start
            buf = os.pread(fd, max(Spool._BLOCK, end - start), start)
        yield buf[start - base:end - base]
        start = end


def _adopted(path: str) -> Any:
    """A worker's file, open for reading and already unlinked (gone with the handle)."""
    fh = open(path, "rb")  # noqa: SIM115 - held until the spool is closed
    try:
        os.unlink(path)
    except OSError:
        pass
    return fh


class _Merged:
    """What the groups' parts add up to."""

    def __init__(self, spool: bool):
        self.entries: dict[str, dict[str, Any]] = {}
        self.items: Spool | list[dict[str, Any]] = Spool() if spool else []
        self.by_sev: Counter[str] = Counter()
        self.by_cat: Counter[str] = Counter()
        self.counts: list[list[int]] | None = None
        self.figures = 0
        self.objectives: list[dict[str, Any]] = []
        self.by_dataset: dict[str, list[dict[str, Any]]] = {}
        self.by_dataset_json: dict[str, str | None] = {}
        self.verdicts: list[dict[str, Any]] = []
        self.paths: list[str] = []

    def add(self, part: Part) -> None:
        for entry in part.entries:
            self.entries[entry["id"]] = entry
        self.by_sev.update(part.by_sev)
        self.by_cat.update(part.by_cat)
        if isinstance(part.items, Segment):
            if isinstance(self.items, Spool):
                self.items.adopt(part.items)
            else:  # a worker spooled, a list is wanted: read it back
                scratch = Spool()
                scratch.adopt(part.items)
                self.items.extend(scratch)
                scratch.close()
        else:
            self.items.extend(part.items)
        if self.counts is None:
            self.counts = [[0, 0, 0, 0] for _ in part.counts]
        for c, n in zip(self.counts, part.counts, strict=True):
            for j in range(4):
                c[j] += n[j]
        self.figures += part.figures
        self.objectives += part.objectives
        self.by_dataset.update(part.by_dataset)
        self.by_dataset_json.update(part.by_dataset_json)
        self.verdicts += part.verdicts
        self.paths += part.paths


def group_part(group: list[Target], pack: RulePack, backend: str | Backend,
               csv_sep: str | None, with_verdicts: bool,
               ask: Callable[[list[str], dict[str, int]], set[str]],
               lap: Callable[[str], None]) -> Part:
    """Load, check and diagnose one group; `ask(wanted, sizes)`: the datasets the run-wide
    localization budget lets the diagnosis read."""
    from .report import analyse, anomaly_items, dataset_entry, extras

    datasets, figures = load_targets(group, pack.reference, csv_sep)
    lap("load")
    figures = validate_figures(figures, pack.reference)
    lap("schema")
    sizes = {str(k): int(n) for k, n in figures["dataset"].value_counts().items()}

    def diagnosable(anomalies: list[Anomaly]) -> list[Anomaly]:
        kept = ask(wanted(anomalies), sizes)
        lap("budget")   # a worker waits here for the groups before it (parallel runs)
        return [a for a in anomalies if a.dataset in kept]

    analysis = analyse(pack, datasets, figures, backend, lap, diagnosable=diagnosable)
    items = anomaly_items(pack, analysis.anomalies)
    more = extras(pack, analysis, with_verdicts)
    part = Part(
        entries=[dataset_entry(ds, sizes.get(ds.id, 0)) for ds in datasets], items=items,
        by_sev=Counter(d["severity"] for d in items), by_cat=Counter(d["category"] for d in items),
        counts=[(s.items, s.passes, s.fails, s.not_evaluable) for s in analysis.run.summaries()],
        figures=int(len(figures)), objectives=more["objectives"],
        by_dataset=more["rules_by_dataset"], verdicts=more.get("verdicts") or [],
        paths=[ds.path for ds in datasets])
    lap("render")
    return part


def validate_chunked(paths: list[Path], pack: RulePack, backend: str | Backend = "numpy",
                     csv_sep: str | None = None, with_verdicts: bool = False, *,
                     size: int | None = None, spool: bool = False, jobs: int | None = None,
                     lap: Callable[[str], None] | None = None) -> dict[str, Any]:
    """The report of `paths`, computed group by group (`plan`); the one-shot run when the
    datasets make one group. `spool`: the anomalies of a chunked run in a `Spool` (for the
    JSON / JSON Lines writers), else a list. `jobs`: worker processes for the groups
    (`parallel`; the embedded backend only: Spark has its own)."""
    from .report import assemble, run

    lap = lap or _no_lap
    targets = find_datasets(paths)
    engine = resolve(backend)
    n_jobs = parallel.jobs(jobs) if engine.name == "numpy" else 1
    planned = make_plan(targets, chunk_figures(size), n_jobs)
    groups = planned.groups
    n_jobs = min(n_jobs, len(groups))
    ref = pack.reference
    if len(groups) == 1:
        datasets, figures = load_targets(groups[0], ref, csv_sep)
        lap("load")
        figures = validate_figures(figures, ref)
        lap("schema")
        return run(pack, datasets, figures, backend, with_verdicts=with_verdicts, lap=lap)
    budget = Budget()
    merged = _Merged(spool)
    if n_jobs > 1:
        def job(k: int, ask: Callable[[list[str], dict[str, int]], set[str]]) -> Part:
            laps = parallel.Laps()
            part = group_part(groups[k], pack, backend, csv_sep, with_verdicts, ask, laps)
            part.by_dataset_json = {ds: pretty_value(rows) for ds, rows in part.by_dataset.items()}
            part.laps = laps.t
            return part

        add_laps = getattr(lap, "add", None)
        # memory: the groups running at once hold at most what the serial run's largest
        # group does, or `jobs` groups of the planned size (a group too big runs alone)
        room = max(max(planned.figures), n_jobs * planned.size)
        for part in parallel.run(len(groups), job, budget.keep, lambda: budget.spent, n_jobs,
                                 spool, planned.figures, room):
            merged.add(part)
            if add_laps is not None:
                for name, secs in part.laps.items():
                    add_laps(name, secs)
            del part
        lap("groups")
        budget.skipped.sort()   # answered out of group order once the budget was spent
    else:
        for group in groups:
            merged.add(group_part(group, pack, backend, csv_sep, with_verdicts, budget.keep,
                                  lap))
            _release()
            lap("render")
    summaries = [RuleSummary(r, *c) for r, c in zip(engine_rules(pack), merged.counts or [],
                                                      strict=True)]
    by_path = {e["path"]: e for e in merged.entries.values()}
    out = assemble([by_path[p] for p in sorted(merged.paths, key=_path_rank(targets))],
                   summaries, merged.items, merged.figures, (merged.by_sev, merged.by_cat))
    out["tool"]["backend"] = engine.name
    out["objectives"] = merged.objectives
    out["rules_by_dataset"] = Prerendered(dict(sorted(merged.by_dataset.items())),
                                          merged.by_dataset_json)
    if with_verdicts:
        out["verdicts"] = merged.verdicts
    if budget.skipped:
        out["summary"]["not_localized"] = budget.skipped
    return out


def _path_rank(targets: list[Target]) -> Callable[[str], int]:
    from .io.discover import display_path

    rank = {display_path(t.path): i for i, t in enumerate(targets)}
    return lambda p: rank.get(p, len(rank))


def _release() -> None:
    """Give a group's memory back before the next one: its cycles (anomalies ↔ rules, the
    Store's views), Arrow's freed pages, and the C heap's free pages (glibc keeps a freed
    array's pages otherwise: at 10⁶ national figures the resident set between groups is
    ~180 MB with `malloc_trim`, ~330 MB without)."""
    gc.collect()
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except Exception:  # noqa: BLE001 - an allocator without it: nothing to give back
        pass
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (another C library, another system)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


def _no_lap(_phase: str) -> None:
    pass
