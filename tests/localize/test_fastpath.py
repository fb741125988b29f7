"""The solver's fast paths give the MILP's answer: the closed form for one-figure repairs and the
exact slip search for repairs of several figures, on many random components."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from drsmcheck.localize.solver import Figure, Localization, Row, linearize_ratio, localize


def count(fid: str, v: int, weight: float = 1.0) -> Figure:
    return Figure(fid, v, v, v, weight, text=f"{v:,}".replace(",", "\u00a0"), integer=True)


def share(fid: str, v: float, weight: float = 1.0) -> Figure:
    v = round(v, 1)
    return Figure(fid, v, v - 0.05, v + 0.05, weight, text=f"{v:.1f}".replace(".", ",") + " %",
                  decimals=1)


def slip(rng: random.Random, v: int) -> int:
    """One typist slip of an integer print: a digit, a transposition or ×10."""
    s = str(v)
    kind = rng.choice(("digit", "swap", "x10"))
    if kind == "x10":
        return v * 10
    if kind == "swap" and len(s) > 1:
        i = rng.randrange(len(s) - 1)
        if s[i] != s[i + 1]:
            return int(s[:i] + s[i + 1] + s[i] + s[i + 2:])
    i = rng.randrange(len(s))
    d = str((int(s[i]) + rng.randrange(1, 10)) % 10)
    return int((s[:i] + d + s[i + 1:]).lstrip("0") or "0")


def component(seed: int) -> tuple[list[Figure], list[Row]]:
    """A random table: rows of parts summing to a row total, column totals, a grand total
    printed twice, a share of it, one to three slips, and change weights as relations.build
    gives them (copies, outlier and mislabel factors)."""
    rng = random.Random(seed)
    n_rows, n_cols = rng.randrange(1, 4), rng.randrange(2, 4)
    cells = [[rng.randrange(10, 3000) for _ in range(n_cols)] for _ in range(n_rows)]
    true: dict[str, int] = {}
    rows: list[Row] = []
    for r, line in enumerate(cells):
        for c, v in enumerate(line):
            true[f"c{r}{c}"] = v
        true[f"t{r}"] = sum(line)
        rows.append(Row.of({**{f"c{r}{c}": 1 for c in range(n_cols)}, f"t{r}": -1}, "==",
                           name=f"line{r}"))
    for c in range(n_cols):
        true[f"s{c}"] = sum(line[c] for line in cells)
        rows.append(Row.of({**{f"c{r}{c}": 1 for r in range(n_rows)}, f"s{c}": -1}, "==",
                           name=f"col{c}"))
    true["total"] = sum(map(sum, cells))
    true["total_text"] = true["total"]
    rows.append(Row.of({**{f"t{r}": 1 for r in range(n_rows)}, "total": -1}, "==", name="sum"))
    rows.append(Row.of({"total": 1, "total_text": -1}, "==", name="agreement"))
    printed = dict(true)
    for fid in rng.sample(sorted(true), rng.randrange(1, 4)):
        printed[fid] = slip(rng, printed[fid])
    weights = (1.0, 1.0, 1.0, 1.25, 0.8, 0.5)
    figs = [count(fid, v, rng.choice(weights)) for fid, v in sorted(printed.items())]
    if rng.random() < 0.4:   # a share of the first column in the total, maybe mistyped
        pct = 100.0 * true["s0"] / true["total"]
        if rng.random() < 0.3:
            pct = float(str(round(pct, 1))[::-1].replace(".", "", 1)[::-1][:3] or 0) / 10 + 1.0
        figs.append(share("rate", pct))
        values = {f.id: (f.lo, f.hi) for f in figs}
        rows += linearize_ratio("rate", "s0", "total", values, 100.0, name="rate")
    return figs, rows


def answer(loc: Localization) -> tuple:
    def sol(s):
        return (round(s.cost, 9), [(c.id, c.value, c.typo and c.typo.value) for c in s.changes])

    suspect = loc.suspect
    return ([sol(s) for s in loc.solutions], [sol(s) for s in loc.candidates],
            loc.consistent, suspect and suspect.ids)


def test_fast_paths_give_the_milps_localization():
    """Suspect, solutions (figures, repaired values, slips), costs and candidate list are the
    MILP's, whichever path answered; both fast paths are exercised."""
    paths: Counter[str] = Counter()
    for seed in range(160):
        figs, rows = component(seed)
        fast = localize(figs, rows, limit=3)
        exact = localize(figs, rows, limit=3, milp_only=True)
        if fast.consistent:
            assert exact.consistent
            continue
        paths[fast.method] += 1
        assert answer(fast) == answer(exact), (seed, fast.method)
    assert paths["analytic"] >= 20 and paths["search"] >= 20, paths


# Occitanie table 05 with two slips: 59 768 → 59 786 and 77 664 → 77 694
TABLE05 = [count("paper", 24619), count("electronic", 59786), count("first", 84387),
           count("renewal", 77694), count("total", 162051), count("total_text", 162051)]
ROWS05 = [Row.of({"paper": 1, "electronic": 1, "first": -1}, "==", name="first"),
          Row.of({"first": 1, "renewal": 1, "total": -1}, "==", name="total"),
          Row.of({"total": 1, "total_text": -1}, "==", name="agreement")]


def test_two_slips_are_found_by_the_search_as_the_milp_finds_them():
    fast = localize(TABLE05, ROWS05)
    exact = localize(TABLE05, ROWS05, milp_only=True)
    assert fast.method == "search" and exact.method == "milp"
    assert answer(fast) == answer(exact)
    assert [(c.id, c.value) for c in fast.suspect.changes] == [("electronic", 59768.0),
                                                               ("renewal", 77664.0)]


def test_free_changes_and_ties_are_left_to_the_milp():
    """Without slips every repair is a free change whose value is the MILP's point, and the
    cheapest ones tie: the search declines, the MILP answers (all tied repairs listed)."""
    loc = localize(TABLE05, ROWS05, prior=None, limit=10)
    assert loc.method == "milp" and len(loc.optimal) > 1


def test_the_search_finds_the_optimum_highs_misses(monkeypatch):
    """A national-scale component (two amounts printed to the cent, each one slip off: 78,57
    for 58,57 and 28,79 for 82,79) where HiGHS's MILP stops at a costlier repair (one slip and
    one unexplained change): the search's repair costs less, and it is a true repair — the
    MILP's own model accepts it once its two slip indicators are fixed."""
    import json
    import math
    from pathlib import Path

    from scipy.optimize import Bounds, LinearConstraint
    from scipy.optimize import milp as scipy_milp

    from drsmcheck.localize import highs, solver

    data = json.loads((Path(__file__).parent / "fixtures" / "suboptimal-highs.json")
                      .read_text(encoding="utf-8"))
    figs = [Figure(i, v, lo, hi, math.inf if w is None else w, text, d, integer, scale)
            for i, v, lo, hi, w, text, d, integer, scale in data["figures"]]
    rows = [Row.of(dict(coefs), op, rhs, tol, name, tuple(guard) if guard else None, inf)
            for coefs, op, rhs, tol, name, guard, inf in data["rows"]]
    fast = localize(figs, rows, limit=3)
    assert fast.method == "search"
    (sol,) = fast.solutions
    assert [(c.id, c.value, c.typo.edit) for c in sol.changes] == [
        ("46|2012|sick_leave.spend.inpatient", 58.57, "digit"),
        ("65|2012|sick_leave.spend.total", 82.79, "transposition")]
    assert sol.cost == pytest.approx(1.1)
    models = []
    real = highs.milp

    def spy(*model):
        models.append(model)
        return real(*model)

    monkeypatch.setattr(highs, "milp", spy)
    exact = localize(figs, rows, limit=1, milp_only=True)
    assert exact.solutions and exact.solutions[0].cost >= sol.cost - 1e-9
    c, integrality, lo, hi, A, b_l, b_u, options = models[0]
    ids, n = [f.id for f in figs], len(figs)
    cands = solver._offered({f.id: f for f in figs}, [r for r in rows if r.binding], ids,
                            solver.typist_prior, [])
    lb = lo.copy()
    pinned = [k for k, (i, t) in enumerate(cands)
              if any(ch.id == ids[i] and ch.typo.value == t.value for ch in sol.changes)]
    assert len(pinned) == 2
    lb[[2 * n + k for k in pinned]] = 1.0
    status, x = real(c, integrality, lb, hi, A, b_l, b_u, options)
    assert status == 0 and c @ x == pytest.approx(sol.cost)
    # the direct call is scipy.optimize.milp's own: same model, same HiGHS build, same answer
    first = scipy_milp(c, integrality=integrality, bounds=Bounds(lo, hi),
                       constraints=LinearConstraint(A, b_l, b_u), options=dict(options))
    assert first.status == 0 and list(first.x) == list(real(*models[0])[1])
