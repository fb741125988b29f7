"""The verdict table keeps the built-in checks' passing rows as masks (verdicts.Tacit): the
rows it gives back (`full`, what `--with-verdicts` lists) and the per-rule counts are exactly
those of the table kept whole."""

from __future__ import annotations

import numpy as np
import pytest

from drsmcheck import engine
from drsmcheck.engine import Engine
from drsmcheck.loader import load_figures
from drsmcheck.report import declared_records, validate, verdict_dicts
from drsmcheck.rules import default_rules_dir, load_rules
from drsmcheck.verdicts import PASS

from support import SAMPLES


@pytest.fixture(scope="module")
def runs():  # type: ignore[no-untyped-def]
    pack = load_rules(default_rules_dir())
    datasets, figures = load_figures([SAMPLES], pack.reference)
    records = declared_records(datasets)
    compact = Engine(figures, pack, records).run()
    saved = engine.TACIT_KINDS
    engine.TACIT_KINDS = ()
    try:
        whole = Engine(figures, pack, records).run()
    finally:
        engine.TACIT_KINDS = saved
    return compact, whole


def test_tacit_passes_are_most_built_in_rows_and_not_in_the_table(runs) -> None:
    compact, whole = runs
    v = compact.verdicts
    held = sum(int(t.mask.sum()) for t in v.tacit)
    assert {compact.rules[t.rule].id for t in v.tacit} == {"non_numeric", "print_unit"}
    assert held > 1000 and len(v) + held == len(whole.verdicts)
    built_in = np.isin(v["rule"], [t.rule for t in v.tacit])
    assert not (built_in & (v["status"] == PASS) & (np.diff(v.ptr) == 0)).any()


def test_full_gives_back_every_row_exactly(runs) -> None:
    compact, whole = runs
    a, b = compact.verdicts.full(), whole.verdicts
    assert not a.tacit and a.cols.keys() == b.cols.keys()
    for name, col in b.cols.items():
        assert a.cols[name].dtype == col.dtype, name
        assert np.array_equal(a.cols[name], col, equal_nan=True), name
    assert np.array_equal(a.ptr, b.ptr) and np.array_equal(a.idx, b.idx)


def test_summaries_count_the_tacit_passes(runs) -> None:
    compact, whole = runs
    assert [vars(s) for s in compact.summaries()] == [vars(s) for s in whole.summaries()]
    got = {d: [vars(s) for s in rows] for d, rows in compact.summaries_by_dataset().items()}
    want = {d: [vars(s) for s in rows] for d, rows in whole.summaries_by_dataset().items()}
    assert got == want


def test_compact_of_a_whole_table_is_the_engines_compaction(runs) -> None:
    """What another backend's table goes through (backends/spark.py): the same rows held."""
    compact, whole = runs
    again = engine.compact(whole.verdicts, whole.rules, whole.store)
    assert [(t.rule, t.start) for t in again.tacit] == [
        (t.rule, t.start) for t in compact.verdicts.tacit]
    assert all(np.array_equal(x.mask, y.mask) for x, y in zip(again.tacit, compact.verdicts.tacit,
                                                               strict=True))
    for name, col in compact.verdicts.cols.items():
        assert np.array_equal(again.cols[name], col, equal_nan=True), name


def test_verdict_dicts_list_every_row(runs) -> None:
    """`--with-verdicts` (the ESS export reads it): the same list as the whole table's."""
    compact, whole = runs
    assert verdict_dicts(compact) == verdict_dicts(whole)
    report = validate([SAMPLES / "drsm-occitanie-2019"], default_rules_dir(), with_verdicts=True)
    nn = [v for v in report["verdicts"] if v["rule"] == "non_numeric"]
    rule = next(r for r in report["rules"] if r["rule"] == "non_numeric")
    assert len(nn) == rule["items"] == report["datasets"][0]["figures"] > 600
    assert sum(v["status"] == "pass" for v in nn) == rule["passes"] > 600
