"""One semantics: every path that evaluates a rule gives the same verdict.

Paths: the engine (vectorized over records), the one-record front-end (`intervals`), and the
diagnosis's what-if evaluation (asked with a figure's own value it must reproduce the
verdict). On the five samples and on Hypothesis-generated datasets, boundaries included.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drsmcheck.diagnosis import Diagnoser
from drsmcheck.figures import frame, make_figure
from drsmcheck.intervals import Env, Interval, eval_bool
from drsmcheck.loader import load_figures
from drsmcheck.numbers import parse_number
from drsmcheck.report import analyse
from drsmcheck.rules import default_rules_dir, load_rules
from drsmcheck.verdicts import FAIL, NA, PASS

from packs import make_pack
from support import SAMPLES

STATUS = {True: PASS, False: FAIL, None: NA}


@pytest.fixture(scope="module")
def samples():
    pack = load_rules(default_rules_dir())
    datasets, figures = load_figures([SAMPLES], pack.reference)
    return analyse(pack, datasets, figures)


def one_record_status(analysis, i: int) -> int:
    """The verdict of equation verdict row i, recomputed by the one-record front-end."""
    v, run = analysis.run.verdicts, analysis.run
    rule = run.rules[v["rule"][i]]
    period = run.store.periods[v["period"][i]]
    values: dict[str, Interval | None] = {}
    prev: dict[str, Interval | None] = {}
    for pos in v.refs(i):
        row = analysis.rows[pos]
        iv = None if row["lo"] is None else Interval(row["lo"], row["hi"])
        (values if row["period"] == period else prev)[row["indicator"]] = iv
    return STATUS[eval_bool(rule.ast, Env(values, prev, run.context.known), rule.tolerance)]


def test_equations_one_record_equals_engine(samples) -> None:
    v = samples.run.verdicts
    kinds = np.array([r.kind for r in samples.run.rules])[v["rule"]]
    rows = np.flatnonzero(kinds == "equation")
    assert len(rows) > 400
    got = np.array([one_record_status(samples, int(i)) for i in rows])
    assert (got == v["status"][rows]).all()


def test_what_if_with_own_values_reproduces_every_relation(samples) -> None:
    """The diagnosis re-asks each equation and roll-up with one of its figures set to its own
    print: the verdict must not move (this is where the diagnosis once ignored a roll-up's
    tolerance and scored a passing BFC relation as failing)."""
    diag = Diagnoser(samples.run, samples.rows)
    v = samples.run.verdicts
    kinds = np.array([r.kind for r in samples.run.rules])[v["rule"]]
    rows = [i for i in np.flatnonzero(np.isin(kinds, ["equation", "rollup"]))
            if len(v.refs(i))]
    figs = np.array([v.refs(i)[0] for i in rows])
    store = samples.run.store
    lo, hi = store.f_lo[figs], store.f_hi[figs]
    numeric = ~store.f_nn[figs]
    rows, figs, lo, hi = (np.asarray(rows)[numeric], figs[numeric], lo[numeric], hi[numeric])
    status, _ = diag.what_if(rows, figs, lo, hi)
    assert (status == v["status"][rows]).all()


def test_bfc_weighted_rollup_tolerance_is_honoured_everywhere(samples) -> None:
    v, run = samples.run.verdicts, samples.run
    rid = [r.id for r in run.rules].index("expertise.confirmed_rate.rollup")
    rows = np.flatnonzero(v["rule"] == rid)
    assert len(rows) and (v["status"][rows] == PASS).all()
    diag = Diagnoser(run, samples.rows)
    figs = np.array([v.refs(i)[0] for i in rows])
    status, _ = diag.what_if(rows, figs, run.store.f_lo[figs], run.store.f_hi[figs])
    assert (status == PASS).all()


# --- generated data: a + b == total on percent prints, at the boundaries ----------------------

_PACK: dict[str, object] = {}


def _pack():
    if "pack" not in _PACK:
        folder = Path(tempfile.mkdtemp(prefix="drsmcheck-diff-"))
        path = make_pack(folder, """
            rules:
              - {id: s, kind: equation, severity: error, description: {fr: d, en: d},
                 expr: "t.rate + t.growth == t.share"}
              - {id: r, kind: equation, severity: error, description: {fr: d, en: d},
                 expr: "if t.a > 0 then t.share == 100 * t.a / t.total"}
            """)
        _PACK["pack"] = load_rules(path)
    return _PACK["pack"]


def _fig(ind: str, text: str, seq: int, entity: str = "OCC"):
    return make_figure(dataset="d", entity=entity, period="2019", period_next="2020",
                       indicator=ind, unit="percent" if ind in ("t.rate", "t.growth", "t.share")
                       else "count", parsed=parse_number(text), rounded=None, kind="table",
                       seq=seq, file="f.yaml", line=seq + 1, report=None, report_line=1)


def _pct(tenths: int, decimals: int) -> str:
    value = tenths / 10 ** decimals
    return f"{value:.{decimals}f}".replace(".", ",") + " %"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(-2000, 2000), st.integers(-2000, 2000),
                          st.integers(-3, 3), st.sampled_from([0, 1, 2]),
                          st.integers(0, 50), st.integers(0, 60)), min_size=1, max_size=30))
def test_generated_boundaries_engine_equals_one_record(cases) -> None:
    pack = _pack()
    ents = sorted(pack.reference.entities)
    rows = []
    for k, (a, b, off, d, part, total) in enumerate(cases[: len(ents)]):
        ent = ents[k]
        # total = a + b + off units of the last digit: off = ±1 touches the interval boundary
        rows += [_fig("t.rate", _pct(a, d), 4 * k, ent), _fig("t.growth", _pct(b, d), 4 * k + 1, ent),
                 _fig("t.share", _pct(a + b + off, d), 4 * k + 2, ent),
                 _fig("t.a", str(part), 4 * k + 3, ent)]
        if total:
            rows.append(_fig("t.total", str(total), 1000 + k, ent))
    for i, r in enumerate(rows):
        r["seq"] = i
    figures = frame(rows)
    analysis = analyse(pack, [], figures)
    v = analysis.run.verdicts
    for i in range(len(v)):
        if analysis.run.rules[v["rule"][i]].kind == "equation":
            assert one_record_status(analysis, i) == v["status"][i]
