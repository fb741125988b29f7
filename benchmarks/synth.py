"""Synthetic but realistic drsmcheck datasets for the peer benchmark (and its smoke test).

One dataset = one consolidated report of a year: every entity of the shipped entity tree
(Occitanie = LR + MP and their 13 départements, Bourgogne-Franche-Comté and its 8,
Alsace-Moselle and its 3: 29 entities) × a few themes × 7 indicators per theme:

    <theme>.paper + <theme>.electronic == <theme>.total            counts, exact
    <theme>.electronic_share == 100 * <theme>.electronic / <theme>.total
                                                                  percent printed with 1 decimal
    <theme>.spend.outpatient + <theme>.spend.inpatient == <theme>.spend.total
                                                                  M€ printed with 2 decimals

Every additive indicator of a parent is the sum of its children's (before printing: a parent's
M€ is the rounded sum of exact amounts, not the sum of the children's rounded amounts, so a
naive equality check fails where the printed figures are all correct). Figures are written as
printed in a French report (`"24 619"` with a space, NBSP or narrow NBSP thousands separator,
`"71,9 %"`, `"13,74 M€"`) in the long CSV format of docs/FORMATS.md §1, one folder per dataset,
beside a tiny rule pack (`rules/`: benchmarks/entities.yaml, a generated indicator catalog and
checks) and `manifest.json` (the injected corruptions, the catalog, the tree).

About 1 % of the figures are corrupted like a typist would (one digit replaced, or two adjacent
digits swapped), at most one per (dataset, entity, theme), always by more than the printed
precision can explain, so that each corruption breaks at least one relation.
"""

from __future__ import annotations

import json
import random
import shutil
from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
ENTITIES_YAML = HERE / "entities.yaml"  # frozen: sizes stay comparable across pack changes

THEME_NAMES = [
    "ald_admission", "ald_extension", "sick_leave", "atmp_relapse", "disability",
    "transport", "physiotherapy", "nursing", "dental", "prescriptions",
    "cosmetic_surgery", "peer_exchange",
]
SEPARATORS = (" ", "\u00a0", "\u202f")
CSV_HEADER = "indicator,entity,period,value,kind,line,table,row,column\n"


@dataclass(frozen=True)
class IndicatorSpec:
    id: str
    theme: str
    role: str          # paper | electronic | total | share | outpatient | inpatient | spend_total
    unit: str          # count | percent | meur
    additive: bool
    decimals: int      # printed decimals


@dataclass
class Corruption:
    dataset: str
    period: str
    entity: str
    indicator: str
    unit: str
    original: str
    corrupted: str
    original_value: float
    corrupted_value: float
    how: str           # digit | swap


def load_tree(path: Path = ENTITIES_YAML) -> dict[str, dict[str, list[str]]]:
    """The hierarchies of benchmarks/entities.yaml (35 entities): {hierarchy: {parent: [children]}}."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {h: {str(p): [str(c) for c in cs] for p, cs in tree.items()}
            for h, tree in data["hierarchies"].items()}


def tree_entities(tree: dict[str, dict[str, list[str]]]) -> tuple[list[str], list[str]]:
    """(leaves, parents) of all hierarchies, in a stable order."""
    parents = sorted({p for t in tree.values() for p in t})
    children = {c for t in tree.values() for cs in t.values() for c in cs}
    leaves = sorted(children - set(parents))
    return leaves, parents


def leaf_descendants(tree: dict[str, dict[str, list[str]]], entity: str,
                     leaves: set[str]) -> set[str]:
    out: set[str] = set()
    for t in tree.values():
        for c in t.get(entity, []):
            out |= {c} if c in leaves else leaf_descendants(tree, c, leaves)
    return out


def catalog(n_themes: int) -> list[IndicatorSpec]:
    specs = []
    for theme in THEME_NAMES[:n_themes]:
        specs += [
            IndicatorSpec(f"{theme}.paper", theme, "paper", "count", True, 0),
            IndicatorSpec(f"{theme}.electronic", theme, "electronic", "count", True, 0),
            IndicatorSpec(f"{theme}.total", theme, "total", "count", True, 0),
            IndicatorSpec(f"{theme}.electronic_share", theme, "share", "percent", False, 1),
            IndicatorSpec(f"{theme}.spend.outpatient", theme, "outpatient", "meur", True, 2),
            IndicatorSpec(f"{theme}.spend.inpatient", theme, "inpatient", "meur", True, 2),
            IndicatorSpec(f"{theme}.spend.total", theme, "spend_total", "meur", True, 2),
        ]
    return specs


def equations(theme: str) -> list[tuple[str, str, list[str]]]:
    """(rule id, expr, indicators) of one theme."""
    return [
        (f"{theme}.parts", f"{theme}.paper + {theme}.electronic == {theme}.total",
         [f"{theme}.paper", f"{theme}.electronic", f"{theme}.total"]),
        (f"{theme}.share", f"{theme}.electronic_share == 100 * {theme}.electronic / {theme}.total",
         [f"{theme}.electronic_share", f"{theme}.electronic", f"{theme}.total"]),
        (f"{theme}.spend", f"{theme}.spend.outpatient + {theme}.spend.inpatient == "
         f"{theme}.spend.total",
         [f"{theme}.spend.outpatient", f"{theme}.spend.inpatient", f"{theme}.spend.total"]),
    ]


# -- printing ---------------------------------------------------------------------------------
def fmt_count(v: int, sep: str) -> str:
    return f"{v:,}".replace(",", sep)


def fmt_tenths(q: int) -> str:
    return f"{q // 10},{q % 10} %"


def fmt_hundredths(h: int, sep: str) -> str:
    return f"{fmt_count(h // 100, sep)},{h % 100:02d} M€"


def parse_printed(text: str) -> float:
    """Value of a printed figure of this generator (the peers use a vectorized equivalent)."""
    t = text.replace("%", "").replace("M€", "")
    for s in SEPARATORS:
        t = t.replace(s, "")
    return float(t.replace(",", "."))


def _half_up_div(num: np.ndarray, den: np.ndarray | int) -> np.ndarray:
    """round-half-up(num / den) in exact integer arithmetic (num, den ≥ 0)."""
    return (2 * num + den) // (2 * den)


# -- corruption -------------------------------------------------------------------------------
def _corrupt_text(text: str, unit: str, rng: random.Random) -> tuple[str, str] | None:
    """One typist's error on a printed figure: a digit replaced, or two adjacent digits swapped.

    Only digits whose change the printed precision cannot hide are touched: any digit of a
    count, the integer digits and the tenths of a rate or an M€ amount (never the hundredths).
    """
    pos = [i for i, ch in enumerate(text) if ch.isdigit()]
    if unit == "meur":
        pos = pos[:-1]  # hundredths: a 0,01 change hides in the ±0,005 intervals of a sum
    if not pos:
        return None
    chars = list(text)
    if rng.random() < 0.3 and len(pos) >= 2:
        k = rng.randrange(len(pos) - 1)
        i, j = pos[k], pos[k + 1]
        if chars[i] == chars[j]:
            return None
        chars[i], chars[j] = chars[j], chars[i]
        how = "swap"
    else:
        i = rng.choice(pos)
        choices = [d for d in "0123456789" if d != chars[i]]
        chars[i] = rng.choice(choices)
        how = "digit"
    new = "".join(chars)
    int_digits = [c for c in new.split(",")[0] if c.isdigit()]
    if len(int_digits) > 1 and int_digits[0] == "0":
        return None  # "04 619" is not a plausible print
    return new, how


@dataclass
class Generated:
    root: Path
    data: Path
    rules: Path
    n_figures: int
    n_datasets: int
    n_themes: int
    corruptions: list[Corruption]


def generate(root: Path, n_figures: int, *, seed: int = 0, themes: int = 5,
             corruption_rate: float = 0.01, entities_yaml: Path = ENTITIES_YAML) -> Generated:
    """Write datasets of about `n_figures` figures, a rule pack and a manifest under `root`."""
    root = Path(root)
    if root.exists():
        shutil.rmtree(root)
    data_dir, rules_dir = root / "data", root / "rules"
    data_dir.mkdir(parents=True)
    tree = load_tree(entities_yaml)
    leaves, parents = tree_entities(tree)
    leafset = set(leaves)
    entities = [*parents, *leaves]
    desc = {p: sorted(leaf_descendants(tree, p, leafset)) for p in parents}
    specs = catalog(themes)
    per_dataset = len(entities) * len(specs)
    n_datasets = max(1, round(n_figures / per_dataset))
    rng = np.random.default_rng(seed)
    prng = random.Random(seed + 1)
    write_rule_pack(rules_dir, specs, entities_yaml)

    L, K, D = len(leaves), themes, n_datasets
    # leaf values (D, K, L): counts and exact amounts in euros; magnitudes differ per theme
    scale = rng.uniform(0.3, 3.0, size=(1, K, 1))
    paper = (rng.integers(200, 20_000, size=(D, K, L)) * scale).astype(np.int64) + 1
    electronic = (rng.integers(200, 30_000, size=(D, K, L)) * scale).astype(np.int64) + 1
    outpatient = rng.integers(500_000, 40_000_000, size=(D, K, L), dtype=np.int64)
    inpatient = rng.integers(500_000, 60_000_000, size=(D, K, L), dtype=np.int64)
    idx = {e: i for i, e in enumerate(leaves)}

    def agg(a: np.ndarray) -> np.ndarray:  # (D, K, E) over all entities
        cols = [a[:, :, [idx[c] for c in desc[p]]].sum(axis=2) for p in parents]
        return np.concatenate([np.stack(cols, axis=2), a], axis=2)

    P, El, Ou, In = agg(paper), agg(electronic), agg(outpatient), agg(inpatient)
    T = P + El
    S = Ou + In
    share_q = _half_up_div(1000 * El, T)                       # rate in tenths of a percent
    o_h, i_h, s_h = (_half_up_div(x, 10_000) for x in (Ou, In, S))  # M€ in hundredths

    by_role = {"paper": P, "electronic": El, "total": T, "share": share_q,
               "outpatient": o_h, "inpatient": i_h, "spend_total": s_h}
    # rows of the CSV: dataset d, entity e, indicator spec s
    n_corrupt_target = round(corruption_rate * D * per_dataset)
    groups = [(d, e, k) for d in range(D) for e in range(len(entities)) for k in range(K)]
    chosen = prng.sample(groups, min(n_corrupt_target, len(groups)))
    corrupt_at: dict[tuple[int, int, int], int] = {g: prng.randrange(7) for g in chosen}
    corruptions: list[Corruption] = []
    total = 0
    for d in range(D):
        ds_id = f"synth-{d:05d}"
        period = str(2010 + d % 15)
        sep = SEPARATORS[d % len(SEPARATORS)]
        folder = data_dir / ds_id
        folder.mkdir()
        (folder / "dataset.yaml").write_text(
            f'dataset:\n  id: {ds_id}\n  title: "Rapport synthétique {d} — {period}"\n'
            f'  period: "{period}"\n  report: {ds_id}.txt\n', encoding="utf-8")
        lines = [CSV_HEADER]
        report_line = 10
        for k in range(K):
            report_line += 5
            for si in range(7):
                spec = specs[k * 7 + si]
                arr = by_role[spec.role]
                report_line += 1
                for e, ent in enumerate(entities):
                    v = int(arr[d, k, e])
                    if spec.unit == "count":
                        text = fmt_count(v, sep)
                    elif spec.unit == "percent":
                        text = fmt_tenths(v)
                    else:
                        text = fmt_hundredths(v, sep)
                    if corrupt_at.get((d, e, k)) == si:
                        text = _apply_corruption(text, spec, d, e, k, by_role, ds_id, period, ent,
                                                 corruptions, prng)
                    lines.append(f'{spec.id},{ent},{period},"{text}",table,{report_line},'
                                 f'{spec.theme},{spec.role},{ent}\n')
                    total += 1
        (folder / "figures.csv").write_text("".join(lines), encoding="utf-8")
    gen = Generated(root, data_dir, rules_dir, total, D, K, corruptions)
    manifest = {
        "n_figures": total, "n_datasets": D, "n_themes": K, "seed": seed,
        "corruption_rate": corruption_rate,
        "entities": entities, "tree": tree,
        "indicators": [asdict(s) for s in specs],
        "equations": [{"id": rid, "expr": ex, "indicators": inds}
                      for k in range(K) for rid, ex, inds in equations(THEME_NAMES[k])],
        "corruptions": [asdict(c) for c in corruptions],
    }
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                        encoding="utf-8")
    return gen


def _apply_corruption(text: str, spec: IndicatorSpec, d: int, e: int, k: int,
                      by_role: dict[str, np.ndarray], ds_id: str, period: str, ent: str,
                      out: list[Corruption], prng: random.Random) -> str:
    original = parse_printed(text)
    for _ in range(50):
        res = _corrupt_text(text, spec.unit, prng)
        if res is None:
            continue
        new, how = res
        value = parse_printed(new)
        if not _detectable(spec, value, d, e, k, by_role):
            continue
        out.append(Corruption(ds_id, period, ent, spec.id, spec.unit, text, new, original, value,
                              how))
        return new
    return text


def _detectable(spec: IndicatorSpec, value: float, d: int, e: int, k: int,
                by_role: dict[str, np.ndarray]) -> bool:
    """The corrupted print must break its record's equation under the interval model."""
    if spec.unit == "count":
        return True  # exact: any change breaks paper + electronic == total
    if spec.unit == "percent":
        exact = Fraction(100 * int(by_role["electronic"][d, k, e]), int(by_role["total"][d, k, e]))
        return abs(Fraction(value).limit_denominator(1000) - exact) > Fraction(6, 100)
    # M€: the three printed amounts of a sum are within 0,015 of each other; ask for > 0,05
    return abs(value - int(by_role[spec.role][d, k, e]) / 100) > 0.05


# -- rule pack --------------------------------------------------------------------------------
def common_rules(hierarchies: list[str] | None = None) -> list[dict[str, Any]]:
    """The rules every synthetic pack has: parent = sum of children, percent and count bounds."""
    rollup: dict[str, Any] = {
        "id": "rollup.sum", "kind": "rollup", "severity": "error",
        "description": {"fr": "Parent = somme des enfants", "en": "Parent = sum of children"},
        "indicators": ["*"]}
    if hierarchies:
        rollup["hierarchies"] = hierarchies
    rollup.update({"method": "sum", "mode": "non_null"})
    return [
        rollup,
        {"id": "bounds.percent", "kind": "bounds", "severity": "error",
         "description": {"fr": "Pourcentage entre 0 et 100", "en": "Percentage in [0, 100]"},
         "units": ["percent"], "min": 0, "max": 100},
        {"id": "bounds.count", "kind": "bounds", "severity": "error",
         "description": {"fr": "Effectif positif", "en": "Count ≥ 0"},
         "units": ["count"], "min": 0},
    ]


def write_rule_pack(rules_dir: Path, specs: list[IndicatorSpec],
                    entities_yaml: Path = ENTITIES_YAML) -> None:
    (rules_dir / "reference" / "indicators").mkdir(parents=True, exist_ok=True)
    (rules_dir / "checks").mkdir(parents=True, exist_ok=True)
    shutil.copyfile(entities_yaml, rules_dir / "reference" / "entities.yaml")
    labels = {"paper": ("papier", "paper"), "electronic": ("électronique", "electronic"),
              "total": ("total", "total"), "share": ("part électronique", "electronic share"),
              "outpatient": ("dépense de ville", "outpatient spending"),
              "inpatient": ("dépense hospitalière", "inpatient spending"),
              "spend_total": ("dépense totale", "total spending")}
    inds: dict[str, Any] = {}
    for s in specs:
        fr, en = labels[s.role]
        inds[s.id] = {"fr": f"{s.theme} — {fr}", "en": f"{s.theme} — {en}", "unit": s.unit,
                      "additive": s.additive, "theme": s.theme}
    (rules_dir / "reference" / "indicators" / "synth.yaml").write_text(
        yaml.safe_dump({"indicators": inds}, allow_unicode=True, sort_keys=False),
        encoding="utf-8")
    rules: list[dict[str, Any]] = []
    for theme in dict.fromkeys(s.theme for s in specs):
        for rid, expr, _ in equations(theme):
            rules.append({"id": rid, "kind": "equation", "severity": "error",
                          "description": {"fr": f"Relation {rid}", "en": f"Relation {rid}"},
                          "expr": expr})
    rules += common_rules()
    (rules_dir / "checks" / "synth.yaml").write_text(
        yaml.safe_dump({"rules": rules}, allow_unicode=True, sort_keys=False), encoding="utf-8")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--figures", type=int, default=1000)
    ap.add_argument("--themes", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--rate", type=float, default=0.01)
    a = ap.parse_args()
    g = generate(a.root, a.figures, seed=a.seed, themes=a.themes, corruption_rate=a.rate)
    print(f"{g.n_figures} figures in {g.n_datasets} datasets, {len(g.corruptions)} corruptions "
          f"→ {g.root}")
