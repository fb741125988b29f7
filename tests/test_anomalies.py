"""Relations put in words: the per-rule templates of equation sides write what the renderer
writes, figure by figure, in both languages (every shipped equation, and odd expressions)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from drsmcheck import algebra as A
from drsmcheck import expr as E
from drsmcheck.anomalies import LANGS, _compile, _fill, render
from drsmcheck.rules import default_rules_dir, load_rules

ODD = ["a - (b - c) == d / (e / f)", "-(a + b) * 2.5 == sum(g.*)", "min(a, b) + max(c, 1) >= 3",
       "abs(a - prev(a)) <= 0.05 * prev(a)", "sum(a, b / c) == (d)", "a / b * 100 == c"]


def _row(ind: str, rnd: random.Random) -> dict[str, Any]:
    value = rnd.choice([None, 1234.5, 7.0, 0.25])
    return {"indicator": ind, "text": f"«{ind}»{{0}}", "value": value, "decimals": 1,
            "unit": "count", "unit_printed": None, "qualifier": None}


def _expressions() -> list[object]:
    pack = load_rules(default_rules_dir())
    shipped = [r.ast for r in pack.rules if r.kind == "equation"]
    assert len(shipped) > 100
    return shipped + [E.parse(x) for x in ODD]


@pytest.mark.parametrize("seed", range(3))
def test_templates_write_what_render_writes(seed: int) -> None:
    rnd = random.Random(seed)
    checked = 0
    for ast in _expressions():
        for cmp in A.comparisons(ast):
            ids = sorted({n.id for n in E.walk(cmp) if isinstance(n, E.Ind)})
            # some figures missing ("?"), some from the previous period
            rows = {i: _row(i, rnd) for i in ids if rnd.random() < 0.8}
            prev = {i: _row(i, rnd) for i in ids if rnd.random() < 0.5}
            for side in (cmp.left, cmp.right):
                for lang in LANGS:
                    template = _compile(side, lang)
                    if template is None:  # a glob: its terms are the figures present
                        assert any(isinstance(n, E.Glob) for n in E.walk(side))
                        continue
                    assert _fill(template, rows, prev, lang) == render(side, rows, prev, lang)
                    checked += 1
    assert checked > 200
