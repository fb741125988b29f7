"""Compile rules to Ibis queries over the figures table and run them (DuckDB by default).

Each rule becomes one query that returns its per-rule counts and its failing records; no Python
loop runs per figure. Any Ibis backend that supports these operations can run the same pack
(`backend="pyspark"` with a SparkSession).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import pandas as pd

from . import expr as E
from .rules import Rule, RulePack

KEY = ["dataset", "entity", "period"]
SQL_COLUMNS = ["dataset", "ref", "entity", "period", "period_next", "indicator", "unit",
               "unit_printed", "lo", "hi", "non_numeric", "prio", "seq", "kind"]
EPS = 1e-9


@dataclass
class RuleResult:
    """What one rule did: its counts, and the records (or figure groups) that failed."""

    rule: Rule
    items: int = 0
    passes: int = 0
    fails: int = 0
    not_evaluable: int = 0
    failing: pd.DataFrame = field(default_factory=pd.DataFrame)
    # records (dataset, entity, period) an equation could not evaluate, for the anomaly builder
    # to tell a missing figure (counted only) from a division by zero (reported)
    unevaluable: pd.DataFrame = field(default_factory=pd.DataFrame)


def _null() -> ir.Value:
    return ibis.null().cast("float64")


def _mag(x: Any) -> Any:
    """|x| for the float-noise tolerance, 0 for an unbounded side (`> 120 %` is [120, +inf)).

    An infinite bound in the scale made the tolerance infinite: every relation then held.
    """
    return ibis.ifelse(x.isinf(), 0.0, x.abs())


def _guard(cond: ir.BooleanValue, value: ir.Value) -> ir.Value:
    return ibis.ifelse(cond, _null(), value)


class _Compiler:
    """Interval semantics of the expression language, as Ibis column expressions.

    Each numeric node compiles to (lo, hi, nonneg). Knowing that both operands are
    non-negative (from the data, checked once per run) lets × and ÷ use two products instead
    of four guarded ones, which keeps the generated SQL linear in the expression size.
    """

    def __init__(self, table: ir.Table, cols: dict[str, str], prev_cols: dict[str, str],
                 known: list[str], tol: dict[str, float] | None,
                 nonneg: set[str] | frozenset[str] = frozenset()):
        self.t = table
        self.cols = cols
        self.prev_cols = prev_cols
        self.known = known
        self.tol = tol
        self.nonneg = nonneg

    def num(self, node: object) -> tuple[Any, Any]:
        lo, hi, _ = self.num3(node)
        return lo, hi

    def num3(self, node: object) -> tuple[Any, Any, bool]:
        t = self.t
        if isinstance(node, E.Num):
            lit = ibis.literal(node.value, type="float64")
            return lit, lit, node.value >= 0
        if isinstance(node, E.Ind):
            c = self.cols[node.id]
            return t[f"{c}_lo"], t[f"{c}_hi"], node.id in self.nonneg
        if isinstance(node, E.Neg):
            lo, hi, _ = self.num3(node.operand)
            return -hi, -lo, False
        if isinstance(node, E.Bin):
            alo, ahi, apos = self.num3(node.left)
            blo, bhi, bpos = self.num3(node.right)
            if node.op == "+":
                return alo + blo, ahi + bhi, apos and bpos
            if node.op == "-":
                return alo - bhi, ahi - blo, False
            if node.op == "*":
                if apos and bpos:
                    return alo * blo, ahi * bhi, True
                if isinstance(node.left, E.Num) or isinstance(node.right, E.Num):
                    c = node.left.value if isinstance(node.left, E.Num) else node.right.value
                    lo, hi = (blo, bhi) if isinstance(node.left, E.Num) else (alo, ahi)
                    return (c * lo, c * hi, False) if c >= 0 else (c * hi, c * lo, False)
                lo, hi = self._mul(alo, ahi, blo, bhi)
                return lo, hi, False
            zero = (blo <= 0) & (bhi >= 0)
            if apos and bpos:
                return _guard(blo <= 0, alo / bhi), _guard(blo <= 0, ahi / blo), True
            inv_lo, inv_hi = _guard(zero, 1.0 / bhi), _guard(zero, 1.0 / blo)
            lo, hi = self._mul(alo, ahi, inv_lo, inv_hi)
            return lo, hi, False
        if isinstance(node, E.Call):
            lo, hi = self._call(node)
            pos = node.name == "abs" or (
                node.name in ("sum", "min", "max")
                and all(isinstance(a, E.Glob) and all(
                    i in self.nonneg for i in E.expand_glob(a.pattern, self.known))
                    or (not isinstance(a, E.Glob) and self.num3(a)[2]) for a in node.args)
            ) or (node.name == "prev" and node.args[0].id in self.nonneg)
            return lo, hi, pos
        raise TypeError(node)

    @staticmethod
    def _mul(alo: Any, ahi: Any, blo: Any, bhi: Any) -> tuple[Any, Any]:
        products = [alo * blo, alo * bhi, ahi * blo, ahi * bhi]
        # LEAST/GREATEST skip NULLs; adding 0 × every bound makes a missing operand propagate
        nullify = (alo + ahi + blo + bhi) * 0.0
        return ibis.least(*products) + nullify, ibis.greatest(*products) + nullify

    def _call(self, node: E.Call) -> tuple[Any, Any]:
        t = self.t
        if node.name == "prev":
            c = self.prev_cols[node.args[0].id]
            return t[f"{c}_lo"], t[f"{c}_hi"]
        if node.name == "sum":
            lo: Any = ibis.literal(0.0)
            hi: Any = ibis.literal(0.0)
            for arg in node.args:
                if isinstance(arg, E.Glob):
                    ids = [i for i in E.expand_glob(arg.pattern, self.known) if i in self.cols]
                    any_present = ibis.literal(False)
                    any_nn = ibis.literal(False)
                    glo: Any = ibis.literal(0.0)
                    ghi: Any = ibis.literal(0.0)
                    for i in ids:
                        c = self.cols[i]
                        any_present = any_present | t[f"{c}_has"]
                        any_nn = any_nn | t[f"{c}_nn"]
                        glo = glo + t[f"{c}_lo"].fill_null(0.0)
                        ghi = ghi + t[f"{c}_hi"].fill_null(0.0)
                    bad = ~any_present | any_nn
                    lo, hi = lo + _guard(bad, glo), hi + _guard(bad, ghi)
                else:
                    alo, ahi = self.num(arg)
                    lo, hi = lo + alo, hi + ahi
            return lo, hi
        vals = [self.num(a) for a in node.args]
        if node.name == "abs":
            lo, hi = vals[0]
            alo = ibis.ifelse(lo >= 0, lo, ibis.ifelse(hi <= 0, -hi, 0.0))
            ahi = ibis.ifelse(lo >= 0, hi, ibis.ifelse(hi <= 0, -lo, ibis.greatest(-lo, hi)))
            return alo, ahi
        if len(vals) == 1:
            return vals[0]
        fn = ibis.least if node.name == "min" else ibis.greatest
        nullify: Any = ibis.literal(0.0)
        for vlo, vhi in vals:
            nullify = nullify + vlo * 0.0 + vhi * 0.0
        return fn(*[v[0] for v in vals]) + nullify, fn(*[v[1] for v in vals]) + nullify

    def boolean(self, node: object) -> ir.BooleanValue:
        if isinstance(node, E.Cmp):
            (alo, ahi), (blo, bhi) = self.num(node.left), self.num(node.right)
            scale = ibis.greatest(_mag(alo), _mag(ahi), _mag(blo), _mag(bhi))
            tol = _tolerance(scale, self.tol)
            op = node.op
            if op == "==":
                return (alo <= bhi + tol) & (blo <= ahi + tol)
            if op == "!=":
                return ~((alo == ahi) & (blo == bhi) & ((alo - blo).abs() <= tol))
            if op == "<=":
                return alo <= bhi + tol
            if op == "<":
                return alo < bhi + tol
            if op == ">=":
                return ahi + tol >= blo
            return ahi + tol > blo
        if isinstance(node, E.Not):
            return ~self.boolean(node.operand)
        if isinstance(node, E.BoolOp):
            a, b = self.boolean(node.left), self.boolean(node.right)
            return (a & b) if node.op == "and" else (a | b)
        if isinstance(node, E.If):
            return ~self.boolean(node.cond) | self.boolean(node.then)
        raise TypeError(node)


class Engine:
    """Runs a rule pack on a figures table."""

    def __init__(self, figures: pd.DataFrame, pack: RulePack, backend: str = "duckdb",
                 connection: Any = None):
        self.pack = pack
        self.known = sorted(pack.reference.indicators)
        self.backend = backend
        self.con = connection if connection is not None else _connect(backend)
        frame = figures[SQL_COLUMNS].copy()
        for col in ("lo", "hi"):
            frame[col] = pd.array(frame[col], dtype="Float64")
        for col in ("prio", "seq"):
            frame[col] = frame[col].astype("int64")
        frame["non_numeric"] = frame["non_numeric"].astype(bool)
        for col in ("dataset", "ref", "entity", "period", "period_next", "indicator", "unit",
                    "unit_printed", "kind"):
            frame[col] = frame[col].astype("string")
        self.periods = sorted(set(frame["period"].dropna()))
        self.figures = self.con.create_table("figures", frame, overwrite=True)
        w = ibis.window(group_by=["dataset", "entity", "period", "indicator"],
                        order_by=["prio", "seq"])
        ranked = self.figures.mutate(_rank=ibis.row_number().over(w))
        # materialized once: every rule reads it, and a small plan compiles fast
        self.resolved = self._materialize(
            "resolved", ranked.filter(ranked._rank == 0).drop("_rank"))
        lows = frame.groupby("indicator")["lo"].min()
        self.nonneg = frozenset(str(i) for i, v in lows.items() if pd.isna(v) or v >= 0)
        edges = pd.DataFrame(pack.reference.edges(), columns=["hierarchy", "parent", "child"],
                             dtype="string")
        self.edges = self.con.create_table("edges", edges, overwrite=True)

    def _materialize(self, name: str, expr: ir.Table) -> ir.Table:
        """A table on DuckDB (small plans compile fast); a cached temp view on Spark."""
        if self.backend == "duckdb":
            return self.con.create_table(name, expr, overwrite=True)
        view = self.con.create_view(name, expr, overwrite=True)
        return view.cache() if hasattr(view, "cache") else view

    # -- selectors -----------------------------------------------------------------------------
    def _select(self, table: ir.Table, rule: Rule) -> ir.Table:
        if rule.entities != ["*"]:
            table = table.filter(table.entity.isin(
                _expand(rule.entities, sorted(self.pack.reference.entities))))
        if rule.periods != ["*"]:
            table = table.filter(table.period.isin(_expand(rule.periods, self.periods)))
        return table

    def _indicators(self, rule: Rule, additive_only: bool = False) -> list[str]:
        inds = [i for i in self.known if rule.matches_indicator(i)]
        if additive_only:
            inds = [i for i in inds if self.pack.reference.indicators[i].additive]
        return inds

    # -- rule kinds ----------------------------------------------------------------------------
    def run(self) -> list[RuleResult]:
        """All rules; equations run together as one wide query (compiling is the cost)."""
        equations = [r for r in self.pack.rules if r.kind == "equation"]
        by_id = {r.rule.id: r for r in self._run_equations(equations)} if equations else {}
        return [by_id[rule.id] if rule.id in by_id else self.run_rule(rule)
                for rule in self.pack.rules]

    def run_rule(self, rule: Rule) -> RuleResult:
        method = getattr(self, f"_run_{rule.kind}")
        return method(rule)

    def _counts(self, rule: Rule, res: ir.Table, failing: ir.Table) -> RuleResult:
        """Counts and failing rows from one fetch of the per-item results (one compile)."""
        df = res.execute()
        r = df["result"]
        passed = int((r == True).sum())  # noqa: E712
        failed_mask = (r == False).fillna(False).astype(bool)  # noqa: E712
        keep = [c for c in failing.columns]
        fails = df.loc[failed_mask, keep].reset_index(drop=True)
        return RuleResult(rule, len(df), passed, int(failed_mask.sum()),
                          len(df) - passed - int(failed_mask.sum()),
                          fails if len(fails) else pd.DataFrame())

    def _wide(self, needed: list[str], needed_prev: list[str]
              ) -> tuple[ir.Table, dict[str, str], dict[str, str]]:
        """One row per record, lo/hi/has/nn columns per indicator (and prev() columns)."""
        cols = {ind: f"v{k}" for k, ind in enumerate(needed)}
        prev_cols = {ind: f"p{k}" for k, ind in enumerate(needed_prev)}
        if self.backend == "duckdb":
            return self._wide_duckdb(cols, prev_cols), cols, prev_cols
        f = self.resolved
        cur = f.filter(f.indicator.isin(needed))
        aggs: dict[str, Any] = {}
        for ind, c in cols.items():
            # max(CASE WHEN …) rather than FILTER: DuckDB plans hundreds of them 15× faster
            m = cur.indicator == ind
            aggs[f"{c}_lo"] = ibis.ifelse(m, cur.lo, _null()).max()
            aggs[f"{c}_hi"] = ibis.ifelse(m, cur.hi, _null()).max()
            aggs[f"{c}_has"] = m.any()
            aggs[f"{c}_nn"] = (m & cur.non_numeric).any()
        wide = cur.group_by(KEY).aggregate(**aggs)
        if prev_cols:
            pf = self.resolved.filter(self.resolved.indicator.isin(needed_prev)
                                      & self.resolved.period_next.notnull())
            paggs: dict[str, Any] = {}
            for ind, c in prev_cols.items():
                m = pf.indicator == ind
                paggs[f"{c}_lo"] = ibis.ifelse(m, pf.lo, _null()).max()
                paggs[f"{c}_hi"] = ibis.ifelse(m, pf.hi, _null()).max()
            pw = pf.group_by(["dataset", "entity", pf.period_next.name("period")]).aggregate(
                **paggs)
            wide = wide.left_join(pw, KEY).select(
                *[wide[c] for c in wide.columns], *[pw[c] for c in pw.columns if c not in KEY])
        return wide, cols, prev_cols

    def _wide_duckdb(self, cols: dict[str, str], prev_cols: dict[str, str]) -> ir.Table:
        """The same wide table through DuckDB's native PIVOT (100× faster than CASE columns).

        Indicator ids are catalog ids, validated against `[a-z0-9_.]`, so they are safe to
        place in SQL text.
        """
        def pivot(mapping: dict[str, str], period_col: str, extra: bool) -> str:
            inlist = ", ".join(f"'{ind}'" for ind in mapping)
            using = "max(lo) AS lo, max(hi) AS hi" + (
                ", bool_or(non_numeric) AS nn, count(*) AS n" if extra else "")
            sel = []
            for ind, c in mapping.items():
                sel.append(f'"{ind}_lo" AS {c}_lo, "{ind}_hi" AS {c}_hi')
                if extra:
                    sel.append(f'coalesce("{ind}_n", 0) > 0 AS {c}_has, '
                               f'coalesce("{ind}_nn", false) AS {c}_nn')
            return (f"SELECT dataset, entity, period, {', '.join(sel)} FROM ("
                    f"PIVOT (SELECT dataset, entity, {period_col} AS period, indicator, lo, hi,"
                    f" non_numeric FROM resolved WHERE indicator IN ({inlist})"
                    f"{' AND period_next IS NOT NULL' if not extra else ''}) "
                    f"ON indicator IN ({inlist}) USING {using} "
                    f"GROUP BY dataset, entity, period)")

        sql = pivot(cols, "period", True)
        if prev_cols:
            prev_sql = pivot(prev_cols, "period_next", False)
            keep = ", ".join(f"p.{c}_lo, p.{c}_hi" for c in prev_cols.values())
            sql = (f"SELECT w.*, {keep} FROM ({sql}) w LEFT JOIN ({prev_sql}) p "
                   f"USING (dataset, entity, period)")
        # a view + con.table rather than con.sql: Ibis 12's con.sql calls an API DuckDB 2 dropped
        self.con.raw_sql(f"CREATE OR REPLACE VIEW wide_pivot AS {sql}")
        return self.con.table("wide_pivot")

    def _run_equation(self, rule: Rule) -> RuleResult:
        return self._run_equations([rule])[0]

    def _run_equations(self, rules: list[Rule]) -> list[RuleResult]:
        needed = sorted({i for r in rules for i in r.needed})
        needed_prev = sorted({i for r in rules for i in r.needed_prev})
        expr, cols, prev_cols = self._wide(needed, needed_prev)
        wide = self._materialize("wide", expr)
        ents = sorted(self.pack.reference.entities)
        results: dict[str, Any] = {}
        for k, rule in enumerate(rules):
            comp = _Compiler(wide, cols, prev_cols, self.known, rule.tolerance, self.nonneg)
            present = ibis.literal(False)
            for ind in rule.needed:
                present = present | wide[f"{cols[ind]}_has"]
            item = present
            if rule.entities != ["*"]:
                item = item & wide.entity.isin(_expand(rule.entities, ents))
            if rule.periods != ["*"]:
                item = item & wide.period.isin(_expand(rule.periods, self.periods))
            results[f"i{k}"] = item
            results[f"r{k}"] = ibis.ifelse(item, comp.boolean(rule.ast),
                                           ibis.null().cast("boolean"))
        # one row per record, two columns per rule: small (records × rules), so it is fetched
        # once and counted with vectorized pandas instead of compiling two more huge queries
        res = wide.select(*KEY, **results).execute()
        out = []
        for k, rule in enumerate(rules):
            item = res[f"i{k}"].fillna(False).astype(bool)
            r = res[f"r{k}"]
            passed = (r == True) & item  # noqa: E712
            failed = (r == False) & item  # noqa: E712
            fails = res.loc[failed, KEY].reset_index(drop=True)
            unknown = res.loc[item & r.isna(), KEY].reset_index(drop=True)
            out.append(RuleResult(rule, int(item.sum()), int(passed.sum()), int(failed.sum()),
                                  int(item.sum() - passed.sum() - failed.sum()),
                                  fails if len(fails) else pd.DataFrame(),
                                  unknown if len(unknown) else pd.DataFrame()))
        return out

    def _run_bounds(self, rule: Rule) -> RuleResult:
        inds = self._indicators(rule)
        f = self._select(self.figures, rule)
        f = f.filter(f.indicator.isin(inds))
        if rule.units:
            f = f.filter(f.unit.isin(rule.units))
        cond = ibis.literal(True)
        if rule.min is not None:
            cond = cond & (f.hi >= rule.min - EPS)
        if rule.max is not None:
            cond = cond & (f.lo <= rule.max + EPS)
        res = f.mutate(result=cond)
        failing = res.filter(res.result == False).select("ref")  # noqa: E712
        return self._counts(rule, res, failing)

    def _run_agreement(self, rule: Rule) -> RuleResult:
        inds = self._indicators(rule)
        f = self._select(self.figures, rule)
        f = f.filter(f.indicator.isin(inds) & ~f.non_numeric)
        keys = [*KEY, "indicator"]
        g = f.group_by(keys).aggregate(n=f.count(), max_lo=f.lo.max(), min_hi=f.hi.min(),
                                       scale=ibis.greatest(_mag(f.lo), _mag(f.hi)).max())
        g = g.filter(g.n > 1)
        tol = _tolerance(g.scale, rule.tolerance)
        res = g.mutate(result=g.max_lo <= g.min_hi + tol)
        failing = res.filter(res.result == False).select(*keys)  # noqa: E712
        return self._counts(rule, res, failing)

    def _run_rollup(self, rule: Rule) -> RuleResult:
        additive = rule.method == "sum"
        inds = self._indicators(rule, additive_only=additive)
        r = self._select(self.resolved, rule)
        r = r.filter(r.indicator.isin(inds))
        edges = self.edges.filter(self.edges.hierarchy.isin(rule.hierarchies))
        expected = edges.group_by(["hierarchy", "parent"]).aggregate(n_expected=edges.count())
        par = r.join(edges.select("hierarchy", "parent").distinct(), r.entity == edges.parent)
        par = par.select(
            "dataset", "period", "indicator", "hierarchy", "parent",
            p_lo=par.lo, p_hi=par.hi, p_nn=par.non_numeric,
        ).distinct()
        ch = r.join(edges, r.entity == edges.child)
        if rule.method == "weighted_mean":
            wf = self.resolved.filter(self.resolved.indicator == rule.weight)
            wf = wf.select(w_dataset="dataset", w_period="period", w_entity="entity",
                           w_val=(wf.lo + wf.hi) / 2.0)
            ch = ch.left_join(wf, (ch.dataset == wf.w_dataset) & (ch.period == wf.w_period)
                              & (ch.entity == wf.w_entity))
            ok = ~ch.non_numeric & ch.w_val.notnull() & ch.lo.notnull()
            ch = ch.select("dataset", "period", "indicator", "hierarchy", "parent",
                           ok=ok, c_lo=ch.lo * ch.w_val, c_hi=ch.hi * ch.w_val,
                           c_w=ch.w_val)
        else:
            ch = ch.select("dataset", "period", "indicator", "hierarchy", "parent",
                           ok=~ch.non_numeric & ch.lo.notnull(), c_lo=ch.lo, c_hi=ch.hi,
                           c_w=ibis.literal(1.0))
        agg = ch.group_by(["dataset", "period", "indicator", "hierarchy", "parent"]).aggregate(
            n_present=ch.count(),
            n_ok=ch.ok.sum(),
            s_lo=ch.c_lo.sum(where=ch.ok),
            s_hi=ch.c_hi.sum(where=ch.ok),
            s_w=ch.c_w.sum(where=ch.ok),
        )
        j = par.join(agg, ["dataset", "period", "indicator", "hierarchy", "parent"])
        j = j.join(expected, ["hierarchy", "parent"])
        if rule.method == "weighted_mean":
            e_lo, e_hi = j.s_lo / j.s_w, j.s_hi / j.s_w
        else:
            e_lo, e_hi = j.s_lo, j.s_hi
        scale = ibis.greatest(_mag(j.p_lo), _mag(j.p_hi), _mag(e_lo), _mag(e_hi))
        tol = _tolerance(scale, rule.tolerance)
        equal = (j.p_lo <= e_hi + tol) & (e_lo <= j.p_hi + tol)
        complete = j.n_ok == j.n_expected
        parent_ok = ~j.p_nn & j.p_lo.notnull()
        if rule.mode == "non_null":
            result = ibis.ifelse(complete & parent_ok, equal, ibis.null().cast("boolean"))
        elif rule.mode == "always_zero":
            result = ibis.ifelse(parent_ok & (j.n_ok == j.n_present), equal,
                                 ibis.null().cast("boolean"))
        else:  # partial_null: with missing children the parent must be at least their sum
            at_least = j.p_hi + tol >= e_lo
            result = ibis.ifelse(parent_ok & (j.n_ok >= 1),
                                 ibis.ifelse(complete, equal, at_least),
                                 ibis.null().cast("boolean"))
        res = j.mutate(result=result, e_lo=e_lo, e_hi=e_hi)
        failing = res.filter(res.result == False).select(  # noqa: E712
            "dataset", "period", "indicator", "hierarchy", "parent", "p_lo", "p_hi", "e_lo",
            "e_hi", "n_ok", "n_expected")
        return self._counts(rule, res, failing)

    def _run_objective(self, rule: Rule) -> RuleResult:
        ref = self.pack.reference.indicators
        rows = []
        for ind in self._indicators(rule):
            if not ind.endswith(".objective"):
                continue
            base = ind[: -len(".objective")]
            if f"{base}.result" not in ref:
                continue
            direction = (ref[ind].direction or ref[f"{base}.result"].direction
                         or (ref[base].direction if base in ref else None))
            for role in ("objective", "result", "attainment"):
                if f"{base}.{role}" in ref:
                    rows.append((f"{base}.{role}", base, role, direction or ""))
        if not rows:
            empty = pd.DataFrame()
            return RuleResult(rule, 0, 0, 0, 0, empty)
        mapping = self.con.create_table(
            f"objective_map_{abs(hash(rule.id)) % 10**8}",
            pd.DataFrame(rows, columns=["m_indicator", "base", "role", "direction"],
                         dtype="string"), overwrite=True)
        r = self._select(self.resolved, rule)
        j = r.join(mapping, r.indicator == mapping.m_indicator)
        aggs: dict[str, Any] = {}
        for role, p in (("objective", "o"), ("result", "r"), ("attainment", "a")):
            m = j.role == role
            aggs[f"{p}_lo"] = j.lo.max(where=m)
            aggs[f"{p}_hi"] = j.hi.max(where=m)
            aggs[f"{p}_has"] = m.any()
            aggs[f"{p}_unit"] = j.unit.max(where=m)
            aggs[f"{p}_uprint"] = j.unit_printed.max(where=m)
        g = j.group_by([*KEY, "base", "direction"]).aggregate(**aggs)
        g = g.filter(g.o_has & g.r_has)
        unit_bad = (g.o_unit != g.r_unit) | (
            g.o_uprint.notnull() & g.r_uprint.notnull() & (g.o_uprint != g.r_uprint))
        missed = ibis.cases(
            (g.direction == "higher", g.r_hi < g.o_lo - EPS),
            (g.direction == "lower", g.r_lo > g.o_hi + EPS),
            else_=ibis.null().cast("boolean"),
        )
        result = ibis.ifelse(unit_bad, False, ~missed)
        res = g.mutate(result=result, unit_bad=unit_bad, missed=missed)
        failing = res.filter(res.result == False).select(  # noqa: E712
            *KEY, "base", "direction", "unit_bad", "missed")
        out = self._counts(rule, res, failing)
        # attainment rates printed beside the pair are recomputed (higher: r/o, lower: o/r)
        att = g.filter(g.a_has & g.o_lo.notnull() & g.r_lo.notnull() & (g.o_lo > 0) & (g.r_lo > 0))
        ratio_hr = (100.0 * att.r_lo / att.o_hi, 100.0 * att.r_hi / att.o_lo)
        ratio_lr = (100.0 * att.o_lo / att.r_hi, 100.0 * att.o_hi / att.r_lo)
        fits = ((att.a_lo <= ratio_hr[1] + EPS) & (ratio_hr[0] <= att.a_hi + EPS)) | (
            (att.a_lo <= ratio_lr[1] + EPS) & (ratio_lr[0] <= att.a_hi + EPS))
        bad_att = att.filter(~fits).select(*KEY, "base").execute()
        out.failing = pd.concat([out.failing, bad_att.assign(attainment_bad=True)],
                                ignore_index=True) if len(bad_att) else out.failing
        return out


def _tolerance(scale: Any, spec: dict[str, float] | None) -> Any:
    """Float noise (relative to the magnitudes compared) plus the rule's own tolerance."""
    tol = EPS * (1.0 + scale)
    if spec and "absolute" in spec:
        return tol + spec["absolute"]
    if spec:
        return tol + spec["relative"] * scale
    return tol


def _expand(patterns: list[str], values: list[str]) -> list[str]:
    import fnmatch

    return sorted({v for v in values for p in patterns if fnmatch.fnmatchcase(v, p)})


def _connect(backend: str) -> Any:
    if backend == "duckdb":
        return ibis.duckdb.connect()
    if backend == "pyspark":
        from pyspark.sql import SparkSession  # heavy: imported only when asked for

        session = SparkSession.builder.master("local[2]").appName("drsmcheck").getOrCreate()
        return ibis.pyspark.connect(session)
    raise ValueError(f"unknown backend {backend!r}")
