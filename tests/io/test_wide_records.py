"""A wide dataset of 315 records checked like R validate's `confront()` + `summary()`.

Every row of a wide table is a record, so every rule that selects it counts it as an item —
passing, failing, or not evaluable when a value it needs is missing (validate's NA), even when
the row has no figure at all (`if A then B` is three-valued, as in validate: a false A or a
true B decides it). The expected items / passes / fails / NA of each rule are
computed here from the generated values, independently of drsmcheck.
"""

from __future__ import annotations

import random
from fractions import Fraction

import pytest

from drsmcheck.report import validate

from packs import make_pack, write

CHECKS = """
rules:
  - id: w.balance
    kind: equation
    severity: error
    description: {fr: Équilibre, en: Balance}
    expr: "t.a + t.b == t.total"
  - id: w.ratio
    kind: equation
    severity: error
    description: {fr: Ratio, en: Ratio}
    expr: "t.share == 100 * t.a / t.total"
  - id: w.conditional
    kind: equation
    severity: warning
    description: {fr: Condition, en: Conditional}
    expr: "if t.total > 1000 then t.rate >= 50"
"""
ENTITIES = ["FR", "OCC", "LR", "MP", "BFC", "AM", "HDF", "IDF", "09", "11", "12", "30", "31",
            "32", "34", "46", "48", "65", "66", "81", "82", "21", "25", "39", "58", "70", "71",
            "89", "90", "57", "67", "68", "80", "93", "GE"]
PERIODS = [str(y) for y in range(2011, 2020)]
COLUMNS = ["entite", "annee", "a", "b", "total", "part", "taux"]
HEADER = """dataset:
  id: wide
  title: Records
  report: r.txt
  files:
    records.csv:
      layout: wide
      keys: {entity: entite, period: annee}
      indicators: {a: t.a, b: t.b, total: t.total, part: t.share, taux: t.rate}
"""


def _fr(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def _tenths(x: Fraction) -> int:
    """round-half-up(x) in tenths, exactly."""
    return int((x * 10 + Fraction(1, 2)) // 1)


def generate(seed: int = 7) -> tuple[list[list[str]], dict[str, dict[str, int]]]:
    """The table and, per rule, the items / passes / fails / not_evaluable it must give."""
    rng = random.Random(seed)
    rows = [COLUMNS]
    want = {r: {"items": 0, "passes": 0, "fails": 0, "not_evaluable": 0}
            for r in ("w.balance", "w.ratio", "w.conditional")}

    def count(rule: str, outcome: str) -> None:
        want[rule]["items"] += 1
        want[rule][outcome] += 1

    for entity in ENTITIES:
        for period in PERIODS:
            if rng.random() < 0.04:  # a record with no figure at all
                rows.append([entity, period, "", "", "", "", ""])
                for rule in want:
                    count(rule, "not_evaluable")
                continue
            a, b = rng.randrange(100, 5000), rng.randrange(100, 5000)
            total = a + b
            if rng.random() < 0.1:
                total += rng.randrange(1, 40)  # a mistyped total
            ratio = Fraction(100 * a, total)
            share = _tenths(ratio)
            if rng.random() < 0.1:
                share += rng.choice([-1, 1]) * rng.randrange(10, 50)  # a wrong share
            # away from the rounding boundary: an exact .x5 ratio would test the engine's
            # epsilon, not the records
            while abs(Fraction(share, 10) - ratio) == Fraction(1, 20):
                share += 1
            rate = rng.choice([rng.randrange(100, 495), rng.randrange(505, 1000)])  # tenths
            cells = {"a": _fr(a), "b": _fr(b), "total": _fr(total),
                     "part": f"{share // 10},{share % 10} %", "taux": f"{rate // 10},{rate % 10} %"}
            for name in cells:
                if rng.random() < 0.08:
                    cells[name] = ""  # a missing value: the rules that need it are NA
            have = {k: bool(v) for k, v in cells.items()}
            if not (have["a"] and have["b"] and have["total"]):
                count("w.balance", "not_evaluable")
            else:
                count("w.balance", "passes" if a + b == total else "fails")
            if not (have["part"] and have["a"] and have["total"]):
                count("w.ratio", "not_evaluable")
            else:
                ok = abs(Fraction(share, 10) - ratio) <= Fraction(1, 20)
                count("w.ratio", "passes" if ok else "fails")
            # `if A then B` is `not A or B` in three-valued logic, as in validate: a false
            # condition passes whatever B is, a true B passes whatever A is
            cond = (total > 1000) if have["total"] else None
            then = (rate >= 500) if have["taux"] else None
            if cond is False or then is True:
                count("w.conditional", "passes")
            elif cond is True and then is False:
                count("w.conditional", "fails")
            else:
                count("w.conditional", "not_evaluable")
            rows.append([entity, period, *(cells[c] for c in COLUMNS[2:])])
    return rows, want


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, dict]:
    root = tmp_path_factory.mktemp("wide")
    pack = make_pack(root, CHECKS)
    rows, want = generate()
    write(root / "data" / "dataset.yaml", HEADER)
    (root / "data" / "records.csv").write_text(
        "\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")
    return validate([root / "data"], pack), want


def test_the_dataset_is_the_one_intended():
    rows, want = generate()
    assert len(rows) - 1 == len(ENTITIES) * len(PERIODS) == 315
    for counts in want.values():  # every outcome occurs, so each count is tested
        assert counts["items"] == 315 and min(counts.values()) > 5


def test_every_record_is_an_item_of_every_rule(run):
    report, want = run
    got = {r["rule"]: {k: r[k] for k in ("items", "passes", "fails", "not_evaluable")}
           for r in report["rules"] if r["rule"] in want}
    assert got == want


def test_failures_are_reported_per_record(run):
    report, want = run
    for rule, counts in want.items():
        failing = {(a["entity"], a["period"]) for a in report["anomalies"] if a["rule"] == rule
                   and a["category"] in ("inconsistent", "rounding")}
        assert len(failing) == counts["fails"], rule
