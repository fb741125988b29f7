"""Equally likely kinds of slip: a given transposition is read before a given digit slip."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from drsmcheck.localize.priors import candidates
from tests.support import SAMPLES, assert_valid_report, run_cli


def test_a_transposition_that_fits_is_read_first():
    # « 12,23 % » where [12,28 ; 12,34] is needed: 12,32 (swapped) and 12,28, 12,29 (a digit)
    # all fit; the digit slips are closer to the print, the swap is the likelier slip
    fits = candidates("12,23 %", 1.0, 12.28, 12.34, 0.005)
    assert (fits[0].edit, fits[0].value) == ("transposition", 12.32)
    assert {t.edit for t in fits[1:3]} == {"digit"}
    # a likelier kind still comes first: factors decide before the order of kinds
    assert candidates("-12", 1.0, 12, 12, 0.0, True)[0].edit == "sign"


def test_occitanie_mp_overturned_share_swap_is_named_as_such(tmp_path: Path):
    # l.713: 12,99 % = (13,45 % × 2 610 + 12,32 % × 1 778) / 4 388; MP's « 12,32 % » typed
    # « 12,23 % »: its repair is [12,2x ; 12,3x], where a digit slip fits too
    sample = tmp_path / "drsm-occitanie-2019"
    shutil.copytree(SAMPLES / "drsm-occitanie-2019", sample)
    data = sample / "dataset.yaml"
    text = data.read_text(encoding="utf-8")
    old = '    entity: "MP"\n    value: "12,32 %"'
    assert text.count(old) == 1
    data.write_text(text.replace(old, old.replace("12,32", "12,23")), encoding="utf-8")
    proc = run_cli("validate", str(sample), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert_valid_report(report)
    (a,) = [a for a in report["anomalies"] if a["subject"] == "expertise.overturned_share"]
    s = a["suspect"]
    assert s["ref"].split("@")[0] == "MP|2019|expertise.overturned_share"
    assert (s["cause"], s["suggested"]) == ("transposition", 12.32)
