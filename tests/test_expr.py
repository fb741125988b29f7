"""The whitelist expression parser: what parses, and every way out is a clear ExprError."""

from __future__ import annotations

import pytest

from drsmcheck import expr as E


def test_parses_arithmetic_and_logic() -> None:
    node = E.parse("ald.admission.paper + ald.admission.electronic == ald.admission.total")
    assert isinstance(node, E.Cmp) and node.op == "=="
    node = E.parse("if staff >= 1 then staff.costs >= 1")
    assert isinstance(node, E.If)
    node = E.parse("not (a <= b) or abs(a - b) < 0.5 and min(a, b, c) > max(d)")
    assert isinstance(node, E.BoolOp) and node.op == "or"


def test_precedence() -> None:
    node = E.parse("a + b * c == d")
    assert E.to_text(node.left) == "(a + (b * c))"
    node = E.parse("-a / b == c")
    assert E.to_text(node.left) == "(-a / b)"


def test_indicators_globs_and_prev() -> None:
    node = E.parse("sum(ald.admission.*) == ald.total and x.growth == 100 * (x - prev(x)) / prev(x)")
    plain, globs, prev = E.indicators(node)
    assert plain == {"ald.total", "x.growth", "x"}
    assert globs == {"ald.admission.*"}
    assert prev == {"x"}
    assert E.expand_glob("ald.admission.*", ["ald.admission.a", "ald.total", "ald.admission.b.c"]
                         ) == ["ald.admission.a", "ald.admission.b.c"]


@pytest.mark.parametrize(("source", "message"), [
    ("__import__('os')", "unexpected character '_'"),
    ("a.__class__ == 1", "unexpected character '.'"),
    ("lambda x: x == 1", "unexpected character ':'"),
    ("open('f') == 1", "unexpected character"),
    ("eval(a) == 1", "unknown function 'eval'"),
    ("a == ", "expected a number"),
    ("a < b < c", "cannot be chained"),
    ("a + 1", "must be a comparison"),
    ("(a == b) + 1 == 2", "cannot be used as a number"),
    ("abs(x.*) == 1", "globs (*) are only allowed inside sum()"),
    ("prev(1) == 1", "prev() takes one indicator"),
    ("a == b)", "unexpected ')'"),
    ("a[0] == 1", "unexpected character '['"),
    ("a == 1; b == 2", "unexpected character ';'"),
])
def test_rejects(source: str, message: str) -> None:
    with pytest.raises(E.ExprError) as exc:
        E.parse(source)
    assert message in str(exc.value)
    assert "column" in str(exc.value)


def test_deep_nesting_is_refused_not_crashing() -> None:
    with pytest.raises(E.ExprError):
        E.parse("(" * 500 + "a" + ")" * 500 + " == 1")
    with pytest.raises(E.ExprError):
        E.parse("a == " + "1 + " * 1000 + "1")


P = "(t.paper - t.total)"


@pytest.mark.parametrize(("source", "message"), [
    ("abs(abs(abs(abs(a - b)))) >= 0", "nests 4 abs/min/max inside one another (limit 3)"),
    ("min(max(min(abs(a), b), c), d) >= 0", "nests 4 abs/min/max"),
    (" * ".join(["a"] * 5) + " >= 0", "multiplies or divides 5 non-constant factors together "
                                      "(limit 4)"),
    ("(a * b + c) * d / (e * f) >= 0", "5 non-constant factors"),
    ("sum(" + ",".join(["1"] * 985) + ") >= 0", "has 986 terms"),
    (f"abs({P} * {P} * {P} * {P}) >= 0", "would compile to about"),
])
def test_size_limits(source: str, message: str) -> None:
    with pytest.raises(E.ExprTooLarge) as exc:
        E.parse(source)
    assert message in exc.value.message


def test_within_limits_and_constants_are_free() -> None:
    size = E.measure(E.parse("100 * a / 1000 * 2 == -1 * b"))
    assert size.factors == 1 and size.nested_functions == 0
    assert E.parse("abs(abs(abs(a - b))) >= 0 and " + " * ".join(["a"] * 4) + " >= 0")
    assert E.measure(E.parse("sum(x.*) == 1"), lambda g: 40).terms == 41


def test_size_checks_use_no_recursion() -> None:
    """99 levels of `+` (under the depth limit) measured and walked with a tiny stack."""
    import sys
    node = E.parse(" + ".join(["a"] * 99) + " == 1")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(60)
    try:
        assert E.measure(node).terms == 100
        assert sum(1 for _ in E.walk(node)) == 199
    finally:
        sys.setrecursionlimit(limit)


def test_column_points_at_the_outer_function() -> None:
    with pytest.raises(E.ExprTooLarge) as exc:
        E.parse("t.a >= 0 and abs(abs(abs(abs(t.a)))) >= 0")
    assert exc.value.column == 14


@pytest.mark.parametrize("source", ["t.a == t.a / 0", "t.a == 1 / (1 - 1)", "t.a / (2 * 0.5 - 1) >= 0",
                                    "t.a == t.a / -0"])
def test_division_by_a_constant_zero_is_refused(source: str) -> None:
    """The engine crashed on it (exit 3, found by the fuzz suite); it can never be evaluated."""
    with pytest.raises(E.ExprError, match="a constant that is 0"):
        E.parse(source)


def test_division_by_data_is_left_to_the_data() -> None:
    assert E.parse("t.a == t.b / (t.c - t.c)") and E.parse("t.a == t.b / (1 / 3)")
