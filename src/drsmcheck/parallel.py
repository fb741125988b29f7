"""The groups of a chunked run (`chunks`) on several processes, with the serial run's report.

A group is whole datasets, and nothing a group computes reads another group, except the
diagnosis' localization budget: a running count over the datasets with anomalies, in dataset
id order (`budget.Budget`). So the groups run on forked worker processes, one group at a time
each, and the parent

- hands the groups out in order, so the lowest unfinished group is always running;
- answers each group's budget question ("which of my datasets may be diagnosed?") in group
  order (at once when the budget is already spent), from its one `Budget`;
- merges the groups' parts in group order: the report is the serial run's, byte for byte.

The anomalies of a group are encoded by its worker as report.json writes them, into a file
of its own (when the run spools them), or come back with its part. A worker that fails or
dies (an error in a dataset, memory) is not trusted to say why: the parent stops the
workers and runs the groups it has not merged yet itself, reusing the budget answers already
given, so the error raised is the serial run's own and a lost worker costs time, not the run.

Forking needs a POSIX system; elsewhere, and with one job, the run is serial.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import shutil
import signal
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from .gcpause import paused_gc

JOBS_ENV = "DRSMCHECK_JOBS"
_log = logging.getLogger("drsmcheck")


def jobs(requested: int | None = None) -> int:
    """The worker processes of a chunked run: `requested`, else DRSMCHECK_JOBS, else the CPUs
    this process may use; 1 = serial (also where processes cannot be forked)."""
    if "fork" not in mp.get_all_start_methods():
        return 1
    if requested is None:
        requested = env_int(JOBS_ENV, 0, "the number of processes (1 = one process)")
    if requested <= 0:
        try:
            requested = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            requested = os.cpu_count() or 1
    return max(1, requested)


def env_int(name: str, default: int, meaning: str) -> int:
    """A whole number from the environment; anything else is refused (exit 2), not ignored."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        from .errors import InputError

        raise InputError(name, None, f"{name}={raw!r} is not a whole number",
                         f"set it to {meaning}, or unset it") from None


@dataclass
class Segment:
    """A group's anomalies encoded by its worker as report.json writes them (the parent then
    copies bytes): the file and each item's end offset."""

    path: str
    ends: bytes


@dataclass
class Part:
    """What one group adds to the report (`chunks._Merged.add`)."""

    entries: list[dict[str, Any]]
    items: list[dict[str, Any]] | Segment
    by_sev: dict[str, int]
    by_cat: dict[str, int]
    counts: list[tuple[int, int, int, int]]
    figures: int
    objectives: list[dict[str, Any]]
    by_dataset: dict[str, list[dict[str, Any]]]
    verdicts: list[dict[str, Any]]
    paths: list[str]
    partly: dict[str, int] = field(default_factory=dict)   # `budget.part`: anomalies left
    laps: dict[str, float] = field(default_factory=dict)
    # by_dataset's values as report.json writes them (a worker's: `reporters.json.Prerendered`)
    by_dataset_json: dict[str, str | None] = field(default_factory=dict)


# the weight of a running group its budget answer lets localize, per figure
LOCALIZING = 2
# a group's job: (its index, the budget question) → its part
Job = Callable[[int, Callable[[list[str], dict[str, int]], set[str]]], Part]
# the parent's budget: (group, wanted datasets, their sizes) → the datasets kept
Answer = Callable[[list[str], dict[str, int]], set[str]]


class Lost(Exception):
    """A worker failed (the parent's own run of that group says why) or died (`died`): the
    parent runs the rest of the groups itself."""

    def __init__(self, died: bool):
        super().__init__(died)
        self.died = died


def run(n_groups: int, job: Job, answer: Answer, closed: Callable[[], bool], n_jobs: int,
        spool: bool, weights: list[int] | None = None, room: int = 0) -> Iterator[Part]:
    """The parts of groups 0 … n_groups-1, in order, computed on `n_jobs` workers; a group
    starts only while the `weights` (figures) of the groups running stay within `room`
    (a group starts anyway when none runs), a group that localizes counting LOCALIZING
    times its figures once its budget answer says so."""
    answers: dict[int, set[str]] = {}
    merged = 0
    spool_dir = tempfile.mkdtemp(prefix="drsmcheck-parts-") if spool else None
    try:
        try:
            for part in _pool(n_groups, job, answer, closed, n_jobs, spool_dir, answers,
                              weights or [0] * n_groups, room):
                merged += 1
                yield part
        except Lost as lost:
            if lost.died:
                _log.warning("drsmcheck: a worker process stopped (killed, out of memory?); the "
                             "groups of datasets it had not finished run in the main process")
        # the groups not merged yet, here, each with the budget answer it was given (if any)
        for k in range(merged, n_groups):
            def ask(wanted: list[str], sizes: dict[str, int], k: int = k) -> set[str]:
                if k not in answers:
                    answers[k] = answer(wanted, sizes)
                return answers[k]
            yield job(k, ask)
    finally:
        if spool_dir is not None:
            shutil.rmtree(spool_dir, ignore_errors=True)


def _pool(n_groups: int, job: Job, answer: Answer, closed: Callable[[], bool], n_jobs: int,
          spool_dir: str | None, answers: dict[int, set[str]], weights: list[int],
          room: int) -> Iterator[Part]:
    ctx = mp.get_context("fork")
    workers: list[tuple[Any, Connection]] = []
    # what the workers inherit is long-lived (modules, the rule pack, the plan): out of the
    # collector's reach, so a worker's collections neither scan it nor copy its pages
    gc.freeze()
    try:
        for _ in range(min(n_jobs, n_groups)):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_worker, args=(theirs, job, spool_dir), daemon=True)
            proc.start()
            theirs.close()
            workers.append((proc, mine))
        active = [c for _, c in workers]
        idle = list(active)
        running: dict[int, int] = {}
        waiting = list(range(n_groups))   # groups not handed out yet, in order

        def fits(k: int) -> bool:
            return not running or sum(running.values()) + weights[k] <= room

        def pick() -> int | None:
            """The next group in order if it fits; once the budget is spent the groups are
            independent, so then the largest that fits (the longest first: the small ones
            fill in at the end instead of a big one running alone there)."""
            if not closed():
                return 0 if fits(waiting[0]) else None
            best = None
            for i, k in enumerate(waiting):
                if fits(k) and (best is None or weights[k] > weights[waiting[best]]):
                    best = i
            return best

        def hand_out() -> None:
            """Groups to idle workers while they fit in `room`."""
            while idle and waiting:
                i = pick()
                if i is None:
                    break
                k = waiting.pop(i)
                conn = idle.pop(0)
                conn.send(k)
                running[k] = weights[k]
            if not waiting:   # nothing left: idle workers stop (not a loss)
                for conn in idle:
                    conn.send(None)
                    active.remove(conn)
                idle.clear()

        hand_out()
        questions: dict[int, tuple[Connection, list[str], dict[str, int]]] = {}
        done: dict[int, Part] = {}
        failed: set[int] = set()
        next_answer = next_merge = 0
        while next_merge < n_groups:
            for conn in wait(active):
                try:
                    msg = conn.recv()
                except (EOFError, OSError):   # the worker died (killed, out of memory)
                    raise Lost(died=True) from None
                kind, k = msg[0], msg[1]
                if kind == "ask":
                    questions[k] = (conn, msg[2], msg[3])
                elif kind == "done":
                    done[k] = msg[2]
                    running.pop(k, None)
                    idle.append(conn)
                    hand_out()
                else:   # "failed": the worker stops
                    failed.add(k)
                    running.pop(k, None)
                    active.remove(conn)
                    hand_out()
            # budget questions in group order (any order once the budget is spent: each
            # answer is then "none", and the datasets left are listed in id order at the end)
            for k in sorted(questions):
                if k == next_answer or closed():
                    conn, wanted, sizes = questions.pop(k)
                    answers[k] = answer(wanted, sizes)
                    conn.send(answers[k])
                    if answers[k] and k in running:
                        # it localizes: the diagnosis holds about as much again as the rest
                        # (national drsm-ara: 2.4 GB, 1.3 GB without)
                        running[k] = LOCALIZING * weights[k]
                    if k == next_answer:
                        next_answer += 1
                while next_answer in answers:
                    next_answer += 1
            hand_out()   # an answer may have spent the budget: later groups may go now
            while next_merge in done:
                yield done.pop(next_merge)
                next_merge += 1
            if next_merge in failed or next_answer in failed:
                raise Lost(died=False)
    finally:
        for proc, conn in workers:
            conn.close()
            if proc.is_alive():
                proc.terminate()
            proc.join()
        gc.unfreeze()


def _worker(conn: Connection, job: Job, spool_dir: str | None) -> None:
    """A worker: run the groups the parent hands out until it says stop (None)."""
    from .chunks import _release

    # Ctrl-C is the parent's to handle (it stops the workers): no second report from here
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        _serve(conn, job, spool_dir, _release)
    except (BrokenPipeError, EOFError, OSError):   # the parent is gone: nothing to tell
        pass


def _serve(conn: Connection, job: Job, spool_dir: str | None,
           release: Callable[[], None]) -> None:
    while True:
        try:
            k = conn.recv()
        except EOFError:
            return
        if k is None:
            return

        def ask(wanted: list[str], sizes: dict[str, int], k: int = k) -> set[str]:
            conn.send(("ask", k, wanted, sizes))
            return conn.recv()  # type: ignore[no-any-return]

        try:
            # the cyclic collector runs once a group, in release(): a group makes ~10⁴
            # objects in cycles and ~10⁶ that are not, which its passes rescanned
            with paused_gc():
                part = job(k, ask)
                if spool_dir is not None and isinstance(part.items, list):
                    t0 = time.perf_counter()
                    part.items = _write_segment(Path(spool_dir) / f"part-{k}", part.items)
                    part.laps["spool"] = time.perf_counter() - t0   # encoded for the parent
                conn.send(("done", k, part))
                del part
        except BaseException:  # noqa: BLE001 - the parent re-runs the group and says why
            conn.send(("failed", k))
            return
        release()


def _write_segment(path: Path, items: list[dict[str, Any]]) -> Segment:
    with open(path, "wb", buffering=1 << 20) as fh:
        ends = write_items(items, fh)
    return Segment(str(path), ends.tobytes())


def write_items(items: list[dict[str, Any]], fh: Any, base: int = 0) -> array[int]:
    """Items appended to `fh` as report.json encodes them; each item's end offset in the
    file (which held `base` bytes before)."""
    from .reporters.json import encode_item

    ends = array("q")
    text = []
    for item in items:
        raw = encode_item(item)
        text.append(raw)
        base += len(raw)
        ends.append(base)
    fh.write(b"".join(text))
    return ends


class Laps:
    """Phase times of a group's job, sent back with its part (workers' phases overlap: the
    parent reports them beside its own wall time)."""

    def __init__(self) -> None:
        self.t: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.t[name] = self.t.get(name, 0.0) + now - self._last
        self._last = now
