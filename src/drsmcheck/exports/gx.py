"""A rule pack as a Great Expectations 1.x suite over the records table (exports/records.py).

Each equation rule becomes an `UnexpectedRowsExpectation` whose query selects the records where
the rule is false — interval arithmetic on the printed figures' bounds, the engine's float-noise
epsilon and the rule's tolerance (exports/sql.py), three-valued logic for missing values — so GX
finds the failures drsmcheck finds. Each bounds rule becomes one too (a print entirely below
`min` or above `max`). Rules that need more than one record (rollup, agreement, objective) or
another period (`prev()`, globs) are listed under `meta.not_exported` with the reason.
Great Expectations is imported only here (`pip install drsmcheck[ge]`).
"""

from __future__ import annotations

from typing import Any

from ..rules import RulePack
from .sql import MAX_SQL, NotExpressible, SqlCompiler, quote, selector

KEYS = ("dataset", "entity", "period")


def _where(rule: Any, condition: str) -> str:
    parts = [f"NOT ({condition})"]
    for column, globs in (("entity", rule.entities), ("period", rule.periods)):
        sel = selector(column, globs)
        if sel:
            parts.append(sel)
    cols = ", ".join(quote(k) for k in KEYS)
    return f"SELECT {cols} FROM {{batch}} WHERE " + " AND ".join(parts)


def _bounds_condition(rule: Any, pack: RulePack) -> str:
    ids = sorted(i for i, ind in pack.reference.indicators.items()
                 if (ind.unit in rule.units if rule.units else True)
                 and (rule.matches_indicator(i) if rule.indicators or not rule.units else True))
    if not ids:
        raise NotExpressible("it selects no indicator of the catalog")
    checks = []
    for i in ids:
        lo, hi = quote(i + ".lo"), quote(i + ".hi")
        side = []
        if rule.min is not None:
            side.append(f"{hi} >= {float(rule.min)!r} - 1e-09")
        if rule.max is not None:
            side.append(f"{lo} <= {float(rule.max)!r} + 1e-09")
        if side:
            checks.append(f"({hi} IS NULL OR ({' AND '.join(side)}))")
    if not checks:
        raise NotExpressible("it has neither min nor max")
    return " AND ".join(checks)


def import_gx() -> tuple[Any, Any]:
    """Great Expectations, imported without its optional PySpark support: with pyspark 4.x
    installed (the `spark` extra) and no grpc, GX's import reaches pyspark's test utilities,
    which print "Skipping doctests" and raise SystemExit(0) — a silent exit of the command."""
    import sys

    blocked = "pyspark" not in sys.modules
    if blocked:
        sys.modules["pyspark"] = None  # type: ignore[assignment]
    try:
        import great_expectations as gx
        import great_expectations.expectations as gxe
    finally:
        if blocked:
            del sys.modules["pyspark"]
    return gx, gxe


def suite_dict(pack: RulePack, dialect: str = "ansi", name: str = "drsmcheck") -> dict[str, Any]:
    """The suite as GX's own JSON (built and checked by GX's ExpectationSuite model)."""
    import logging

    gx, gxe = import_gx()
    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    gx.get_context(mode="ephemeral")  # GX's models need an active (in-memory) context
    compiler = SqlCompiler(dialect)
    suite = gx.ExpectationSuite(name=name)
    skipped = []
    for rule in pack.rules:
        try:
            if rule.kind == "equation":
                query = _where(rule, compiler.cond(rule.ast, rule.tolerance))
            elif rule.kind == "bounds":
                query = _where(rule, _bounds_condition(rule, pack))
            else:
                raise NotExpressible(f"a {rule.kind} rule compares several records or prints")
            if len(query) > MAX_SQL:
                raise NotExpressible(f"its SQL would be {len(query)} characters")
        except NotExpressible as exc:
            skipped.append({"rule": rule.id, "reason": str(exc)})
            continue
        suite.add_expectation(gxe.UnexpectedRowsExpectation(
            unexpected_rows_query=query, description=rule.description.get("en") or rule.id,
            meta={"drsmcheck_rule": rule.id, "severity": rule.severity}))
    suite.meta = {"drsmcheck": {"table": "records (drsmcheck export records)",
                                "dialect": dialect, "not_exported": skipped}}
    return suite.to_json_dict()
