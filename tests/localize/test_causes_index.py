"""The dataset index the cause searches read: built from the table's columns (records made
only where a search reads them), it answers as one built from every print's record."""

from __future__ import annotations

from pathlib import Path

import pytest

from drsmcheck.loader import load_figures
from drsmcheck.localize.causes import Prints, explain
from drsmcheck.localize.relations import records
from drsmcheck.rules import default_rules_dir, load_rules

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ("drsm-alsace-moselle-2018", "drsm-occitanie-2019")


@pytest.fixture(scope="module", params=SAMPLES)
def sample(request):
    pack = load_rules(default_rules_dir())
    _, figures = load_figures([ROOT / "samples" / request.param], pack.reference)
    return pack, figures


def _eager(figures):
    ordered = figures[figures["value"].notna()].sort_values(["dataset", "prio", "seq"])
    return ordered, Prints(records(ordered))


def test_the_lazy_index_reads_as_the_records_one(sample):
    _, figures = sample
    ordered, eager = _eager(figures)
    lazy = Prints(ordered, ordered=True)
    assert len(lazy.best) == len(eager.best) > 100
    for key, r in eager.best.items():   # the first print of each key, record for record
        assert lazy.best[key] == r and lazy.best.get(key) == r and key in lazy.best
    assert lazy.best.get(("x", "y", "z", "w")) is None
    assert lazy.family == eager.family and lazy.table == eager.table
    assert lazy.periods == eager.periods
    for name in ("record", "indicator"):
        e, z = getattr(eager, name), getattr(lazy, name)
        assert set(e) == set(z)
        assert all(z[k] == v for k, v in e.items())   # the same prints, in read order
    for (ds, per, ent, ind) in [(k[0], k[2], k[1], k[3]) for k in list(eager.best)[:50]]:
        scope = lazy.scope.get((ds, per), {})
        assert (ent, ind) in scope and scope[(ent, ind)] == eager.best[(ds, ent, per, ind)]
    assert lazy.scope.get(("nowhere", "1900"), {}) == {}


def test_a_search_builds_only_the_records_it_reads(sample):
    _, figures = sample
    ordered, _ = _eager(figures)
    lazy = Prints(ordered, ordered=True)
    assert lazy.rows_at([]) == [] and all(r is None for r in lazy._rows)
    key = next(iter(lazy.best))
    lazy.best[key]
    assert sum(r is not None for r in lazy._rows) == 1


def test_causes_are_the_same_with_either_index(sample):
    pack, figures = sample
    ordered, eager = _eager(figures)
    lazy = Prints(ordered, ordered=True)
    children = {p: c for tree in pack.reference.hierarchies.values() for p, c in tree.items()}
    asked, column = 0, 0
    recs = records(ordered)[:400]
    for r in recs:
        kids = children.get(r["entity"])
        for lo, hi in ((r["lo"] * 1.1, r["hi"] * 1.1), (r["lo"] * 10, r["hi"] * 10)):
            a = explain(r, lo, hi, eager, kids)
            b = explain(r, lo, hi, lazy, kids)
            assert (a.name, a.detail, a.refs) == (b.name, b.detail, b.refs)
            asked += 1
            column += a.name == "mislabelled column"   # the searches the index serves
    assert asked == 2 * len(recs) > 200 and column >= 10


def test_the_coded_index_reads_as_the_print_by_print_one(sample, monkeypatch):
    """From a table the index is grouped by its keys' category codes; it answers every lookup
    as the print-by-print loop does, a print without a table (NaN, a key by identity) too."""
    from drsmcheck.localize import causes

    _, figures = sample
    ordered, _ = _eager(figures)
    coded = Prints(ordered, ordered=True)
    monkeypatch.setattr(causes, "_coded", lambda *_: None)
    looped = Prints(ordered, ordered=True)
    assert coded.first == looped.first and len(coded.first) > 100
    assert coded.record_pos == looped.record_pos
    assert coded.indicator_pos == looped.indicator_pos
    assert coded.family == looped.family and coded.periods == looped.periods
    no_table = 0
    for j in range(len(ordered)):
        a, b = coded.row(j), looped.row(j)
        no_table += not isinstance(a["table"], str)
        assert coded.table.get((a["dataset"], a["period"], a["table"])) == looped.table.get(
            (b["dataset"], b["period"], b["table"]))
    assert no_table > 0


def test_an_index_of_no_numeric_print_is_empty(sample):
    _, figures = sample
    none = figures[figures["value"].isna()].iloc[:0]
    index = Prints(none, ordered=True)
    assert index.first == {} and index.record_pos == {} and index.indicator_pos == {}
    assert index.table == {} and index.best.get(("x", "y", "z", "w")) is None
