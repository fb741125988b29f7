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

from collections.abc import Sequence

from .solver import TIE, Solution

# the one-digit slips, each one outcome among several at its position
DILUTED = frozenset({"digit", "dropped", "extra", "duplicated"})


def narrow(optimal: Sequence[Solution], singles: Sequence[Solution] = (),
           tie: float = TIE) -> list[Solution]:
    """The optimal solutions, narrowed to the transposition when exactly one of several tied
    single-figure repairs undoes a transposition and all the others a one-digit slip.

    `singles` are every single-figure repair (the localization's `candidates`): the optimal
    list is capped at a limit, and a tied repair it left out (a scale slip) must still count."""
    if len(optimal) < 2 or any(len(s.changes) != 1 for s in optimal):
        return list(optimal)
    best = optimal[0].cost
    tied = {s.ids: s for s in optimal}
    for s in singles:
        if s.cost < best + tie - 1e-9:
            tied.setdefault(s.ids, s)
    edits = [s.changes[0].typo.edit if s.changes[0].typo is not None else None
             for s in tied.values()]
    swaps = [s for s, e in zip(tied.values(), edits, strict=True) if e == "transposition"]
    if len(swaps) == 1 and all(e in DILUTED for e in edits if e != "transposition"):
        return swaps
    return list(optimal)
