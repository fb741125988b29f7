"""Fellegi–Holt localization: exact minimum-cost repairs, typist priors, nonlinear helpers."""

from __future__ import annotations

import pytest

from drsmcheck.localize.solver import (
    Figure,
    Row,
    components,
    linearize_ratio,
    linearize_weighted_mean,
    localize,
)


def count(fid: str, v: int) -> Figure:
    return Figure(fid, v, v, v, text=f"{v:,}".replace(",", " "), integer=True)


def rate(fid: str, text: str) -> Figure:
    v = float(text.replace(",", ".").rstrip(" %"))
    d = len(text.rstrip(" %").split(",")[1]) if "," in text else 0
    h = 0.5 * 10 ** -d
    return Figure(fid, v, v - h, v + h, text=text, decimals=d)


def summary(sol) -> list[tuple[str, float]]:
    return [(c.id, c.value) for c in sol.changes]


# Occitanie table 05: 24 619 + 59 768 = 84 387; 84 387 + 77 664 = 162 051, also printed in the
# text. Two typist errors in the same component: 59 768 → 59 786 and 77 664 → 77 694.
TABLE05 = [count("paper", 24619), count("electronic", 59786), count("first", 84387),
           count("renewal", 77694), count("total", 162051), count("total_text", 162051)]
ROWS05 = [Row.of({"paper": 1, "electronic": 1, "first": -1}, "==", name="first"),
          Row.of({"first": 1, "renewal": 1, "total": -1}, "==", name="total"),
          Row.of({"total": 1, "total_text": -1}, "==", name="agreement")]


def test_two_errors_in_one_component_are_localized_together():
    loc = localize(TABLE05, ROWS05)
    assert loc.method == "search" and loc.exact   # the MILP's answer, without the MILP
    assert loc.suspect is not None, [summary(s) for s in loc.solutions]
    assert summary(loc.suspect) == [("electronic", 59768.0), ("renewal", 77664.0)]
    assert [c.typo.edit for c in loc.suspect.changes] == ["transposition", "digit"]
    assert loc.candidates == []   # no single figure repairs both relations


def test_without_priors_every_minimum_solution_is_reported():
    loc = localize(TABLE05, ROWS05, prior=None, limit=10)
    sets = sorted(s.ids for s in loc.optimal)
    # any two changes that break the two-relation chain: all cost 2, reported, none guessed
    assert ("electronic", "renewal") in sets and ("first", "renewal") in sets
    assert len(sets) > 1 and loc.suspect is None
    assert all(s.cost == 2.0 for s in loc.optimal)


def test_a_typo_beats_a_non_typo_repair():
    figs = [count("paper", 24619), count("electronic", 59786), count("total", 84387)]
    rows = [Row.of({"paper": 1, "electronic": 1, "total": -1}, "==")]
    loc = localize(figs, rows)
    assert loc.method == "analytic"
    assert summary(loc.suspect) == [("electronic", 59768.0)]
    assert loc.suspect.cost == pytest.approx(0.55)
    # the other two repairs are listed as (costlier) candidates, with the value each needs
    assert [summary(s) for s in loc.candidates[1:]] == [[("paper", 24601.0)],
                                                        [("total", 84405.0)]]
    plain = localize(figs, rows, prior=None)
    assert plain.suspect is None and len(plain.optimal) == 3


def test_the_divisor_of_a_ratio_is_a_candidate():
    # share = 100 × part / total with total "211" typed "2 116"; part confirmed by part + rest
    figs = [rate("share", "58,3 %"), count("part", 123), count("total", 2116),
            count("rest", 88), count("sum", 211)]
    values = {f.id: (f.lo, f.hi) for f in figs}
    rows = linearize_ratio("share", "part", "total", values) + [
        Row.of({"part": 1, "rest": 1, "sum": -1}, "==")]
    loc = localize(figs, rows)
    # part + rest = 211 holds, so part is confirmed; only the total can carry the repair
    assert "total" in [s.ids[0] for s in loc.candidates]
    assert summary(loc.suspect) == [("total", 211.0)]
    assert loc.suspect.changes[0].typo.edit == "extra"
    # the rate itself would need 100 × 123 / 2 116 = 5,81 %: a possible, costlier repair
    share = next(s for s in loc.candidates if s.ids == ("share",))
    assert share.changes[0].value == pytest.approx(5.8, abs=0.01)
    assert share.cost > loc.suspect.cost


def test_weighted_mean_child_repair_honours_the_weights():
    # Occitanie overturned share: (13,45 × 2 610 + 12,32 × 1 778) / 4 388 = 12,99;
    # LR's 13,45 typed 13,54
    figs = [rate("OCC", "12,99 %"), rate("LR", "13,54 %"), rate("MP", "12,32 %")]
    rows = linearize_weighted_mean("OCC", [("LR", 2610.0), ("MP", 1778.0)])
    loc = localize(figs, rows)
    assert summary(loc.suspect) == [("LR", 13.45)]
    assert loc.suspect.changes[0].typo.edit == "transposition"
    # without the typist model the weighted repair is still 13,45 (the range's middle)
    plain = localize(figs, rows, prior=None)
    lr = next(s for s in plain.candidates if s.ids == ("LR",))
    assert lr.changes[0].value == pytest.approx(13.45)
    assert lr.changes[0].lo == pytest.approx(13.4346, abs=1e-3)
    assert lr.changes[0].hi == pytest.approx(13.4582, abs=1e-3)


def test_inequalities_and_a_consistent_component():
    figs = [count("in_person", 22820), count("total", 11991)]
    rows = [Row.of({"in_person": 1, "total": -1}, "<=")]
    loc = localize(figs, rows, prior=None)
    # the nearest repair of each side: the bound itself
    assert sorted(summary(s)[0] for s in loc.optimal) == [("in_person", 11991.0),
                                                          ("total", 22820.0)]
    ok = localize([count("a", 1), count("b", 2)], [Row.of({"a": 1, "b": -1}, "<=")])
    assert ok.consistent and ok.solutions == []


def test_tolerance_is_honoured():
    figs = [rate("a", "10,0 %"), rate("b", "10,2 %")]
    assert localize(figs, [Row.of({"a": 1, "b": -1}, "==", tol=0.2)]).consistent
    assert not localize(figs, [Row.of({"a": 1, "b": -1}, "==", tol=0.05)]).consistent


def test_large_magnitudes_small_differences():
    # 2 578 098 vs 2 578 095: a 3-unit difference on millions survives the big-M model
    figs = [count("box", 2578098), count("text", 2578095), count("table", 2578095),
            count("part", 664843), count("rest", 1913252)]
    rows = [Row.of({"box": 1, "text": -1}, "=="), Row.of({"text": 1, "table": -1}, "=="),
            Row.of({"part": 1, "rest": 1, "table": -1}, "==")]
    loc = localize(figs, rows, prior=None)
    assert summary(loc.suspect) == [("box", 2578095.0)]


def test_components_group_rows_sharing_figures():
    rows = [Row.of({"a": 1, "b": -1}, "=="), Row.of({"c": 1, "d": -1}, "=="),
            Row.of({"b": 1, "e": -1}, "=="), Row.of({"x": 1}, ">=", guard=("changed", "d"))]
    assert sorted(components(rows)) == [[0, 2], [1, 3]]


def test_unknown_figure_in_a_row_is_reported():
    with pytest.raises(KeyError, match="unknown figure 'zz'"):
        localize([count("a", 1)], [Row.of({"a": 1, "zz": -1}, "==")])
    with pytest.raises(ValueError, match="op must be"):
        Row.of({"a": 1}, "<")


@pytest.mark.parametrize("seed", range(40))
def test_the_analytic_one_figure_answer_is_the_milps(seed):
    """The closed form (a linear relation's repair is its residual, the slip model picks
    among candidates) gives the MILP's minimum-cost answer on random sums with one slip."""
    import random

    rng = random.Random(seed)
    parts = [rng.randrange(1, 5000) for _ in range(rng.randrange(2, 6))]
    total = sum(parts)
    printed = parts + [total]
    k = rng.randrange(len(printed))
    digits = list(str(printed[k]))
    i = rng.randrange(len(digits))
    digits[i] = str((int(digits[i]) + rng.randrange(1, 9)) % 10)
    printed[k] = int("".join(digits).lstrip("0") or "0")
    ids = [f"p{j}" for j in range(len(parts))] + ["total"]
    figs = [count(fid, v) for fid, v in zip(ids, printed, strict=True)]
    rows = [Row.of({**{fid: 1 for fid in ids[:-1]}, "total": -1}, "==", name="sum")]
    fast = localize(figs, rows, limit=10)
    exact = localize(figs, rows, limit=10, milp_only=True)
    if fast.consistent:
        return
    assert exact.method == "milp"
    assert [s.cost for s in fast.optimal] == pytest.approx([s.cost for s in exact.optimal])
    assert sorted(s.ids for s in fast.optimal) == sorted(s.ids for s in exact.optimal)
    if fast.suspect is not None:
        assert summary(fast.suspect) == summary(exact.suspect)


def test_frozen_figures_do_not_count_against_the_exact_bound():
    """A component of many figures of which few may change is still solved exactly: 40 frozen
    children of a confirmed total and two slips beside them need the MILP."""
    import math

    from drsmcheck.localize.solver import MAX_EXACT

    frozen = [Figure(f"c{j}", 10, 10, 10, weight=math.inf) for j in range(MAX_EXACT + 10)]
    figs = [*frozen, count("a", 24619), count("b", 59786), count("s", 84387),
            count("r", 77694), count("t", 162051), count("t2", 162051)]
    rows = [Row.of({"a": 1, "b": 1, "s": -1}, "=="), Row.of({"s": 1, "r": 1, "t": -1}, "=="),
            Row.of({"t": 1, "t2": -1}, "=="),
            Row.of({**{f.id: 1 for f in frozen}, "t": -1}, "<=")]
    loc = localize(figs, rows)
    assert loc.method in ("milp", "search") and loc.suspect is not None   # solved exactly
    assert summary(loc.suspect) == [("b", 59768.0), ("r", 77664.0)]


def test_ties_survive_the_objective_cutoff():
    """After the first optimum the MILP only searches within the tie margin: equally cheap
    repairs are still all reported (no suspect), costlier ones are not."""
    loc = localize(TABLE05, ROWS05, prior=None, limit=10)
    assert loc.method == "milp" and len(loc.optimal) == len(loc.solutions) > 1
    assert {s.cost for s in loc.solutions} == {2.0}
