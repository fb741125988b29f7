"""Interval arithmetic and three-valued evaluation (ARCHITECTURE §4 and §5)."""

from __future__ import annotations

import pytest

from drsmcheck import expr as E
from drsmcheck.intervals import Env, Interval, eval_bool, eval_num
from drsmcheck.numbers import interval, parse_number


def iv(text: str, unit: str = "percent") -> Interval:
    return Interval(*interval(parse_number(text), unit))


def env(**values: Interval | None) -> Env:
    vals = {k.replace("_", "."): v for k, v in values.items()}
    return Env(vals, {}, sorted(vals))


def test_operations() -> None:
    a, b = Interval(1, 2), Interval(-3, 4)
    assert a + b == Interval(-2, 6)
    assert a - b == Interval(-3, 5)
    assert a * b == Interval(-6, 8)
    assert a / Interval(2, 4) == Interval(0.25, 1)
    assert a / b is None  # divisor may be zero: not evaluable
    assert Interval(-3, 1).abs() == Interval(0, 3)


def test_lr_cpg_score_holds() -> None:
    node = E.parse("s == (r1 * p1 + r2 * p2 + r3 * p3 + r4 * p4 + r5 * p5) / 1000")
    e = Env({"s": iv("82,33"), "r1": iv("96,01"), "r2": iv("72,76"), "r3": iv("84,25"),
             "r4": iv("93,62"), "r5": iv("92,58"),
             "p1": Interval.point(115), "p2": Interval.point(500), "p3": Interval.point(100),
             "p4": Interval.point(95), "p5": Interval.point(190)}, {}, [])
    assert eval_bool(node, e) is True


def test_mp_cpg_score_holds_only_thanks_to_axis_rounding() -> None:
    # point estimate 77,59705 rounds to 77,60 ≠ 77,59, but each axis rate is itself rounded:
    # the true score lies in [77,592 ; 77,602], which meets [77,585 ; 77,595]
    node = E.parse("s == (r1 * 115 + r2 * 500 + r3 * 100 + r4 * 95 + r5 * 190) / 1000")
    e = Env({"s": iv("77,59"), "r1": iv("92,75"), "r2": iv("73,47"), "r3": iv("55,68"),
             "r4": iv("87,74"), "r5": iv("85,75")}, {}, [])
    assert eval_bool(node, e) is True
    score = eval_num(node.right, e)
    assert score.lo == pytest.approx(77.59205) and score.hi == pytest.approx(77.60205)


def test_ratio_flagged() -> None:
    node = E.parse("rate == 100 * part / total")
    e = Env({"rate": iv("29,5 %"), "part": Interval.point(249), "total": Interval.point(842)},
            {}, [])
    assert eval_bool(node, e) is False  # 29,57… is outside [29,45 ; 29,55]


def test_kleene_logic() -> None:
    e = Env({"a": Interval.point(1), "b": None}, {}, [])
    assert eval_bool(E.parse("a == 1 or b == 1"), e) is True
    assert eval_bool(E.parse("a == 2 and b == 1"), e) is False
    assert eval_bool(E.parse("a == 1 and b == 1"), e) is None
    assert eval_bool(E.parse("if a == 2 then b == 1"), e) is True
    assert eval_bool(E.parse("if a == 1 then b == 1"), e) is None
    assert eval_bool(E.parse("not b == 1"), e) is None


def test_tolerance() -> None:
    e = Env({"a": Interval.point(100), "b": Interval.point(101)}, {}, [])
    node = E.parse("a == b")
    assert eval_bool(node, e) is False
    assert eval_bool(node, e, {"absolute": 1}) is True
    assert eval_bool(node, e, {"relative": 0.02}) is True
