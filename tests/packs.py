"""Tiny rule packs and datasets written into tmp dirs, for tests of one behaviour at a time."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

from support import ROOT

INDICATORS = """
indicators:
  t.a: {fr: A, en: A, unit: count, additive: true}
  t.b: {fr: B, en: B, unit: count, additive: true}
  t.total: {fr: Total, en: Total, unit: count, additive: true}
  t.share: {fr: Part, en: Share, unit: percent, additive: false}
  t.rate: {fr: Taux, en: Rate, unit: percent, additive: false}
  t.growth: {fr: Évolution, en: Growth, unit: percent, additive: false}
  t.amount: {fr: Montant, en: Amount, unit: eur, additive: true}
  cpg.x.objective: {fr: Objectif, en: Objective, unit: percent, additive: false, direction: higher}
  cpg.x.result: {fr: Résultat, en: Result, unit: percent, additive: false, direction: higher}
  cpg.y.objective: {fr: Objectif, en: Objective, unit: percent, additive: false, direction: lower}
  cpg.y.result: {fr: Résultat, en: Result, unit: percent, additive: false, direction: lower}
  cpg.z.objective: {fr: Objectif, en: Objective, unit: eur, additive: false, direction: higher}
  cpg.z.result: {fr: Résultat, en: Result, unit: percent, additive: false, direction: higher}
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def make_pack(tmp: Path, checks: str, indicators: str = INDICATORS) -> Path:
    """A rule pack with the shipped entity tree, test indicators and the given checks."""
    pack = tmp / "pack"
    (pack / "reference" / "indicators").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "rules" / "reference" / "entities.yaml",
                pack / "reference" / "entities.yaml")
    write(pack / "reference" / "indicators" / "t.yaml", indicators)
    write(pack / "checks" / "t.yaml", checks)
    write(pack / "pack.yaml", "extend: false  # a test pack stands alone\n")
    return pack


def make_dataset(tmp: Path, body: str, name: str = "ds") -> Path:
    folder = tmp / name
    header = f"dataset: {{id: {name}, entity: OCC, period: '2019', report: r.txt}}\n"
    write(folder / "dataset.yaml", header + textwrap.dedent(body).lstrip())
    return folder
