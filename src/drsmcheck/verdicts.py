"""The verdict table: one row per (rule, record), the engine's only output.

R validate's `values()`: pass / fail / not evaluable, both sides' intervals, the difference,
whether a practice of rounding explains a miss (decided by the engine), and the figures read
(row numbers of the figures table). Every later stage — anomalies, diagnosis, coverage,
per-rule summaries, reporters — reads this table and never re-decides a verdict.

Stored as columns (NumPy arrays) with the figures read as a CSR list, so 10⁶ verdicts cost
tens of megabytes, not a Python object each. The passing verdicts of the checks that judge
every figure (the built-in non-numeric and printed-unit checks) read no figure and no later
stage reports them: they are kept as a mask over the figures (`Tacit`), counted by the
summaries and made into rows only when asked (`Verdicts.full`, `--with-verdicts`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

PASS, FAIL, NA = 1, 0, -1
STATUS_NAME = {PASS: "pass", FAIL: "fail", NA: "na"}
# why a verdict is not evaluable; only the arithmetic reasons are reported as anomalies
REASONS = ("", "missing", "non_numeric", "division", "undefined", "weights")
REASON_CODE = {r: i for i, r in enumerate(REASONS)}

CATEGORIES = ("inconsistent", "rounding", "bounds", "missing", "unit", "non_numeric",
              "objective_missed", "not_available", "garbled")
CATEGORY_CODE = {c: i for i, c in enumerate(CATEGORIES)}

INT_COLUMNS = ("rule", "dataset", "entity", "period", "subject", "status", "reason", "aspect",
               "cmp", "hierarchy", "category")
FLOAT_COLUMNS = ("lhs_lo", "lhs_hi", "rhs_lo", "rhs_hi", "diff")
BOOL_COLUMNS = ("rounding",)


# the columns a tacit row takes from its figure (the Store's codes); the others are defaults
TACIT_KEYS = ("dataset", "entity", "period", "subject")


def _defaults(name: str) -> Any:
    if name in INT_COLUMNS:
        return -1 if name in ("subject", "cmp", "hierarchy", "aspect", "category") else 0
    return np.nan if name in FLOAT_COLUMNS else False


@dataclass
class Tacit:
    """The passing verdicts of one rule that judges every figure (one row per figure, in
    figure order) and reads none when it passes: a mask over the figures instead of rows.

    At 10⁶ figures the two built-in checks' 2·10⁶ passing rows cost ~200 MB as rows, 1 MB each
    as masks. `start` is where the rule's rows begin in the table's explicit rows; `keys` the
    Store's per-figure codes (dataset, entity, period, subject), shared, not copied.
    """

    rule: int
    start: int
    mask: np.ndarray
    keys: dict[str, np.ndarray]

    def expand(self, explicit: Verdicts) -> Verdicts:
        """The rule's whole block: the tacit passes put back among its explicit rows."""
        n = len(self.mask)
        keep = ~self.mask
        cols = {}
        for name, col in explicit.cols.items():
            if name == "rule":
                full = np.full(n, self.rule, dtype=col.dtype)
            elif name == "status":
                full = np.full(n, PASS, dtype=col.dtype)
            elif name in TACIT_KEYS:
                full = self.keys[name].astype(col.dtype)
            else:
                full = np.full(n, _defaults(name), dtype=col.dtype)
            full[keep] = col
            cols[name] = full
        counts = np.zeros(n, dtype=np.int64)
        counts[keep] = np.diff(explicit.ptr)
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        return Verdicts(cols, ptr, explicit.idx)


@dataclass
class Verdicts:
    """Columns of equal length plus the figures each row read (CSR: ptr, idx).

    Codes: `rule` indexes the pack's rules, dataset/entity/period/subject index the backend's
    category lists (subject −1 when the record has no single indicator), `aspect` a small
    per-kind code (objective: 0 met, 1 attainment), `cmp` the comparison of an equation that
    failed (−1 otherwise), `hierarchy` the roll-up's hierarchy (−1 otherwise).
    """

    cols: dict[str, np.ndarray] = field(default_factory=dict)
    ptr: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    idx: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # passing rows held as masks (see Tacit): not in `cols`, not counted by len()
    tacit: list[Tacit] = field(default_factory=list)

    def __len__(self) -> int:
        """The explicit rows (every row but the tacit passes)."""
        return len(self.ptr) - 1

    def slice(self, start: int, stop: int) -> Verdicts:
        """Explicit rows [start, stop), without the tacit passes."""
        ptr = self.ptr[start:stop + 1]
        return Verdicts({k: v[start:stop] for k, v in self.cols.items()}, ptr - ptr[0],
                        self.idx[ptr[0]:ptr[-1]])

    def compact(self, rule: int, keys: dict[str, np.ndarray]) -> Verdicts:
        """This table with rule `rule`'s passing rows that read no figure held as a mask.

        The rule's rows must be one block of one row per figure in figure order (the
        built-in checks'); a row becomes tacit only if every column is what `Tacit.expand`
        would put back (the figure's keys, PASS, defaults), so `full()` is exact.
        """
        codes = self.cols["rule"]
        rows = np.flatnonzero(codes == rule)
        n = len(keys["dataset"])
        if len(rows) != n or not n or rows[-1] - rows[0] + 1 != n:
            return self
        lo, hi = int(rows[0]), int(rows[-1]) + 1
        block = self.slice(lo, hi)
        mask = (block.cols["status"] == PASS) & (np.diff(block.ptr) == 0)
        for name, col in block.cols.items():
            if name in ("rule", "status"):
                continue
            if name in TACIT_KEYS:
                mask &= col == keys[name]
            elif name in FLOAT_COLUMNS:
                mask &= np.isnan(col) & ~np.signbit(col)
            else:
                mask &= col == _defaults(name)
        if not mask.any():
            return self
        explicit = block.take(np.flatnonzero(~mask))
        parts = [self.slice(0, lo), explicit, self.slice(hi, len(self))]
        tacit = [Tacit(t.rule, t.start if t.rule < rule else t.start - int(mask.sum()), t.mask,
                       t.keys) for t in self.tacit]
        out = Verdicts.concat(parts)
        out.tacit = sorted([*tacit, Tacit(rule, lo, mask, keys)], key=lambda t: (t.start, t.rule))
        return out

    def full(self) -> Verdicts:
        """Every row, the tacit passes included, in the engine's order (what `values()`
        lists: `--with-verdicts`)."""
        if not self.tacit:
            return self
        blocks, at = [], 0
        for t in sorted(self.tacit, key=lambda t: (t.start, t.rule)):
            stop = t.start + int((~t.mask).sum())
            blocks += [self.slice(at, t.start), t.expand(self.slice(t.start, stop))]
            at = stop
        blocks.append(self.slice(at, len(self)))
        return Verdicts.concat(blocks)

    def tacit_passes(self, n_rules: int, n_datasets: int) -> np.ndarray:
        """(dataset × rule) counts of the tacit passes."""
        out = np.zeros((n_datasets, n_rules), dtype=np.int64)
        for t in self.tacit:
            out[:, t.rule] += np.bincount(t.keys["dataset"][t.mask], minlength=n_datasets)
        return out

    @staticmethod
    def build(n: int, refs: list[np.ndarray] | np.ndarray, **cols: Any) -> Verdicts:
        """A block of n verdicts; `refs` is an (n × k) matrix of figure rows (−1 = none) or a
        list of such matrices, concatenated along k."""
        mats = refs if isinstance(refs, list) else [refs]
        mats = [m.reshape(n, -1) for m in mats if m.size]
        mat = np.concatenate(mats, axis=1) if mats else np.zeros((n, 0), dtype=np.int64)
        keep = mat >= 0
        counts = keep.sum(axis=1)
        ptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        out = Verdicts({}, ptr, mat[keep].astype(np.int64))
        for name in INT_COLUMNS:
            v = cols.get(name, -1 if name in ("subject", "cmp", "hierarchy", "aspect", "category")
                         else 0)
            out.cols[name] = np.broadcast_to(np.asarray(v, dtype=np.int32), (n,)).copy()
        for name in FLOAT_COLUMNS:
            v = cols.get(name, np.nan)
            out.cols[name] = np.broadcast_to(np.asarray(v, dtype=np.float64), (n,)).copy()
        for name in BOOL_COLUMNS:
            v = cols.get(name, False)
            out.cols[name] = np.broadcast_to(np.asarray(v, dtype=bool), (n,)).copy()
        return out

    @staticmethod
    def concat(blocks: list[Verdicts], consume: bool = False) -> Verdicts:
        """The blocks end to end. `consume`: empty the blocks column by column as the result
        is built, so that the peak is one table and a column, not two tables (the engine's
        10⁶-figure run: 3 M verdicts, ~300 MB)."""
        tacit, offset = [], 0
        for b in blocks:
            tacit += [Tacit(t.rule, t.start + offset, t.mask, t.keys) for t in b.tacit]
            offset += len(b)
        blocks = [b for b in blocks if len(b)]
        if not blocks:
            out = Verdicts.build(0, np.zeros((0, 0), dtype=np.int64))
            out.tacit = tacit
            return out
        cols = {}
        for k in list(blocks[0].cols):
            cols[k] = np.concatenate([b.cols.pop(k) if consume else b.cols[k] for b in blocks])
        offsets = np.cumsum([0] + [len(b.idx) for b in blocks[:-1]])
        ptr = np.concatenate([[0]] + [b.ptr[1:] + off for b, off in zip(blocks, offsets,
                                                                          strict=True)])
        return Verdicts(cols, ptr.astype(np.int64), np.concatenate([b.idx for b in blocks]),
                        tacit)

    def take(self, rows: np.ndarray) -> Verdicts:
        """Explicit rows by position (the tacit passes are not carried)."""
        rows = np.asarray(rows, dtype=np.int64)
        cols = {k: v[rows] for k, v in self.cols.items()}
        starts, ends = self.ptr[rows], self.ptr[rows + 1]
        counts = ends - starts
        ptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(counts, out=ptr[1:])
        if len(rows) and counts.sum():
            idx = np.concatenate([self.idx[s:e] for s, e in zip(starts, ends, strict=True)])
        else:
            idx = np.zeros(0, dtype=np.int64)
        return Verdicts(cols, ptr, idx)

    def refs(self, row: int) -> np.ndarray:
        return self.idx[self.ptr[row]:self.ptr[row + 1]]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.cols[name]

    def links(self) -> tuple[np.ndarray, np.ndarray]:
        """(verdict row, figure row) for every figure a verdict read."""
        rows = np.repeat(np.arange(len(self), dtype=np.int64), np.diff(self.ptr))
        return rows, self.idx
