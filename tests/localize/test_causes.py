"""A cause for every finding: rounding practices, typos, mislabelled columns, denominators."""

from __future__ import annotations

from pathlib import Path

import pytest

from drsmcheck.loader import load_figures
from drsmcheck.localize.causes import explain, rounding_practice
from drsmcheck.rules import default_rules_dir, load_rules

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def alsace():
    pack = load_rules(default_rules_dir())
    _, figures = load_figures([ROOT / "samples" / "drsm-alsace-moselle-2018"], pack.reference)
    return pack, figures


def row(text: str, value: float, decimals: int, lo: float, hi: float, unit: str = "percent",
        **kw) -> dict:
    return {"text": text, "value": value, "decimals": decimals, "lo": lo, "hi": hi,
            "unit": unit, "unit_printed": kw.pop("unit_printed", None), "scale": 1.0, **kw}


def test_mislabelled_column_on_alsace_moselle(alsace):
    pack, figures = alsace
    box = figures[(figures["entity"] == "AM") & (figures["kind"] == "box")
                  & (figures["indicator"] == "accompaniment.peer_exchanges.result")]
    target = box.to_dict("records")[0]
    children = pack.reference.hierarchies["elsm"]["AM"]
    # the ELSM results say 972 + 1 255 + 555 = 2 782: that is the repair the roll-up needs
    cause = explain(target, 2782, 2782, figures, children)
    assert cause.name == "mislabelled column" and cause.severity == "error"
    assert cause.detail["en"].startswith("2 231 = 772 + 949 + 510, the sum of the “Objectifs”")
    assert [r.split("|")[2].split("@")[0] for r in cause.refs] == [
        "accompaniment.peer_exchanges.objective"] * 3


def test_truncation_is_a_warning_and_a_wider_miss_an_error():
    # 249 / 842 = 29,57 %: printed 29,5 % is a truncation, 29,5 % for 29,63 % is not
    assert rounding_practice(29.5, 1, 29.572, 29.572) == "truncation"
    trunc = explain(row("29,5 %", 29.5, 1, 29.45, 29.55), 29.572, 29.572)
    assert (trunc.name, trunc.severity) == ("truncation", "warning")
    assert rounding_practice(29.5, 1, 29.63, 29.63) is None
    miss = explain(row("29,5 %", 29.5, 1, 29.45, 29.55), 29.63, 29.63)
    assert miss.severity == "error" and miss.name == "typo (digit)"   # 29,6 typed 29,5
    far = explain(row("29,5 %", 29.5, 1, 29.45, 29.55), 31.07, 31.07)
    assert (far.name, far.severity) == ("unexplained", "error")
    # "within one unit of the last digit" is not a practice: 29,5 for 29,41 is an error
    assert rounding_practice(29.5, 1, 29.41, 29.41) is None


def test_double_rounding_is_named():
    # 29,446 → 29,45 → 29,5 (half up twice); a direct rounding gives 29,4
    assert rounding_practice(29.5, 1, 29.446, 29.446) == "double rounding"
    assert explain(row("29,5 %", 29.5, 1, 29.45, 29.55), 29.446, 29.446).name == "rounding"


def test_typo_causes_are_named():
    c = explain(row("2 116", 2116, 0, 2116, 2116, "count"), 211, 211)
    assert c.name == "typo (digit)" and "211 → 2 116" in c.detail["en"]
    assert explain(row("59 786", 59786, 0, 59786, 59786, "count"), 59768, 59768).name == \
        "transposition"
    assert explain(row("-12", -12, 0, -12, -12, "count"), 12, 12).name == "sign"
    assert explain(row("2 310", 2310, 0, 2310, 2310, "count"), 231, 231).name == "scale"


def test_unit_cause():
    c = explain(row("13 740", 13740, 0, 13740, 13740, "eur"), 13.74e6, 13.74e6)
    assert c.name == "unit"
    c = explain(row("45 %", 45, 0, 44.5, 45.5, "count", unit_printed="percent"), 450, 450)
    assert c.name == "unit"


def test_wrong_denominator(alsace):
    import pandas as pd

    _, figures = alsace
    rec = figures.iloc[0].to_dict()
    base = {**rec, "entity": "68", "period": "2018", "unit": "count", "prio": 2, "seq": 0}
    extra = pd.DataFrame([
        {**base, "ref": "r1", "indicator": "x.total", "text": "400", "value": 400.0,
         "lo": 400.0, "hi": 400.0},
        {**base, "ref": "r2", "indicator": "x.other", "text": "500", "value": 500.0,
         "lo": 500.0, "hi": 500.0},
        {**base, "ref": "r3", "indicator": "x.own", "text": "700", "value": 700.0,
         "lo": 700.0, "hi": 700.0}])
    figs = pd.concat([figures, extra], ignore_index=True)
    share = {**base, "ref": "s", "indicator": "x.share", "text": "25,0 %", "value": 25.0,
             "lo": 24.95, "hi": 25.05, "unit": "percent", "decimals": 1}
    # its own denominator (700) needs 14,29 %; 100 × 100 / 400 = 25 %: computed on x.total
    c = explain(share, 14.2857, 14.2857, figs, numerator=(100.0, 100.0), denominator_ref="r3")
    assert c.name == "wrong denominator" and c.refs == ("r1",)
