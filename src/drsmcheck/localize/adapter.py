"""Drop-in for today's heuristic `diagnosis.Diagnoser`: the same constructor and `diagnose()`,
answered by the exact localization. Lets the report (and the benchmark) use the solver before
the engine that emits verdicts lands; the new diagnosis calls `diagnose.finding` directly.

Every anomaly of category inconsistent / rounding / bounds gets:
- `suspect`: {ref, suggested, reason, cause, severity, also, candidates} when one figure is
  singled out (all minimum-cost repairs change it);
- otherwise `suspect` stays None and `context["candidates"]` lists the ranked candidates, each
  with the repair it would need — the ambiguity is shown, never guessed away.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .diagnose import finding, localize_dataset

CATEGORIES = ("inconsistent", "rounding", "bounds")


@dataclass
class _Pack:
    reference: Any
    rules: list[Any]


class Diagnoser:
    def __init__(self, store: Any, ref: Any, rules: list[Any], builder: Any = None):
        self.figures = store.frame
        self.pack = _Pack(ref, rules)
        self.ref = ref

    def diagnose(self, anomalies: list[Any]) -> None:
        todo = [a for a in anomalies if a.category in CATEGORIES]
        if not todo:
            return
        loc = localize_dataset(self.pack, self.figures)
        for a in todo:
            refs = [r["ref"] for r in a.figures if r.get("ref")]
            children = None
            if a.rule.kind == "rollup":
                h = (a.context or {}).get("hierarchy")
                children = self.ref.hierarchies.get(h, {}).get(a.entity) if h else None
            f = finding(loc, refs, self.figures, children, a.category)
            if f is None:
                continue
            if f.suspect is not None:
                a.suspect = {**f.suspect, "candidates": f.candidates}
            else:
                a.context = {**(a.context or {}), "candidates": f.candidates}
