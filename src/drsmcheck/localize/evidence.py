"""Evidence that separates repairs the cost model calls equal: how specific a slip is.

The localization's costs rank kinds of slip (priors.FACTORS) and call two single-slip repairs
within `TIE` equally plausible. They are not always: the likelihood of the *print* under each
hypothesis is that of one specific slip. A substituted digit is one outcome among nine wrong
digits at its position; a transposition of two adjacent digits is the one outcome of swapping
them. Even though substitutions are the commoner kind of keying error (several times the
transpositions in data-entry studies), a *given* transposition is then several times likelier
than a *given* substitution — so when exactly one tied repair undoes a transposition and every
other one only a substituted, dropped or stray digit, the transposition is the suspect.

Only this contrast is used: it holds whatever the exact rates of the kinds are (a ninefold
dilution against a kind at most a few times rarer). Scale and sign slips, whose rates against
substitutions are not known well enough, are never singled out this way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .causes import rounding_practice
from .solver import TIE, Change, Figure, Solution, specific, typist_prior

# the one-digit slips, each one outcome among several at its position
DILUTED = frozenset({"digit", "dropped", "extra", "duplicated"})


def narrow(optimal: Sequence[Solution], singles: Sequence[Solution] = (),
           tie: float = TIE, figures: Mapping[str, Figure] | None = None) -> list[Solution]:
    """The optimal solutions, narrowed to the transposition when exactly one of several tied
    single-figure repairs undoes a transposition and all the others a one-digit slip.

    `singles` are every single-figure repair (the localization's `candidates`): the optimal
    list is capped at a limit, and a tied repair it left out (a scale slip) must still count.
    With `figures` (the component's, by id) a repair is read from its whole range, not only
    from the slip the localization picked: a range a transposition also fits counts as a
    transposition (« 7,87 » for 7,78 where 7,79 fits too), and a rounding practice that
    explains a print (no slip at all) leaves the tie alone."""
    if len(optimal) < 2 or any(len(s.changes) != 1 for s in optimal):
        return list(optimal)
    best = optimal[0].cost
    tied = {s.ids: s for s in optimal}
    for s in singles:
        if s.cost < best + tie - 1e-9:
            tied.setdefault(s.ids, s)
    kinds = [_kind(s.changes[0], figures) for s in tied.values()]
    swaps = [s for s, k in zip(tied.values(), kinds, strict=True) if k == "transposition"]
    if len(swaps) == 1 and all(k in DILUTED for k in kinds if k != "transposition"):
        return swaps
    return list(optimal)


def _kind(ch: Change, figures: Mapping[str, Figure] | None) -> str | None:
    """The slip a repair undoes: 'transposition' when one fits its range, else the slip the
    localization picked; None for no slip or a print a rounding practice explains. Only a
    narrow range is read (a slip that fits a wide one is no evidence: solver.specific)."""
    edit = ch.typo.edit if ch.typo is not None else None
    fig = figures.get(ch.id) if figures is not None else None
    if fig is None:
        return edit
    if fig.lo != fig.hi and rounding_practice(fig.value, fig.decimals, ch.lo, ch.hi,
                                              fig.scale) is not None:
        return None
    if edit is not None and specific(fig, ch.lo, ch.hi) and any(
            t.edit == "transposition" for t in typist_prior(fig, ch.lo, ch.hi)):
        return "transposition"
    return edit
