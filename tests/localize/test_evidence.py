"""A given transposition is likelier than a given digit slip: it decides a cost tie."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from drsmcheck.localize.evidence import narrow
from drsmcheck.localize.priors import Typo
from drsmcheck.localize.solver import Change, Solution
from tests.support import SAMPLES, assert_valid_report, run_cli


def _solution(fid: str, edit: str | None) -> Solution:
    typo = Typo(edit, 1.0, "1", 0, 0.55, "", "2") if edit else None
    return Solution(0.55, (Change(fid, 2.0, 1.0, 1.0, 1.0, typo),))


def test_occitanie_pdp_box_4_535_typed_5_435_is_named(tmp_path: Path):
    # box l.720 « 4 535 signalements » = LR 2 443 + MP 2 092 (l.723); typed « 5 435 », the
    # roll-up is 900 over: undoing the swap (5 435 → 4 535) and a digit slip of MP (2 092 →
    # 2 992, 0 typed for 9) cost the same; a given swap is likelier than a given digit
    sample = tmp_path / "drsm-occitanie-2019"
    shutil.copytree(SAMPLES / "drsm-occitanie-2019", sample)
    data = sample / "dataset.yaml"
    text = data.read_text(encoding="utf-8")
    old = '  - indicator: pdp.reported\n    value: "4 535"'
    assert old in text
    data.write_text(text.replace(old, old.replace("4 535", "5 435")), encoding="utf-8")
    proc = run_cli("validate", str(sample), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert_valid_report(report)
    (a,) = [a for a in report["anomalies"] if a["subject"] == "pdp.reported"]
    s = a["suspect"]
    (fig,) = [f for f in a["figures"] if f["ref"] == s["ref"]]
    assert (fig["entity"], fig["source"]["kind"], fig["source"]["report_line"]) == (
        "OCC", "box", 720)
    assert (s["cause"], s["suggested"]) == ("transposition", 4535)
    assert s["reason"]["en"].startswith(
        "with 4,535, rollup.sum holds; the next repair (2 092, pdp.reported → 2,992) undoes "
        "one digit only, a given transposition is likelier")
    assert [c["suggested"] for c in a["candidates"]][:2] == [2992, 4535]   # both still listed


def test_only_a_lone_transposition_against_one_digit_slips_narrows():
    swap, d1, d2 = _solution("a", "transposition"), _solution("b", "digit"), _solution("c", "extra")
    assert narrow([d1, swap, d2]) == [swap]
    assert narrow([d1, d2]) == [d1, d2]                                  # digits: still a tie
    two = [swap, _solution("d", "transposition"), d1]
    assert narrow(two) == two                                            # two swaps: a tie
    scale = _solution("e", "scale")
    assert narrow([swap, scale]) == [swap, scale]                        # rates unknown: a tie
    assert narrow([swap, _solution("f", None)]) == [swap, _solution("f", None)]


def test_a_tied_repair_beyond_the_solutions_limit_still_counts():
    swap, d1, scale = _solution("a", "transposition"), _solution("b", "digit"), \
        _solution("c", "scale")
    assert narrow([swap, d1], [swap, d1]) == [swap]
    assert narrow([swap, d1], [swap, d1, scale]) == [swap, d1]
    costly = Solution(0.8, scale.changes)                  # outside the tie: no say
    assert narrow([swap, d1], [swap, d1, costly]) == [swap]
