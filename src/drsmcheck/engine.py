"""Run a rule pack on a figures table: every rule kind → verdicts, in one vectorized pass.

The engine's only output is the verdict table (verdicts.py); per-rule counts (R validate's
`summary()`) are aggregated from it. The rules' semantics lives in `algebra` and `kinds/`;
the data access in the backend's Store.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .backends.numpy import Store
from .kinds import Context, registry
from .rules import Rule, RulePack
from .verdicts import FAIL, NA, PASS, Verdicts

NON_NUMERIC_RULE = Rule(
    id="non_numeric", kind="non_numeric", severity="warning",
    description={"fr": "Une cellule numérique contient un mot ou un tiret : chiffre non vérifiable",
                 "en": "A numeric cell holds a word or a dash: the figure cannot be checked"},
    file="(built-in)", line=0)

PRINT_UNIT_RULE = Rule(
    id="print_unit", kind="print_unit", severity="error",
    description={"fr": "L'unité imprimée contredit celle de l'indicateur (un pourcentage pour un "
                       "effectif, des euros pour un taux…)",
                 "en": "The printed unit contradicts the indicator's (a percentage for a count, "
                       "euros for a rate…)"},
    file="(built-in)", line=0)


@dataclass
class RuleSummary:
    """What one rule did: R validate's confront summary (items, passes, fails, NA)."""

    rule: Rule
    items: int = 0
    passes: int = 0
    fails: int = 0
    not_evaluable: int = 0


@dataclass
class Run:
    """The result of the engine: the rules run, their verdicts, the coded figures."""

    rules: list[Rule]
    verdicts: Verdicts
    store: Store
    context: Context

    def summaries(self) -> list[RuleSummary]:
        codes = self.verdicts["rule"]
        status = self.verdicts["status"]
        n = len(self.rules)
        counts = {s: np.bincount(codes[status == s], minlength=n) for s in (PASS, FAIL, NA)}
        counts[PASS] = counts[PASS] + self.verdicts.tacit_passes(
            n, len(self.store.datasets)).sum(axis=0)
        return [RuleSummary(rule, int(counts[PASS][k] + counts[FAIL][k] + counts[NA][k]),
                            int(counts[PASS][k]), int(counts[FAIL][k]), int(counts[NA][k]))
                for k, rule in enumerate(self.rules)]

    def summaries_by_dataset(self) -> dict[str, list[RuleSummary]]:
        """Per dataset, the counts of every rule that had items there."""
        v = self.verdicts
        n, nd = len(self.rules), len(self.store.datasets)
        key = v["dataset"].astype(np.int64) * n + v["rule"]
        counts = {s: np.bincount(key[v["status"] == s], minlength=n * nd).reshape(nd, n)
                  for s in (PASS, FAIL, NA)}
        counts[PASS] = counts[PASS] + v.tacit_passes(n, nd)
        out: dict[str, list[RuleSummary]] = {}
        for d, ds in enumerate(self.store.datasets):
            rows = []
            for k, rule in enumerate(self.rules):
                p, f, na = (int(counts[s][d, k]) for s in (PASS, FAIL, NA))
                if p + f + na:
                    rows.append(RuleSummary(rule, p + f + na, p, f, na))
            out[ds] = rows
        return out


def engine_rules(pack: RulePack) -> list[Rule]:
    """The rules a run evaluates, in the order of its counts: the pack's, then the built-in
    non-numeric and print-unit checks."""
    return [*pack.rules, NON_NUMERIC_RULE, PRINT_UNIT_RULE]


class Engine:
    """Evaluates every rule of a pack (plus the built-in non-numeric check) on the figures."""

    def __init__(self, figures: Any, pack: RulePack,
                 records: list[tuple[str, str, str]] | None = None):
        self.pack = pack
        ref = pack.reference
        self.store = Store(figures, sorted(ref.indicators), sorted(ref.entities), records)
        self.context = Context(self.store, pack)
        self.rules = engine_rules(pack)

    def run(self) -> Run:
        kinds = registry()
        blocks = []
        # ∞ − ∞ and 0 × ∞ are handled by the algebra (not evaluable), not warned about
        with np.errstate(all="ignore"):
            for k, rule in enumerate(self.rules):
                block = kinds[rule.kind].evaluate(rule, k, self.context)
                if rule.kind in TACIT_KINDS:  # each block compacted as made: the peak is one
                    block = block.compact(k, tacit_keys(self.store))
                blocks.append(block)
        return Run(self.rules, Verdicts.concat(blocks, consume=True), self.store, self.context)


# kinds that judge every figure, one verdict per figure, and read none when they pass: their
# passing rows are held as masks (verdicts.Tacit); bounds passes read their figure (coverage)
TACIT_KINDS = ("non_numeric", "print_unit")


def tacit_keys(store: Store) -> dict[str, np.ndarray]:
    """The per-figure codes a tacit verdict takes from its figure."""
    return {"dataset": store.f_ds, "entity": store.f_ent, "period": store.f_per,
            "subject": store.f_ind}


def compact(verdicts: Verdicts, rules: list[Rule], store: Store) -> Verdicts:
    """A whole verdict table (another backend's) with the tacit passes held as the embedded
    engine holds them."""
    for k, rule in enumerate(rules):
        if rule.kind in TACIT_KINDS:
            verdicts = verdicts.compact(k, tacit_keys(store))
    return verdicts
