"""The solver's fast paths give the MILP's answer: the closed form for one-figure repairs and the
exact slip search for repairs of several figures, on many random components."""

from __future__ import annotations

import random
from collections import Counter

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
