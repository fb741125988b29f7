"""Rule kinds, one module each, registered here.

Each kind module holds what is specific to it: how its rules are evaluated into verdicts
(`evaluate`), how a verdict is explained to a reviewer (`explain`), and, for the kinds the
diagnosis can re-ask, what-if evaluation (`what_if`). The interval semantics they all use is
`drsmcheck.algebra`; the data access is the backend's Store.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

import numpy as np

from ..errors import InputError
from ..verdicts import NA, REASON_CODE
from ..yamlfile import LDict


@dataclass
class Context:
    """What a kind needs to evaluate its rules: the coded figures and the rule pack."""

    store: Any          # backends.numpy.Store
    pack: Any           # rules.RulePack
    known: list[str] = field(default_factory=list)
    whole_catalogue: bool = field(default=False, init=False)

    def __post_init__(self) -> None:
        if not self.known:
            self.known = sorted(self.pack.reference.indicators)
            self.whole_catalogue = True

    def indicators_of(self, rule: Any, additive_only: bool = False) -> list[str]:
        ref = self.pack.reference.indicators
        if self.whole_catalogue:  # the default: matched once per pack, cached with it
            inds = list(self.pack.indicators_matching(rule))
        else:
            inds = [i for i in self.known if rule.matches_indicator(i)]
        if additive_only:
            inds = [i for i in inds if ref[i].additive]
        return inds


def na_reason(status: np.ndarray, miss: np.ndarray, div0: np.ndarray, undef: np.ndarray,
              nonnum: np.ndarray) -> np.ndarray:
    """Reason code of each not-evaluable verdict: arithmetic first, then a word, then absence."""
    na = status == NA
    return np.select(
        [na & div0, na & undef, na & nonnum, na & miss, na],
        [REASON_CODE["division"], REASON_CODE["undefined"], REASON_CODE["non_numeric"],
         REASON_CODE["missing"], REASON_CODE["missing"]], 0).astype(np.int32)


def list_of_str(spec: LDict, key: str, file: str, default: list[str]) -> list[str]:
    value = spec.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str | int) for v in value):
        raise InputError(file, spec.line_of(key), f"'{key}' must be a list of strings")
    return [str(v) for v in value]


def number(spec: LDict, key: str, file: str) -> float | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(file, spec.line_of(key), f"'{key}' must be a number")
    from ..lint import finite_bound

    return finite_bound(float(value), key, file, spec.line_of(key))


def registry() -> dict[str, ModuleType]:
    from . import agreement, bounds, equation, non_numeric, objective, print_unit, rollup

    return {"equation": equation, "rollup": rollup, "bounds": bounds, "agreement": agreement,
            "objective": objective, "non_numeric": non_numeric, "print_unit": print_unit}
