"""Interval arithmetic: a printed figure is an interval, a relation holds if the sides can meet.

This is the Python evaluator of rule expressions. The engine runs the same semantics as SQL
on the whole table; this one runs only on violated records, to explain and localize them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import expr as E


@dataclass(frozen=True)
class Interval:
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

    def __add__(self, o: Interval) -> Interval:
        return Interval(self.lo + o.lo, self.hi + o.hi)

    def __sub__(self, o: Interval) -> Interval:
        return Interval(self.lo - o.hi, self.hi - o.lo)

    def __mul__(self, o: Interval) -> Interval:
        p = [self.lo * o.lo, self.lo * o.hi, self.hi * o.lo, self.hi * o.hi]
        p = [0.0 if math.isnan(x) else x for x in p]
        return Interval(min(p), max(p))

    def __truediv__(self, o: Interval) -> Interval | None:
        if o.lo <= 0 <= o.hi:
            return None  # the divisor may be zero: not evaluable
        return self * Interval(1 / o.hi, 1 / o.lo)

    def __neg__(self) -> Interval:
        return Interval(-self.hi, -self.lo)

    def abs(self) -> Interval:
        if self.lo >= 0:
            return self
        if self.hi <= 0:
            return -self
        return Interval(0.0, max(-self.lo, self.hi))

    def meets(self, o: Interval, tol: float = 0.0) -> bool:
        return self.lo <= o.hi + tol and o.lo <= self.hi + tol

    def gap(self, o: Interval) -> float:
        """Signed distance between the intervals (0 when they meet): self − other."""
        if self.lo > o.hi:
            return self.lo - o.hi
        if self.hi < o.lo:
            return self.hi - o.lo
        return 0.0


def tolerance(tol: dict | None, left: Interval, right: Interval) -> float:
    if not tol:
        return 0.0
    if "absolute" in tol:
        return float(tol["absolute"])
    # an unbounded side (`> 120 %`) must not make the tolerance infinite
    scale = max((abs(x) for x in (left.lo, left.hi, right.lo, right.hi) if math.isfinite(x)),
                default=0.0)
    return float(tol["relative"]) * scale


def compare(op: str, a: Interval, b: Interval, tol: float) -> bool:
    """Can `a op b` hold for some values inside the intervals (within tolerance)?"""
    if op == "==":
        return a.meets(b, tol)
    if op == "!=":
        return not (a.exact and b.exact and abs(a.lo - b.lo) <= tol)
    if op == "<=":
        return a.lo <= b.hi + tol
    if op == "<":
        return a.lo < b.hi + tol
    if op == ">=":
        return a.hi + tol >= b.lo
    if op == ">":
        return a.hi + tol > b.lo
    raise ValueError(op)


class Env:
    """The figures of one record: indicator → Interval, or None when missing / non-numeric."""

    def __init__(self, values: dict[str, Interval | None], prev: dict[str, Interval | None],
                 known: list[str]):
        self.values = values
        self.prev = prev
        self.known = known


def eval_num(node: object, env: Env) -> Interval | None:
    if isinstance(node, E.Num):
        return Interval.point(node.value)
    if isinstance(node, E.Ind):
        return env.values.get(node.id)
    if isinstance(node, E.Neg):
        v = eval_num(node.operand, env)
        return None if v is None else -v
    if isinstance(node, E.Bin):
        a, b = eval_num(node.left, env), eval_num(node.right, env)
        if a is None or b is None:
            return None
        if node.op == "+":
            return a + b
        if node.op == "-":
            return a - b
        if node.op == "*":
            return a * b
        return a / b
    if isinstance(node, E.Call):
        if node.name == "prev":
            return env.prev.get(node.args[0].id)
        if node.name == "sum":
            parts: list[Interval] = []
            for arg in node.args:
                if isinstance(arg, E.Glob):
                    ids = E.expand_glob(arg.pattern, env.known)
                    present = [i for i in ids if i in env.values]
                    if any(env.values[i] is None for i in present):
                        return None
                    parts.extend(env.values[i] for i in present)  # type: ignore[misc]
                    if not present:
                        return None
                else:
                    v = eval_num(arg, env)
                    if v is None:
                        return None
                    parts.append(v)
            total = Interval.point(0.0)
            for p in parts:
                total = total + p
            return total
        vals = [eval_num(a, env) for a in node.args]
        if any(v is None for v in vals):
            return None
        if node.name == "abs":
            return vals[0].abs()  # type: ignore[union-attr]
        if node.name == "min":
            return Interval(min(v.lo for v in vals), min(v.hi for v in vals))  # type: ignore[union-attr]
        if node.name == "max":
            return Interval(max(v.lo for v in vals), max(v.hi for v in vals))  # type: ignore[union-attr]
    raise TypeError(f"not a numeric node: {node!r}")


def eval_bool(node: object, env: Env, tol: dict | None = None) -> bool | None:
    """Three-valued (Kleene) truth of a rule on one record: True, False or None (not evaluable)."""
    if isinstance(node, E.Cmp):
        a, b = eval_num(node.left, env), eval_num(node.right, env)
        if a is None or b is None:
            return None
        return compare(node.op, a, b, tolerance(tol, a, b))
    if isinstance(node, E.Not):
        v = eval_bool(node.operand, env, tol)
        return None if v is None else not v
    if isinstance(node, E.BoolOp):
        a, b = eval_bool(node.left, env, tol), eval_bool(node.right, env, tol)
        if node.op == "and":
            if a is False or b is False:
                return False
            return None if a is None or b is None else True
        if a is True or b is True:
            return True
        return None if a is None or b is None else False
    if isinstance(node, E.If):
        c = eval_bool(node.cond, env, tol)
        if c is False:
            return True
        t = eval_bool(node.then, env, tol)
        if c is True:
            return t
        return True if t is True else None
    raise TypeError(f"not a boolean node: {node!r}")


def failing_comparison(node: object, env: Env, tol: dict | None = None) -> E.Cmp | None:
    """The comparison that makes a failing rule false (for messages and localization)."""
    if isinstance(node, E.Cmp):
        return node if eval_bool(node, env, tol) is False else None
    for attr in ("operand", "left", "right", "then", "cond"):
        child = getattr(node, attr, None)
        if child is not None and isinstance(child, E.BOOLEAN):
            found = failing_comparison(child, env, tol)
            if found is not None:
                return found
    return None
