"""Rule-pack checks that refuse values which would make a rule lie, and warnings about
selectors that make it check nothing. Small functions, called where each key is parsed
(`rules.parse_rule` for the common keys, `kinds/*` for their own), so they move with them.
"""

from __future__ import annotations

import datetime
import fnmatch
import math
import re
from collections.abc import Callable
from typing import Any

from .errors import InputError
from .yamlfile import LDict, did_you_mean

SIZE_HINT = "expression limits are listed in docs/FORMATS.md §3"
WEIGHT_UNITS = ("count", "eur", "keur", "meur")


def tolerance_value(value: Any, file: str, line: int) -> float:
    """A tolerance is a finite number ≥ 0: `.nan` compared false with everything and passed
    every relation, `.inf` accepts anything."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise InputError(file, line, f"tolerance must be a number ≥ 0, not {value!r}",
                         "e.g. tolerance: {absolute: 0.5} or {relative: 0.001}")
    if not math.isfinite(value):
        raise InputError(file, line, f"tolerance must be finite, not {value!r}",
                         "an infinite tolerance accepts every value: remove the rule instead")
    return float(value)


def finite_bound(value: float, key: str, file: str, line: int) -> float:
    """`min` / `max` of a bounds rule: NaN passed every value, ±inf is no bound at all."""
    if not math.isfinite(value):
        raise InputError(file, line, f"'{key}' must be a finite number, not {value}",
                         f"leave '{key}' out for no bound on that side")
    return value


def check_weight(weight: Any, ref: Any, file: str, line: int) -> None:
    """A weighted mean needs weights that are never negative: an additive count or amount.

    A rate or a change as weight can be zero or negative, and a weighted mean with negative
    weights can land anywhere (even outside its children's range); a number is no weight.
    """
    if isinstance(weight, int | float) and not isinstance(weight, bool):
        raise InputError(file, line, f"weight {weight!r} is a number; a weight is the indicator "
                         "that weighs each child",
                         "e.g. weight: expertise.count (an additive count, never negative)")
    ind = ref.indicators.get(weight) if isinstance(weight, str) else None
    if ind is not None and (not ind.additive or ind.unit not in WEIGHT_UNITS):
        raise InputError(file, line, f"weight {ind.id!r} is not an additive count or amount "
                         f"(unit {ind.unit}, additive {str(ind.additive).lower()}): a weight "
                         "must be a quantity that is never negative",
                         "weigh rates by the count they are a rate of (e.g. the number of "
                         "opinions)")


def check_expression_size(rule: Any, file: str, line: int, excerpt: Callable[[int], str],
                          matches: dict[str, int]) -> None:
    """The expression size limits again, now that each glob counts the indicators it matches."""
    from . import expr as E

    try:
        E.check_size(rule.ast, lambda pattern: matches.get(pattern, 1))
    except E.ExprError as exc:
        raise InputError(file, line, f"rule {rule.id}: {exc.message} at column {exc.column} "
                         f"of {excerpt(exc.column)!r}", SIZE_HINT) from None


def _fixed_prefix(glob: str) -> str:
    """The part of a glob before its first wildcard."""
    m = re.search(r"[*?\[]", glob)
    return glob if m is None else glob[:m.start()]


def plausible_years() -> range:
    """Years a report's figures can be about: 1990 to ten years from now (objectives)."""
    return range(1990, datetime.date.today().year + 11)


def period_problem(glob: str) -> str | None:
    """Why a `periods` glob can match no period (`2019`, `2019-S2`: a year first), or None."""
    if glob == "*":
        return None
    prefix = _fixed_prefix(glob)
    years = plausible_years()
    head = prefix[:4]
    if head and not head.isdigit():
        return "periods start with a year (2019, 2019-S2)"
    if len(head) == 4:
        if int(head) not in years:
            return f"year {head} is outside {years.start}–{years.stop - 1}"
    elif head and not any(str(y).startswith(head) for y in years):
        return f"no year of {years.start}–{years.stop - 1} starts with {head!r}"
    if prefix == glob and not re.fullmatch(r"\d{4}([-/][0-9A-Za-z]+)*", glob):
        return "not a period (2019, 2019-S2, 2018-12-31)"
    return None


def selector_warnings(rule: Any, spec: LDict, file: str, ref: Any) -> list[InputError]:
    """Selectors that can match nothing: the rule would silently check nothing.

    (An `exclude` glob that matches nothing is left alone: the shipped pack excludes by naming
    convention, for indicators a project may add.)
    """
    out = []
    entities = sorted(ref.entities)
    for glob in rule.entities:
        if glob != "*" and not any(fnmatch.fnmatchcase(e, glob) for e in entities):
            same_case = [e for e in entities if fnmatch.fnmatchcase(e.lower(), glob.lower())]
            hint = (f"did you mean {same_case[0]!r}? (entity codes are case-sensitive)"
                    if same_case else did_you_mean(glob, entities)
                    or "entities are declared in reference/entities.yaml")
            out.append(InputError(file, spec.line_of("entities"), f"rule {rule.id}: entities "
                                  f"selector {glob!r} matches no entity of the reference", hint))
    for glob in rule.periods:
        problem = period_problem(glob)
        if problem:
            out.append(InputError(file, spec.line_of("periods"), f"rule {rule.id}: periods "
                                  f"selector {glob!r} can match no period: {problem}",
                                  "periods are years (2019) or finer (2019-S2)"))
    return out
