"""A rule expression as one SQL condition over the records table, with drsmcheck's semantics.

The records table (exports/records.py) has one row per record and, per indicator, the interval
its print stands for (`"<id>.lo"`, `"<id>.hi"`; NULL when missing or not a number). A
comparison holds when it can hold for some values inside the intervals, within float noise and
the rule's tolerance (intervals.compare); and / or / not / if-then are SQL's three-valued
logic, which is validate's and drsmcheck's: NULL is *not evaluable*. So
`SELECT … WHERE NOT (<condition>)` returns exactly the failing records.
"""

from __future__ import annotations

from .. import expr as E

EPS = 1e-9  # the engine's float-noise tolerance, relative to the magnitudes compared
MAX_SQL = 50_000  # an expression whose SQL is larger is not exported (its bounds repeat)


class NotExpressible(Exception):
    """The rule uses something the records table cannot express (prev(), globs)."""


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class SqlCompiler:
    """Interval arithmetic in SQL: every numeric node is a (lo, hi) pair of SQL expressions."""

    def __init__(self, dialect: str = "ansi"):
        self.least = "MIN" if dialect == "sqlite" else "LEAST"
        self.greatest = "MAX" if dialect == "sqlite" else "GREATEST"

    def _min(self, xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"{self.least}({', '.join(xs)})"

    def _max(self, xs: list[str]) -> str:
        return xs[0] if len(xs) == 1 else f"{self.greatest}({', '.join(xs)})"

    def num(self, node: object) -> tuple[str, str]:
        if isinstance(node, E.Num):
            lit = f"({float(node.value)!r})"
            return lit, lit
        if isinstance(node, E.Ind):
            return quote(node.id + ".lo"), quote(node.id + ".hi")
        if isinstance(node, E.Neg):
            lo, hi = self.num(node.operand)
            return f"(-({hi}))", f"(-({lo}))"
        if isinstance(node, E.Bin):
            (alo, ahi), (blo, bhi) = self.num(node.left), self.num(node.right)
            if node.op == "+":
                return f"({alo} + {blo})", f"({ahi} + {bhi})"
            if node.op == "-":
                return f"({alo} - {bhi})", f"({ahi} - {blo})"
            if node.op == "/":
                # a divisor that may be 0 is not evaluable (NULL), else a × [1/hi, 1/lo]
                zero = f"({blo} <= 0 AND {bhi} >= 0)"
                blo, bhi = (f"(CASE WHEN {zero} THEN NULL ELSE 1.0 / {bhi} END)",
                            f"(CASE WHEN {zero} THEN NULL ELSE 1.0 / {blo} END)")
            products = [f"({x} * {y})" for x in (alo, ahi) for y in (blo, bhi)]
            return self._min(products), self._max(products)
        if isinstance(node, E.Call):
            if node.name == "prev" or any(isinstance(a, E.Glob) for a in node.args):
                raise NotExpressible(f"{node.name}() of another period or of a glob")
            args = [self.num(a) for a in node.args]
            if node.name == "sum":
                return ("(" + " + ".join(a[0] for a in args) + ")",
                        "(" + " + ".join(a[1] for a in args) + ")")
            if node.name == "abs":
                lo, hi = args[0]
                return (f"(CASE WHEN {lo} >= 0 THEN {lo} WHEN {hi} <= 0 THEN -({hi}) ELSE 0.0 "
                        "END)",
                        f"(CASE WHEN {lo} >= 0 THEN {hi} WHEN {hi} <= 0 THEN -({lo}) ELSE "
                        f"{self._max([f'-({lo})', hi])} END)")
            if node.name == "min":
                return self._min([a[0] for a in args]), self._min([a[1] for a in args])
            if node.name == "max":
                return self._max([a[0] for a in args]), self._max([a[1] for a in args])
        raise NotExpressible(f"{type(node).__name__} is not supported")

    def tolerance(self, bounds: list[str], spec: dict[str, float] | None) -> str:
        scale = self._max([f"ABS({b})" for b in bounds])
        tol = f"({EPS!r} * (1.0 + {scale}))"
        if spec and "absolute" in spec:
            return f"({tol} + {float(spec['absolute'])!r})"
        if spec:
            return f"({tol} + {float(spec['relative'])!r} * {scale})"
        return tol

    def cond(self, node: object, spec: dict[str, float] | None = None) -> str:
        if isinstance(node, E.Cmp):
            (alo, ahi), (blo, bhi) = self.num(node.left), self.num(node.right)
            tol = self.tolerance([alo, ahi, blo, bhi], spec)
            op = node.op
            if op == "==":
                return f"({alo} <= {bhi} + {tol} AND {blo} <= {ahi} + {tol})"
            if op == "!=":
                return f"NOT ({alo} = {ahi} AND {blo} = {bhi} AND ABS({alo} - {blo}) <= {tol})"
            if op in ("<=", "<"):
                return f"({alo} {op} {bhi} + {tol})"
            return f"({ahi} + {tol} {op} {blo})"
        if isinstance(node, E.Not):
            return f"(NOT {self.cond(node.operand, spec)})"
        if isinstance(node, E.BoolOp):
            return f"({self.cond(node.left, spec)} {node.op.upper()} {self.cond(node.right, spec)})"
        if isinstance(node, E.If):
            return f"((NOT {self.cond(node.cond, spec)}) OR {self.cond(node.then, spec)})"
        raise NotExpressible(f"{type(node).__name__} is not a condition")


def glob_to_like(pattern: str) -> str:
    """An fnmatch glob (`34*`, `?A`) as a LIKE pattern with `\\` as escape."""
    out = []
    for ch in pattern:
        if ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_\\":
            out.append("\\" + ch)
        elif ch == "'":
            out.append("''")
        else:
            out.append(ch)
    return "".join(out)


def selector(column: str, globs: list[str]) -> str | None:
    """`entity LIKE 'x' OR …` for a rule's entities / periods, or None when it selects all."""
    if not globs or "*" in globs:
        return None
    parts = [f"{quote(column)} LIKE '{glob_to_like(g)}' ESCAPE '\\'" for g in globs]
    return "(" + " OR ".join(parts) + ")"
