"""How much of a run the exact localization reads: the diagnosis' localization budget.

Exact localization costs about 0.1 ms per figure it reads, so a run localizes at most
`LOCALIZE_BUDGET` figures — deterministic, never a time limit, so a serial, chunked or parallel
run give the same report (docs/ARCHITECTURE.md §6):
- whole datasets with anomalies, in id order, while their figures fit (`Budget`, carried from
  group to group by a chunked run; the diagnosis applies the same rule to what it is given);
- the first one always: one larger than the budget is localized **in part**, its groups of
  violated relations taken whole, in verdict order, while the figures their neighbourhoods
  hold fit (`part`). A group is never cut, so each answer is the one the whole dataset's
  localization gives.
The anomalies left out carry no suspect and no candidates; the report's summary says where
(`not_localized`: whole datasets, `partly_localized`: how many anomalies of such a dataset).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .verdicts import FAIL

if TYPE_CHECKING:
    from .anomalies import Anomaly
    from .diagnosis import Diagnoser

LOCALIZE_BUDGET = 100_000  # figures the exact localization reads in one run
CATEGORIES = ("inconsistent", "rounding", "bounds")   # the anomalies a figure could explain


def datasets(wanted: Iterable[str], sizes: Mapping[str, int]) -> list[str]:
    """Of `wanted`, the datasets the budget keeps: whole ones in id order while their
    figures fit, the first one always (localized in part when larger: `part`)."""
    kept: list[str] = []
    total = 0
    for ds in sorted(wanted):
        total += int(sizes.get(ds, 0))
        if total > LOCALIZE_BUDGET and kept:
            break
        kept.append(ds)
    return kept


def wanted(anomalies: list[Anomaly]) -> list[str]:
    """The datasets with anomalies the diagnosis reads, in id order."""
    return sorted({a.dataset for a in anomalies if a.category in CATEGORIES})


class Budget:
    """The budget carried over the groups of a run: the datasets whose anomalies the
    diagnosis may read are those the one-shot run keeps (`datasets`, over the whole run)."""

    def __init__(self) -> None:
        self.used = 0
        self.kept_any = False
        self.closed = False
        self.sizes: Counter[str] = Counter()
        self.skipped: list[str] = []   # datasets with anomalies left without a diagnosis

    def __call__(self, anomalies: list[Anomaly]) -> list[Anomaly]:
        kept = self.keep(wanted(anomalies), self.sizes)
        return [a for a in anomalies if a.dataset in kept]

    @property
    def spent(self) -> bool:
        """Nothing more will be kept: every dataset asked about from now on is skipped (a
        wanted dataset has figures, so its size passes the budget), whatever the order."""
        return self.closed or (self.kept_any and self.used >= LOCALIZE_BUDGET)

    def keep(self, wanted: list[str], sizes: dict[str, int]) -> set[str]:
        """Of `wanted` (datasets with anomalies to diagnose, in id order), those the budget
        keeps; the others are noted in `skipped`."""
        kept: set[str] = set()
        for ds in wanted:
            if not self.closed:
                self.used += int(sizes.get(ds, 0))
                if self.used > LOCALIZE_BUDGET and self.kept_any:
                    self.closed = True
            if self.closed:
                self.skipped.append(ds)
                continue
            kept.add(ds)
            self.kept_any = True
        return kept


def part(diag: Diagnoser, dataset: str, todo: list[Anomaly]
         ) -> tuple[np.ndarray, list[Anomaly]]:
    """A dataset larger than the budget: (the failing verdict rows whose groups are localized,
    as a mask over the verdict table; the anomalies of `todo` left out).

    A group is a connected component of the relations that read a print a failing relation
    reads (the neighbourhood `Diagnoser.neighbourhood` builds: every localization problem lies
    inside one), over (record, indicator) keys. Groups are taken in the order of their first
    failing verdict row while the prints of their keys fit in the budget (the first always)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    from .diagnosis import LINKED_KINDS

    v, s = diag.run.verdicts, diag.store
    relk = np.isin(diag.kind_of_row, LINKED_KINDS)
    failing = (v["status"] == FAIL) & relk & (v["dataset"] == s.ds_code[dataset])
    r = diag.reach(failing)
    vrows, frows, key = r.vrows, r.frows, r.key
    t = r.touch[vrows]
    keys, kidx = np.unique(key[frows[t]], return_inverse=True)
    n = len(v) + len(keys)
    graph = coo_matrix((np.ones(int(t.sum()), dtype=np.int8), (vrows[t], len(v) + kidx)),
                       shape=(n, n))
    _, label = connected_components(graph, directed=False)
    # the prints each group's neighbourhood holds (every print of its keys)
    at = np.searchsorted(keys, key)
    held = at < len(keys)
    held[held] = keys[at[held]] == key[held]
    per_group = np.bincount(label[len(v) + at[held]], minlength=int(label.max()) + 1)
    rows = np.flatnonzero(failing)
    groups, first = np.unique(label[rows], return_index=True)
    order = groups[np.argsort(first, kind="stable")]
    fits = np.cumsum(per_group[order]) <= LOCALIZE_BUDGET
    fits[0] = True
    chosen = np.zeros(len(per_group), dtype=bool)
    chosen[order[fits]] = True
    localized = np.zeros(len(v), dtype=bool)
    localized[rows[chosen[label[rows]]]] = True
    left = [a for a in todo if a.dataset == dataset and not _in(a, label, chosen, len(v),
                                                                keys, key)]
    return localized, left


def _in(a: Anomaly, label: np.ndarray, chosen: np.ndarray, n_rows: int, keys: np.ndarray,
        key: np.ndarray) -> bool:
    """Whether an anomaly's verdict (or, without one, one of its prints) is in a chosen group."""
    if a.verdict >= 0:
        return bool(chosen[label[a.verdict]])
    for row in a.figures:
        pos = row.get("_pos")
        if pos is None:
            continue
        k = np.searchsorted(keys, key[pos])
        if k < len(keys) and keys[k] == key[pos] and chosen[label[n_rows + k]]:
            return True
    return False


def summary(partly: Mapping[str, int]) -> list[dict[str, Any]]:
    """`summary.partly_localized`: per dataset localized in part, the anomalies left out."""
    return [{"dataset": ds, "anomalies": int(n)} for ds, n in sorted(partly.items()) if n]
