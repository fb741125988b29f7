"""Run a validation and assemble the versioned report (FORMATS.md §5) every reporter reads."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

from . import __version__
from .anomalies import Anomaly, Builder
from .backends import Backend, resolve
from .diagnosis import CATEGORIES as LOCALIZED
from .diagnosis import Diagnoser
from .engine import RuleSummary, Run
from .gcpause import paused_gc
from .loader import Dataset
from .plancache import cached
from .rows import Rows
from .rules import SEVERITY_RANK, RulePack, load_rules
from .verdicts import NA, PASS, REASONS, STATUS_NAME

SCHEMA_VERSION = "1"
CATEGORIES = ("inconsistent", "rounding", "bounds", "missing", "unit", "non_numeric",
              "objective_missed", "not_available", "garbled")


def validate(paths: list[Path], rules_dir: Path | RulePack, backend: str | Backend = "numpy",
             csv_sep: str | None = None, with_verdicts: bool = False, *,
             chunk_figures: int | None = None, spool: bool = False, jobs: int | None = None,
             lap: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Load rules and datasets, run every rule, diagnose, and return the report dict.

    `rules_dir` is one pack folder used on its own, or a pack already loaded (layered packs).
    A large run goes a group of datasets at a time (`chunks`: about `chunk_figures` figures
    each; 0 = all at once), with the same report; `spool`: its anomalies kept in a temporary
    file rather than a list (for the streamed JSON / JSON Lines outputs); `jobs`: the groups
    run on that many processes (`parallel`; default: the CPUs, DRSMCHECK_JOBS), same report.
    """
    from .chunks import validate_chunked

    pack = rules_dir if isinstance(rules_dir, RulePack) else cached(
        [rules_dir], lambda: load_rules(rules_dir).warm())
    return validate_chunked(paths, pack, backend, csv_sep, with_verdicts, size=chunk_figures,
                            spool=spool, jobs=jobs, lap=lap)


def declared_records(datasets: list[Dataset]) -> list[tuple[str, str, str]]:
    """(dataset, entity, period) of the records datasets declare apart from their figures."""
    return [(ds.id, str(e), str(p)) for ds in datasets
            for e, p in (getattr(ds, "records", None) or [])]


@dataclass
class Analysis:
    """Everything a validation computed: the engine's run (verdicts), figures, anomalies."""

    run: Run
    rows: Rows
    anomalies: list[Anomaly]
    partly: dict[str, int]   # datasets localized in part: their anomalies left (`budget`)


def analyse(pack: RulePack, datasets: list[Dataset], figures: Any,
            backend: str | Backend = "numpy",
            lap: Callable[[str], None] | None = None,
            diagnosable: Callable[[list[Anomaly]], list[Anomaly]] | None = None) -> Analysis:
    """Engine (on the chosen backend) → verdicts → anomalies (rendered from verdicts) →
    diagnosis. `lap(phase)` is called as each phase ends (the benchmarks time them).
    `diagnosable`: the anomalies the diagnosis may read (a chunked run keeps the run-wide
    localization budget: `budget.Budget`); all of them by default."""
    lap = lap or _no_lap
    result = resolve(backend).engine(figures, pack, declared_records(datasets)).run()
    lap("engine")
    rows = Rows(figures)
    anomalies = Builder(result, rows).build()
    lap("anomalies")
    chosen = diagnosable(anomalies) if diagnosable else anomalies   # (a parallel run waits)
    # nothing to localize (the budget spent, or no figure can explain an anomaly): no
    # Diagnoser, whose links and lookups cost ~1.5 s and 0.3 GB a million figures
    partly = Diagnoser(result, rows).diagnose(chosen) if any(
        a.category in LOCALIZED for a in chosen) else {}
    lap("diagnosis")
    return Analysis(result, rows, anomalies, partly)


def _no_lap(_phase: str) -> None:
    pass


def run(pack: RulePack, datasets: list[Dataset], figures: Any, backend: str | Backend = "numpy",
        with_verdicts: bool = False, lap: Callable[[str], None] | None = None) -> dict[str, Any]:
    from .budget import Budget, summary

    budget = Budget()   # the run-wide localization budget, as a chunked run carries it
    budget.sizes = Counter({str(k): int(n) for k, n in
                            figures["dataset"].value_counts().items()})
    analysis = analyse(pack, datasets, figures, backend, lap, diagnosable=budget)
    out = to_dict(pack, datasets, figures, analysis.run.summaries(), analysis.anomalies)
    out["tool"]["backend"] = resolve(backend).name
    out.update(extras(pack, analysis, with_verdicts))
    if budget.skipped:
        out["summary"]["not_localized"] = budget.skipped
    if analysis.partly:
        out["summary"]["partly_localized"] = summary(analysis.partly)
    return out


def extras(pack: RulePack, analysis: Analysis, with_verdicts: bool = False) -> dict[str, Any]:
    """The report's parts beside the anomalies and counts: objectives, per-dataset rule
    counts (and the verdicts, for the ESS report)."""
    out: dict[str, Any] = {
        "objectives": objectives(pack, analysis.run, analysis.rows),
        "rules_by_dataset": {ds: [_rule_summary(r) for r in rows] for ds, rows in
                             sorted(analysis.run.summaries_by_dataset().items())}}
    if with_verdicts:
        out["verdicts"] = verdict_dicts(analysis.run)
    return out


def verdict_dicts(result: Run) -> list[dict[str, Any]]:
    """The verdict table as JSON-ready rows (R validate's `values()`), in a stable order."""
    v, s = result.verdicts.full(), result.store
    out = []
    for i in range(len(v)):
        subject = v["subject"][i]
        out.append({"rule": result.rules[v["rule"][i]].id,
                    "dataset": s.datasets[v["dataset"][i]], "entity": s.entities[v["entity"][i]],
                    "period": s.periods[v["period"][i]],
                    "subject": None if subject < 0 else s.indicators[subject],
                    "status": STATUS_NAME[int(v["status"][i])],
                    "reason": REASONS[v["reason"][i]] or None})
    out.sort(key=lambda d: (d["dataset"], d["rule"], d["entity"], d["period"],
                            d["subject"] or ""))
    return out


def objectives(pack: RulePack, result: Run, rows: Rows) -> list[dict[str, Any]]:
    """Every objective/result pair the objective rules judged (for the HTML chart), sorted;
    `met` is the engine's verdict (interval model), never re-decided here."""
    import numpy as np

    v = result.verdicts
    ref = pack.reference.indicators
    objective_rules = np.array([r.kind == "objective" for r in result.rules], dtype=bool)
    if not len(v) or not objective_rules.any():
        return []
    # the met/missed verdicts (aspect 0), evaluable, units alike (category 4 = unit), found
    # by columns: at 10⁶ figures a Python loop over every verdict cost seconds
    keep = (objective_rules[v["rule"]] & (v["aspect"] == 0) & (v["status"] != NA)
            & (v["category"] != 4))
    judged = np.flatnonzero(keep)
    if len(judged):
        rows.prefetch(v.take(judged).idx)
    items: dict[tuple, dict[str, Any]] = {}
    for i in judged.tolist():
        o, r = rows.many(v.refs(i)[:2])
        base = o["indicator"][: -len(".objective")]
        res_ind = ref[base + ".result"]
        key = (o["dataset"], o["entity"], o["period"], o["indicator"])
        direction = ref[o["indicator"]].direction or res_ind.direction or "higher"
        items[key] = {"dataset": o["dataset"], "entity": o["entity"], "period": o["period"],
                      "indicator": base, "label": {"fr": res_ind.fr, "en": res_ind.en},
                      "unit": res_ind.unit, "objective": _num(o["value"]),
                      "result": _num(r["value"]), "direction": direction,
                      "met": bool(v["status"][i] == PASS)}
    return [items[k] for k in sorted(items)]


_EXACT = 2.0 ** 53  # below this a float that is an integer is written as one


def _num(x: float | None) -> float | int | None:
    if x is None:
        return None
    if type(x) is float:  # the common case first: ~3× faster on 10⁵ figures
        return int(x) if x.is_integer() and -_EXACT < x < _EXACT else round(x, 10)
    if type(x) is int:
        return x if abs(x) < 2**53 else round(float(x), 10)
    x = float(x)
    return int(x) if x.is_integer() and abs(x) < 2**53 else round(x, 10)


def figure_dict(row: dict[str, Any], pack: RulePack,
                labels: dict[str, dict[str, str]] | None = None) -> dict[str, Any]:
    """`labels`: the label dicts already made, by indicator (shared by its figures)."""
    return FigureDicts(pack, labels).make(row)


def anomaly_dict(a: Anomaly, pack: RulePack,
                 figures: FigureDicts | None = None) -> dict[str, Any]:
    """`figures`: the report's figure dicts, shared between its anomalies."""
    make = figures or FigureDicts(pack)
    ind = pack.reference.indicators.get(a.subject or "")
    theme = ind.theme if ind else (
        pack.reference.indicators[a.figures[0]["indicator"]].theme if a.figures else None)
    lhs, rhs, suspect = a.lhs, a.rhs, a.suspect
    return {
        "id": a.id, "rule": a.rule.id, "kind": a.rule.kind, "severity": a.severity,
        "category": a.category, "dataset": a.dataset, "entity": a.entity, "period": a.period,
        "subject": a.subject, "theme": theme, "message": a.message, "relation": a.relation,
        "lhs": None if lhs is None else {"lo": _num(lhs.lo), "hi": _num(lhs.hi)},
        "rhs": None if rhs is None else {"lo": _num(rhs.lo), "hi": _num(rhs.hi)},
        "difference": _num(a.difference),
        "figures": make.many(a.figures),
        "suspect": None if suspect is None else {
            "ref": suspect["ref"], "suggested": _num(suspect["suggested"]),
            "reason": suspect["reason"], "cause": suspect.get("cause"),
            "also": list(suspect.get("also") or []),
            "candidates": _candidates(suspect.get("candidates"))},
        # every figure whose repair alone (or with the others listed) would explain the anomaly,
        # cheapest first: what a reviewer reads when no single suspect can be named
        "candidates": _candidates((a.context or {}).get("candidates")),
    }


# the columns a figure dict shows, read from its row in one C call
_FIGURE_COLUMNS = itemgetter("ref", "entity", "period", "indicator", "text", "value", "lo", "hi",
                             "unit", "file", "line", "report", "report_line", "kind", "table",
                             "row", "column", "quote")


class FigureDicts:
    """The figure dicts of one report: made once per print (by row position), labels once per
    indicator, shared by every anomaly that shows them (less memory; the JSON is the same)."""

    def __init__(self, pack: RulePack, labels: dict[str, dict[str, str]] | None = None):
        self.pack = pack
        self.by_pos: dict[int, dict[str, Any]] = {}
        self.labels: dict[str, dict[str, str]] = {} if labels is None else labels

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        pos = row.get("_pos")
        if pos is None:
            return self.make(row)
        fig = self.by_pos.get(pos)
        if fig is None:
            fig = self.by_pos[pos] = self.make(row)
        return fig

    def many(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The figure dicts of an anomaly's rows (a call per anomaly, not per figure)."""
        by_pos = self.by_pos
        out = []
        for row in rows:
            pos = row.get("_pos")
            fig = None if pos is None else by_pos.get(pos)
            if fig is None:
                fig = self.make(row)
                if pos is not None:
                    by_pos[pos] = fig
            out.append(fig)
        return out

    def make(self, row: dict[str, Any]) -> dict[str, Any]:
        """A print's figure dict. Its columns are read at once (`_FIGURE_COLUMNS`) and
        `_num` is inlined for floats: key by key and a call per number were a quarter of it
        (national 10⁶: 2.7 → 2.1 µs a figure, 120 000 figures)."""
        (ref, entity, period, indicator, text, value, lo, hi, unit, file, line, report,
         report_line, kind, table, row_name, column, quote) = _FIGURE_COLUMNS(row)
        label = self.labels.get(indicator)
        if label is None:
            ind = self.pack.reference.indicators[indicator]
            label = self.labels[indicator] = {"fr": ind.fr, "en": ind.en}
        exact = _EXACT
        return {
            "ref": ref, "entity": entity, "period": period, "indicator": indicator,
            "label": label, "text": text,
            "value": ((int(value) if value.is_integer() and -exact < value < exact
                       else round(value, 10)) if type(value) is float else _num(value)),
            "lo": ((int(lo) if lo.is_integer() and -exact < lo < exact else round(lo, 10))
                   if type(lo) is float else _num(lo)),
            "hi": ((int(hi) if hi.is_integer() and -exact < hi < exact else round(hi, 10))
                   if type(hi) is float else _num(hi)),
            "unit": unit,
            "source": {"file": file, "line": line if type(line) is int else int(line),
                       "report": report,
                       "report_line": (report_line if report_line is None
                                       or type(report_line) is int else int(report_line)),
                       "kind": kind, "table": table, "row": row_name, "column": column,
                       "quote": quote},
        }


def _candidates(cands: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    if not cands:
        return []
    return [{"ref": c["ref"], "suggested": _num(c["suggested"]), "cause": c.get("cause"),
             "cost": c.get("cost"), "also": list(c.get("also") or [])} for c in cands]


def _rule_summary(r: RuleSummary) -> dict[str, Any]:
    return {"rule": r.rule.id, "kind": r.rule.kind, "severity": r.rule.severity,
            "description": r.rule.description, "file": r.rule.file, "line": r.rule.line,
            "items": r.items, "passes": r.passes, "fails": r.fails,
            "not_evaluable": r.not_evaluable}


def to_dict(pack: RulePack, datasets: list[Dataset], figures: Any, results: list[RuleSummary],
            anomalies: list[Anomaly]) -> dict[str, Any]:
    counts = figures["dataset"].value_counts().to_dict() if len(figures) else {}
    return assemble([dataset_entry(ds, int(counts.get(ds.id, 0))) for ds in datasets],
                    results, anomaly_items(pack, anomalies), int(len(figures)))


def anomaly_items(pack: RulePack, anomalies: list[Anomaly]) -> list[dict[str, Any]]:
    """The anomalies as report dicts, in the report's order."""
    made = FigureDicts(pack)
    with paused_gc():  # ~10⁶ small dicts, no cycles (gcpause)
        items = [anomaly_dict(a, pack, made) for a in anomalies]
    items.sort(key=lambda d: (d["dataset"], SEVERITY_RANK[d["severity"]], d["rule"],
                              d["entity"], d["period"], d["subject"] or "", d["id"]))
    return items


def dataset_entry(ds: Dataset, figures: int) -> dict[str, Any]:
    return {"id": ds.id, "path": ds.path, "title": ds.title, "report": ds.report,
            "figures": figures}


def assemble(datasets: list[dict[str, Any]], results: list[RuleSummary],
             items: Sequence[dict[str, Any]], n_figures: int,
             counts: tuple[Counter[str], Counter[str]] | None = None) -> dict[str, Any]:
    """The report dict from its parts; `counts` (by severity, by category) when `items` is
    not a list in memory (a chunked run's spool)."""
    by_sev, by_cat = counts or (Counter(d["severity"] for d in items),
                                Counter(d["category"] for d in items))
    rules = [_rule_summary(r) for r in results]
    rules.sort(key=lambda d: d["rule"])
    return {
        "schema_version": SCHEMA_VERSION,
        "tool": {"name": "drsmcheck", "version": __version__},
        "datasets": datasets,
        "summary": {
            "anomalies": len(items),
            "by_severity": {s: by_sev.get(s, 0) for s in ("error", "warning", "info")},
            "by_category": {c: by_cat.get(c, 0) for c in CATEGORIES},
            "evaluations": sum(r["items"] for r in rules),
            "figures": n_figures,
        },
        "rules": rules,
        "anomalies": items,
    }


def coverage_links(analysis: Analysis) -> Any:
    """Every (figure print, relation) pair the engine evaluated, for rule coverage:
    a DataFrame with `ref` (the figure's ref), `rule`, `strength` ('equality' | 'inequality'
    | 'bounds') and `status` ('pass' | 'fail' | 'na')."""
    import inspect

    import numpy as np
    import pandas as pd

    from .kinds import registry

    run = analysis.run
    kinds = registry()
    vrows, frows = run.verdicts.links()
    codes = run.verdicts["rule"][vrows]
    aspects = run.verdicts["aspect"][vrows]
    # A kind whose `strength` takes the verdict's aspect (objective: met vs attainment) is
    # asked once per (rule, aspect) present; the others once per rule.
    memo: dict[tuple[int, int], str | None] = {}
    for c, a in set(zip(codes.tolist(), aspects.tolist(), strict=True)):
        rule = run.rules[c]
        fn = kinds[rule.kind].strength
        takes_aspect = "aspect" in inspect.signature(fn).parameters
        memo[(c, a)] = fn(rule, a) if takes_aspect else fn(rule)
    link_strength = np.array([memo[(c, a)] for c, a in zip(codes.tolist(), aspects.tolist(),
                                                              strict=True)], dtype=object)
    keep = np.array([s is not None for s in link_strength], dtype=bool)
    vrows, frows, codes = vrows[keep], frows[keep], codes[keep]
    link_strength = link_strength[keep]
    refs = analysis.rows.frame["ref"].to_numpy(dtype=object)
    status = run.verdicts["status"][vrows]
    return pd.DataFrame({
        "ref": refs[frows] if len(frows) else np.array([], dtype=object),
        "rule": np.array([run.rules[c].id for c in codes], dtype=object),
        "strength": link_strength,
        "status": np.array([STATUS_NAME[int(s)] for s in status], dtype=object),
    })
