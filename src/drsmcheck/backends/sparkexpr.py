"""Lazy column expressions for the Spark backend: the algebra's values as a DAG, not a tree.

The interval algebra reuses each bound several times (`_clean` reads a sum three times, `mul`
reads four products twice). Spark Columns are trees, so a rule of k chained additions would
become a 4ᵏ-node expression. Here every value the algebra builds is an `X` node; `project`
then emits each node that is read more than once as a named column of its own, in as many
`select`s as the DAG is deep, so the plan Spark optimizes stays linear in the rule's size.
Constants are folded (the algebra's `false` flags vanish), with NumPy's float semantics.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

INLINE = 12  # a shared node smaller than this is repeated inline rather than materialized


class X:
    """A node: `op` over `args` (other nodes; for `col` a name, for `lit` a Python value)."""

    __slots__ = ("op", "args")

    def __init__(self, op: str, args: tuple[Any, ...]):
        self.op = op
        self.args = args

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise TypeError("a column expression has no truth value; use ops.where")

    def _b(self, op: str, other: Any, rev: bool = False) -> X:
        o = wrap(other)
        return node(op, o, self) if rev else node(op, self, o)

    def __add__(self, o: Any) -> X: return self._b("+", o)
    def __radd__(self, o: Any) -> X: return self._b("+", o, True)
    def __sub__(self, o: Any) -> X: return self._b("-", o)
    def __rsub__(self, o: Any) -> X: return self._b("-", o, True)
    def __mul__(self, o: Any) -> X: return self._b("*", o)
    def __rmul__(self, o: Any) -> X: return self._b("*", o, True)
    def __truediv__(self, o: Any) -> X: return self._b("/", o)
    def __rtruediv__(self, o: Any) -> X: return self._b("/", o, True)
    def __and__(self, o: Any) -> X: return self._b("and", o)
    def __rand__(self, o: Any) -> X: return self._b("and", o, True)
    def __or__(self, o: Any) -> X: return self._b("or", o)
    def __ror__(self, o: Any) -> X: return self._b("or", o, True)
    def __lt__(self, o: Any) -> X: return self._b("<", o)
    def __le__(self, o: Any) -> X: return self._b("<=", o)
    def __gt__(self, o: Any) -> X: return self._b(">", o)
    def __ge__(self, o: Any) -> X: return self._b(">=", o)
    def __eq__(self, o: Any) -> X: return self._b("==", o)  # type: ignore[override]
    def __ne__(self, o: Any) -> X: return self._b("!=", o)  # type: ignore[override]
    def __neg__(self) -> X: return node("neg", self)
    def __invert__(self) -> X: return node("not", self)


def col(name: str) -> X:
    return X("col", (name,))


def lit(value: Any) -> X:
    if isinstance(value, np.generic):
        value = value.item()
    return X("lit", (value,))


def wrap(v: Any) -> X:
    return v if isinstance(v, X) else lit(v)


def _is_lit(x: X) -> bool:
    return x.op == "lit"


_NP = {"+": np.add, "-": np.subtract, "*": np.multiply, "/": np.divide,
       "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
       "==": np.equal, "!=": np.not_equal}


def _fold(op: str, vals: list[Any]) -> Any:
    """A constant's value, computed as NumPy would (0 × ∞ = NaN, 1 / 0 = ∞)."""
    with np.errstate(all="ignore"):
        if op in _NP:
            a, b = vals
            if isinstance(a, bool) or isinstance(b, bool):
                return _NP[op](a, b).item()
            if isinstance(a, int) and isinstance(b, int) and op != "/":
                return int(_NP[op](np.int64(a), np.int64(b))) if op in "+-*" else bool(
                    _NP[op](a, b))
            return _NP[op](np.float64(a), np.float64(b)).item()
        if op == "neg":
            return -vals[0]
        if op == "not":
            return not vals[0]
        if op == "and":
            return bool(vals[0]) and bool(vals[1])
        if op == "or":
            return bool(vals[0]) or bool(vals[1])
        if op == "isnan":
            return bool(math.isnan(vals[0]))
        if op == "isinf":
            return bool(math.isinf(vals[0]))
        if op == "abs":
            return abs(vals[0])
        if op == "min":
            return np.minimum.reduce(np.array(vals, dtype=np.float64)).item()
        if op == "max":
            return np.maximum.reduce(np.array(vals, dtype=np.float64)).item()
    raise ValueError(op)


def node(op: str, *args: Any) -> X:
    """A node, simplified where an operand is a constant."""
    xs = [wrap(a) for a in args]
    if op == "where":
        c, a, b = xs
        if _is_lit(c):
            return a if c.args[0] else b
        return X(op, tuple(xs))
    if op == "and" or op == "or":
        a, b = xs
        absorbing, neutral = (False, True) if op == "and" else (True, False)
        for p, q in ((a, b), (b, a)):
            if _is_lit(p) and isinstance(p.args[0], bool | np.bool_):
                if bool(p.args[0]) is absorbing:
                    return lit(absorbing)
                if bool(p.args[0]) is neutral:
                    return q
    if op == "not" and xs[0].op == "not":
        return xs[0].args[0]
    if all(_is_lit(x) for x in xs):
        return lit(_fold(op, [x.args[0] for x in xs]))
    return X(op, tuple(xs))


class SparkOps:
    """The algebra's operations (algebra.Ops) on lazy Spark column expressions."""

    def lit(self, x: float) -> X:
        return lit(float(x))

    def true(self) -> X:
        return lit(True)

    def false(self) -> X:
        return lit(False)

    def where(self, cond: Any, a: Any, b: Any) -> X:
        return node("where", cond, a, b)

    def minimum(self, *xs: Any) -> X:
        return xs[0] if len(xs) == 1 else node("min", *xs)

    def maximum(self, *xs: Any) -> X:
        return xs[0] if len(xs) == 1 else node("max", *xs)

    def isnan(self, x: Any) -> X:
        return node("isnan", x)

    def isinf(self, x: Any) -> X:
        return node("isinf", x)

    def abs(self, x: Any) -> X:
        return node("abs", x)


OPS = SparkOps()


def pairwise_sum(xs: list[X]) -> X:
    """Σ xs in the order NumPy's `sum(axis=1)` adds them (pairwise blocks of 8), so the Spark
    roll-up reproduces the embedded backend's floating-point results bit for bit."""
    n = len(xs)
    if n < 8:
        out: X = lit(0.0)
        for x in xs:
            out = X("+", (out, x))
        return out
    if n > 128:
        half = n // 2
        half -= half % 8
        return X("+", (pairwise_sum(xs[:half]), pairwise_sum(xs[half:])))
    r = list(xs[:8])
    i = 8
    while i < n - n % 8:
        for j in range(8):
            r[j] = X("+", (r[j], xs[i + j]))
        i += 8
    res = X("+", (X("+", (X("+", (r[0], r[1])), X("+", (r[2], r[3])))),
                  X("+", (X("+", (r[4], r[5])), X("+", (r[6], r[7]))))))
    for x in xs[i:]:
        res = X("+", (res, x))
    return res


def isin(x: X, values: list[int]) -> X:
    """x ∈ values (a selector: the codes of the entities / periods a rule selects)."""
    return X("isin", (x, tuple(int(v) for v in values)))


def any_of(xs: list[X]) -> X:
    out: X = lit(False)
    for x in xs:
        out = node("or", out, x)
    return out


# --- emission ---------------------------------------------------------------------------------

def _walk(roots: list[X]) -> tuple[list[X], dict[int, int]]:
    """Post-order of the DAG under `roots` and each node's number of parents (iterative)."""
    order: list[X] = []
    refs: dict[int, int] = {}
    seen: set[int] = set()
    stack: list[tuple[X, bool]] = [(r, False) for r in reversed(roots)]
    while stack:
        x, done = stack.pop()
        if done:
            order.append(x)
            continue
        if id(x) in seen:
            continue
        seen.add(id(x))
        stack.append((x, True))
        if x.op in ("col", "lit"):
            continue
        for a in reversed(x.args):
            if not isinstance(a, X):
                continue
            refs[id(a)] = refs.get(id(a), 0) + 1
            if id(a) not in seen:
                stack.append((a, False))
    return order, refs


def sql_lit(v: Any) -> str:
    """A Spark SQL literal (doubles exactly: the shortest repr round-trips)."""
    if isinstance(v, bool | np.bool_):
        return "true" if v else "false"
    if isinstance(v, int | np.integer):
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return "CAST('NaN' AS DOUBLE)"
    if math.isinf(v):
        return "CAST('Infinity' AS DOUBLE)" if v > 0 else "CAST('-Infinity' AS DOUBLE)"
    return f"{v!r}D"


def name(c: str) -> str:
    return f"`{c}`"


def project(df: Any, outputs: dict[str, X], keep: list[str],
            define: Any = None) -> Any:
    """`df` with the `keep` columns and one column per output expression.

    Shared sub-expressions are computed once: each becomes a column in a `select` of its own
    depth, and later stages read it by name. Expressions are sent to Spark as SQL text, one
    string per column (building them as PySpark Column objects costs a JVM round trip per
    operator). `define(name)` gives the SQL of a leaf that is not a column of `df`.
    """
    roots = list(outputs.values())
    order, refs = _walk(roots)
    current = list(df.columns)
    if define is not None:
        missing = sorted({x.args[0] for x in order if x.op == "col"} - set(current))
        if missing:
            df = df.selectExpr(*[name(c) for c in current],
                               *[f"{define(c)} AS {name(c)}" for c in missing])
            current += missing
    # a node read more than once becomes a column when inlining it would repeat much text
    shared: set[int] = set()
    size: dict[int, int] = {}
    for x in order:
        if x.op in ("col", "lit"):
            size[id(x)] = 1
            continue
        n = 1 + sum(1 if id(a) in shared else size[id(a)] for a in x.args if isinstance(a, X))
        if refs.get(id(x), 0) > 1 and n > INLINE:
            shared.add(id(x))
        size[id(x)] = n
    names: dict[int, str] = {}
    stage: dict[int, int] = {}
    depth: dict[int, int] = {}
    last: dict[int, int] = {}  # the last stage reading each shared node
    for x in order:  # depth: the latest stage of a shared node this node reads inline
        if x.op in ("col", "lit"):
            depth[id(x)] = 0
            continue
        d = max((stage[id(a)] if id(a) in shared else depth[id(a)]) for a in x.args
                if isinstance(a, X))
        depth[id(x)] = d
        if id(x) in shared:
            stage[id(x)] = d + 1
    final = max(stage.values(), default=0) + 1

    def emit(x: X) -> str:
        if id(x) in names:
            return name(names[id(x)])
        if x.op == "col":
            return name(x.args[0])
        if x.op == "lit":
            return sql_lit(x.args[0])
        if x.op == "isin":
            return f"({emit(x.args[0])} IN ({', '.join(map(str, x.args[1]))}))" \
                if x.args[1] else "false"
        return _sql(x.op, [emit(a) for a in x.args])

    used = {x.args[0] for x in order if x.op == "col"} | set(keep)
    current = [c for c in current if c in used]
    by_stage: dict[int, list[X]] = {}
    for x in order:
        if id(x) in shared:
            by_stage.setdefault(stage[id(x)], []).append(x)
    # the last stage that reads each shared column: afterwards it is dropped
    home: dict[int, int] = {}
    for x in reversed(order):  # parents before children: a node's stage is its reader's
        if id(x) not in home:
            home[id(x)] = final
        h = stage[id(x)] if id(x) in shared else home[id(x)]
        for a in x.args:
            if isinstance(a, X):
                if id(a) in shared:
                    last[id(a)] = max(last.get(id(a), 0), h)
                else:
                    home[id(a)] = max(home.get(id(a), 0), h)
    alias_of = {}
    for s in sorted(by_stage):
        exprs = []
        for x in by_stage[s]:
            alias = f"_x{len(names)}"
            exprs.append(f"{emit(x)} AS {name(alias)}")
            names[id(x)] = alias
            alias_of[alias] = id(x)
        current = [c for c in current if c not in alias_of or last.get(alias_of[c], 0) >= s]
        df = df.selectExpr(*[name(c) for c in current], *exprs)
        current += [names[id(x)] for x in by_stage[s]]
    return df.selectExpr(*[name(c) for c in keep],
                         *[f"{emit(x)} AS {name(n)}" for n, x in outputs.items()])


_BIN = {"+": "+", "-": "-", "*": "*", "/": "/", "and": "AND", "or": "OR", "<": "<",
        "<=": "<=", ">": ">", ">=": ">=", "==": "=", "!=": "!="}


def _sql(op: str, a: list[str]) -> str:
    if op in _BIN:
        return f"({a[0]} {_BIN[op]} {a[1]})"
    if op == "not":
        return f"(NOT {a[0]})"
    if op == "neg":
        return f"(- {a[0]})"
    if op == "where":
        return f"(CASE WHEN {a[0]} THEN {a[1]} ELSE {a[2]} END)"
    if op == "min":
        return f"least({', '.join(a)})"
    if op == "max":
        return f"greatest({', '.join(a)})"
    if op == "isnan":
        return f"isnan({a[0]})"
    if op == "isinf":
        return f"(abs({a[0]}) = CAST('Infinity' AS DOUBLE))"
    if op == "abs":
        return f"abs({a[0]})"
    raise ValueError(op)
