"""A validation run one group of datasets at a time, so that memory stays bounded at scale.

Every rule evaluates inside one dataset (a record is dataset × entity × period; roll-ups,
`prev()` and agreement read the same dataset), so a run can load, check and diagnose a few
datasets, keep what the report needs of them (the anomalies as report dicts, the per-rule
counts, the objectives) and let their figures table, Store and verdicts go before the next
group. The report is the same, byte for byte, as the one-shot run's (`tests/test_chunks.py`):

- groups are whole datasets in **dataset id order**, so the report's order (anomalies, rules by
  dataset, objectives, verdicts: all sorted by dataset first) is the concatenation of the
  groups', and the diagnosis' localization budget (`budget.LOCALIZE_BUDGET`, a running count
  over the datasets with anomalies in id order) is carried from group to group (`budget.Budget`);
- what crosses datasets stays run-wide: every header is read first (a dataset id used twice is
  refused before any figure is read), the per-rule counts are summed, the baseline is applied
  to the whole report;
- a group holds about `CHUNK_FIGURES` figures (`DRSMCHECK_CHUNK_FIGURES`), estimated before
  reading from the files (Parquet: the row count of its footer; other formats: by size); a
  dataset bigger than that is a group of its own. A run that fits in one group is the one-shot
  run itself.

The anomalies of a chunked run can go to a `Spool` (a temporary file, each report dict as
report.json encodes it) instead of a list in memory: the JSON and JSON Lines writers stream it item by
item, so a national run never holds its hundreds of thousands of anomaly dicts at once.
"""

from __future__ import annotations

import bisect
import gc
import json
import os
import sys
import tempfile
from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, overload

import orjson

from . import parallel
from .anomalies import Anomaly
from .backends import Backend, resolve
from .budget import Budget, summary, wanted
from .engine import RuleSummary, engine_rules
from .gcpause import paused_gc
from .io.discover import KINDS_BY_SUFFIX, Target, find_datasets
from .io.load import check_ids, load_header, load_targets
from .parallel import Part, Segment
from .reporters.json import Prerendered, pretty_value
from .rules import RulePack
from .schema import validate_figures

# 125 000: the group that localizes is the heaviest, smaller groups balance the processes
# around it (10^6 synthetic figures on 2 processes: 6.6-6.8 s against 8.0 s with 250 000;
# national 10^6 the same within noise, and each process holds ~30 % less)
CHUNK_FIGURES = 125_000
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


# every digit read as "0": a run of 19 of them is where an integer may pass 64 bits
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else b for b in range(256))
_LONG_RUN = b"0" * 19


def decode(raw: bytes) -> Any:
    """One encoded item read back as `json.loads` reads it. orjson.loads is 2.3× faster
    (21 against 49 µs a 10⁵-synthetic anomaly) but reads an integer beyond 64 bits as a
    float; such an integer (Python's encoder writes it: `reporters.json._encode`) needs 19
    digits in a row, so a line holding such a run (found in ~10 µs, any digits, strings
    included) is read by `json.loads`, every other by orjson: the same values."""
    if raw.translate(_DIGITS_AS_ZERO).find(_LONG_RUN) >= 0:
        return json.loads(raw)
    return orjson.loads(raw)


class Spool(Sequence[dict[str, Any]]):
    """A list of report dicts kept in temporary files (deleted when closed or collected) as
    report.json encodes them (`reporters.json.encode_item`): appended to group by group
    (encoded here, or a worker's file adopted whole); the JSON and JSON Lines writers copy
    their bytes (`encoded`), any other reader gets each item back as that JSON reads
    (`decode`: what every reader of the report sees, an unbounded side as null), in order,
    as often as needed. A pickle beside it cost 15 µs an item to write and 68 µs to read
    back, where `json.loads` takes 49 µs (10⁵ synthetic anomalies, ~4.6 kB each) and
    orjson.loads 21 µs."""

    _BLOCK = 1 << 20

    def __init__(self) -> None:
        self._own: Any = None        # the file `extend` appends to
        self._own_size = 0
        # (file, offset of its first item, end offsets) per appended or adopted segment
        self._parts: list[tuple[Any, int, array[int]]] = []
        self._first = array("q")     # per part: the index of its first item

    def extend(self, items: list[dict[str, Any]]) -> None:
        """Append items, encoded as report.json writes them."""
        if not items:
            return
        if self._own is None:
            self._own = tempfile.TemporaryFile(prefix="drsmcheck-spool-")
        start = self._own_size
        self._own.seek(0, os.SEEK_END)
        ends = parallel.write_items(items, self._own, start)
        self._own_size = ends[-1]
        self._add(self._own, start, ends)

    def adopt(self, segment: Segment) -> None:
        """Append the items a worker encoded (`parallel.Segment`); its file becomes ours."""
        ends = array("q")
        ends.frombytes(segment.ends)
        if ends:
            self._add(_adopted(segment.path), 0, ends)

    def _add(self, fh: Any, start: int, ends: array[int]) -> None:
        self._first.append(len(self))
        self._parts.append((fh, start, ends))

    def encoded(self) -> Iterator[bytes]:
        """The items as report.json encodes them (`reporters.json.encode_item`), in order."""
        if self._own is not None:
            self._own.flush()
        for fh, start, ends in self._parts:
            yield from _slices(fh.fileno(), start, ends)

    def __len__(self) -> int:
        return self._first[-1] + len(self._parts[-1][2]) if self._parts else 0

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
        p = bisect.bisect_right(self._first, i) - 1
        fh, start, ends = self._parts[p]
        j = i - self._first[p]
        begin = ends[j - 1] if j else start
        if fh is self._own:
            fh.flush()
        return decode(os.pread(fh.fileno(), ends[j] - begin, begin))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for raw in self.encoded():
            yield decode(raw)

    def close(self) -> None:
        for fh in {id(fh): fh for fh, _, _ in self._parts}.values():
            fh.close()
        if self._own is not None:
            self._own.close()
        self._own, self._parts, self._first = None, [], array("q")


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
        self.partly: dict[str, int] = {}

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
        self.partly.update(part.partly)


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
        paths=[ds.path for ds in datasets], partly=analysis.partly)
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
        # memory: the groups running at once hold at most the serial run's largest group
        # and `jobs - 1` groups of the planned size beside it, or twice the largest group
        # when that is more (a group that localizes counts double: `parallel.LOCALIZING`).
        # National 10^7 on 2 processes: with the first rule alone the four groups of 0.8 to
        # 1.4 M figures ran one at a time at the end, one process idle
        largest = max(planned.figures)
        room = max(largest + (n_jobs - 1) * planned.size, 2 * largest)
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
            with paused_gc():   # the collector runs once a group, in _release (parallel)
                merged.add(group_part(group, pack, backend, csv_sep, with_verdicts,
                                      budget.keep, lap))
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
    if merged.partly:
        out["summary"]["partly_localized"] = summary(merged.partly)
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
