"""A rounding finding lists the slips that would repair the relation too, after the practice."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support import SAMPLES, assert_valid_report, run_cli


def test_bfc_etm_rate_swap_is_a_candidate_of_the_rounding_finding(tmp_path: Path):
    # Doubs box l.1480 « Taux d'ADF 7,78 % » typed « 7,87 % »: the weighted mean of the ELSM
    # rates moves by 16 459 / Σ opinions × 0,09 — a miss double rounding of the region's 7,57 %
    # explains, so the engine calls it `rounding`. The Doubs print, one swap away, must still
    # be among the candidates a reviewer reads
    sample = tmp_path / "drsm-bfc-2019"
    shutil.copytree(SAMPLES / "drsm-bfc-2019", sample)
    page = sample / "page-25.yaml"
    text = page.read_text(encoding="utf-8")
    old = 'etm.unfavourable_rate, entity: "25", value: "7,78 %"'
    assert old in text
    page.write_text(text.replace(old, old.replace("7,78", "7,87")), encoding="utf-8")
    proc = run_cli("validate", str(sample), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert_valid_report(report)
    (a,) = [a for a in report["anomalies"] if a["subject"] == "etm.unfavourable_rate"]
    assert a["category"] == "rounding"
    doubs = [c for c in a["candidates"] if c["ref"].startswith("25|2019|etm.unfavourable_rate@")]
    assert len(doubs) == 1 and doubs[0]["cause"] in ("typo (digit)", "transposition")
    assert a["candidates"][0]["cause"] in ("rounding", "truncation")   # the practice first
