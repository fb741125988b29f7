"""The groups of a chunked run on several processes (`drsmcheck.parallel`) give the serial
run's report byte for byte — the localization budget cut included — and a worker that dies
or fails costs time, not the run, nor the error message."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from test_chunks import _bench, _json, _lines

from drsmcheck import budget as budgets
from drsmcheck import chunks, parallel
from drsmcheck.io.discover import find_datasets
from drsmcheck.pack import load_pack
from drsmcheck.report import validate
from drsmcheck.reporters.json import encode_item

from support import run_cli


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("national-par") / "n"
    _bench("national").generate(root, 20_000, formats=("parquet",))
    return root


def test_jobs_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(parallel.JOBS_ENV, "3")
    assert parallel.jobs() == 3 and parallel.jobs(1) == 1
    monkeypatch.setenv(parallel.JOBS_ENV, "0")
    assert parallel.jobs() == len(os.sched_getaffinity(0))


def test_parallel_groups_give_the_serial_report(national: Path, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """Budget cut in the middle of the groups: the workers ask in any order, the parent
    answers in group order; anomalies, suspects, counts and `not_localized` are the same."""
    monkeypatch.setattr(budgets, "LOCALIZE_BUDGET", 6_000)
    pack = load_pack(national / "rules", defaults=False)
    paths = [national / "parquet"]
    assert len(chunks.plan(find_datasets(paths), 3_000)) > 5
    serial = validate(paths, pack, chunk_figures=3_000, with_verdicts=True, jobs=1)
    assert serial["summary"]["not_localized"]
    for jobs in (2, 3):
        for spool in (False, True):
            par = validate(paths, pack, chunk_figures=3_000, with_verdicts=True, jobs=jobs,
                           spool=spool)
            assert isinstance(par["anomalies"], chunks.Spool) == spool
            if spool:   # the workers' anomalies come encoded: report.json copies bytes
                assert len(list(par["anomalies"].encoded())) == len(par["anomalies"])
            assert _json(par) == _json(serial), (jobs, spool)
            assert _lines(par) == _lines(serial), (jobs, spool)
    assert not caplog.records   # every group ran on a worker: none fell back to the parent


def test_a_killed_worker_costs_time_not_the_run(national: Path, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """A worker killed in the middle of a group (the OOM killer): the parent runs the groups
    it has not merged itself, with the budget answers already given."""
    monkeypatch.setattr(budgets, "LOCALIZE_BUDGET", 6_000)
    pack = load_pack(national / "rules", defaults=False)
    paths = [national / "parquet"]
    serial = validate(paths, pack, chunk_figures=3_000, jobs=1, spool=True)
    parent = os.getpid()
    real = chunks.group_part
    victim = chunks.plan(find_datasets(paths), 3_000)[3][0]

    def dying(group, *args, **kwargs):  # type: ignore[no-untyped-def]
        part = real(group, *args, **kwargs)   # after its budget question was answered
        if os.getpid() != parent and group[0] == victim:
            os.kill(os.getpid(), signal.SIGKILL)
        return part

    monkeypatch.setattr(chunks, "group_part", dying)
    par = validate(paths, pack, chunk_figures=3_000, jobs=2, spool=True)
    assert _json(par) == _json(serial)
    assert [r.getMessage() for r in caplog.records] == [
        "drsmcheck: a worker process stopped (killed, out of memory?); the groups of datasets "
        "it had not finished run in the main process"]


def test_an_input_error_in_a_later_group_is_the_serial_one(national: Path, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    import shutil

    data = tmp_path / "data"
    shutil.copytree(national / "parquet", data)
    last = sorted(p for p in data.iterdir() if p.is_dir())[-2]
    part = next(last.rglob("*.parquet"))
    part.write_bytes(b"not a parquet file")
    monkeypatch.setenv(chunks.CHUNK_ENV, "3000")
    errors = {}
    for jobs in ("1", "2"):
        proc = run_cli("validate", str(data), "--rules", str(national / "rules"),
                       "--no-default-rules", "-f", "json", "-o", str(tmp_path / "r.json"),
                       "--jobs", jobs, cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
        errors[jobs] = proc.stderr
    assert errors["1"] == errors["2"]
    assert part.name in errors["2"]


def test_spool_adopts_a_workers_items_in_order(tmp_path: Path) -> None:
    items = [{"id": str(i), "text": "é" * (i * 997 % 3000)} for i in range(900)]
    spool = chunks.Spool()
    spool.extend(items[:100])
    spool.adopt(parallel._write_segment(tmp_path / "a", items[100:400]))
    spool.extend(items[400:450])
    spool.adopt(parallel._write_segment(tmp_path / "b", items[450:900]))
    assert not (tmp_path / "a").exists()   # the spool holds it; gone when closed
    assert len(spool) == 900 and list(spool) == items and list(spool) == items
    assert spool[99] == items[99] and spool[100] == items[100] and spool[449:452] == items[449:452]
    # and as report.json writes them, whoever encoded them (this process or a worker)
    assert list(spool.encoded()) == [encode_item(i) for i in items]
    spool.close()


def test_a_group_too_big_to_share_runs_alone(tmp_path: Path) -> None:
    """The groups running at once stay within `room` figures: group 2 (10) never overlaps
    another, groups 0 and 1 (5 + 5) do; parts come back in order."""
    import time

    def job(k: int, ask):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        ask([f"d{k}"], {f"d{k}": 1})
        time.sleep(0.4)
        (tmp_path / f"{k}").write_text(f"{start} {time.monotonic()}")
        return parallel.Part([], [{"id": str(k)}], {}, {}, [], 0, [], {}, [], [f"p{k}"])

    budget = budgets.Budget()
    parts = list(parallel.run(5, job, budget.keep, lambda: budget.closed, 2, False,
                              [5, 5, 10, 5, 5], 10))
    assert [p.paths for p in parts] == [["p0"], ["p1"], ["p2"], ["p3"], ["p4"]]
    spans = [tuple(map(float, (tmp_path / f"{k}").read_text().split())) for k in range(5)]

    def overlap(a: int, b: int) -> bool:
        return spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]

    assert overlap(0, 1) and overlap(3, 4)
    assert not any(overlap(2, k) for k in (0, 1, 3, 4))


def test_once_the_budget_is_spent_a_small_group_runs_beside_a_big_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Group 0 is kept whole and spends the budget; group 1 (13) cannot share with it, so the
    small groups 2 and 3 run beside it, out of order; the parts and the datasets left without
    a diagnosis still come in order."""
    import time

    monkeypatch.setattr(budgets, "LOCALIZE_BUDGET", 1)

    def job(k: int, ask):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        kept = ask([f"d{k}"], {f"d{k}": 5})
        time.sleep(1.2 if k == 0 else 0.3)
        (tmp_path / f"{k}").write_text(f"{start} {time.monotonic()}")
        return parallel.Part([], [{"id": str(k), "kept": sorted(kept)}], {}, {}, [], 0, [], {},
                             [], [f"p{k}"])

    budget = budgets.Budget()
    parts = list(parallel.run(4, job, budget.keep, lambda: budget.spent, 2, False,
                              [10, 13, 2, 2], 22))   # group 0 localizes: it counts 20
    assert [p.items for p in parts] == [[{"id": "0", "kept": ["d0"]}], [{"id": "1", "kept": []}],
                                        [{"id": "2", "kept": []}], [{"id": "3", "kept": []}]]
    assert sorted(budget.skipped) == ["d1", "d2", "d3"]
    spans = [tuple(map(float, (tmp_path / f"{k}").read_text().split())) for k in range(4)]
    assert spans[2][0] < spans[0][1] and spans[3][0] < spans[0][1]   # beside group 0
    assert spans[1][0] >= spans[0][1] - 0.05                          # after it


@pytest.mark.parametrize(("name", "value"), [("DRSMCHECK_JOBS", "two"),
                                             ("DRSMCHECK_CHUNK_FIGURES", "1e5")])
def test_a_bad_number_in_the_environment_is_refused(name: str, value: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Not silently the default: exit 2, the variable named, what to set."""
    from support import SAMPLES

    monkeypatch.setenv(name, value)
    proc = run_cli("validate", str(SAMPLES / "cpam-somme-2022"), cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"{name}: {name}={value!r} is not a whole number\n  hint: set it to ")


def test_a_localizing_group_counts_double_and_the_largest_that_fits_goes_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Group 0 (6 figures) localizes: once answered it counts 12 of the room's 16, so group 4
    (8) waits for it; beside it, once the budget is spent, group 3 (3) goes before group 2
    (1), the largest that fits first."""
    import time

    monkeypatch.setattr(budgets, "LOCALIZE_BUDGET", 1)

    def job(k: int, ask):  # type: ignore[no-untyped-def]
        start = time.monotonic()
        ask([f"d{k}"], {f"d{k}": 5})
        time.sleep(1.5 if k == 0 else 0.3)
        (tmp_path / f"{k}").write_text(f"{start} {time.monotonic()}")
        return parallel.Part([], [{"id": str(k)}], {}, {}, [], 0, [], {}, [], [f"p{k}"])

    budget = budgets.Budget()
    parts = list(parallel.run(5, job, budget.keep, lambda: budget.spent, 2, False,
                              [6, 2, 1, 3, 8], 16))
    assert [p.paths for p in parts] == [[f"p{k}"] for k in range(5)]
    spans = [tuple(map(float, (tmp_path / f"{k}").read_text().split())) for k in range(5)]
    assert spans[3][0] < spans[2][0] < spans[0][1]    # beside group 0, the larger first
    assert spans[4][0] >= spans[0][1] - 0.05          # 12 + 8 > 16: after it
