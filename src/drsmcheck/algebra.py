"""The interval algebra of the rules, written once, generic over a backend's column type.

A printed figure is an interval [lo, hi] (DESIGN §4); a relation holds when its two sides'
intervals can meet, within the float-noise epsilon and the rule's tolerance. Truth values are
three-valued (Kleene): true, false, or not evaluable — with the reason why not.

Every function here takes `ops` (the backend's array operations: NumPy arrays in process,
Spark columns on a cluster) and values that support `+ - * / & | ~` and comparisons. No NaN
ever leaves this module: an undefined operation (a division by a divisor that may be zero,
∞ − ∞) makes the value *not evaluable*, it never becomes a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from . import expr as E

EPS = 1e-9  # relative float noise allowed when comparing interval bounds


class Ops(Protocol):
    """What a backend provides for the algebra (vectorized over records)."""

    def lit(self, x: float) -> Any: ...
    def true(self) -> Any: ...
    def false(self) -> Any: ...
    def where(self, cond: Any, a: Any, b: Any) -> Any: ...
    def minimum(self, *xs: Any) -> Any: ...
    def maximum(self, *xs: Any) -> Any: ...
    def isnan(self, x: Any) -> Any: ...
    def isinf(self, x: Any) -> Any: ...
    def abs(self, x: Any) -> Any: ...


@dataclass
class Iv:
    """An interval per record, with why it may be undefined.

    `miss`: a figure it needs is absent or not a number; `div0`: a divisor may be zero;
    `undef`: another undefined operation (∞ − ∞). lo/hi are 0 wherever the value is undefined.
    """

    lo: Any
    hi: Any
    miss: Any
    div0: Any
    undef: Any

    def ok(self) -> Any:
        return ~(self.miss | self.div0 | self.undef)


@dataclass
class Tv:
    """A three-valued truth per record: t (holds), f (fails), else not evaluable (and why)."""

    t: Any
    f: Any
    miss: Any
    div0: Any
    undef: Any


# --- numbers ------------------------------------------------------------------------------------

def const(ops: Ops, x: float) -> Iv:
    v = ops.lit(float(x))
    return Iv(v, v, ops.false(), ops.false(), ops.false())


def _clean(ops: Ops, lo: Any, hi: Any, miss: Any, div0: Any, undef: Any) -> Iv:
    """NaN bounds (∞ − ∞, or anything computed from an undefined operand) → undefined, 0."""
    nan = ops.isnan(lo) | ops.isnan(hi)
    bad = nan | miss | div0 | undef
    return Iv(ops.where(bad, 0.0, lo), ops.where(bad, 0.0, hi), miss, div0, undef | (nan & ~miss))


def _merge(a: Iv, b: Iv) -> tuple[Any, Any, Any]:
    return a.miss | b.miss, a.div0 | b.div0, a.undef | b.undef


def add(ops: Ops, a: Iv, b: Iv) -> Iv:
    return _clean(ops, a.lo + b.lo, a.hi + b.hi, *_merge(a, b))


def sub(ops: Ops, a: Iv, b: Iv) -> Iv:
    return _clean(ops, a.lo - b.hi, a.hi - b.lo, *_merge(a, b))


def neg(ops: Ops, a: Iv) -> Iv:
    return Iv(-a.hi, -a.lo, a.miss, a.div0, a.undef)


def _prod(ops: Ops, x: Any, y: Any) -> Any:
    """x × y for interval bounds, with 0 × ∞ = 0 (the bound of a product with a zero factor)."""
    p = x * y
    return ops.where(ops.isnan(p), 0.0, p)


def mul(ops: Ops, a: Iv, b: Iv) -> Iv:
    ps = [_prod(ops, a.lo, b.lo), _prod(ops, a.lo, b.hi), _prod(ops, a.hi, b.lo),
          _prod(ops, a.hi, b.hi)]
    return _clean(ops, ops.minimum(*ps), ops.maximum(*ps), *_merge(a, b))


def scale(ops: Ops, c: float, a: Iv) -> Iv:
    """c × a for a constant c: two products, not four (keeps compiled plans small)."""
    lo, hi = (_prod(ops, a.lo, c), _prod(ops, a.hi, c))
    if c < 0:
        lo, hi = hi, lo
    return Iv(lo, hi, a.miss, a.div0, a.undef)


def div(ops: Ops, a: Iv, b: Iv) -> Iv:
    """a / b; not evaluable where b may be zero (0 lies in b's interval)."""
    miss, div0, undef = _merge(a, b)
    straddles = (b.lo <= 0.0) & (b.hi >= 0.0)
    zero = straddles & ~b.miss
    safe_lo = ops.where(straddles, 1.0, b.lo)
    safe_hi = ops.where(straddles, 1.0, b.hi)
    inv = Iv(1.0 / safe_hi, 1.0 / safe_lo, b.miss, b.div0, b.undef)
    q = mul(ops, a, inv)
    return _clean(ops, q.lo, q.hi, miss, div0 | (zero & ~miss), undef)


def absolute(ops: Ops, a: Iv) -> Iv:
    lo = ops.where(a.lo >= 0.0, a.lo, ops.where(a.hi <= 0.0, -a.hi, 0.0))
    hi = ops.maximum(ops.abs(a.lo), ops.abs(a.hi))
    return Iv(lo, hi, a.miss, a.div0, a.undef)


def minimum(ops: Ops, xs: list[Iv]) -> Iv:
    out = xs[0]
    for b in xs[1:]:
        out = Iv(ops.minimum(out.lo, b.lo), ops.minimum(out.hi, b.hi), *_merge(out, b))
    return out


def maximum(ops: Ops, xs: list[Iv]) -> Iv:
    out = xs[0]
    for b in xs[1:]:
        out = Iv(ops.maximum(out.lo, b.lo), ops.maximum(out.hi, b.hi), *_merge(out, b))
    return out


def total(ops: Ops, xs: list[Iv]) -> Iv:
    """A flat sum (no deep chain of nodes for `sum(a, b, …)`)."""
    lo, hi = xs[0].lo, xs[0].hi
    miss, div0, undef = xs[0].miss, xs[0].div0, xs[0].undef
    for b in xs[1:]:
        lo, hi = lo + b.lo, hi + b.hi
        miss, div0, undef = miss | b.miss, div0 | b.div0, undef | b.undef
    return _clean(ops, lo, hi, miss, div0, undef)


# --- tolerance and comparisons --------------------------------------------------------------------

def magnitude(ops: Ops, *bounds: Any) -> Any:
    """max |bound| over the finite bounds: an unbounded side (`> 120 %`) must not make the
    tolerance infinite (every relation with it would then hold)."""
    return ops.maximum(*[ops.where(ops.isinf(b), 0.0, ops.abs(b)) for b in bounds])


def tolerance(ops: Ops, mag: Any, spec: dict[str, float] | None) -> Any:
    """Float noise relative to the magnitudes compared, plus the rule's own tolerance."""
    tol = (mag + 1.0) * EPS
    if spec and "absolute" in spec:
        return tol + float(spec["absolute"])
    if spec and "relative" in spec:
        return tol + mag * float(spec["relative"])
    return tol


def holds(ops: Ops, op: str, a: Iv, b: Iv, tol: Any) -> Any:
    """Can `a op b` hold for some values inside the intervals (within tol)? (boolean mask)"""
    if op == "==":
        return (a.lo <= b.hi + tol) & (b.lo <= a.hi + tol)
    if op == "!=":
        return ~((a.lo == a.hi) & (b.lo == b.hi) & (ops.abs(a.lo - b.lo) <= tol))
    if op == "<=":
        return a.lo <= b.hi + tol
    if op == "<":
        return a.lo < b.hi + tol
    if op == ">=":
        return a.hi + tol >= b.lo
    if op == ">":
        return a.hi + tol > b.lo
    raise ValueError(op)


def compare(ops: Ops, op: str, a: Iv, b: Iv, spec: dict[str, float] | None) -> Tv:
    mag = magnitude(ops, a.lo, a.hi, b.lo, b.hi)
    h = holds(ops, op, a, b, tolerance(ops, mag, spec))
    miss, div0, undef = _merge(a, b)
    ok = ~(miss | div0 | undef)
    return Tv(ok & h, ok & ~h, miss, div0, undef)


def truth(ok: Any, h: Any, miss: Any, div0: Any, undef: Any) -> Tv:
    return Tv(ok & h, ok & ~h, miss, div0, undef)


def t_and(a: Tv, b: Tv) -> Tv:
    return Tv(a.t & b.t, a.f | b.f, a.miss | b.miss, a.div0 | b.div0, a.undef | b.undef)


def t_or(a: Tv, b: Tv) -> Tv:
    return Tv(a.t | b.t, a.f & b.f, a.miss | b.miss, a.div0 | b.div0, a.undef | b.undef)


def t_not(a: Tv) -> Tv:
    return Tv(a.f, a.t, a.miss, a.div0, a.undef)


def t_implies(c: Tv, t: Tv) -> Tv:
    return t_or(t_not(c), t)


# --- expressions ----------------------------------------------------------------------------------

class Env(Protocol):
    """The figures of the records being evaluated, as intervals of backend columns."""

    ops: Ops

    def figure(self, indicator: str) -> Iv: ...
    def previous(self, indicator: str) -> Iv: ...
    def glob_sum(self, indicators: list[str]) -> Iv: ...


@dataclass
class Evaluation:
    """A compiled expression evaluated on records: its truth, and each comparison's sides."""

    truth: Tv
    comparisons: list[tuple[E.Cmp, Iv, Iv, Tv]]


def evaluate(node: object, env: Env, spec: dict[str, float] | None,
             known: list[str]) -> Evaluation:
    """Evaluate a rule's AST over every record of `env` at once.

    Each node is evaluated once (a dict of results by node identity keeps shared sub-trees
    from being recomputed), so the work is linear in the size of the expression.
    """
    ops = env.ops
    memo: dict[int, Any] = {}
    comparisons: list[tuple[E.Cmp, Iv, Iv, Tv]] = []

    def num(n: object) -> Iv:
        key = id(n)
        if key in memo:
            return memo[key]
        out = _num(n)
        memo[key] = out
        return out

    def _num(n: object) -> Iv:
        if isinstance(n, E.Num):
            return const(ops, n.value)
        if isinstance(n, E.Ind):
            return env.figure(n.id)
        if isinstance(n, E.Neg):
            return neg(ops, num(n.operand))
        if isinstance(n, E.Bin):
            if n.op == "*" and isinstance(n.left, E.Num):
                return scale(ops, n.left.value, num(n.right))
            if n.op == "*" and isinstance(n.right, E.Num):
                return scale(ops, n.right.value, num(n.left))
            a, b = num(n.left), num(n.right)
            return {"+": add, "-": sub, "*": mul, "/": div}[n.op](ops, a, b)
        if isinstance(n, E.Call):
            if n.name == "prev":
                return env.previous(n.args[0].id)
            if n.name == "sum":
                parts = [env.glob_sum(E.expand_glob(a.pattern, known)) if isinstance(a, E.Glob)
                         else num(a) for a in n.args]
                return total(ops, parts)
            vals = [num(a) for a in n.args]
            if n.name == "abs":
                return absolute(ops, vals[0])
            return minimum(ops, vals) if n.name == "min" else maximum(ops, vals)
        raise TypeError(f"not a numeric node: {n!r}")

    def boolean(n: object) -> Tv:
        if isinstance(n, E.Cmp):
            a, b = num(n.left), num(n.right)
            tv = compare(ops, n.op, a, b, spec)
            comparisons.append((n, a, b, tv))
            return tv
        if isinstance(n, E.Not):
            return t_not(boolean(n.operand))
        if isinstance(n, E.BoolOp):
            a, b = boolean(n.left), boolean(n.right)
            return t_and(a, b) if n.op == "and" else t_or(a, b)
        if isinstance(n, E.If):
            return t_implies(boolean(n.cond), boolean(n.then))
        raise TypeError(f"not a boolean node: {n!r}")

    return Evaluation(boolean(node), comparisons)


def evaluate_number(node: object, env: Env, known: list[str]) -> Iv:
    """The interval of a numeric sub-expression (for messages: which divisor may be zero)."""
    box = E.Cmp("==", node, node)
    ev = evaluate(box, env, None, known)
    return ev.comparisons[0][1]


def comparisons(node: object) -> list[E.Cmp]:
    """The comparisons of a rule in the order `evaluate` reports them."""
    if isinstance(node, E.Cmp):
        return [node]
    if isinstance(node, E.Not):
        return comparisons(node.operand)
    if isinstance(node, E.BoolOp):
        return comparisons(node.left) + comparisons(node.right)
    if isinstance(node, E.If):
        return comparisons(node.cond) + comparisons(node.then)
    return []
