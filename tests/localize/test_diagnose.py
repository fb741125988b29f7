"""Findings on the real samples: the relations of a dataset, localized, read per anomaly."""

from __future__ import annotations

from pathlib import Path

import pytest

from drsmcheck.loader import load_figures
from drsmcheck.localize.diagnose import finding, localize_dataset
from drsmcheck.localize.relations import build, violated
from drsmcheck.rules import default_rules_dir, load_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pack():
    return load_rules(default_rules_dir())


@pytest.fixture(scope="module")
def bfc(pack):
    figures = load(pack, "drsm-bfc-2019")
    return figures, localize_dataset(pack, figures)


def load(pack, name: str):
    _, figures = load_figures([ROOT / "samples" / name], pack.reference)
    return figures


def refs_of(figures, entity: str, indicator: str) -> list[str]:
    sel = figures[(figures["entity"] == entity) & (figures["indicator"] == indicator)]
    return list(sel["ref"])


def test_occitanie_text_print_is_the_suspect(pack):
    figures = load(pack, "drsm-occitanie-2019")
    loc = localize_dataset(pack, figures)
    f = finding(loc, refs_of(figures, "OCC", "ald.admission.total"), figures)
    assert f is not None and f.suspect is not None
    assert f.suspect["ref"].endswith("dataset.yaml:449")     # the text's 162 062
    assert f.suspect["suggested"] == 162051
    # the reason names the relations that confirm the table's 162 051
    assert "ald.admission.parts" in f.suspect["reason"]["en"]
    assert f.suspect["cause"] == "unexplained"                # 11 off: no typist slip


def test_alsace_headline_is_a_mislabelled_column(pack):
    figures = load(pack, "drsm-alsace-moselle-2018")
    loc = localize_dataset(pack, figures)
    refs = refs_of(figures, "AM", "accompaniment.peer_exchanges.result")
    children = pack.reference.hierarchies["elsm"]["AM"]
    f = finding(loc, refs, figures, children)
    assert f is not None and f.suspect is not None
    # box and text print the same 2 231: one error, both prints named
    assert f.suspect["ref"] in refs and f.suspect["also"] and set(
        [f.suspect["ref"], *f.suspect["also"]]) == set(refs)
    # 972 + 1 255 + 555, or + 1 258: which Bas-Rhin print is right nothing tells
    assert f.suspect["suggested"] in (2782, 2785)
    assert f.suspect["cause"] == "mislabelled column"
    assert "772 + 949 + 510" in f.suspect["reason"]["en"]


def test_relations_hold_on_clean_figures_except_the_seeded_disagreements(pack):
    figures = load(pack, "elsm-seine-saint-denis-2016")
    rel = build(pack, figures)
    assert rel.rows and violated(rel) == []


@pytest.mark.parametrize(("rate", "others", "cause"), [
    # 29,5 % for 100 × 249 / 842 = 29,57: truncated
    ("crrmp.al3.favourable_rate", ["crrmp.al3.favourable", "crrmp.al3.total"], "truncation"),
    # 78 % for 100 × 167 / 212 = 78,77: truncated
    ("crrmp.al4.unfavourable_rate", ["crrmp.al4.unfavourable", "crrmp.al4.total"],
     "truncation"),
    # 59 for 2 793 330 / 47 784 = 58,46: rounded twice, 58,46 → 58,5 → 59
    ("population.density", ["population.total", "territory.area_km2"], "rounding"),
    # 70,5 % for 100 × 593 / 842 = 70,43: no named practice gives 70,5
    ("crrmp.al3.unfavourable_rate", ["crrmp.al3.unfavourable", "crrmp.al3.total"], None),
    # 65 % for 100 × 3 905 / 6 091 = 64,11: "within one unit" is not a practice
    ("occdisease.request.recognised_rate",
     ["occdisease.request.recognised", "occdisease.request.total"], None),
])
def test_rounding_is_named_only_when_a_practice_explains_it(bfc, rate, others, cause):
    figures, loc = bfc
    bfc = figures[figures["entity"] == "BFC"]
    refs = list(bfc[bfc["indicator"].isin([rate, *others])]["ref"])
    (rate_ref,) = bfc[bfc["indicator"] == rate]["ref"]
    f = finding(loc, refs, figures, category="rounding")
    if cause is None:
        assert f is None or f.suspect is None or f.suspect["cause"] not in (
            "truncation", "rounding")
    else:
        assert f is not None and f.suspect is not None
        assert f.suspect["ref"] == rate_ref and f.suspect["cause"] == cause
        assert f.suspect["severity"] == "warning"


@pytest.mark.parametrize("name", ["drsm-bfc-2019", "drsm-occitanie-2019",
                                  "drsm-alsace-moselle-2018"])
def test_the_neighbourhood_localizes_as_the_whole_table(pack, name):
    """Relations built on the violations' neighbourhood (what the diagnosis does on a large
    run) give the same findings as relations over the whole table."""
    from drsmcheck.diagnosis import Diagnoser
    from drsmcheck.engine import Engine
    from drsmcheck.report import declared_records
    from drsmcheck.rows import Rows

    datasets, figures = load_figures([ROOT / "samples" / name], pack.reference)
    run = Engine(figures, pack, declared_records(datasets)).run()
    near, core = Diagnoser(run, Rows(figures)).neighbourhood()
    assert 0 < near.sum() < len(figures)
    whole = localize_dataset(pack, figures)
    part = localize_dataset(pack, figures, near=near, core=core)
    assert len(part.rel.figures) < len(whole.rel.figures)
    failing = {r for r in whole.by_ref}
    assert failing == set(part.by_ref)
    for key in {(e, i) for e, i in zip(figures["entity"], figures["indicator"], strict=True)}:
        refs = refs_of(figures, *key)
        if not set(refs) & failing:
            continue
        a, b = finding(whole, refs, figures), finding(part, refs, figures)
        assert (a.suspect, a.candidates) == (b.suspect, b.candidates), key
