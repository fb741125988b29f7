"""Name the suspect of each anomaly from the exact localization of its component.

The relations of the whole figures table are built once (relations.py), every group of violated
relations is localized (solver.py, with the typist priors), and each anomaly reads the answer of
the group its figures belong to:
- one minimum-cost solution: its changes among the anomaly's figures are the suspect, with the
  repaired value, the cause (causes.py) and the relations that decided it;
- several: no suspect — the candidates, ranked, each with the repair it would need.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .causes import Cause, Prints, children_column, explain, parent_column, suggestion
from .evidence import narrow
from .relations import Relations, build, problems
from .solver import Localization, Solution, localize


@dataclass
class Finding:
    """What the localization says about one anomaly."""

    suspect: dict[str, Any] | None                      # ref, suggested, reason, cause
    candidates: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Localized:
    rel: Relations
    by_ref: dict[str, int]                               # ref → problem index
    results: list[tuple[Localization, list[int]]]        # per problem: answer, violated rows
    prints: Prints | None = None                         # the dataset index causes search
    # (problem, suspect) → (relations the repair satisfies, relations confirming the others):
    # the anomalies of one group share them, so they are read off the rows once per group
    decided: dict[tuple[int, str], tuple[list[str], list[str]]] = field(default_factory=dict)
    causes: dict[tuple[Any, ...], Cause] = field(default_factory=dict)   # explain()'s answers
    limit: int = 8   # the solutions each problem lists at most (`localize`'s limit)


def _explain(loc: Localized, row: dict[str, Any], lo: float, hi: float, *args: Any) -> Cause:
    """`causes.explain` of a change, once per (print, range, context): the anomalies of a
    group ask it the same question (its answer depends on nothing else)."""
    ctx = tuple(tuple(a) if isinstance(a, list) else a for a in args[1:])
    key = (row["ref"], lo, hi, bool(args), ctx)
    cause = loc.causes.get(key)
    if cause is None:
        cause = loc.causes[key] = explain(row, lo, hi, *args)
    return cause


def localize_dataset(pack: Any, figures: Any, limit: int = 8, near: Any = None,
                     core: Any = None) -> Localized:
    """Localize every group of violated relations of the figures table.

    With `near` and `core` (boolean masks over its rows) only the neighbourhood of the
    violations is built: `core` the prints the violated relations read, `near` every print a
    relation reading a core print reads — all the rows and figures a problem can hold (the
    cause searches still read the whole table's index)."""
    index = None
    focus = None
    recs = None
    if near is not None and core is not None:
        ordered = figures[figures["value"].notna()].sort_values(["dataset", "prio", "seq"])
        # the whole dataset's index, its records built only where a search reads them
        index = Prints(ordered, ordered=True)
        # the neighbourhood's prints, in the same read order (a stable sort's subsequence)
        keep = np.asarray(near)[figures.index.get_indexer(ordered.index)]
        recs = index.rows_at(np.flatnonzero(keep).tolist())
        focus = set(figures.loc[core, "ref"])
        figures = figures[near]
    rel = build(pack, figures, index, recs)
    by_ref: dict[str, int] = {}
    results = []
    for i, (figs, rows, bad) in enumerate(problems(rel, focus)):
        for f in figs:
            if f.weight != float("inf"):
                by_ref[f.id] = i
        results.append((localize(figs, rows, limit=limit), bad))
    # the dataset index the cause searches read, from the prints already in read order
    if index is None and results:
        index = Prints(list(rel.rows_by_ref.values()))
    return Localized(rel, by_ref, results, index if results else None, limit=limit)


def _rule_ids(rel: Relations, rows: Iterable[int]) -> list[str]:
    return sorted({rel.rows[k].name.split("|")[0] for k in rows})


def _decided(loc: Localized, idx: int, fid: str) -> tuple[list[str], list[str]]:
    """The relations that decided a group's suspect `fid`: those its repair satisfies (the
    group's violated rows), and those that confirm the other figures of the violated rows
    (changing one of them would break it) — once per (group, suspect)."""
    got = loc.decided.get((idx, fid))
    if got is None:
        rel = loc.rel
        bad = loc.results[idx][1]
        others_in_bad = {j for k in bad for j, _ in rel.rows[k].coefs} - {fid}
        bad_names = {rel.rows[k].name for k in bad}
        rows = {k for j in others_in_bad for k in rel.rows_of.get(j, ())}
        confirming = _rule_ids(rel, [k for k in rows if rel.rows[k].name not in bad_names
                                     and not rel.rows[k].name.startswith("bounds")])
        got = loc.decided[(idx, fid)] = (_rule_ids(rel, bad), confirming)
    return got


def _candidate(loc: Localized, sol: Solution, figures: Any, mine: set[str]) -> dict[str, Any]:
    """A solution as the reviewer reads it: its change among the anomaly's figures first."""
    ch = next((c for c in sol.changes if c.id in mine), sol.changes[0])
    row = loc.rel.rows_by_ref[ch.id]
    cause = _explain(loc, row, ch.lo, ch.hi)   # slips and rounding only: no dataset search
    value = suggestion(cause, ch.lo, ch.hi, ch.value)
    return {"ref": ch.id, "suggested": value, "cost": round(sol.cost, 6),
            "cause": cause.name, "also": [c.id for c in sol.changes if c.id != ch.id]}



def finding(loc: Localized, refs: list[str], figures: Any, children: list[str] | None = None,
            category: str | None = None) -> Finding | None:
    """The finding for an anomaly over the prints `refs` (None: no localized group).

    For a `rounding` anomaly (the engine found that truncation or double rounding explains the
    miss) the suspect is the rounded print whose practice explains it, if only one does.
    """
    rel = loc.rel
    vars_ = [rel.alias.get(r, r) for r in refs]
    idx = next((loc.by_ref[v] for v in vars_ if v in loc.by_ref), None)
    if idx is None:
        return None
    answer, bad = loc.results[idx]
    seen = {s.ids for s in answer.solutions}
    ranked = answer.solutions + [c for c in answer.candidates if c.ids not in seen]
    vset = set(vars_)
    cands = [_candidate(loc, s, figures, vset) for s in ranked if not vset.isdisjoint(s.ids)]
    if category == "rounding":
        found = _rounding(loc, answer, vars_, figures)
        if found.suspect is not None or found.candidates:
            # the slips that would repair it too stay listed after the practices
            listed = {c["ref"] for c in found.candidates}
            found.candidates += [c for c in cands if c["ref"] not in listed]
            return found   # else no named practice explains it: an error, localized as such
    # a figure every minimum-cost solution changes is the suspect even when the solutions
    # differ elsewhere (Alsace-Moselle: the headline total, whichever Bas-Rhin print is off)
    # a given transposition beats a given digit slip (evidence.py)
    opt = narrow(answer.optimal, answer.candidates, answer.tie, rel.figures)
    narrowed = len(opt) < len(answer.optimal)
    common = set.intersection(*(set(s.ids) for s in opt)) if opt else set()
    if len(opt) > 1 and len(answer.optimal) >= loc.limit:
        # the list of tied solutions is full: one left out may leave this figure as printed,
        # so "every minimum-cost solution changes it" is unproven — ambiguous, not a guess
        common = set()
    # of the solutions that agree on the suspect, the one that leaves this anomaly's other
    # figures as printed gives the repair its own relation reads
    best = min(opt, key=lambda s: len(vset.intersection(s.ids))) if opt else None
    mine = [c for c in best.changes if c.id in vset and c.id in common] if best else []
    if children and not any(c.typo for c in mine):
        # no typist slip explains the repair: a column holding a sibling indicator may
        mine_rows = [rel.rows_by_ref[r] for r in refs if r in rel.rows_by_ref]
        index = loc.prints or figures
        column = children_column(mine_rows, children, index)
        if column is None and not mine:   # the MILP names no print: the parent's may be it
            column = parent_column(mine_rows, children, index)
        elif column is None:
            named = {c.id for c in mine}
            column = parent_column([r for r in mine_rows if rel.alias.get(r["ref"]) not in named],
                                   children, index)
        if column is not None:
            return Finding(column, cands)
    if not mine:
        return Finding(None, cands)
    ch = mine[0]
    row = rel.rows_by_ref[ch.id]
    numerator, den_ref = None, None
    if ch.id in rel.ratios:
        from .relations import interval_of

        k, num, den = rel.ratios[ch.id]
        n_lo, n_hi = interval_of(num, rel.rows_by_ref)
        numerator = (n_lo * k / 100.0, n_hi * k / 100.0)   # wrong_denominator uses k = 100
        den_ref = next(iter(den)) if len(den) == 1 else None
    cause = _explain(loc, row, ch.lo, ch.hi, loc.prints or figures, children, numerator,
                     den_ref)
    value = suggestion(cause, ch.lo, ch.hi, ch.value)   # the slip's value, or the range's
    # the relations that decided: those the repair satisfies, and those that confirm the
    # other figures of the violated relations (changing one of them would break it)
    repaired, confirming = _decided(loc, idx, ch.id)
    nxt = next((c for c in cands if c["ref"] != ch.id), None)
    fr = (f"avec {_fmt(value, 'fr')}, {', '.join(repaired)} "
          f"{'est vérifiée' if len(repaired) == 1 else 'sont vérifiées'}")
    en = (f"with {_fmt(value, 'en')}, {', '.join(repaired)} "
          f"{'holds' if len(repaired) == 1 else 'hold'}")
    if confirming:
        fr += f" ; les autres chiffres sont confirmés par {', '.join(confirming)}"
        en += f"; the other figures are confirmed by {', '.join(confirming)}"
    if nxt is not None:
        other = rel.rows_by_ref.get(nxt["ref"])
        who = (f"{other['text']}, {other['indicator']}" if other
               else nxt["ref"].split("@")[0])
        if narrowed:
            fr += (f" ; la correction suivante ({who} → {_fmt(nxt['suggested'], 'fr')}) ne "
                   "corrige qu'un chiffre, une inversion donnée est plus probable")
            en += (f"; the next repair ({who} → {_fmt(nxt['suggested'], 'en')}) undoes one "
                   "digit only, a given transposition is likelier")
        else:
            fr += f" ; la correction suivante ({who} → {_fmt(nxt['suggested'], 'fr')}) coûte plus"
            en += f"; the next repair ({who} → {_fmt(nxt['suggested'], 'en')}) costs more"
    fr += f" — {cause.detail['fr']}"
    en += f" — {cause.detail['en']}"
    also = [r for c in mine for r in rel.groups.get(c.id, [c.id]) if r != ch.id]
    suspect = {"ref": ch.id, "suggested": value, "reason": {"fr": fr, "en": en},
               "cause": cause.name, "severity": cause.severity, "also": also}
    return Finding(suspect, cands)


def _rounding(loc: Localized, answer: Localization, vars_: list[str], figures: Any) -> Finding:
    """Which print a named rounding practice explains, on the anomaly's own relation."""
    from .solver import pick_value, solo_range

    rel = loc.rel
    mine = set(vars_)
    # the rows over the anomaly's own figures only (read off the index, not a scan of all rows)
    near = sorted({k for fid in mine for k in rel.rows_of.get(fid, [])})
    weights = rel.weights   # (a national run's weights are ~10⁵: no union per row)
    rows = [r for r in (rel.rows[k] for k in near) if r.coefs
            and all(j in mine or j in weights for j, _ in r.coefs)
            and not r.name.startswith(("bounds", "agreement"))]
    explained = []
    for fid in dict.fromkeys(vars_):
        fig = rel.figures.get(fid)
        if fig is None or fig.lo == fig.hi:
            continue
        rng = solo_range(fid, rows, rel.figures)
        if rng is None:
            continue
        row = rel.rows_by_ref[fid]
        cause = _explain(loc, row, rng[0], rng[1])
        if cause.name in ("truncation", "rounding"):
            width = (fig.hi - fig.lo) / max(abs(fig.value), 1e-12)
            value, _ = pick_value(fig, rng[0], rng[1])
            explained.append((width, fid, value, cause))
    cands = [{"ref": fid, "suggested": v, "cost": 1.0, "cause": c.name, "also": []}
             for _, fid, v, c in explained]
    # several prints a practice explains: only a strictly coarser print (fewer decimals) is
    # singled out — the most coarsely rounded is the likeliest to have been rounded badly
    explained.sort(key=lambda e: rel.figures[e[1]].decimals)
    coarsest = [e for e in explained
                if explained and rel.figures[e[1]].decimals == rel.figures[explained[0][1]].decimals]
    if len(coarsest) != 1:
        return Finding(None, cands)
    _, fid, value, cause = coarsest[0]
    why = {"fr": f"{cause.detail['fr']} ; l'impression la plus grossièrement arrondie",
           "en": f"{cause.detail['en']}; the most coarsely rounded print"}
    if len(explained) == 1:
        why = {"fr": f"{cause.detail['fr']} ; seule impression qu'une troncature ou un double "
                     "arrondi explique",
               "en": f"{cause.detail['en']}; the only print truncation or double rounding "
                     "explains"}
    return Finding({"ref": fid, "suggested": value, "reason": why, "cause": cause.name,
                    "severity": cause.severity, "also": []}, cands)


def _fmt(x: float, lang: str) -> str:
    from .causes import _fmt as f

    return f(round(x, 10), lang)
