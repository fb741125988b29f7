"""The weights of a weighted-mean roll-up are figures too: a mistyped weight is its own repair."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from drsmcheck.localize.solver import Figure, Row, linearize_weighted_mean, localize
from tests.support import SAMPLES, assert_valid_report, run_cli


def _rate(fid: str, text: str) -> Figure:
    v = float(text.replace(",", ".").rstrip(" %"))
    d = len(text.rstrip(" %").split(",")[1]) if "," in text else 0
    h = 0.5 * 10 ** -d
    return Figure(fid, v, v - h, v + h, text=text, decimals=d)


def _count(fid: str, v: int) -> Figure:
    return Figure(fid, v, v, v, text=f"{v:,}".replace(",", " "), integer=True)


def test_a_weight_typed_with_a_zero_too_many_is_the_suspect():
    # Occitanie overturned share: (13,45 × 2 610 + 12,32 × 1 778) / 4 388 = 12,99 %, and the
    # weights add up to the region's 4 388; the LR weight typed « 26 100 »: only its own
    # repair makes both hold (the rates' weighted mean alone could not even see it)
    rates = {"OCC": "12,99 %", "LR": "13,45 %", "MP": "12,32 %"}
    values = {k: (f.lo, f.hi) for k, f in ((k, _rate(k, t)) for k, t in rates.items())}
    figs = [_rate(k, t) for k, t in rates.items()] + [
        _count("w_LR", 26100), _count("w_MP", 1778), _count("w_OCC", 4388)]
    rows = linearize_weighted_mean("OCC", [("LR", 26100.0), ("MP", 1778.0)], None, values,
                                   weight_ids=["w_LR", "w_MP"])
    rows.append(Row.of({"w_LR": 1, "w_MP": 1, "w_OCC": -1}, "=="))
    loc = localize(figs, rows)
    assert loc.suspect is not None and loc.suspect.ids == ("w_LR",)
    (ch,) = loc.suspect.changes
    assert ch.typo is not None and (ch.typo.edit, ch.typo.value) == ("scale", 2610)
    # without the weights' figures the mean names a rate: the LR rate (or the region's)
    rates_only = linearize_weighted_mean("OCC", [("LR", 26100.0), ("MP", 1778.0)], None,
                                         values)
    loc = localize(figs[:3], rates_only)
    assert all("w_LR" not in s.ids for s in loc.solutions)


def test_the_weights_terms_vanish_at_the_printed_weights():
    rates = {"OCC": "12,99 %", "LR": "13,45 %", "MP": "12,32 %"}
    values = {k: (f.lo, f.hi) for k, f in ((k, _rate(k, t)) for k, t in rates.items())}
    plain = linearize_weighted_mean("OCC", [("LR", 2610.0), ("MP", 1778.0)], None, values)
    both = linearize_weighted_mean("OCC", [("LR", 2610.0), ("MP", 1778.0)], None, values,
                                   weight_ids=["w_LR", "w_MP"])
    at = {"OCC": 12.99, "LR": 13.45, "MP": 12.32, "w_LR": 2610.0, "w_MP": 1778.0}
    lhs = [sum(c * at[j] for j, c in r.coefs) - r.rhs for r in (plain[0], both[0])]
    assert lhs[0] == pytest.approx(lhs[1])
    # one weight changed alone: the linear row is the exact weighted mean
    at["w_LR"] = 3000.0
    exact = 3000.0 * (13.45 - 12.99) + 1778.0 * (12.32 - 12.99)
    assert sum(c * at[j] for j, c in both[0].coefs) - both[0].rhs == pytest.approx(exact)


def test_bfc_weight_typed_x10_is_not_blamed_on_a_rate(tmp_path: Path):
    # Nièvre box l.1336 « ETM total 8 312 » typed « 83 120 »: the ETM roll-up (92 005 = Σ ELSM)
    # and the weighted mean of the ELSM rates both fail; one change of the weight repairs both,
    # where the rates' weighted mean alone used to accuse a rate
    sample = tmp_path / "drsm-bfc-2019"
    shutil.copytree(SAMPLES / "drsm-bfc-2019", sample)
    page = sample / "page-58.yaml"
    text = page.read_text(encoding="utf-8")
    old = 'etm.opinions, entity: "58", value: "8 312"'
    assert old in text
    page.write_text(text.replace(old, old.replace("8 312", "83 120")), encoding="utf-8")
    proc = run_cli("validate", str(sample), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert_valid_report(report)
    named = {(a["subject"], a["suspect"]["ref"].split("@")[0], a["suspect"]["cause"])
             for a in report["anomalies"] if a.get("suspect")
             and a["subject"] in ("etm.opinions", "etm.unfavourable_rate")}
    # both anomalies name the weight: the weighted mean's too, which lists it among its
    # figures (its verdict read it), and the engine re-judges the mean with the weight repaired
    assert named == {("etm.opinions", "58|2019|etm.opinions", "scale"),
                     ("etm.unfavourable_rate", "58|2019|etm.opinions", "scale")}
    mean = next(a for a in report["anomalies"] if a["subject"] == "etm.unfavourable_rate")
    assert mean["suspect"]["suggested"] == 8312
    assert mean["suspect"]["ref"] in {f["ref"] for f in mean["figures"]}
