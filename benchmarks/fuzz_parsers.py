"""Fuzz the two parsers that read untrusted text: French numbers and rule expressions.

    python benchmarks/fuzz_parsers.py                    # 3 minutes per parser
    python benchmarks/fuzz_parsers.py --seconds 600 --target expr --seed 3

Hypothesis generates inputs round after round (a new seed each round) until the time budget is
spent. The only exceptions allowed are `NumberFormatError` (numbers) and `ExprError` (rules);
anything else is a crash, printed with its minimal input, and the script exits 1. Beyond not
crashing, each result must make sense:

- numbers: a value or non-numeric, never both; finite and at most 10^15; decimals ≥ 0; the
  interval of every unit contains the value (unless qualified `< 1 %`) and lies inside the
  truncation interval; well-formed French prints (`-12 345,67 %`, NBSP separators, scale words)
  parse to exactly the number they print;
- expressions: a parsed expression type-checks, its canonical text parses back to the same tree,
  its indicators are listed, and the interval evaluator gives True / False / None (Kleene) on
  random figures, including zero and missing ones, without raising.

Not part of the unit suite (it runs for minutes); `tests/` keeps the fast checks.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import traceback
from collections.abc import Callable
from fractions import Fraction

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from drsmcheck import expr as E
from drsmcheck.intervals import Env, Interval, eval_bool, failing_comparison
from drsmcheck.numbers import (
    MAX_ABS,
    NumberFormatError,
    ParsedNumber,
    interval,
    parse_number,
    truncation_interval,
)
from drsmcheck.reference import UNITS

ROUND_EXAMPLES = 2_000


# -- numbers ----------------------------------------------------------------------------------

SEPARATORS = " \u00a0\u202f\u2009\u2007'’"
NUMBER_ALPHABET = ("0123456789" + SEPARATORS + ",.-+−–%€$kKmMeEiInNfFaAjJsS<>=≤≥/() \t\n"
                   "milliardsoneuropt'")
SUFFIXES = ["", " %", "%", "\u00a0%", " €", " M€", " k€", " euros", " millions", " milliards",
            " millions d'euros", " points", " pts", " jours", " j", " M€ ", "  %"]
WORDS = ["-", "/", "Neutralisé", "FCU", "NC", "n.s.", "ND", "—", "nan", "NaN", "inf", "-inf",
         "Infinity", "∞", "1e400", "1e-400", "0x1F", "1_000", "١٢٣", "१२", "½", "²"]


@st.composite
def french_numbers(draw: st.DrawFn) -> tuple[str, Fraction | None]:
    """A well-formed French print and the exact value it stands for (None if scaled/unit)."""
    suffix = draw(st.sampled_from(SUFFIXES))
    scaled = any(w in suffix for w in ("million", "milliard"))
    # "12 345 milliards" is still a figure; a million milliards (10^15) is not
    integer = draw(st.integers(0, 99_999 if scaled else 10**12))
    decimals = draw(st.integers(0, 3))
    frac = draw(st.integers(0, 10**decimals - 1)) if decimals else 0
    sep = draw(st.sampled_from([*SEPARATORS, ""]))
    groups = f"{integer:,}".replace(",", sep) if sep else str(integer)
    text = groups + ("," + str(frac).rjust(decimals, "0") if decimals else "")
    negative = draw(st.booleans()) and (integer or frac)
    sign = draw(st.sampled_from(["-", "−", "–"])) if negative else draw(st.sampled_from(["", "+"]))
    value = Fraction(integer) + Fraction(frac, 10**decimals)
    if negative:
        value = -value
    return sign + text + suffix, None if scaled else value


number_inputs = st.one_of(
    st.text(alphabet=NUMBER_ALPHABET, max_size=40),
    st.text(max_size=30),
    st.sampled_from(WORDS),
    st.builds(lambda q, w: q + w, st.sampled_from(["<", "< ", ">", "≤", "≥ ", "<=", ">="]),
              st.text(alphabet=NUMBER_ALPHABET, max_size=15)),
    french_numbers().map(lambda pair: pair[0]),
    st.integers(),
    st.integers(min_value=-(10**400), max_value=10**400),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.binary(max_size=10),
)


def check_number(raw: object) -> None:
    try:
        p = parse_number(raw)
    except NumberFormatError:
        return
    assert isinstance(p, ParsedNumber)
    assert isinstance(p.text, str)
    if p.value is None:
        assert p.non_numeric, p
        return
    assert not p.non_numeric, p
    assert math.isfinite(p.value) and abs(p.value) <= MAX_ABS, p
    assert p.decimals is None or p.decimals >= 0, p
    for unit in UNITS:
        for rounded in (None, True, False):
            lo, hi = interval(p, unit, rounded)
            assert not (math.isnan(lo) or math.isnan(hi)) and lo <= hi, (p, unit, lo, hi)
            if p.qualifier is None:
                assert lo <= p.value <= hi, (p, unit, lo, hi)
        tlo, thi = truncation_interval(p, unit)
        lo, hi = interval(p, unit)
        assert tlo <= lo and hi <= thi, (p, unit)


def check_french_number(pair: tuple[str, Fraction | None]) -> None:
    text, value = pair
    p = parse_number(text)  # a well-formed print must parse
    assert p.value is not None, (text, p)
    if value is not None:
        assert math.isclose(p.value, float(value), rel_tol=1e-12, abs_tol=1e-12), (text, p)


# -- expressions ------------------------------------------------------------------------------

IDENTS = ["a", "b", "c", "t.total", "t.part_1", "ald.admission.total", "ald.*", "t.*", "x9",
          "sum", "abs", "min", "max", "prev", "and", "or", "not", "if", "then", "else",
          "lambda", "__import__", "a.__class__", "__class__", "os", "eval", "True", "None"]
NUMBERS = ["0", "1", "100", "0.5", "1.25", "007", "1e5", "9" * 30, "1.", ".5", "-1"]
OPS = ["+", "-", "*", "/", "==", "!=", "<", "<=", ">", ">=", "(", ")", ",", ".", "[", "]",
       "'", '"', ":", "**", "//", "%", "@", "`", ";", "=", "!", "&", "|", "~", "^", "{", "}",
       "\\", "#", "\n", "\t", "\u00a0", "é"]
tokens = st.one_of(st.sampled_from(IDENTS), st.sampled_from(NUMBERS), st.sampled_from(OPS),
                   st.text(max_size=3))
token_soup = st.lists(tokens, max_size=30).flatmap(
    lambda ts: st.sampled_from([" ".join(ts), "".join(ts)]))

LEAF_IDS = ["a", "b", "c", "t.total", "t.part_1"]
numeric_leaf = st.one_of(
    st.sampled_from(LEAF_IDS),
    st.sampled_from(["0", "1", "2", "100", "0.5", "12.75"]),
    st.sampled_from(["prev(a)", "prev(t.total)", "sum(t.*)", "sum(a, b)", "abs(c)"]),
)


def _numeric(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["+", "-", "*", "/"]), children).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"),
        children.map(lambda x: f"({x})"),
        children.map(lambda x: f"-{x}"),
        st.tuples(st.sampled_from(["sum", "min", "max"]), st.lists(children, min_size=1,
                                                                   max_size=3)).map(
            lambda t: f"{t[0]}({', '.join(t[1])})"),
        children.map(lambda x: f"abs({x})"),
    )


numeric_exprs = st.recursive(numeric_leaf, _numeric, max_leaves=12)
comparisons = st.tuples(numeric_exprs, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
                        numeric_exprs).map(lambda t: f"{t[0]} {t[1]} {t[2]}")


def _boolean(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(children, st.sampled_from(["and", "or"]), children).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"),
        children.map(lambda x: f"not {x}"),
        children.map(lambda x: f"({x})"),
        st.tuples(children, children).map(lambda t: f"(if {t[0]} then {t[1]})"),
    )


boolean_exprs = st.recursive(comparisons, _boolean, max_leaves=6)
expr_inputs = st.one_of(token_soup, st.text(max_size=60), boolean_exprs, numeric_exprs,
                        boolean_exprs.map(lambda s: s.replace(" ", "")))

intervals = st.one_of(
    st.none(),
    st.just(Interval(0.0, 0.0)),
    st.floats(-1e6, 1e6, allow_nan=False).map(Interval.point),
    st.tuples(st.floats(-1e6, 1e6, allow_nan=False), st.floats(0, 10, allow_nan=False)).map(
        lambda t: Interval(t[0] - t[1], t[0] + t[1])),
)
KNOWN = sorted(LEAF_IDS + ["ald.admission.total", "t.other"])


def _envs() -> st.SearchStrategy[Env]:
    present = st.dictionaries(st.sampled_from(KNOWN), intervals, max_size=len(KNOWN))
    return st.builds(lambda v, p: Env(v, p, KNOWN), present, present)


def check_expr(source: str, env: Env) -> None:
    try:
        ast = E.parse(source)
    except E.ExprError as exc:
        assert isinstance(exc.column, int) and exc.column >= 1, exc
        return
    assert isinstance(ast, E.BOOLEAN), ast
    plain, globs, prev = E.indicators(ast)
    assert all(isinstance(i, str) for i in plain | globs | prev)
    text = E.to_text(ast)
    try:
        again = E.parse(text)
    except E.ExprError as exc:  # the canonical text adds parentheses: only limits may bite
        assert "too deeply" in exc.message or "longer than" in exc.message, (source, text, exc)
    else:
        assert again == ast, (source, text)
    result = eval_bool(ast, env)
    assert result in (True, False, None), result
    if result is False:
        assert failing_comparison(ast, env) is not None or isinstance(ast, E.Not | E.BoolOp
                                                                      | E.If), source


def check_valid_expr(source: str) -> None:
    """Generated from the grammar: must parse, unless it hits the documented limits."""
    try:
        E.parse(source)
    except E.ExprError as exc:
        allowed = ("too deeply", "longer than", "globs (*) are only allowed inside sum()",
                   "prev() takes one indicator id")
        assert any(a in exc.message for a in allowed), (source, exc.message)


# -- driver -----------------------------------------------------------------------------------

class Budget:
    def __init__(self) -> None:
        self.examples = 0


def _fuzz(name: str, strategy: st.SearchStrategy, check: Callable, seconds: float,
          base_seed: int = 0) -> dict:
    budget = Budget()

    def body(case: tuple) -> None:
        budget.examples += 1
        check(case)

    start = time.monotonic()
    rounds = 0
    failure = None
    while time.monotonic() - start < seconds:
        test = settings(max_examples=ROUND_EXAMPLES, deadline=None, database=None,
                        suppress_health_check=list(HealthCheck))(given(strategy)(body))
        test = seed(base_seed * 1_000_003 + rounds * 7919 + 17)(test)
        rounds += 1
        try:
            test()
        except Exception:  # noqa: BLE001 - a crash of the parser under test: report it
            failure = traceback.format_exc()
            break
    elapsed = time.monotonic() - start
    return {"name": name, "examples": budget.examples, "rounds": rounds,
            "seconds": round(elapsed, 1), "failure": failure}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=180.0,
                        help="time budget per parser (default 180)")
    parser.add_argument("--target", choices=("numbers", "expr", "all"), default="all")
    parser.add_argument("--seed", type=int, default=0,
                        help="base seed: another value explores other inputs (default 0)")
    args = parser.parse_args()
    targets = []
    if args.target in ("numbers", "all"):
        targets += [
            ("parse_number: any input", st.tuples(number_inputs), check_number, 0.6),
            ("parse_number: well-formed French prints", st.tuples(french_numbers()),
             check_french_number, 0.4),
        ]
    if args.target in ("expr", "all"):
        targets += [
            ("expr.parse: any input + evaluation", st.tuples(expr_inputs, _envs()),
             check_expr, 0.7),
            ("expr.parse: grammar-generated", st.tuples(boolean_exprs), check_valid_expr,
             0.3),
        ]
    failed = False
    for name, strategy, check, share in targets:
        result = _fuzz(name, strategy.map(tuple), lambda t, c=check: c(*t),
                       args.seconds * share, args.seed)
        rate = result["examples"] / max(result["seconds"], 1e-9)
        print(f"{name}: {result['examples']} inputs in {result['seconds']} s "
              f"({rate:.0f}/s, {result['rounds']} rounds)", flush=True)
        if result["failure"]:
            failed = True
            print(f"  CRASH:\n{result['failure']}", flush=True)
    print("no crash" if not failed else "crashes found", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
