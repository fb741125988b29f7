"""A synthetic national dataset: every DRSM and its ELSM, 10 years, hundreds of indicators.

The national level consolidates all regions: the 18 current régions and their 101 départements
(2A, 2B and 971–976 included), read from the shipped pack's reference entities
(`rules/reference/entities.yaml`, hierarchies `regions` and `elsm`). One dataset per DRSM
(`drsm-<région>`: the région and its ELSM, one per département; the DRSM is the sum of its
ELSM) and one national dataset (`national`: France and its 18 régions; FR is the sum of the
régions), each over 10 years (2015–2024).

Per theme, the relations of the shipped rules' shapes (synth.py's themes):
    paper + electronic == total                          counts, exact
    electronic_share == 100 * electronic / total         percent, 1 decimal
    spend.outpatient + spend.inpatient == spend.total    M€, 2 decimals
    parent = sum of children (`elsm`, `regions`)        every additive indicator
    parent share = children's shares weighted by total   weighted mean (shipped rates' shape)
    percent in [0, 100], counts ≥ 0                      bounds
and each dataset's head entity prints its totals twice (table and text: the agreement kind).

Sizes come from the number of themes (7 indicators each): up to 100 themes (700 indicators)
with yearly periods; beyond, the same 10 years by month (`2019-03`), so that 10⁷ figures is
still a few hundred indicators. About 1 % of the figures are corrupted as a typist would (one
digit replaced or two swapped, never hidden by the printed precision), at most one per
(dataset, entity, period, theme); `truth.json` lists them.

Written twice, the same figures: `parquet/<dataset>/dataset.yaml` + hive-partitioned
`year=YYYY/part-0.parquet`, and `csv/<dataset>/dataset.yaml` + `figures.csv`; the rule pack in
`rules/` (use `--rules DIR/rules --no-default-rules`).

    python benchmarks/national.py /tmp/national --figures 1000000
"""

from __future__ import annotations

import json
import random
import shutil
import sys
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from synth import (  # noqa: E402
    SEPARATORS,
    Corruption,
    IndicatorSpec,
    _corrupt_text,
    _half_up_div,
    common_rules,
    parse_printed,
)

SHIPPED_ENTITIES = HERE.parent / "src" / "drsmcheck" / "rules" / "reference" / "entities.yaml"
YEARS = [str(y) for y in range(2015, 2025)]
MAX_YEARLY_THEMES = 100
ROLES = ("paper", "electronic", "total", "share", "outpatient", "inpatient", "spend_total")
COLUMNS = ("indicator", "entity", "period", "value", "kind", "line", "table", "row", "column",
           "quote")


@dataclass(frozen=True)
class Layout:
    """Which entities each dataset holds: (dataset id, title, head entity, its children)."""

    datasets: list[tuple[str, str, str, list[str]]]
    regions: list[str]
    departements: list[str]
    region_of: dict[str, str]


def national_layout(entities_yaml: Path = SHIPPED_ENTITIES) -> Layout:
    data = yaml.safe_load(entities_yaml.read_text(encoding="utf-8"))
    h = data["hierarchies"]
    regions = [str(r) for r in h["regions"]["FR"]]
    elsm = {str(r): [str(d) for d in h["elsm"][r]] for r in regions}
    names = data["entities"]
    out = [(f"drsm-{r.lower()}", f"DRSM {names[r]['fr']} — ELSM", r, elsm[r]) for r in regions]
    out.append(("national", "France — DRSM", "FR", regions))
    depts = [d for r in regions for d in elsm[r]]
    return Layout(out, regions, depts, {d: r for r in regions for d in elsm[r]})


def theme_names(k: int) -> list[str]:
    return [f"t{i:03d}" for i in range(k)]


def catalog(themes: list[str]) -> list[IndicatorSpec]:
    specs = []
    for t in themes:
        specs += [
            IndicatorSpec(f"{t}.paper", t, "paper", "count", True, 0),
            IndicatorSpec(f"{t}.electronic", t, "electronic", "count", True, 0),
            IndicatorSpec(f"{t}.total", t, "total", "count", True, 0),
            IndicatorSpec(f"{t}.electronic_share", t, "share", "percent", False, 1),
            IndicatorSpec(f"{t}.spend.outpatient", t, "outpatient", "meur", True, 2),
            IndicatorSpec(f"{t}.spend.inpatient", t, "inpatient", "meur", True, 2),
            IndicatorSpec(f"{t}.spend.total", t, "spend_total", "meur", True, 2),
        ]
    return specs


def plan(n_figures: int, layout: Layout) -> tuple[list[str], list[str]]:
    """(periods, themes) giving about n_figures figures."""
    rows = sum(1 + len(c) for _, _, _, c in layout.datasets)  # entities over all datasets
    per_theme = rows * len(YEARS) * 7
    themes = max(1, round(n_figures / per_theme))
    if themes <= MAX_YEARLY_THEMES:
        return YEARS, theme_names(themes)
    periods = [f"{y}-{m:02d}" for y in YEARS for m in range(1, 13)]
    return periods, theme_names(max(1, round(n_figures / (per_theme * 12))))


def _fmt_counts(v: np.ndarray, sep: str) -> list[str]:
    return [f"{x:,}".replace(",", sep) for x in v.tolist()]


def _fmt_tenths(q: np.ndarray) -> list[str]:
    return [f"{x // 10},{x % 10} %" for x in q.tolist()]


def _fmt_meur(h: np.ndarray, sep: str) -> list[str]:
    return [f"{f'{x // 100:,}'.replace(',', sep)},{x % 100:02d} M€" for x in h.tolist()]


def generate(root: Path, n_figures: int, *, seed: int = 0, rate: float = 0.01,
             formats: tuple[str, ...] = ("parquet", "csv")) -> dict[str, Any]:
    """Write the national dataset of about n_figures figures under root; return the manifest."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    layout = national_layout()
    periods, themes = plan(n_figures, layout)
    specs = catalog(themes)
    write_rule_pack(root / "rules", themes, specs)
    rng = np.random.default_rng(seed)
    prng = random.Random(seed + 1)
    P, K, L = len(periods), len(themes), len(layout.departements)
    scale = rng.uniform(0.3, 3.0, size=(1, K, 1))
    # département values (P, K, L): counts and exact amounts in euros
    paper = (rng.integers(200, 20_000, size=(P, K, L)) * scale).astype(np.int64) + 1
    electronic = (rng.integers(200, 30_000, size=(P, K, L)) * scale).astype(np.int64) + 1
    outpatient = rng.integers(500_000, 40_000_000, size=(P, K, L), dtype=np.int64)
    inpatient = rng.integers(500_000, 60_000_000, size=(P, K, L), dtype=np.int64)
    d_index = {d: i for i, d in enumerate(layout.departements)}
    members = {r: [d_index[d] for d in layout.departements if layout.region_of[d] == r]
               for r in layout.regions}
    members["FR"] = list(range(L))

    def values(ent: str, a: np.ndarray) -> np.ndarray:
        return a[:, :, d_index[ent]] if ent in d_index else a[:, :, members[ent]].sum(axis=2)

    corruptions: list[Corruption] = []
    total = 0
    for di, (ds_id, title, head, children) in enumerate(layout.datasets):
        ents = [head, *children]
        cols: dict[str, list[Any]] = {c: [] for c in COLUMNS}
        sep = SEPARATORS[di % len(SEPARATORS)]
        by_ent = []
        for ent in ents:
            pp, el, ou, inn = (values(ent, x) for x in (paper, electronic, outpatient, inpatient))
            tt, ss = pp + el, ou + inn
            by_ent.append({"paper": pp, "electronic": el, "total": tt,
                           "share": _half_up_div(1000 * el, tt),
                           "outpatient": _half_up_div(ou, 10_000),
                           "inpatient": _half_up_div(inn, 10_000),
                           "spend_total": _half_up_div(ss, 10_000),
                           "_el": el, "_tt": tt})
        E = len(ents)
        n_groups = P * K * E
        chosen = rng.choice(n_groups, size=min(n_groups, round(rate * n_groups * 7)),
                            replace=False)
        corrupt_at = {int(g): prng.randrange(7) for g in chosen}
        line = 10
        for p, period in enumerate(periods):
            for k, theme in enumerate(themes):
                line += 3
                for si, role in enumerate(ROLES):
                    spec = specs[k * 7 + si]
                    line += 1
                    arr = np.array([be[role][p, k] for be in by_ent], dtype=np.int64)
                    if spec.unit == "count":
                        texts = _fmt_counts(arr, sep)
                    elif spec.unit == "percent":
                        texts = _fmt_tenths(arr)
                    else:
                        texts = _fmt_meur(arr, sep)
                    for e in range(E):
                        if corrupt_at.get((p * K + k) * E + e) == si:
                            texts[e] = _corrupt(texts[e], spec, by_ent[e], p, k, ds_id, period,
                                                ents[e], corruptions, prng)
                    cols["indicator"] += [spec.id] * E
                    cols["entity"] += ents
                    cols["period"] += [period] * E
                    cols["value"] += texts
                    cols["kind"] += ["table"] * E
                    cols["line"] += [line] * E
                    cols["table"] += [theme] * E
                    cols["row"] += [role] * E
                    cols["column"] += ents
                    cols["quote"] += [None] * E
                    if role in ("total", "spend_total"):  # the head's total, in the text too
                        line += 1
                        v = int(arr[0])
                        text = (_fmt_counts(np.array([v]), sep) if role == "total"
                                else _fmt_meur(np.array([v]), sep))[0]
                        for c, x in (("indicator", spec.id), ("entity", head),
                                     ("period", period), ("value", text), ("kind", "text"),
                                     ("line", line), ("table", None), ("row", None),
                                     ("column", None), ("quote", f"au total, {text} en {period}")):
                            cols[c].append(x)
        table = pa.table({c: pa.array(cols[c], pa.int64() if c == "line" else pa.string())
                          for c in COLUMNS})
        total += table.num_rows
        header = (f'dataset:\n  id: {ds_id}\n  title: "{title}"\n  entity: "{head}"\n'
                  f'  report: {ds_id}.txt\n')
        if "parquet" in formats:
            folder = root / "parquet" / ds_id
            folder.mkdir(parents=True)
            (folder / "dataset.yaml").write_text(header, encoding="utf-8")
            year = pa.array([p[:4] for p in cols["period"]])
            for y in YEARS:
                part = table.filter(pc.equal(year, y))
                if part.num_rows:
                    (folder / f"year={y}").mkdir()
                    pq.write_table(part, folder / f"year={y}" / "part-0.parquet")
        if "csv" in formats:
            folder = root / "csv" / ds_id
            folder.mkdir(parents=True)
            (folder / "dataset.yaml").write_text(header, encoding="utf-8")
            pacsv.write_csv(table, folder / "figures.csv")
    manifest = {"n_figures": total, "datasets": [d[0] for d in layout.datasets],
                "periods": periods, "themes": len(themes), "indicators": len(specs),
                "seed": seed, "rate": rate, "corruptions": [asdict(c) for c in corruptions]}
    (root / "truth.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                     encoding="utf-8")
    return manifest


def _corrupt(text: str, spec: IndicatorSpec, be: dict[str, np.ndarray], p: int, k: int,
             ds_id: str, period: str, ent: str, out: list[Corruption],
             prng: random.Random) -> str:
    original = parse_printed(text)
    for _ in range(50):
        res = _corrupt_text(text, spec.unit, prng)
        if res is None:
            continue
        new, how = res
        value = parse_printed(new)
        if spec.unit == "percent":
            exact = Fraction(100 * int(be["_el"][p, k]), int(be["_tt"][p, k]))
            if abs(Fraction(value).limit_denominator(1000) - exact) <= Fraction(6, 100):
                continue
        elif spec.unit == "meur" and abs(value - int(be[spec.role][p, k]) / 100) <= 0.05:
            continue
        out.append(Corruption(ds_id, period, ent, spec.id, spec.unit, text, new, original,
                              value, how))
        return new
    return text


def write_rule_pack(rules: Path, themes: list[str], specs: list[IndicatorSpec]) -> None:
    (rules / "reference" / "indicators").mkdir(parents=True)
    (rules / "checks").mkdir()
    shutil.copyfile(SHIPPED_ENTITIES, rules / "reference" / "entities.yaml")
    labels = {"paper": "papier", "electronic": "électronique", "total": "total",
              "share": "part électronique", "outpatient": "dépense de ville",
              "inpatient": "dépense hospitalière", "spend_total": "dépense totale"}
    inds = {s.id: {"fr": f"{s.theme} — {labels[s.role]}", "en": f"{s.theme} — {s.role}",
                   "unit": s.unit, "additive": s.additive, "theme": s.theme} for s in specs}
    (rules / "reference" / "indicators" / "national.yaml").write_text(
        yaml.safe_dump({"indicators": inds}, allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    out: list[dict[str, Any]] = []
    for t in themes:
        out += [
            {"id": f"{t}.parts", "kind": "equation", "severity": "error",
             "description": {"fr": f"{t} : papier + électronique = total",
                             "en": f"{t}: paper + electronic = total"},
             "expr": f"{t}.paper + {t}.electronic == {t}.total"},
            {"id": f"{t}.share", "kind": "equation", "severity": "error",
             "description": {"fr": f"{t} : part électronique", "en": f"{t}: electronic share"},
             "expr": f"{t}.electronic_share == 100 * {t}.electronic / {t}.total"},
            {"id": f"{t}.spend", "kind": "equation", "severity": "error",
             "description": {"fr": f"{t} : dépense ville + hôpital = totale",
                             "en": f"{t}: outpatient + inpatient = total spending"},
             "expr": f"{t}.spend.outpatient + {t}.spend.inpatient == {t}.spend.total"},
            {"id": f"{t}.share.rollup", "kind": "rollup", "severity": "error",
             "description": {"fr": f"{t} : part du parent = moyenne pondérée des enfants",
                             "en": f"{t}: the parent's share is the children's weighted mean"},
             "indicators": [f"{t}.electronic_share"], "hierarchies": ["elsm", "regions"],
             "method": "weighted_mean", "weight": f"{t}.total"},
        ]
    out += common_rules(["elsm", "regions"])
    (rules / "checks" / "national.yaml").write_text(
        yaml.safe_dump({"rules": out}, allow_unicode=True, sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--figures", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rate", type=float, default=0.01)
    ap.add_argument("--formats", default="parquet,csv")
    a = ap.parse_args()
    m = generate(a.root, a.figures, seed=a.seed, rate=a.rate,
                 formats=tuple(a.formats.split(",")))
    print(f"{m['n_figures']} figures, {len(m['datasets'])} datasets, {m['indicators']} "
          f"indicators × {len(m['periods'])} periods, {len(m['corruptions'])} corruptions "
          f"→ {a.root}")
