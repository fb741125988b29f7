"""Property-based tests: consistent data is never flagged; one corrupted figure always is.

Each example builds a small rule pack (random entity trees as the hierarchy) and several random
datasets, then validates all of them in one run (the engine costs about a second per run):

- every dataset is one entity tree: leaves have random counts `p.a`, `p.b`; every parent is the
  sum of its children; `p.total = p.a + p.b`, `p.balance = p.a − p.b` (often negative) and
  `p.share = 100 × p.a / p.total`, a percentage printed with 0, 1 or 2 decimals and rounded
  correctly (exact rational arithmetic);
- figures are printed the French way (space, NBSP or narrow NBSP thousands separators, a hyphen
  or a real minus sign, `%` with or without a space), in one table (entities as rows or as
  columns) plus the root's total in the text and its balance in a box;
- the rules: the two parts equations, the share ratio, a sum roll-up over the tree for the
  counts, a weighted-mean roll-up of the share (weight `p.total`), bounds, agreement.

Properties: consistent datasets give no anomaly and every item evaluates; one corruption of one
figure (a changed digit, two swapped digits, ×10, a dropped minus sign) is detected whenever the
corrupted print is no longer a correct rounding of the true value, and one of the anomalies of
that dataset names the corrupted figure.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from drsmcheck.report import validate

SEPARATORS = (" ", "\u00a0", "\u202f")
MINUS = ("-", "\u2212")
PERCENT = (" %", "\u00a0%", "%")
COUNTS = ("p.a", "p.b", "p.total", "p.balance")
INDICATORS = (*COUNTS, "p.share")

INDICATOR_CATALOG = {
    "p.a": {"fr": "Partie A", "en": "Part A", "unit": "count", "additive": True},
    "p.b": {"fr": "Partie B", "en": "Part B", "unit": "count", "additive": True},
    "p.total": {"fr": "Total", "en": "Total", "unit": "count", "additive": True},
    "p.balance": {"fr": "Solde A − B", "en": "Balance A − B", "unit": "count", "additive": True},
    "p.share": {"fr": "Part de A", "en": "Share of A", "unit": "percent", "additive": False},
}


def _rule(rid: str, kind: str, **spec: Any) -> dict[str, Any]:
    return {"id": rid, "kind": kind, "severity": "error",
            "description": {"fr": rid, "en": rid}, **spec}


RULES = [
    _rule("p.parts", "equation", expr="p.a + p.b == p.total"),
    _rule("p.balance", "equation", expr="p.a - p.b == p.balance"),
    _rule("p.share", "equation", expr="p.share == 100 * p.a / p.total"),
    _rule("p.rollup", "rollup", indicators=list(COUNTS), hierarchies=["h"], method="sum"),
    _rule("p.share.rollup", "rollup", indicators=["p.share"], hierarchies=["h"],
          method="weighted_mean", weight="p.total"),
    _rule("bounds.count", "bounds", indicators=["p.a", "p.b", "p.total"], min=0),
    _rule("bounds.percent", "bounds", units=["percent"], min=0, max=100),
    _rule("agreement", "agreement"),
]


# -- printing -----------------------------------------------------------------------------------

@dataclass
class Style:
    """How one figure is printed."""

    sep: str = " "
    minus: str = "-"
    decimals: int = 1
    percent: str = " %"


def print_count(value: int, style: Style) -> str:
    digits = f"{abs(value):,}".replace(",", style.sep)
    return (style.minus if value < 0 else "") + digits


def round_exact(x: Fraction, decimals: int) -> Fraction:
    """x rounded to `decimals` places (exact; ties to even, a correct rounding either way)."""
    scale = 10 ** decimals
    return Fraction(round(x * scale), scale)


def print_share(value: Fraction, style: Style) -> str:
    """A rounded value (a multiple of 10^-d) as printed: `12,5 %`."""
    d = style.decimals
    scaled = value * 10 ** d
    assert scaled.denominator == 1
    n = int(scaled)
    text = str(abs(n)).rjust(d + 1, "0")
    body = text[:-d] + "," + text[-d:] if d else text
    return ("-" if n < 0 else "") + body + style.percent


# -- datasets -----------------------------------------------------------------------------------

@dataclass
class Figure:
    entity: str
    indicator: str
    kind: str  # table | text | box
    exact: Fraction  # the true value
    printed: Fraction  # the value as printed (rounded for shares)
    style: Style

    @property
    def text(self) -> str:
        if self.indicator == "p.share":
            return print_share(self.printed, self.style)
        return print_count(int(self.printed), self.style)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.entity, self.indicator, self.kind)


@dataclass
class Dataset:
    id: str
    root: str
    tree: dict[str, list[str]]
    transposed: bool
    figures: list[Figure] = field(default_factory=list)
    corrupted: Figure | None = None


styles = st.builds(Style, sep=st.sampled_from(SEPARATORS), minus=st.sampled_from(MINUS),
                   decimals=st.integers(0, 2), percent=st.sampled_from(PERCENT))


@st.composite
def trees(draw: st.DrawFn, root: str) -> dict[str, list[str]]:
    """A root with 2–4 children, each a leaf or the parent of 2–3 leaves."""
    children = [f"{root}C{i}" for i in range(draw(st.integers(2, 4)))]
    tree = {root: children}
    for child in children:
        k = draw(st.sampled_from([0, 0, 2, 3]))
        if k:
            tree[child] = [f"{child}L{j}" for j in range(k)]
    return tree


@st.composite
def datasets(draw: st.DrawFn, number: int) -> Dataset:
    root = f"R{number}"
    tree = draw(trees(root))
    counts: dict[str, tuple[int, int]] = {}

    def fill(node: str) -> tuple[int, int]:
        if node in tree:
            parts = [fill(child) for child in tree[node]]
            counts[node] = (sum(p[0] for p in parts), sum(p[1] for p in parts))
        else:
            a = draw(st.integers(0, 400_000))
            b = draw(st.integers(0 if a else 1, 400_000))
            counts[node] = (a, b)
        return counts[node]

    fill(root)
    ds = Dataset(id=f"ds-{number}", root=root, tree=tree, transposed=draw(st.booleans()))
    for entity in sorted(counts):
        a, b = counts[entity]
        for indicator, value in (("p.a", a), ("p.b", b), ("p.total", a + b),
                                 ("p.balance", a - b)):
            ds.figures.append(Figure(entity, indicator, "table", Fraction(value),
                                     Fraction(value), draw(styles)))
        style = draw(styles)
        share = Fraction(100 * a, a + b)
        ds.figures.append(Figure(entity, "p.share", "table", share,
                                 round_exact(share, style.decimals), style))
    a, b = counts[root]
    ds.figures.append(Figure(root, "p.total", "text", Fraction(a + b), Fraction(a + b),
                             draw(styles)))
    ds.figures.append(Figure(root, "p.balance", "box", Fraction(a - b), Fraction(a - b),
                             draw(styles)))
    return ds


def dataset_yaml(ds: Dataset) -> dict[str, Any]:
    """The dataset file: the table (either orientation) and the root's text and box figures."""
    table = {f.key[:2]: f for f in ds.figures if f.kind == "table"}
    entities = sorted({f.entity for f in table.values()})
    line = iter(range(10, 100_000))
    if ds.transposed:  # rows are entities, columns indicators
        columns = [{"indicator": i, "label": i} for i in INDICATORS]
        rows = [{"entity": e, "label": e, "line": next(line),
                 "values": [table[(e, i)].text for i in INDICATORS]} for e in entities]
    else:  # rows are indicators, columns entities
        columns = [{"entity": e, "label": e} for e in entities]
        rows = [{"indicator": i, "label": i, "line": next(line),
                 "values": [table[(e, i)].text for e in entities]} for i in INDICATORS]
    single = [{"indicator": f.indicator, "entity": f.entity, "value": f.text, "kind": f.kind,
               "line": 2 if f.kind == "text" else 3, "quote": f"… {f.text} …"}
              for f in ds.figures if f.kind != "table"]
    return {
        "dataset": {"id": ds.id, "title": ds.id, "entity": ds.root, "period": "2019"},
        "figures": single,
        "tables": [{"id": "t1", "title": "Tableau", "line": 5, "columns": columns,
                    "rows": rows}],
    }


def write_pack(folder: Path, batch: list[Dataset]) -> None:
    entities = {e: {"fr": e, "en": e} for ds in batch for f in ds.figures for e in [f.entity]}
    hierarchy = {parent: children for ds in batch for parent, children in ds.tree.items()}
    (folder / "reference" / "indicators").mkdir(parents=True)
    (folder / "checks").mkdir()
    dump = {"allow_unicode": True, "sort_keys": True}
    (folder / "reference" / "entities.yaml").write_text(
        yaml.safe_dump({"entities": entities, "hierarchies": {"h": hierarchy}}, **dump),
        encoding="utf-8")
    (folder / "reference" / "indicators" / "p.yaml").write_text(
        yaml.safe_dump({"indicators": INDICATOR_CATALOG}, **dump), encoding="utf-8")
    (folder / "checks" / "p.yaml").write_text(yaml.safe_dump({"rules": RULES}, **dump),
                                              encoding="utf-8")


def run_batch(batch: list[Dataset]) -> dict[str, Any]:
    """Validate every dataset of the batch in one run of the engine."""
    work = Path(tempfile.mkdtemp(prefix="drsm-prop-"))
    try:
        write_pack(work / "pack", batch)
        for ds in batch:
            folder = work / "data" / ds.id
            folder.mkdir(parents=True)
            (folder / "dataset.yaml").write_text(
                yaml.safe_dump(dataset_yaml(ds), allow_unicode=True, sort_keys=False),
                encoding="utf-8")
        return validate([work / "data"], work / "pack")
    finally:
        shutil.rmtree(work, ignore_errors=True)


# -- corruptions --------------------------------------------------------------------------------

KINDS_OF_CORRUPTION = ("digit", "swap", "times10", "sign")


def _digits(fig: Figure) -> tuple[str, int]:
    """The printed value's digits without separators, and its number of decimals."""
    d = fig.style.decimals if fig.indicator == "p.share" else 0
    n = abs(fig.printed) * 10 ** d
    return str(int(n)), d


def _from_digits(digits: str, d: int, negative: bool) -> Fraction:
    value = Fraction(int(digits), 10 ** d)
    return -value if negative else value


@st.composite
def corruptions(draw: st.DrawFn, ds: Dataset) -> Dataset:
    """Corrupt one figure of the dataset in place; the corruption changes its printed value."""
    how = draw(st.sampled_from(KINDS_OF_CORRUPTION))
    candidates = [f for f in ds.figures if how != "sign" or f.printed < 0]
    if how == "times10":
        candidates = [f for f in candidates if f.printed != 0]
    if how == "swap":
        candidates = [f for f in candidates if len(set(_digits(f)[0])) > 1]
    assume(candidates)
    fig = draw(st.sampled_from(candidates))
    digits, d = _digits(fig)
    negative = fig.printed < 0
    if how == "digit":
        pos = draw(st.integers(0, len(digits) - 1))
        choices = [c for c in "0123456789" if c != digits[pos] and not (
            pos == 0 and c == "0" and len(digits) - d > 1)]
        new = digits[:pos] + draw(st.sampled_from(choices)) + digits[pos + 1:]
        value = _from_digits(new, d, negative)
    elif how == "swap":
        pairs = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]
                 and not (i == 0 and digits[1] == "0" and len(digits) - d > 1)]
        assume(pairs)
        i = draw(st.sampled_from(pairs))
        new = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
        value = _from_digits(new, d, negative)
    elif how == "times10":
        value = fig.printed * 10
    else:
        value = -fig.printed
    assert value != fig.printed
    fig.printed = value
    ds.corrupted = fig
    return ds


def detectable(fig: Figure) -> bool:
    """Is the corrupted print no longer a correct rounding of the true value?

    Counts are exact: any change is detectable. A share printed with d decimals stands for
    ±½·10⁻ᵈ; if that interval still holds the true ratio (a tie, e.g. 12.5 printed as 13
    after a changed digit), the print is still right and nothing can flag it. The margin is
    the engine's float tolerance.
    """
    if fig.indicator != "p.share":
        return True
    half = Fraction(1, 2 * 10 ** fig.style.decimals)
    margin = Fraction(1, 10**6)
    return not (fig.printed - half - margin <= fig.exact <= fig.printed + half + margin)


# -- the properties -----------------------------------------------------------------------------

@st.composite
def batches(draw: st.DrawFn, size: int) -> list[Dataset]:
    return [draw(datasets(k)) for k in range(size)]


@st.composite
def corrupted_batches(draw: st.DrawFn) -> list[Dataset]:
    """Four corrupted datasets and one clean one (to check the corruption does not leak)."""
    batch = draw(batches(5))
    for ds in batch[:4]:
        draw(corruptions(ds))
    return batch


SETTINGS = settings(max_examples=30, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.filter_too_much])


@SETTINGS
@given(batches(4))
def test_consistent_datasets_have_no_anomaly(batch: list[Dataset]) -> None:
    report = run_batch(batch)
    assert report["anomalies"] == [], [
        (a["dataset"], a["rule"], a["entity"], a["relation"]["en"]) for a in report["anomalies"]]
    for rule in report["rules"]:
        if rule["rule"] == "non_numeric":
            continue
        assert rule["items"] > 0, f"{rule['rule']} checked nothing"
        assert rule["fails"] == 0 and rule["not_evaluable"] == 0, rule
        assert rule["passes"] == rule["items"], rule


@settings(SETTINGS, max_examples=40)
@given(corrupted_batches())
def test_one_corrupted_figure_is_detected_and_named(batch: list[Dataset]) -> None:
    report = run_batch(batch)
    by_dataset: dict[str, list[dict[str, Any]]] = {}
    for a in report["anomalies"]:
        by_dataset.setdefault(a["dataset"], []).append(a)
    for ds in batch:
        found = by_dataset.get(ds.id, [])
        fig = ds.corrupted
        if fig is None:
            assert found == [], f"{ds.id} is clean but got {[a['rule'] for a in found]}"
            continue
        if not detectable(fig):
            continue
        key = fig.key
        named = [a for a in found if any(
            (f["entity"], f["indicator"], f["source"]["kind"]) == key for f in a["figures"])]
        assert named, (
            f"{ds.id}: {fig.indicator} of {fig.entity} ({fig.kind}) printed {fig.text} instead "
            f"of the true {float(fig.exact):g}: no anomaly names it; got "
            f"{[(a['rule'], a['entity'], a['relation']['en']) for a in found]}")
