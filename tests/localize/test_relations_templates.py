"""A linear comparison's rows are compiled once per rule (slots renamed per record): on every
sample, each record's rows from the templates are the rows the record-by-record path builds."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest

from drsmcheck.loader import load_figures
from drsmcheck.localize import relations as R
from drsmcheck.rules import default_rules_dir, load_rules

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p.name for p in (ROOT / "samples").iterdir() if (p / "dataset.yaml").exists())


@pytest.mark.parametrize("sample", SAMPLES)
def test_templates_give_the_record_by_record_rows(sample: str) -> None:
    pack = load_rules(default_rules_dir())
    _, figures = load_figures([ROOT / "samples" / sample], pack.reference)
    recs = R.records(figures[figures["value"].notna()].sort_values(["dataset", "prio", "seq"]))
    by_ref = {r["ref"]: r for r in recs}
    by_record: dict[tuple[str, str, str], dict[str, dict]] = defaultdict(dict)
    for r in recs:
        by_record[(r["dataset"], r["entity"], r["period"])].setdefault(r["indicator"], r)
    compiled = checked = 0
    for rule in (r for r in pack.rules if r.kind == "equation"):
        try:
            cmps = R._comparisons(rule.ast)
        except R._NotLinear:
            continue
        templates = [R._template(c) for c in cmps]
        if any(t is None for t in templates):
            continue
        compiled += 1
        for (ds, ent, per), env in by_record.items():
            prev_env = by_record.get((ds, ent, str(int(per) - 1) if per.isdigit() else ""), {})
            try:
                old = [row for c in cmps
                       for row in R._cmp_rows(c, env, prev_env, rule, "n", {}, by_ref)]
            except (KeyError, R._NotLinear):
                with pytest.raises(KeyError):
                    R._template_rows(templates, env, prev_env, rule, "n", by_ref)
                continue
            assert R._template_rows(templates, env, prev_env, rule, "n", by_ref) == old
            checked += 1
    assert compiled > 10 and checked > 0
