"""The rule expression language: a whitelist tokenizer and recursive-descent parser.

Rules are data. Nothing here calls `eval`, imports, or touches attributes: an expression
can only name indicators, numbers, the operators below and five functions.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

FUNCTIONS = {"sum": (1, None), "abs": (1, 1), "min": (1, None), "max": (1, None),
             "prev": (1, 1)}
KEYWORDS = {"and", "or", "not", "if", "then"}
CMP_OPS = ("==", "!=", "<=", ">=", "<", ">")
MAX_NUMBER = 1e15  # as for figures (numbers.MAX_ABS): larger constants are typos


@dataclass(frozen=True)
class Limits:
    """How big a rule expression may be, so that no rule can exhaust memory or hang.

    The engine turns each node into interval bounds (lo, hi); `abs`, `min`, `max` and products
    of non-constant factors use each bound of their operands several times, so a naive
    compilation grows geometrically with their nesting (six nested `abs` ran DuckDB out of
    memory). `compiled` bounds an estimate of that size (`compiled_size`); the others are the
    simple counts a rule author can act on. The shipped rules use at most 31 nodes, 16 terms,
    no nested function, 2 factors and a compiled size of 420.
    """

    length: int = 2000          # characters of the expression
    depth: int = 100            # levels of the syntax tree (`a + b + …` is one level per `+`)
    nesting: int = 50           # parentheses, calls, `not` and unary minus inside one another
    nodes: int = 500            # nodes of the syntax tree
    terms: int = 100            # numbers and indicators; a glob counts every indicator it matches
    nested_functions: int = 3   # abs / min / max inside one another
    factors: int = 4            # non-constant factors multiplied (or divided) together
    compiled: int = 2000        # compiled_size(): interval form without shared parts


LIMITS = Limits()
MAX_DEPTH = LIMITS.depth

# A glob is whole `*` segments (`ald.admission.*`): `t.a*100` is a product, not a glob.
_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?)|(?P<ident>[a-z][a-z0-9_]*(?:\.(?:[a-z0-9][a-z0-9_]*|\*))*)"
    r"|(?P<op>==|!=|<=|>=|[-+*/()<>,]))"
)


class ExprError(ValueError):
    """A syntax or type error in a rule expression, with the column it happened at."""

    def __init__(self, message: str, column: int):
        super().__init__(f"{message} (column {column})")
        self.message = message
        self.column = column


class ExprTooLarge(ExprError):
    """An expression above one of LIMITS: well-formed, but too costly to evaluate."""


# --- AST -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Ind:
    id: str


@dataclass(frozen=True)
class Glob:
    pattern: str


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple
    col: int = field(default=0, compare=False, repr=False)  # where it starts, for messages


@dataclass(frozen=True)
class Bin:
    op: str
    left: object
    right: object
    col: int = field(default=0, compare=False, repr=False)  # the operator's column


@dataclass(frozen=True)
class Neg:
    operand: object


@dataclass(frozen=True)
class Cmp:
    op: str
    left: object
    right: object


@dataclass(frozen=True)
class BoolOp:
    op: str  # 'and' | 'or'
    left: object
    right: object


@dataclass(frozen=True)
class Not:
    operand: object


@dataclass(frozen=True)
class If:
    cond: object
    then: object


NUMERIC = (Num, Ind, Glob, Call, Bin, Neg)
BOOLEAN = (Cmp, BoolOp, Not, If)


# --- tokenizer / parser ----------------------------------------------------------------------

@dataclass
class _Tok:
    kind: str  # num | ident | kw | op | end
    text: str
    col: int


def tokenize(source: str) -> list[_Tok]:
    if len(source) > LIMITS.length:
        raise ExprError(f"expression is longer than {LIMITS.length} characters", 1)
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        m = _TOKEN.match(source, pos)
        if not m or m.end() == pos:
            col = pos + len(source[pos:]) - len(source[pos:].lstrip()) + 1
            ch = source[col - 1]
            raise ExprError(f"unexpected character {ch!r}", col)
        col = m.start(m.lastgroup) + 1  # type: ignore[arg-type]
        kind = m.lastgroup or "op"
        text = m.group(kind)
        if kind == "ident" and text in KEYWORDS:
            kind = "kw"
        tokens.append(_Tok(kind, text, col))
        pos = m.end()
    tokens.append(_Tok("end", "", len(source) + 1))
    return tokens


class _Parser:
    def __init__(self, source: str):
        self.toks = tokenize(source)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> _Tok:
        tok = self.take()
        if tok.text != text:
            found = tok.text or "end of expression"
            raise ExprError(f"expected {text!r}, found {found!r}", tok.col)
        return tok

    def parse(self) -> object:
        node = self.if_expr()
        tok = self.peek()
        if tok.kind != "end":
            raise ExprError(f"unexpected {tok.text!r}", tok.col)
        return node

    def _nest(self) -> None:
        self.depth += 1
        if self.depth > LIMITS.nesting:
            raise ExprError(f"expression is nested too deeply (more than {LIMITS.nesting} "
                            "parentheses, calls, 'not' or '-' inside one another)",
                            self.peek().col)

    def if_expr(self) -> object:
        if self.peek().text == "if":
            self.take()
            cond = self.or_expr()
            self.expect("then")
            return If(cond, self.or_expr())
        return self.or_expr()

    def or_expr(self) -> object:
        node = self.and_expr()
        while self.peek().text == "or":
            self.take()
            node = BoolOp("or", node, self.and_expr())
        return node

    def and_expr(self) -> object:
        node = self.not_expr()
        while self.peek().text == "and":
            self.take()
            node = BoolOp("and", node, self.not_expr())
        return node

    def not_expr(self) -> object:
        if self.peek().text == "not":
            self.take()
            self._nest()
            node = Not(self.not_expr())
            self.depth -= 1
            return node
        return self.comparison()

    def comparison(self) -> object:
        left = self.arith()
        if self.peek().text in CMP_OPS:
            op = self.take().text
            right = self.arith()
            if self.peek().text in CMP_OPS:
                raise ExprError("comparisons cannot be chained; join them with 'and'",
                                self.peek().col)
            return Cmp(op, left, right)
        return left

    def arith(self) -> object:
        node = self.term()
        while self.peek().text in ("+", "-"):
            tok = self.take()
            node = Bin(tok.text, node, self.term(), tok.col)
        return node

    def term(self) -> object:
        node = self.unary()
        while self.peek().text in ("*", "/"):
            tok = self.take()
            node = Bin(tok.text, node, self.unary(), tok.col)
        return node

    def unary(self) -> object:
        if self.peek().text == "-":
            self.take()
            self._nest()
            node = Neg(self.unary())
            self.depth -= 1
            return node
        return self.primary()

    def primary(self) -> object:
        tok = self.take()
        if tok.kind == "num":
            value = float(tok.text)
            if value > MAX_NUMBER:
                raise ExprError(f"number {tok.text[:20]}{'…' if len(tok.text) > 20 else ''} "
                                "is too large", tok.col)
            return Num(value)
        if tok.text == "(":
            self._nest()
            node = self.if_expr()
            self.depth -= 1
            self.expect(")")
            return node
        if tok.kind == "ident":
            if self.peek().text == "(":
                return self.call(tok)
            if "*" in tok.text:
                return Glob(tok.text)
            return Ind(tok.text)
        found = tok.text or "end of expression"
        raise ExprError(f"expected a number, an indicator or '(', found {found!r}", tok.col)

    def call(self, name: _Tok) -> object:
        if name.text not in FUNCTIONS:
            raise ExprError(f"unknown function {name.text!r}; functions are "
                            + ", ".join(sorted(FUNCTIONS)), name.col)
        self.expect("(")
        self._nest()
        args = [self.if_expr()]
        while self.peek().text == ",":
            self.take()
            args.append(self.if_expr())
        self.expect(")")
        self.depth -= 1
        lo, hi = FUNCTIONS[name.text]
        if len(args) < lo or (hi is not None and len(args) > hi):
            raise ExprError(f"{name.text}() takes {lo if lo == hi else f'{lo} or more'} "
                            f"argument(s), got {len(args)}", name.col)
        if name.text == "prev" and not isinstance(args[0], Ind):
            raise ExprError("prev() takes one indicator id", name.col)
        for a in args:
            if isinstance(a, Glob) and name.text != "sum":
                raise ExprError("globs (*) are only allowed inside sum()", name.col)
        return Call(name.text, tuple(args), name.col)


def parse(source: str) -> object:
    """Parse a rule expression into an AST; raise ExprError with a column on any problem."""
    if not isinstance(source, str):
        raise ExprError("expression must be a string", 1)
    node = _Parser(source).parse()
    _check_depth(node)
    check_size(node)
    _check_types(node, want_bool=True)
    _check_globs(node)
    _check_constant_divisors(node)
    return node


def _check_constant_divisors(node: object) -> None:
    """Refuse a division by a constant that is 0 (`x / 0`, `x / (1 - 1)`): the relation could
    never be evaluated, and the engine crashed on it (exit 3). Constants are folded exactly."""
    value: dict[int, Fraction | None] = {}
    for n in _postorder(node):
        v: Fraction | None = None
        if isinstance(n, Num):
            v = Fraction(repr(n.value))
        elif isinstance(n, Neg):
            inner = value[id(n.operand)]
            v = None if inner is None else -inner
        elif isinstance(n, Bin):
            a, b = value[id(n.left)], value[id(n.right)]
            if n.op == "/" and b == 0:
                raise ExprError(f"division by {to_text(n.right)}, a constant that is 0: the "
                                "relation could never be evaluated", n.col or 1)
            if a is not None and b is not None:
                v = a + b if n.op == "+" else a - b if n.op == "-" else a * b if n.op == "*" \
                    else a / b
        value[id(n)] = v


def _check_globs(node: object) -> None:
    """A glob stands for several indicators: only `sum(x.*)` gives it one value.

    `t.* >= 0` or `sum(t.* + 1)` used to pass the linter and crash the evaluator.
    """
    allowed = {id(a) for n in walk(node) if isinstance(n, Call) and n.name == "sum"
               for a in n.args if isinstance(a, Glob)}
    for n in walk(node):
        if isinstance(n, Glob) and id(n) not in allowed:
            raise ExprError(f"the glob {n.pattern!r} stands for several indicators: "
                            f"write sum({n.pattern})", 1)


def _children(node: object) -> list[object]:
    kids = [getattr(node, a) for a in ("left", "right", "operand", "cond", "then")
            if getattr(node, a, None) is not None]
    if isinstance(node, Call):
        kids.extend(node.args)
    return kids


def _check_depth(node: object) -> None:
    """Refuse trees deeper than LIMITS.depth, counted without recursion.

    `1 + 1 + … + 1` with 999 terms fits in 2 000 characters but is a left-deep tree 999 levels
    deep: every recursive walk over it (type check, engine compiler, SQL generator) would hit
    Python's recursion limit.
    """
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > LIMITS.depth:
            raise ExprTooLarge(f"expression is nested too deeply (more than {LIMITS.depth} "
                            f"levels); write long sums as sum(a, b, …), at most "
                            f"{LIMITS.terms} terms", getattr(current, "col", 0) or 1)
        stack.extend((child, depth + 1) for child in _children(current))


def _postorder(node: object) -> Iterator[object]:
    """Every node after its children, without recursion (trees may be LIMITS.depth deep)."""
    stack: list[tuple[object, bool]] = [(node, False)]
    while stack:
        current, done = stack.pop()
        if done:
            yield current
            continue
        stack.append((current, True))
        stack.extend((child, False) for child in reversed(_children(current)))


@dataclass(frozen=True)
class Size:
    """What `check_size` measured: the counts `Limits` bounds."""

    nodes: int
    terms: int
    nested_functions: int
    factors: int
    compiled: int


def _is_constant(node: object) -> bool:
    return isinstance(node, Num) or (isinstance(node, Neg) and isinstance(node.operand, Num))


def measure(node: object, glob_size: Callable[[str], int] | None = None) -> Size:
    """Count what `Limits` bounds, bottom-up and without recursion.

    `glob_size(pattern)` is how many indicators a glob stands for (1 when not known yet).
    `compiled` estimates the interval form when nothing is shared: `+`, `-` add their
    operands; `abs` uses its operand's bounds about six times, `min` / `max` five, a product
    or quotient of two non-constant operands six (the four cross products and their guards).
    """
    size = glob_size or (lambda _pattern: 1)
    terms: dict[int, int] = {}
    funcs: dict[int, int] = {}
    factors: dict[int, int] = {}
    compiled: dict[int, int] = {}
    count = 0
    for n in _postorder(node):
        count += 1
        kids = _children(n)
        k = [id(c) for c in kids]
        t = sum(terms[c] for c in k)
        fn = max((funcs[c] for c in k), default=0)
        fa = max((factors[c] for c in k), default=0)
        cs = sum(compiled[c] for c in k)
        if isinstance(n, Num):
            t, fa, cs = 1, 0, 1
        elif isinstance(n, Ind):
            t, fa, cs = 1, 1, 1
        elif isinstance(n, Glob):
            t = max(1, size(n.pattern))
            fa, cs = 1, t
        elif isinstance(n, Call) and n.name == "prev":
            t, fa, cs = 1, 1, 1
        elif isinstance(n, Call) and n.name in ("abs", "min", "max"):
            fn += 1
            cs = cs if len(n.args) == 1 and n.name != "abs" else (6 if n.name == "abs" else 5) * cs
        elif isinstance(n, Call):  # sum
            cs += len(n.args)
        elif isinstance(n, Bin) and n.op in ("*", "/"):
            left, right = n.left, n.right
            if _is_constant(left) or _is_constant(right):
                fa, cs = max(factors[id(left)], factors[id(right)]), cs + 1
            else:
                fa = factors[id(left)] + factors[id(right)]
                cs = 6 * cs
        else:
            if isinstance(n, Neg) and _is_constant(n):
                fa = 0
            cs += 1
        terms[id(n)], funcs[id(n)], factors[id(n)], compiled[id(n)] = t, fn, fa, cs
    r = id(node)
    return Size(count, terms[r], funcs[r], factors[r], compiled[r])


def check_size(node: object, glob_size: Callable[[str], int] | None = None) -> Size:
    """Refuse an expression above one of LIMITS, naming the limit and the value found."""
    s = measure(node, glob_size)
    problems = [
        (s.nested_functions, LIMITS.nested_functions,
         f"nests {s.nested_functions} abs/min/max inside one another "
         f"(limit {LIMITS.nested_functions})"),
        (s.factors, LIMITS.factors, f"multiplies or divides {s.factors} non-constant factors "
         f"together (limit {LIMITS.factors})"),
        (s.terms, LIMITS.terms, f"has {s.terms} terms, counting each indicator a glob matches "
         f"(limit {LIMITS.terms})"),
        (s.nodes, LIMITS.nodes, f"has {s.nodes} operators and operands (limit {LIMITS.nodes})"),
        (s.compiled, LIMITS.compiled, f"would compile to about {s.compiled} interval "
         f"operations (limit {LIMITS.compiled})"),
    ]
    for value, limit, text in problems:
        if value > limit:
            raise ExprTooLarge(f"expression is too large: it {text}; split it into several "
                            "rules", _column_of(node, text))
    return s


def _column_of(node: object, text: str) -> int:
    """The column of the outermost call or product the message is about (1 if unknown)."""
    want: tuple[str, ...] = ()
    if "abs/min/max" in text:
        want = ("abs", "min", "max")
    for n in walk(node):
        if want and isinstance(n, Call) and n.name in want and n.col:
            return n.col
        if "factors" in text and isinstance(n, Bin) and n.op in ("*", "/") and n.col:
            return n.col
    return 1


def _check_types(node: object, want_bool: bool) -> None:
    is_bool = isinstance(node, BOOLEAN)
    if want_bool and not is_bool:
        raise ExprError("the rule must be a comparison (==, <=, …), possibly joined by "
                        "and/or/not/if-then", 1)
    if not want_bool and is_bool:
        raise ExprError("a comparison cannot be used as a number", 1)
    if isinstance(node, Cmp):
        _check_types(node.left, False)
        _check_types(node.right, False)
    elif isinstance(node, BoolOp):
        _check_types(node.left, True)
        _check_types(node.right, True)
    elif isinstance(node, Not):
        _check_types(node.operand, True)
    elif isinstance(node, If):
        _check_types(node.cond, True)
        _check_types(node.then, True)
    elif isinstance(node, Bin):
        _check_types(node.left, False)
        _check_types(node.right, False)
    elif isinstance(node, Neg):
        _check_types(node.operand, False)
    elif isinstance(node, Call):
        for a in node.args:
            _check_types(a, False)


def walk(node: object) -> Iterator[object]:
    """Yield every node of an AST, depth first (parent before children), without recursion."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(_children(current)))


def indicators(node: object) -> tuple[set[str], set[str], set[str]]:
    """(plain indicator ids, glob patterns, ids used with prev()) of an expression."""
    plain: set[str] = set()
    globs: set[str] = set()
    prev: set[str] = set()
    for n in walk(node):
        if isinstance(n, Call) and n.name == "prev":
            prev.add(n.args[0].id)
        elif isinstance(n, Ind):
            plain.add(n.id)
        elif isinstance(n, Glob):
            globs.add(n.pattern)
    # ids that appear only inside prev() are not needed for the current period
    inside_prev = {n.args[0].id for n in walk(node) if isinstance(n, Call) and n.name == "prev"}
    direct = {n.id for n in _walk_outside_prev(node) if isinstance(n, Ind)}
    plain = direct | (plain - inside_prev)
    return plain, globs, prev


def _walk_outside_prev(node: object) -> Iterator[object]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Call) and current.name == "prev":
            continue
        yield current
        stack.extend(reversed(_children(current)))


def expand_glob(pattern: str, known: list[str] | set[str]) -> list[str]:
    """Indicator ids a glob matches (`*` matches one or more dotted segments)."""
    return sorted(i for i in known if fnmatch.fnmatchcase(i, pattern))


def to_text(node: object) -> str:
    """Canonical text of an expression (for messages)."""
    if isinstance(node, Num):
        v = node.value
        # never an exponent: 0.00001, not 1e-05, so that the text parses again
        return str(int(v)) if v == int(v) else format(Decimal(repr(v)), "f")
    if isinstance(node, Ind):
        return node.id
    if isinstance(node, Glob):
        return node.pattern
    if isinstance(node, Call):
        return f"{node.name}({', '.join(to_text(a) for a in node.args)})"
    if isinstance(node, Neg):
        return f"-{to_text(node.operand)}"
    if isinstance(node, Bin | Cmp):
        return f"({to_text(node.left)} {node.op} {to_text(node.right)})"
    if isinstance(node, BoolOp):
        return f"({to_text(node.left)} {node.op} {to_text(node.right)})"
    if isinstance(node, Not):
        return f"not {to_text(node.operand)}"
    if isinstance(node, If):
        return f"(if {to_text(node.cond)} then {to_text(node.then)})"
    raise TypeError(node)
