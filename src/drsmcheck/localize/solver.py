"""Fellegi–Holt error localization: the fewest (cheapest) figures to change so every relation holds.

Input: the figures of one connected component (printed value, the interval the print stands
for, a change weight) and its relations in linear form, Σ cᵢ·xᵢ op b (op ==, <=, >=) with an
absolute tolerance, xᵢ the figure's true value. An unchanged figure stays inside its printed
interval; a changed one is free, or sits on a typist-model candidate (priors.py) at a lower cost.

Solved exactly with `scipy.optimize.milp`'s HiGHS (called directly: highs.py): one binary
change indicator per figure, one per fitting typo candidate, big-M bounds from the component's
magnitudes. Each support the MILP proposes is re-checked with exact LPs; one that fails
(integrality tolerance times a big M can move a figure "for free") is excluded by a
combinatorial Benders cut. Every minimum-cost solution is reported (re-solving with a no-good
cut per solution found, up to `limit`), so ambiguity is explicit rather than guessed away.
Each solution carries the repaired values: where a repair is a range (rounded figures,
inequalities) the point is the typo candidate that fits, else the range's middle rounded to
the figure's printed decimals.

Two fast paths give the MILP's answer without it (tests/localize/test_fastpath.py compares
them with the MILP on random components):
- one figure alone can repair the component (it takes part in every failing row), and no pair
  of changes can be cheaper: solved analytically (the repair of a linear relation is its
  residual), ≈ 0.1 ms a component;
- several figures must change and the cheapest repair pins each on a typist slip (`_search`):
  a best-first Fellegi–Holt branching over the MILP's own options and costs, whose row check
  is a relaxation of the MILP's, proves it the optimum and the only repair within the cutoff,
  with a witness point (or an LP when rounded prints only hold jointly). Ties, free changes
  (their value is the MILP's point) and large trees are left to the MILP. At 10⁵ synthetic
  figures it answers 144 of the 155 components that used to need the MILP; it also finds the
  optimum where HiGHS stops at a costlier repair (amounts printed to the cent, big-M numerics).

Nonlinear relations are linearised by the caller: `linearize_ratio` and
`linearize_weighted_mean` return rows that are exact when the figures outside the free side are
unchanged (see their docstrings), with `guard`s that switch a row on or off with a figure's
change indicator so both linearisations of a ratio live in one model.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from . import priors

OPS = ("==", "<=", ">=")
# A typo candidate is evidence only when the repair range is narrow: an equality pins the repair
# (to within the prints' rounding), while a one-sided or wide range (`part <= total`) lets many
# slips fit by chance. Narrow: both ends finite, width ≤ SPECIFIC_WIDTH × the figure's size.
SPECIFIC_WIDTH = 0.05
# Costs closer than TIE are a tie: the typist factors of two kinds of slip (digit 0.55, extra
# 0.7) do not decide between figures; a slip against no slip (0.55–0.7 vs 1.0) does.
TIE = 0.2
MAX_CANDIDATES = 6   # typo candidates per figure and relation offered to the MILP
MAX_BENDERS = 30     # re-solves allowed for supports the exact re-check refuses


@dataclass(frozen=True)
class Figure:
    """One figure of a component: its print, the interval it stands for, its change weight."""

    id: str
    value: float
    lo: float
    hi: float
    weight: float = 1.0
    text: str | None = None      # the print, for the typist model (None: no typo candidates)
    decimals: int = 0            # printed decimals: repaired values are rounded to them
    integer: bool = False        # an exact count: typo candidates and repairs are whole numbers
    scale: float = 1.0           # printed scale word (1e6 for "7,8 millions")

    @property
    def half_width(self) -> float:
        return (self.hi - self.lo) / 2 if math.isfinite(self.hi - self.lo) else 0.0


@dataclass(frozen=True)
class Row:
    """Σ coefs[id]·x[id] op rhs, within ± tol; optionally active only when `guard` says so.

    guard ("unchanged", id): the row binds only while that figure keeps its print;
    guard ("changed", id): only when that figure is changed.
    """

    coefs: tuple[tuple[str, float], ...]
    op: str
    rhs: float
    tol: float = 0.0
    name: str = ""
    guard: tuple[str, str] | None = None
    # False for a bound on one figure (0 ≤ x ≤ 100): it limits a repair but a slip landing on
    # its edge is no evidence, so it never makes a repair range narrow (`specific`)
    informative: bool = True

    @staticmethod
    def of(coefs: Mapping[str, float], op: str, rhs: float = 0.0, tol: float = 0.0,
           name: str = "", guard: tuple[str, str] | None = None, informative: bool = True
           ) -> Row:
        if op not in OPS:
            raise ValueError(f"op must be one of {OPS}, got {op!r}")
        if guard is not None and guard[0] not in ("changed", "unchanged"):
            raise ValueError(f"guard must be ('changed'|'unchanged', id), got {guard!r}")
        return Row(tuple((k, float(v)) for k, v in coefs.items() if v != 0.0), op, float(rhs),
                   float(tol), name, guard, informative)

    @property
    def binding(self) -> bool:
        """False for a row an unbounded print makes vacuous (`rate <= ∞`, a coefficient ∞)."""
        return math.isfinite(self.rhs) and all(math.isfinite(c) for _, c in self.coefs)

    def bounds(self) -> tuple[float, float]:
        """[L, U] the row's activity Σ c·x must lie in, tolerance and float noise included."""
        mag = abs(self.rhs) + 1.0
        t = self.tol + 1e-9 * mag
        lo = self.rhs - t if self.op in ("==", ">=") else -math.inf
        hi = self.rhs + t if self.op in ("==", "<=") else math.inf
        return lo, hi


@dataclass(frozen=True)
class Change:
    """One figure a solution changes: its repaired value and the range that value may take."""

    id: str
    printed: float
    value: float
    lo: float
    hi: float
    typo: priors.Typo | None = None   # the typist slip that explains the print, if one fits


@dataclass(frozen=True)
class Solution:
    cost: float
    changes: tuple[Change, ...]

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(c.id for c in self.changes)


@dataclass
class Localization:
    """All minimum-cost solutions of a component (up to the limit), and the ranked candidates.

    `solutions` are sorted by cost; the first `len(optimal)` are the minimum-cost ones.
    `candidates` are the single-figure repairs (each figure that alone could make every relation
    hold), cheapest first: the list a reviewer reads when the evidence does not single one out.
    """

    solutions: list[Solution] = field(default_factory=list)
    candidates: list[Solution] = field(default_factory=list)
    consistent: bool = False        # every relation already holds: nothing to change
    exact: bool = True              # False when the MILP hit a limit or failed
    method: str = "analytic"        # "analytic" | "milp"

    tie: float = TIE

    @property
    def optimal(self) -> list[Solution]:
        """The minimum-cost solutions, and those within `tie` of it (equally plausible)."""
        if not self.solutions:
            return []
        best = self.solutions[0].cost
        return [s for s in self.solutions if s.cost < best + self.tie - 1e-9]

    @property
    def suspect(self) -> Solution | None:
        """The one minimum-cost solution, or None when several tie (ambiguous) or none."""
        opt = self.optimal
        return opt[0] if len(opt) == 1 else None


Prior = Callable[[Figure, float, float], list[priors.Typo]]


def specific(fig: Figure, lo: float, hi: float) -> bool:
    """Is [lo, hi] narrow enough that a slip fitting it is evidence (SPECIFIC_WIDTH)?"""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return False
    size = max(abs(fig.value), abs(lo), abs(hi))
    return hi - lo <= SPECIFIC_WIDTH * size


def typist_prior(fig: Figure, lo: float, hi: float) -> list[priors.Typo]:
    """The typo candidates of a figure's print that meet [lo, hi] (none without a print)."""
    if fig.text is None:
        return []
    return priors.candidates(fig.text, fig.scale, lo, hi, fig.half_width, fig.integer)


# ---------------------------------------------------------------------------------- helpers
def linearize_ratio(rate: str, num: str, den: str, values: Mapping[str, tuple[float, float]],
                    k: float = 100.0, tol: float = 0.0, name: str = "") -> list[Row]:
    """Rows for `rate == k·num/den` (den > 0), exact for any single change.

    - num or den free (rate unchanged, in [r_lo, r_hi]): k·num − r_hi·den ≤ 0 and
      k·num − r_lo·den ≥ 0 — the bilinear relation is linear once the rate is held in its
      interval, so a divisor typed "2 116" for "211" is found (its repair is k·num/rate);
    - rate free (num, den in their printed intervals): rate ∈ k·[num]/[den].
    `values` maps each id to its printed interval (lo, hi). Approximation: a solution that
    changes the rate *and* num or den is checked against the printed num/den, i.e. two changes in
    one ratio are not modelled jointly.
    """
    (r_lo, r_hi), (a_lo, a_hi), (b_lo, b_hi) = values[rate], values[num], values[den]
    rows = [
        Row.of({num: k, den: -(r_hi + tol)}, "<=", 0.0, 0.0, name, ("unchanged", rate)),
        Row.of({num: k, den: -(r_lo - tol)}, ">=", 0.0, 0.0, name, ("unchanged", rate)),
    ]
    if b_lo > 0:
        q = [k * a / b for a in (a_lo, a_hi) for b in (b_lo, b_hi)]
        rows += [Row.of({rate: 1.0}, ">=", min(q) - tol, 0.0, name, ("changed", rate)),
                 Row.of({rate: 1.0}, "<=", max(q) + tol, 0.0, name, ("changed", rate))]
    return rows


def linearize_weighted_mean(parent: str, children: Sequence[tuple[str, float]],
                            weight_halfwidths: Sequence[float] | None = None,
                            values: Mapping[str, tuple[float, float]] | None = None,
                            tol: float = 0.0, name: str = "",
                            weight_ids: Sequence[str] | None = None) -> list[Row]:
    """Rows for `parent == Σ wᵢ·rᵢ / Σ wᵢ` with the weights held at their printed values.

    Σ wᵢ·rᵢ − (Σ wᵢ)·parent = 0 is linear in the parent and the children's rates once the
    weights are fixed, so a child's repair honours the weights ((13,45 × 2 610 + 12,32 × 1 778)
    / 4 388 = 12,99: the LR share's repair is 13,45, not the unweighted 13,81). Exact for exact
    (count) weights. Rounded weights (half-widths given) widen the tolerance by
    Σ hᵢ·|rᵢ − parent| using `values` (the rates' printed intervals): a first-order bound on
    the weights' rounding, the approximation made.

    With `weight_ids` (the weights' own figures) the weights are variables too: Σ wᵢ(rᵢ − p)
    is linear in each figure when the others keep their prints, so the row adds
    (rᵢ⁰ − p⁰)·(wᵢ − wᵢ⁰) at the printed rates and parent — exact for any single change
    (a weight typed 83 120 for 8 312 is its own repair, not a rate's), first-order for a
    weight changed together with a rate or the parent.
    """
    total = sum(w for _, w in children)
    coefs: dict[str, float] = {c: w for c, w in children}
    coefs[parent] = coefs.get(parent, 0.0) - total
    rhs = 0.0
    if weight_ids and values:
        p0 = sum(values[parent]) / 2
        for (c, w), wid in zip(children, weight_ids, strict=True):
            k = sum(values[c]) / 2 - p0
            coefs[wid] = coefs.get(wid, 0.0) + k
            rhs += k * w
    extra = 0.0
    if weight_halfwidths and values:
        p_lo, p_hi = values[parent]
        for (c, _), h in zip(children, weight_halfwidths, strict=True):
            r_lo, r_hi = values[c]
            extra += h * max(abs(r_hi - p_lo), abs(p_hi - r_lo))
    return [Row.of(coefs, "==", rhs, tol * total + extra, name)]


# ------------------------------------------------------------------------------- screening
def active(row: Row, changed: str | set[str] | None) -> bool:
    """Does `row` bind when `changed` (one figure, a set of them, or None) is changed?"""
    if row.guard is None:
        return True
    kind, fid = row.guard
    is_changed = fid in changed if isinstance(changed, set) else fid == changed
    return is_changed if kind == "changed" else not is_changed


def solo_range(fid: str, rows: Sequence[Row], figs: Mapping[str, Figure],
               changed: set[str] | None = None) -> tuple[float, float] | None:
    """The values `fid` may take so every row holds with the other figures inside their
    intervals in `figs` (None: none). The guards read `changed` (default: `fid` alone)."""
    lo, hi = -math.inf, math.inf
    for row in rows:
        if not active(row, changed if changed is not None else fid):
            continue
        c_i = 0.0
        s_lo = s_hi = 0.0
        for j, c in row.coefs:
            if j == fid:
                c_i += c
                continue
            f = figs[j]
            a, b = c * f.lo, c * f.hi
            s_lo += min(a, b)
            s_hi += max(a, b)
        r_lo, r_hi = row.bounds()
        if c_i == 0.0:
            if s_lo > r_hi or s_hi < r_lo:
                return None
            continue
        t_lo, t_hi = r_lo - s_hi, r_hi - s_lo   # c_i·x must lie in [t_lo, t_hi]
        x_lo, x_hi = (t_lo / c_i, t_hi / c_i) if c_i > 0 else (t_hi / c_i, t_lo / c_i)
        lo, hi = max(lo, x_lo), min(hi, x_hi)
        if lo > hi:
            return None
    return lo, hi


def _holds(rows: Sequence[Row], figs: Mapping[str, Figure]) -> bool:
    return all(row_holds(r, figs) for r in rows if active(r, None))


def row_holds(row: Row, figs: Mapping[str, Figure]) -> bool:
    """Can the row hold with every figure inside its printed interval?"""
    s_lo = s_hi = 0.0
    for j, c in row.coefs:
        f = figs[j]
        a, b = c * f.lo, c * f.hi
        s_lo += min(a, b)
        s_hi += max(a, b)
    r_lo, r_hi = row.bounds()
    return s_lo <= r_hi and s_hi >= r_lo


def pick_value(fig: Figure, lo: float, hi: float, typo: priors.Typo | None = None,
               prior: Prior | None = None) -> tuple[float, priors.Typo | None]:
    """The repaired value in [lo, hi]: the typo candidate that fits, else the range's middle
    (or the bound nearest the print for a one-sided range) at the figure's printed precision."""
    if typo is None and prior is not None:
        fits = prior(fig, lo, hi)
        typo = fits[0] if fits else None
    if typo is not None:
        return typo.value, typo
    if math.isfinite(lo) and math.isfinite(hi):
        target = (lo + hi) / 2
    else:
        target = min(max(fig.value, lo), hi)
    # a rounded print stands for ± half a unit: its repair is the grid point whose interval
    # meets the range ("5,8 %" for a true 5,8129 %); an exact count's is a whole number in it
    step = 10.0 ** -min(max(fig.decimals, 0), 15) * fig.scale
    h = fig.half_width
    eps = 1e-9 * (1 + abs(target))
    grid = round(target / step) * step
    if grid < lo - h - eps:
        grid += step
    elif grid > hi + h + eps:
        grid -= step
    if lo - h - eps <= grid <= hi + h + eps:
        return round(grid, min(max(fig.decimals, 0), 15) + 6) + 0.0, None
    return target, None


# ------------------------------------------------------------------------------ the solver
# figures a component's MILP may change (its binaries; frozen figures are continuous and fixed
# to their prints): larger ones keep the single-figure repairs (deterministic, not a time limit)
MAX_EXACT = 48


def localize(figures: Iterable[Figure], rows: Sequence[Row], *, limit: int = 5,
             slack: float = 0.0, tie: float = TIE, prior: Prior | None = typist_prior,
             time_limit: float = 10.0, milp_only: bool = False) -> Localization:
    """Minimum-weight set(s) of figures to change so every row holds (Fellegi–Holt).

    `slack`: also report solutions costing at most optimum + slack; `tie`: solutions closer
    than this to the optimum are as plausible (`optimal`, no single suspect).
    `prior(fig, lo, hi)`: typo candidates of a figure within a range (None: no typist model).
    `milp_only`: skip the analytic shortcut (the tests check it gives the MILP's answer).
    """
    figs = {f.id: f for f in figures}
    rows = [r for r in rows if r.binding]
    for row in rows:
        for j, _ in row.coefs:
            if j not in figs:
                raise KeyError(f"row {row.name or row} reads unknown figure {j!r}")
        if row.guard is not None and row.guard[1] not in figs:
            raise KeyError(f"row {row.name or row} is guarded by unknown figure {row.guard[1]!r}")
    failing = [r for r in rows if active(r, None) and not row_holds(r, figs)]
    if not failing:
        return Localization(consistent=True)

    # single-figure repairs, analytically. A figure alone repairs only if it takes part in every
    # failing row (its coefficients or its guard): the others' prints stay as they are. Its
    # range then reads only the rows it takes part in — the others hold and stay holding
    touching: dict[str, list[Row]] = {}
    for row in rows:
        for j in dict.fromkeys([*(j for j, _ in row.coefs),
                                *([row.guard[1]] if row.guard else [])]):
            touching.setdefault(j, []).append(row)
    every = set.intersection(*({j for j, _ in r.coefs} | ({r.guard[1]} if r.guard else set())
                               for r in failing))
    singles: list[Solution] = []
    for fid, fig in figs.items():
        if not math.isfinite(fig.weight) or fid not in every:
            continue   # frozen (may not change), or some failing row does not read it
        rng = solo_range(fid, touching[fid], figs)
        if rng is None:
            continue
        lo, hi = rng
        typos = prior(fig, lo, hi) if prior else []
        spec = solo_range(fid, [r for r in touching[fid] if r.informative], figs) if typos \
            else None
        typo = typos[0] if typos and spec is not None and specific(fig, *spec) else None
        cost = fig.weight * (typo.factor if typo else 1.0)
        value, typo = pick_value(fig, lo, hi, typo, prior if typo or not typos else None)
        singles.append(Solution(cost, (Change(fid, fig.value, value, lo, hi, typo),)))
    singles.sort(key=lambda s: (s.cost, s.ids))
    # a solution changing two or more figures costs at least the two cheapest changes the
    # MILP could make (a figure's change is discounted only by a candidate offered to it).
    # First the bound every candidate obeys (the likeliest slip's factor): when it already
    # proves the best single repair optimal, no candidate need be generated at all
    ids = list(figs)
    reach = max(slack, tie)
    floor = min(priors.FACTORS.values()) if prior else 1.0
    ws = sorted(figs[fid].weight * floor for fid in ids if math.isfinite(figs[fid].weight))
    proven = singles and len(ws) > 1 and singles[0].cost + reach < ws[0] + ws[1] and not milp_only
    # without a single repair the slips are needed only by the exact search or the MILP: the
    # search asks for a figure's slips when it branches on it, the MILP for all of them
    cands = (_offered(figs, rows, ids, prior, singles)
             if prior and not proven and (singles or milp_only) else [])
    cheapest = {fid: figs[fid].weight for fid in ids if math.isfinite(figs[fid].weight)}
    for i, t in cands:
        cheapest[ids[i]] = min(cheapest[ids[i]], figs[ids[i]].weight * t.factor)
    ws = sorted(cheapest.values())
    lb_pair = ws[0] + ws[1] if len(ws) > 1 else math.inf
    if singles and not milp_only and (proven or singles[0].cost + reach < lb_pair):
        best = singles[0].cost
        sols = [s for s in singles if s.cost <= best + reach + 1e-9 * (1 + best)][:limit]
        return Localization(sols, singles, tie=tie)
    if sum(math.isfinite(f.weight) for f in figs.values()) > MAX_EXACT:
        # too large to solve exactly within a run's budget: the single-figure repairs only
        # (ranked, an honest "ambiguous" when they tie), never a guess from a truncated search
        best = singles[0].cost if singles else math.inf
        sols = [s for s in singles if s.cost <= best + reach + 1e-9 * (1 + best)][:limit]
        return Localization(sols, singles, tie=tie)
    loc = None
    if not milp_only:
        if singles or not prior:
            by_fig: dict[int, list[priors.Typo]] = {}
            for i, t in cands:
                by_fig.setdefault(i, []).append(t)
            loc = _search(figs, rows, ids, lambda i: by_fig.get(i, []), reach, prior)
        else:
            of_fig = _relations_of(rows)
            loc = _search(figs, rows, ids, lambda i: _offered_to(ids[i], figs, of_fig, prior),
                          reach, prior)
    if loc is None:
        loc = _milp(figs, rows, limit, reach, prior, time_limit, singles,
                    cands if singles or milp_only or not prior else None)
    loc.tie = tie
    loc.candidates = singles
    return loc


# ------------------------------------------------------------------ the exact slip search
SEARCH_NODES = 150   # partial repairs the slip search may expand before leaving it to the MILP
FEAS_TOL = 1e-6       # the search's row check is this much looser than the MILP's tolerances


def _search(figs: dict[str, Figure], rows: Sequence[Row], ids: list[str],
            offer: Callable[[int], list[priors.Typo]], slack: float, prior: Prior | None
            ) -> Localization | None:
    """The MILP's answer, found without a solver when the cheapest repair pins every changed
    figure on a typist slip and no other repair is within `slack` of it (None: ask the MILP).

    Best-first Fellegi–Holt branching: a failing relation must have one of its figures
    changed (or its guard switched), so a partial repair is extended only through the first
    relation it leaves failing, each figure freely or on one of the slips offered to the
    MILP, at the MILP's own costs; earlier figures of that relation are kept as printed in the
    later branches, so every repair is reached once. The row check is a relaxation of the
    MILP's (each row alone, free figures unbounded, FEAS_TOL looser): what it refuses the
    MILP cannot accept, so the first complete repair popped is a lower bound on every repair
    and, when it is a witness (its slip values and the other prints satisfy every row of the
    MILP's model exactly), the MILP's optimum. The answer is given only when that optimum is
    the one repair within `slack` (the MILP's objective cutoff) whose support its no-good cut
    leaves open — ties, free changes and large trees go to the MILP. Deterministic: a node
    count, never a time limit."""
    import heapq

    n = len(ids)
    index = {f: i for i, f in enumerate(ids)}
    lo = [figs[f].lo for f in ids]
    hi = [figs[f].hi for f in ids]
    w = [figs[f].weight for f in ids]
    pool: list[priors.Typo] = []   # the slips offered so far; an option (cost, k) pins pool[k]
    pool_iv: list[tuple[float, float]] = []   # and the interval each stands for
    opts_of: dict[int, list[tuple[float, int]]] = {}

    def opts(i: int) -> list[tuple[float, int]]:
        """Figure i's options at the MILP's costs, cheapest first (k = -1: a free change),
        its slips asked for only when the search first branches on it."""
        o = opts_of.get(i)
        if o is None:
            o = []
            if math.isfinite(w[i]):
                o.append((w[i], -1))
                for t in offer(i):
                    o.append((w[i] * t.factor, len(pool)))
                    pool.append(t)
                    pool_iv.append(t.interval)
                o.sort(key=lambda e: e[0])
            opts_of[i] = o
        return o

    # each row: its coefficients, bounds, guard, and its activity's range with every figure
    # printed (a change adjusts it by that figure's term only)
    R = []
    touching: list[list[int]] = [[] for _ in range(n)]
    for r_i, row in enumerate(rows):
        co = {index[j]: c for j, c in row.coefs}
        L, U = row.bounds()
        kind, g = (row.guard[0], index[row.guard[1]]) if row.guard else (None, -1)
        s_lo = s_hi = 0.0
        for i, c in co.items():
            p, q = c * lo[i], c * hi[i]
            s_lo += min(p, q)
            s_hi += max(p, q)
        exact_sums = math.isfinite(s_lo) and math.isfinite(s_hi)
        lu = abs(L if math.isfinite(L) else 0.0) + abs(U if math.isfinite(U) else 0.0)
        R.append((co, L, U, kind, g, s_lo, s_hi, exact_sums, lu))
        for j in set(co) | ({g} if g >= 0 else set()):
            touching[j].append(r_i)

    def box(i: int, a: Mapping[int, int]) -> tuple[float, float]:
        k = a.get(i)
        return (lo[i], hi[i]) if k is None else pool_iv[k]

    def fails(r_i: int, a: Mapping[int, int]) -> bool:
        co, L, U, kind, g, s_lo, s_hi, exact_sums, lu = R[r_i]
        if kind is not None and (g in a) != (kind == "changed"):
            return False   # switched off by its guard
        if exact_sums:   # the printed range, each changed term swapped for its slip's
            for i, k in a.items():
                c = co.get(i)
                if c is None:
                    continue
                if k < 0:
                    return False   # a free figure meets any row it takes part in
                f_lo, f_hi = pool_iv[k]
                if c > 0:
                    s_lo += c * (f_lo - lo[i])
                    s_hi += c * (f_hi - hi[i])
                else:
                    s_lo += c * (f_hi - hi[i])
                    s_hi += c * (f_lo - lo[i])
        else:   # an unbounded print: sum the terms afresh
            if any(a.get(i, 0) < 0 for i in co):
                return False
            s_lo = s_hi = 0.0
            for i, c in co.items():
                f_lo, f_hi = box(i, a)
                p, q = c * f_lo, c * f_hi
                s_lo += min(p, q)
                s_hi += max(p, q)
        eps = FEAS_TOL * (1.0 + abs(s_lo) + abs(s_hi) + lu)
        return s_lo > U + eps or s_hi < L - eps

    def figures_of(r_i: int) -> list[int]:
        co, _, _, kind, g = R[r_i][:5]
        return [*co, *([g] if kind == "unchanged" else [])]

    def squeezed(x: int, a: Mapping[int, int]) -> list[int] | None:
        """The figures of the two rows that leave the free figure x no value (each row alone,
        x its only free figure, the others in their boxes), or None when some value remains."""
        best_lo, best_hi = (-math.inf, -1), (math.inf, -1)
        for r_i in touching[x]:
            co, L, U, kind, g = R[r_i][:5]
            if kind is not None and (g in a) != (kind == "changed"):
                continue
            c_x = co.get(x, 0.0)
            if c_x == 0.0 or any(a.get(i, 0) < 0 for i in co if i != x):
                continue   # x not in it, or another free figure: it does not pin x alone
            s_lo = s_hi = 0.0
            for i, c in co.items():
                if i != x:
                    f_lo, f_hi = box(i, a)
                    p, q = c * f_lo, c * f_hi
                    s_lo += min(p, q)
                    s_hi += max(p, q)
            t_lo, t_hi = L - s_hi, U - s_lo
            v_lo, v_hi = (t_lo / c_x, t_hi / c_x) if c_x > 0 else (t_hi / c_x, t_lo / c_x)
            if v_lo > best_lo[0]:
                best_lo = (v_lo, r_i)
            if v_hi < best_hi[0]:
                best_hi = (v_hi, r_i)
        if best_lo[1] < 0 or best_hi[1] < 0:
            return None
        eps = FEAS_TOL * (1.0 + abs(best_lo[0]) + abs(best_hi[0]))
        if best_lo[0] <= best_hi[0] + eps:
            return None
        return figures_of(best_lo[1]) + figures_of(best_hi[1])

    def conflict(bad: frozenset[int], a: Mapping[int, int]) -> list[int] | None:
        """The first thing a partial repair leaves failing, as the figures one of which must
        change too: a failing row (each row alone), else two rows that squeeze a free figure
        to nothing; None when nothing fails (a complete repair)."""
        if bad:
            return figures_of(min(bad))
        for i, k in sorted(a.items()):
            if k < 0:
                sq = squeezed(i, a)
                if sq is not None:
                    return sq
        return None

    def branch(conflict: list[int], a: Mapping[int, int], banned: frozenset[int]) -> list[int]:
        return [i for i in dict.fromkeys(conflict)
                if i not in a and i not in banned and math.isfinite(w[i])]

    floor = min(priors.FACTORS.values())

    def bound(fl: list[int] | None, a: Mapping[int, int], banned: frozenset[int]) -> float:
        if fl is None:
            return 0.0
        # a figure's slips are generated when the search branches on it; until then its
        # cheapest option is bounded by the likeliest slip's factor
        return min((opts_of[i][0][0] if i in opts_of else w[i] * floor
                    for i in branch(fl, a, banned)), default=math.inf)

    root_bad = frozenset(r_i for r_i in range(len(R)) if fails(r_i, {}))
    if not root_bad:
        return None
    fl0 = conflict(root_bad, {})
    heap: list[tuple[float, int, float, tuple[tuple[int, int], ...], frozenset[int],
                     frozenset[int], list[int] | None]] = []
    heapq.heappush(heap, (bound(fl0, {}, frozenset()), 0, 0.0, (), frozenset(), root_bad, fl0))
    tick = 1
    expanded = 0
    leaves: list[tuple[float, tuple[tuple[int, int], ...]]] = []
    cap = math.inf
    while heap:
        key, _, g_cost, assign, banned, bad, fl = heapq.heappop(heap)
        if key > cap:
            break
        if fl is None:
            if not leaves:
                cap = g_cost + slack + 1e-6 * (1 + g_cost)
            elif g_cost <= leaves[0][0] + 1e-5 * (1 + leaves[0][0]) or not (
                    {i for i, _ in leaves[0][1]} <= {i for i, _ in assign}):
                # every other repair within the cutoff must contain the optimum's support
                # (its no-good cut excludes those), and be costlier beyond HiGHS's gap (of
                # two equal ones, which it returns is its own): another is the MILP's to rank
                return None
            leaves.append((g_cost, assign))
            continue
        expanded += 1
        if expanded > SEARCH_NODES:
            return None
        a = dict(assign)
        bs = branch(fl, a, banned)
        for t, i in enumerate(bs):
            ban = banned | frozenset(bs[:t])
            near = touching[i]
            for c, k in opts(i):
                g2 = g_cost + c
                if g2 > cap:
                    break
                a2 = {**a, i: k}
                bad2 = bad.difference(near).union(r_i for r_i in near if fails(r_i, a2))
                fl2 = conflict(bad2, a2)
                h = bound(fl2, a2, ban)
                if g2 + h <= cap:
                    heapq.heappush(heap, (g2 + h, tick, g2, tuple(sorted(a2.items())), ban,
                                          bad2, fl2))
                    tick += 1
    if not leaves:
        return None
    best_cost, best = leaves[0]
    support = {i for i, _ in best}
    if any(k < 0 for _, k in best):
        return None   # a free change: its value is the MILP's point, not a closed form
    chosen = {i: pool[k] for i, k in best}
    if not _witness(figs, rows, ids, chosen):
        return None
    sol = _repair_at(figs, rows, ids, sorted(support), chosen, prior, np.zeros(n))
    if sol is None or abs(sol.cost - best_cost) > 1e-9 * (1 + best_cost):
        return None
    return Localization([sol], method="search")


def _witness(figs: dict[str, Figure], rows: Sequence[Row], ids: list[str],
             pins: Mapping[int, priors.Typo]) -> bool:
    """Is there a point of the MILP's model with the figures `pins` (by index) changed onto
    their slips: every other figure at its print, each pinned one inside its slip's interval
    (the slip's value, else the middle of what the rows leave it), every row holding exactly
    (guarded ones relaxed by their big M when switched off) within the variables' bounds?"""
    mag = _magnitude(figs, rows)
    changed = {ids[i] for i in pins}
    point: dict[str, float] = {}
    for i, fid in enumerate(ids):
        f = figs[fid]
        if i not in pins and not f.lo <= f.value <= f.hi:
            return False
        point[fid] = pins[i].value if i in pins else f.value

    def limits(row: Row) -> tuple[float, float]:
        L, U = row.bounds()
        if not active(row, changed):
            big = sum(abs(c) * (mag[j] + 10.0 * mag[j]) for j, c in row.coefs) \
                + abs(row.rhs) + row.tol
            L, U = L - big, U + big
        return L, U

    for i, t in pins.items():   # each slip's point where the rows, the others fixed, allow it
        fid = ids[i]
        span = 2 * 10.0 * mag[fid] + mag[fid]
        x_lo = max(t.interval[0], figs[fid].value - span)
        x_hi = min(t.interval[1], figs[fid].value + span)
        for row in rows:
            c_i = sum(c for j, c in row.coefs if j == fid)
            if c_i == 0.0:
                continue
            rest = sum(c * point[j] for j, c in row.coefs if j != fid)
            L, U = limits(row)
            a, b = (L - rest) / c_i, (U - rest) / c_i
            if c_i < 0:
                a, b = b, a
            x_lo, x_hi = max(x_lo, a), min(x_hi, b)
        if x_lo <= x_hi and not x_lo <= point[fid] <= x_hi:
            point[fid] = (x_lo + x_hi) / 2
    if all(limits(row)[0] <= sum(c * point[j] for j, c in row.coefs) <= limits(row)[1]
           for row in rows):
        return True
    # rounded prints that only hold jointly (sums of amounts printed to the cent): the point
    # is an LP's — the MILP's own model with its change indicators fixed to this repair
    from .highs import OPTIMAL, linprog

    index = {f: i for i, f in enumerate(ids)}
    A, b = [], []
    for row in rows:
        r = np.zeros(len(ids))
        for j, c in row.coefs:
            r[index[j]] += c
        L, U = limits(row)
        if math.isfinite(U):
            A.append(r), b.append(U)
        if math.isfinite(L):
            A.append(-r), b.append(-L)
    bounds = []
    for i, fid in enumerate(ids):
        f = figs[fid]
        if i in pins:
            span = 2 * 10.0 * mag[fid] + mag[fid]
            bounds.append((max(pins[i].interval[0], f.value - span),
                           min(pins[i].interval[1], f.value + span)))
        else:
            bounds.append((f.lo, f.hi))
    status, _ = linprog(np.zeros(len(ids)), np.array(A) if A else None,
                        np.array(b) if b else None, bounds)
    return status == OPTIMAL


def _relations_of(rows: Sequence[Row]) -> dict[str, list[list[Row]]]:
    """The informative relations each figure takes part in (a ratio is four guarded rows that
    give a figure's range jointly), in the relations' order."""
    relations: dict[str, list[Row]] = {}
    for k, row in enumerate(rows):
        relations.setdefault(row.name or f"#{k}", []).append(row)
    of_fig: dict[str, list[list[Row]]] = {}
    for rel_rows in relations.values():
        if not all(r.informative for r in rel_rows):
            continue
        for fid in dict.fromkeys(j for r in rel_rows for j, _ in r.coefs):
            of_fig.setdefault(fid, []).append(rel_rows)
    return of_fig


def _offered_to(fid: str, figs: Mapping[str, Figure], of_fig: Mapping[str, list[list[Row]]],
                prior: Prior) -> list[priors.Typo]:
    """The slips offered for one figure: those fitting a narrow range of one of its relations
    (the relation's other figures unchanged), each value once."""
    out: list[priors.Typo] = []
    if not math.isfinite(figs[fid].weight):
        return out
    seen: set[float] = set()
    for rel_rows in of_fig.get(fid, ()):
        rng = solo_range(fid, rel_rows, figs)
        if rng is None:
            continue
        if not specific(figs[fid], rng[0], rng[1]):
            continue   # a wide range fits many slips: no evidence for any of them
        for t in prior(figs[fid], rng[0], rng[1])[:MAX_CANDIDATES]:
            if t.value not in seen:
                seen.add(t.value)
                out.append(t)
    return out


def _offered(figs: dict[str, Figure], rows: Sequence[Row], ids: list[str],
             prior: Prior | None, singles: Sequence[Solution]) -> list[tuple[int, priors.Typo]]:
    """The typo candidates the MILP may pin a figure to: those fitting a narrow range of one
    relation (its other figures unchanged), and the slip of each single-figure repair."""
    index = {f: i for i, f in enumerate(ids)}
    cands: list[tuple[int, priors.Typo]] = []
    if prior is not None:
        of_fig = _relations_of(rows)
        for fid in ids:
            cands += [(index[fid], t) for t in _offered_to(fid, figs, of_fig, prior)]
    for sol in singles:
        ch = sol.changes[0]
        if ch.typo is not None and not any(c == index[ch.id] and t.value == ch.typo.value
                                           for c, t in cands):
            cands.append((index[ch.id], ch.typo))
    return cands


def _milp(figs: dict[str, Figure], rows: Sequence[Row], limit: int, slack: float,
          prior: Prior | None, time_limit: float, singles: Sequence[Solution] = (),
          cands: list[tuple[int, priors.Typo]] | None = None) -> Localization:
    from .highs import INFEASIBLE, OPTIMAL, milp

    ids = list(figs)
    index = {f: i for i, f in enumerate(ids)}
    n = len(ids)
    if cands is None:
        cands = _offered(figs, rows, ids, prior, singles)
    m = len(cands)
    nv = 2 * n + m                                   # x (n), z (n), y (m)
    mag = _magnitude(figs, rows)
    big = {fid: 10.0 * mag[fid] for fid in ids}

    A: list[np.ndarray] = []
    lo_b: list[float] = []
    hi_b: list[float] = []
    owner = np.array([ci for ci, _ in cands], dtype=np.int64)   # the figure of each candidate
    c_lo = np.array([t.interval[0] for _, t in cands], dtype=float)
    c_hi = np.array([t.interval[1] for _, t in cands], dtype=float)
    # u_i = z_i + Σ y_k over figure i's candidates: "figure i is changed", one row per figure
    U_all = np.zeros((n, nv))
    U_all[np.arange(n), n + np.arange(n)] = 1.0
    U_all[owner, 2 * n + np.arange(m)] = 1.0

    def u_vec(i: int) -> np.ndarray:
        return U_all[i].copy()

    for i, fid in enumerate(ids):
        f = figs[fid]
        M = big[fid]
        mine = owner == i
        # x ≤ hi + M·z + Σ (c_hi − hi)·y ;  x ≥ lo − M·z + Σ (c_lo − lo)·y
        if math.isfinite(f.hi):
            r = np.zeros(nv)
            r[i], r[n + i] = 1.0, -M
            r[2 * n:][mine] = -(c_hi[mine] - f.hi)
            A.append(r), lo_b.append(-math.inf), hi_b.append(f.hi)
        if math.isfinite(f.lo):
            r = np.zeros(nv)
            r[i], r[n + i] = 1.0, M
            r[2 * n:][mine] = -(c_lo[mine] - f.lo)
            A.append(r), lo_b.append(f.lo), hi_b.append(math.inf)
        A.append(u_vec(i)), lo_b.append(-math.inf), hi_b.append(1.0)
    for row in rows:
        r = np.zeros(nv)
        for j, c in row.coefs:
            r[index[j]] += c
        L, U = row.bounds()
        if row.guard is None:
            A.append(r), lo_b.append(L), hi_b.append(U)
            continue
        # relaxed by M_r·off, off = u (row binds while unchanged) or 1 − u (while changed)
        M_r = sum(abs(c) * (mag[j] + big[j]) for j, c in row.coefs) + abs(row.rhs) + row.tol
        u = u_vec(index[row.guard[1]])
        off, const = (u, 0.0) if row.guard[0] == "unchanged" else (-u, 1.0)
        if math.isfinite(U):
            A.append(r - M_r * off), lo_b.append(-math.inf), hi_b.append(U + M_r * const)
        if math.isfinite(L):
            A.append(r + M_r * off), lo_b.append(L - M_r * const), hi_b.append(math.inf)

    A_mat = np.array(A)
    cost = np.zeros(nv)
    frozen = np.zeros(n, dtype=bool)
    for i, fid in enumerate(ids):
        w = figs[fid].weight
        frozen[i] = not math.isfinite(w)
        cost[n + i] = 0.0 if frozen[i] else w
    for k, (ci, t) in enumerate(cands):
        cost[2 * n + k] = figs[ids[ci]].weight * t.factor
    integrality = np.r_[np.zeros(n), np.ones(n + m)]
    xb = [(figs[f].value - 2 * big[f] - mag[f], figs[f].value + 2 * big[f] + mag[f]) for f in ids]
    x_lo = np.r_[[b[0] for b in xb], np.zeros(n + m)]
    x_hi = np.r_[[b[1] for b in xb], np.where(frozen, 0.0, 1.0), np.ones(m)]
    options = {"time_limit": time_limit, "mip_rel_gap": 0.0}
    loc = Localization(method="milp")
    cuts: list[np.ndarray] = []
    cut_lo: list[float] = []
    cut_hi: list[float] = []
    best: float | None = None
    for _ in range(limit + MAX_BENDERS):
        mat = np.vstack([A_mat, *cuts]) if cuts else A_mat
        with _quiet_stdout():
            status, xs = milp(cost, integrality, x_lo, x_hi, mat, np.array(lo_b + cut_lo),
                              np.array(hi_b + cut_hi), options)
        if status == INFEASIBLE:
            break           # infeasible: no further solution
        if status != OPTIMAL or xs is None:
            loc.exact = False   # time or node limit, numerical trouble: what was found stands
            break
        u = U_all @ xs
        support = [i for i in range(n) if u[i] > 0.5]
        picked = {k: int(owner[k]) for k in np.flatnonzero(xs[2 * n:] > 0.5).tolist()}
        chosen = {ci: cands[k][1] for k, ci in picked.items()}
        sol = _repair(figs, rows, ids, support, chosen, prior, xs[:n])
        if sol is None:
            # combinatorial Benders cut: with integrality tolerances a big-M model may move a
            # figure whose indicator reads 0; the exact re-check refused this support, so some
            # figure outside it must change, or a typo-pinned figure take another option
            cut = np.zeros(nv)
            for i in range(n):
                if i not in support:
                    cut += u_vec(i)
            for k, ci in picked.items():
                cut += u_vec(ci)
                cut[2 * n + k] -= 1.0
            cuts.append(cut), cut_lo.append(1.0), cut_hi.append(math.inf)
            continue
        if best is None:
            best = sol.cost
            # later solves only look for solutions within `slack` of it (costlier ones are
            # not reported): an objective cutoff, so HiGHS proves "no other" from the bound
            # instead of searching for the next-best support (10× faster on big components)
            cuts.append(cost.copy()), cut_lo.append(-math.inf)
            cut_hi.append(best + slack + 1e-6 * (1 + best))
        elif sol.cost > best + slack + 1e-9 * (1 + best):
            break
        loc.solutions.append(sol)
        if len(loc.solutions) >= limit or not support:
            break
        cut = np.zeros(nv)   # no-good: not this set again (nor its supersets, costlier anyway)
        for i in support:
            cut += u_vec(i)
        cuts.append(cut), cut_lo.append(-math.inf), cut_hi.append(len(support) - 1.0)
    else:
        loc.exact = False
    loc.solutions.sort(key=lambda s: (s.cost, s.ids))
    return loc


@contextmanager
def _quiet_stdout() -> Iterator[None]:
    """Silence file descriptor 1 around a HiGHS call: some HiGHS builds printf a debug line
    ("HighsMipSolverData::transformNewIntegerFeasibleSolution…") even with logging off, and it
    would land in the middle of a console report or a JSON written to stdout."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), fd)
            yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _magnitude(figs: Mapping[str, Figure], rows: Sequence[Row]) -> dict[str, float]:
    """How far a figure may need to move: the size of the rows it takes part in."""
    def size(f: Figure) -> float:
        return max(abs(v) for v in (f.value, f.lo, f.hi) if math.isfinite(v))

    mag = {fid: 1.0 + size(f) for fid, f in figs.items()}
    one_plus = dict(mag)   # 1 + a figure's size, once per figure (not once per coefficient)
    for row in rows:
        total = abs(row.rhs) + row.tol + sum(abs(c) * one_plus[j] for j, c in row.coefs)
        for j, c in row.coefs:
            mag[j] = max(mag[j], total / abs(c))
    return mag


def _pick(f: Figure, rng: tuple[float, float], chosen: priors.Typo | None,
          prior: Prior | None, spec: tuple[float, float] | None = None
          ) -> tuple[float, priors.Typo | None]:
    """A changed figure's value: the slip the MILP chose, a slip that fits a narrow range, or
    the range's point (a slip that merely fits a wide range is no evidence, and costs 1).
    `spec` is the range the relations alone give (bounds left out), judged for narrowness."""
    if chosen is not None:
        return pick_value(f, rng[0], rng[1], chosen, None)
    spec = rng if spec is None else spec
    return pick_value(f, rng[0], rng[1], None,
                      prior if spec is not None and specific(f, *spec) else None)


def _repair_at(figs: dict[str, Figure], rows: Sequence[Row], ids: list[str],
               support: list[int], chosen: Mapping[int, priors.Typo], prior: Prior | None,
               x: np.ndarray) -> Solution | None:
    """Repaired values from the MILP's own point: each changed figure's range with the other
    changed figures held at their chosen values (analytic), re-checked exactly; None when the
    point does not survive (then the LP path decides)."""
    from dataclasses import replace

    changed = {ids[i] for i in support}
    cur = dict(figs)
    for i in support:
        fid, t = ids[i], chosen.get(i)
        lo, hi = t.interval if t else (float(x[i]), float(x[i]))
        cur[fid] = replace(figs[fid], lo=lo, hi=hi)
    changes: list[Change] = []
    cost = 0.0
    for i in sorted(support, key=lambda i: (i not in chosen, ids[i])):
        fid, f = ids[i], figs[fid]
        rng = solo_range(fid, rows, cur, changed)
        if rng is None:
            return None
        spec = solo_range(fid, [r for r in rows if r.informative], cur, changed)
        value, typo = _pick(f, rng, chosen.get(i), prior, spec)
        cost += f.weight * (typo.factor if typo is not None else 1.0)
        changes.append(Change(fid, f.value, value, rng[0], rng[1], typo))
        lo, hi = typo.interval if typo is not None else (value - f.half_width,
                                                         value + f.half_width)
        cur[fid] = replace(f, lo=max(rng[0], lo), hi=min(rng[1], hi))
    if not all(row_holds(r, cur) for r in rows if active(r, changed)):
        return None
    changes.sort(key=lambda c: c.id)
    return Solution(cost, tuple(changes))


def _repair(figs: dict[str, Figure], rows: Sequence[Row], ids: list[str], support: list[int],
            chosen: Mapping[int, priors.Typo], prior: Prior | None,
            x: np.ndarray | None = None) -> Solution | None:
    """Repaired values of a support set, figure by figure, re-checked exactly with LPs."""
    from .highs import linprog

    if x is not None:
        fast = _repair_at(figs, rows, ids, support, chosen, prior, x)
        if fast is not None:
            return fast

    changed = {ids[i] for i in support}
    fixed: dict[str, tuple[float, float]] = {}
    for fid in ids:
        f = figs[fid]
        if fid not in changed:
            fixed[fid] = (f.lo, f.hi)
    for i in support:
        fid = ids[i]
        t = chosen.get(i)
        fixed[fid] = t.interval if t else (-math.inf, math.inf)
    changes: list[Change] = []
    cost = 0.0
    order = sorted(support, key=lambda i: (i not in chosen, ids[i]))
    for i in order:
        fid = ids[i]
        f = figs[fid]
        rng = _lp_range(fid, ids, fixed, rows, changed, linprog)
        if rng is None:
            return None
        value, typo = _pick(f, rng, chosen.get(i), prior)
        cost += f.weight * (typo.factor if typo is not None else 1.0)
        changes.append(Change(fid, f.value, value, rng[0], rng[1], typo))
        # the repaired print stands for its own rounding interval
        if typo is not None:
            fixed[fid] = (max(rng[0], typo.interval[0]), min(rng[1], typo.interval[1]))
        else:
            h = f.half_width
            fixed[fid] = (max(rng[0], value - h), min(rng[1], value + h))
    changes.sort(key=lambda c: c.id)
    return Solution(cost, tuple(changes))


def _lp_range(fid: str, ids: list[str], fixed: Mapping[str, tuple[float, float]],
              rows: Sequence[Row], changed: set[str], linprog: Callable
              ) -> tuple[float, float] | None:
    """min and max of x[fid] over the box `fixed` and the rows active for `changed`."""
    index = {f: i for i, f in enumerate(ids)}
    A_ub: list[np.ndarray] = []
    b_ub: list[float] = []
    for row in rows:
        if row.guard is not None:
            kind, g = row.guard
            if (g in changed) != (kind == "changed"):
                continue
        r = np.zeros(len(ids))
        for j, c in row.coefs:
            r[index[j]] += c
        L, U = row.bounds()
        if math.isfinite(U):
            A_ub.append(r), b_ub.append(U)
        if math.isfinite(L):
            A_ub.append(-r), b_ub.append(-L)
    bounds = [(None if not math.isfinite(fixed[f][0]) else fixed[f][0],
               None if not math.isfinite(fixed[f][1]) else fixed[f][1]) for f in ids]
    out = []
    for sign in (1.0, -1.0):
        c = np.zeros(len(ids))
        c[index[fid]] = sign
        status, x = linprog(c, np.array(A_ub) if A_ub else None,
                            np.array(b_ub) if b_ub else None, bounds)
        if status == 3:
            out.append(-sign * math.inf)
        elif status != 0 or x is None:
            return None
        else:
            out.append(float(x[index[fid]]))
    return out[0], out[1]


def components(rows: Sequence[Row]) -> list[list[int]]:
    """Indices of `rows` grouped by connected component (rows sharing a figure or a guard)."""
    parent: dict[str, str] = {}

    def find(a: str) -> str:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for row in rows:
        names = [j for j, _ in row.coefs] + ([row.guard[1]] if row.guard else [])
        for j in names[1:]:
            parent[find(j)] = find(names[0])
        if names:
            find(names[0])
    groups: dict[str, list[int]] = {}
    for k, row in enumerate(rows):
        names = [j for j, _ in row.coefs] + ([row.guard[1]] if row.guard else [])
        groups.setdefault(find(names[0]) if names else f"#{k}", []).append(k)
    return list(groups.values())
