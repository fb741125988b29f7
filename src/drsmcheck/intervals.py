"""One record at a time: the interval algebra (`algebra`) on plain values, for messages,
tests and tools. Nothing here re-decides anything: every operation delegates to `algebra`
with one-element NumPy arrays, so a single record and a million records share one semantics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import algebra as A
from . import expr as E
from .backends.numpy import OPS

_F = np.zeros(1, dtype=bool)


@dataclass(frozen=True)
class Interval:
    """A printed figure's interval [lo, hi] (a value object for reports)."""

    lo: float
    hi: float

    @staticmethod
    def point(v: float) -> Interval:
        return Interval(v, v)

    @property
    def mid(self) -> float:
        return (self.lo + self.hi) / 2

    @property
    def exact(self) -> bool:
        return self.lo == self.hi

    def _iv(self) -> A.Iv:
        return A.Iv(np.array([self.lo], dtype=float), np.array([self.hi], dtype=float), _F, _F, _F)

    @staticmethod
    def _of(iv: A.Iv) -> Interval | None:
        if not bool(np.asarray(iv.ok())[0] if np.ndim(iv.ok()) else iv.ok()):
            return None
        return Interval(float(np.asarray(iv.lo).reshape(-1)[0]),
                        float(np.asarray(iv.hi).reshape(-1)[0]))

    def __add__(self, o: Interval) -> Interval:
        return self._of(A.add(OPS, self._iv(), o._iv()))  # type: ignore[return-value]

    def __sub__(self, o: Interval) -> Interval:
        return self._of(A.sub(OPS, self._iv(), o._iv()))  # type: ignore[return-value]

    def __mul__(self, o: Interval) -> Interval:
        return self._of(A.mul(OPS, self._iv(), o._iv()))  # type: ignore[return-value]

    def __truediv__(self, o: Interval) -> Interval | None:
        return self._of(A.div(OPS, self._iv(), o._iv()))

    def __neg__(self) -> Interval:
        return self._of(A.neg(OPS, self._iv()))  # type: ignore[return-value]

    def abs(self) -> Interval:
        return self._of(A.absolute(OPS, self._iv()))  # type: ignore[return-value]

    def meets(self, o: Interval, tol: float = 0.0) -> bool:
        return bool(A.holds(OPS, "==", self._iv(), o._iv(), tol)[0])

    def gap(self, o: Interval) -> float:
        """Signed distance between the intervals (0 when they meet): self − other."""
        if self.lo > o.hi:
            return self.lo - o.hi
        if self.hi < o.lo:
            return self.hi - o.lo
        return 0.0


class Env:
    """The figures of one record: indicator → Interval, or None when missing / non-numeric."""

    def __init__(self, values: dict[str, Interval | None], prev: dict[str, Interval | None],
                 known: list[str]):
        self.ops = OPS
        self.values = values
        self.prev = prev
        self.known = known

    @staticmethod
    def _iv(v: Interval | None) -> A.Iv:
        if v is None:
            z = np.zeros(1)
            return A.Iv(z, z, np.ones(1, dtype=bool), _F, _F)
        return v._iv()

    def figure(self, indicator: str) -> A.Iv:
        return self._iv(self.values.get(indicator))

    def previous(self, indicator: str) -> A.Iv:
        return self._iv(self.prev.get(indicator))

    def glob_sum(self, indicators: list[str]) -> A.Iv:
        present = [i for i in indicators if i in self.values]
        if not present or any(self.values[i] is None for i in present):
            return self._iv(None)
        return A.total(OPS, [self._iv(self.values[i]) for i in present])


def eval_bool(node: object, env: Env, tol: dict | None = None) -> bool | None:
    """Three-valued (Kleene) truth of a rule on one record: True, False or None."""
    tv = A.evaluate(node, env, tol, env.known).truth
    if bool(np.broadcast_to(tv.t, (1,))[0]):
        return True
    if bool(np.broadcast_to(tv.f, (1,))[0]):
        return False
    return None


def eval_num(node: object, env: Env) -> Interval | None:
    return Interval._of(A.evaluate_number(node, env, env.known))


__all__ = ["Interval", "Env", "eval_bool", "eval_num", "E"]
