"""The diagnosis as a reviewer reads it: suspect, suggested value, cause, or the candidates.

Through the CLI's JSON: the three bugs of the old heuristic (a ratio's divisor never a
candidate, a weighted-mean child repaired without its weights, a box-vs-text disagreement
settled by "a table is trusted"), the Alsace-Moselle mislabelled headline, honest ambiguity.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support import SAMPLES, run_cli


def validate(path: Path, tmp_path: Path) -> dict:
    out = tmp_path / "report.json"
    proc = run_cli("validate", str(path), "--format", "json", "--output", str(out))
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(out.read_text(encoding="utf-8"))


def anomaly(report: dict, rule: str, entity: str, subject: str | None = None) -> dict:
    (a,) = [a for a in report["anomalies"] if a["rule"] == rule and a["entity"] == entity
            and a["subject"] == subject]
    return a


def figure(a: dict, ref: str | None) -> dict:
    return next(f for f in a["figures"] if f["ref"] == ref)


def write(tmp_path: Path, figures: str) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    (d / "dataset.yaml").write_text(
        "dataset:\n  id: t\n  title: test\n  entity: OCC\n  period: \"2019\"\n"
        "figures:\n" + figures, encoding="utf-8")
    return d


def test_a_ratio_divisor_typed_with_an_extra_digit_is_the_suspect(tmp_path):
    # 100 + 111 = 211 and 100 × 111 / 211 = 52,6 %: the total "211" typed "2 116"
    d = write(tmp_path, """\
  - {indicator: ald.admission.paper, value: "100", kind: table, line: 1}
  - {indicator: ald.admission.electronic, value: "111", kind: table, line: 2}
  - {indicator: ald.admission.total, value: "2 116", kind: table, line: 3}
  - {indicator: ald.admission.electronic_share, value: "52,6 %", kind: table, line: 4}
""")
    report = validate(d, tmp_path)
    for rule in ("ald.admission.parts", "ald.admission.electronic_share.ratio"):
        a = anomaly(report, rule, "OCC")
        sp = a["suspect"]
        assert figure(a, sp["ref"])["indicator"] == "ald.admission.total", rule
        assert sp["suggested"] == 211 and sp["cause"] == "typo (digit)"


def test_a_box_against_a_text_print_is_not_settled_by_a_rule_of_thumb(tmp_path):
    # two prints, one transposition apart, nothing else reads the figure: undecidable
    d = write(tmp_path, """\
  - {indicator: ald.admission.total, value: "1 234", kind: box, line: 1, quote: "1 234 avis"}
  - {indicator: ald.admission.total, value: "1 243", kind: text, line: 2, quote: "1 243 avis"}
""")
    a = anomaly(validate(d, tmp_path), "agreement", "OCC", "ald.admission.total")
    assert a["suspect"] is None
    assert sorted(c["suggested"] for c in a["candidates"]) == [1234, 1243]


def test_a_weighted_mean_child_is_repaired_with_its_weights(tmp_path):
    # Occitanie's overturned share: (13,45 × 2 610 + 12,32 × 1 778) / 4 388 = 12,99;
    # LR's 13,45 typed 13,54
    sample = tmp_path / "occ"
    shutil.copytree(SAMPLES / "drsm-occitanie-2019", sample)
    main = sample / "dataset.yaml"
    text = main.read_text(encoding="utf-8")
    assert text.count('value: "13,45 %"') == 1
    main.write_text(text.replace('value: "13,45 %"', 'value: "13,54 %"'), encoding="utf-8")
    a = anomaly(validate(sample, tmp_path), "expertise.overturned_share.rollup", "OCC",
                "expertise.overturned_share")
    sp = a["suspect"]
    assert figure(a, sp["ref"])["entity"] == "LR"
    assert sp["suggested"] == pytest.approx(13.45) and sp["cause"] == "transposition"


def test_samples_suspects_causes_and_ambiguity(samples_run):
    _, report = samples_run
    am = anomaly(report, "rollup.sum", "AM", "accompaniment.peer_exchanges.result")
    sp = am["suspect"]
    assert figure(am, sp["ref"])["source"]["kind"] == "box"
    assert sp["cause"] == "mislabelled column" and sp["suggested"] == 2782
    assert "772 + 949 + 510" in sp["reason"]["en"]
    # eight ELSM and the region, one of them off by 33: no figure can be singled out
    gp = anomaly(report, "rollup.sum", "BFC", "supply.gp")
    assert gp["suspect"] is None and len(gp["candidates"]) >= 2
    refs = {f["ref"] for f in gp["figures"]}
    assert all(c["ref"] in refs for c in gp["candidates"])


def test_localization_budget_is_whole_datasets_in_id_order(monkeypatch) -> None:
    """Beyond the budget, anomalies keep no suspect (deterministic: datasets in id order)."""
    from pathlib import Path

    from drsmcheck import budget
    from drsmcheck.loader import load_figures
    from drsmcheck.report import analyse
    from drsmcheck.rules import default_rules_dir, load_rules

    pack = load_rules(default_rules_dir())
    datasets, figures = load_figures([Path(__file__).parent.parent / "samples"], pack.reference)
    monkeypatch.setattr(budget, "LOCALIZE_BUDGET", 200)  # Somme 38 + Alsace-Moselle 146
    named = {a.dataset for a in analyse(pack, datasets, figures).anomalies if a.suspect}
    assert named == {"cpam-somme-2022", "drsm-alsace-moselle-2018"}


def _elsm(tmp_path: Path, recognised_58: str) -> dict:
    """Five BFC ELSM print their claims investigated and recognised (no regional total)."""
    rows = [("21", "976", "620"), ("25", "807", "512"), ("39", "596", "380"), ("58", "516", None),
            ("70", "646", "401")]
    lines = []
    for k, (ent, total, rec) in enumerate(rows):
        rec = recognised_58 if rec is None else rec
        lines.append(f'  - {{indicator: occdisease.request.total, entity: "{ent}", '
                     f'value: "{total}", kind: table, line: {2 * k + 1}}}\n')
        lines.append(f'  - {{indicator: occdisease.request.recognised, entity: "{ent}", '
                     f'value: "{rec}", kind: table, line: {2 * k + 2}}}\n')
    return validate(write(tmp_path, "".join(lines)), tmp_path)


def test_a_print_a_power_of_ten_off_its_peers_is_the_suspect(tmp_path):
    # Nièvre recognises 4 120 of 516 claims: only "recognised ≤ investigated" reads them, so
    # either figure could be wrong — but the other ELSM recognise 380 to 620, and 4 120 ÷ 10
    # = 412 is among them: the ×10 print is named (its investigated 516 is a typical count)
    a = anomaly(_elsm(tmp_path, "4 120"), "occdisease.request.recognised.le_total", "58")
    sp = a["suspect"]
    assert sp is not None, a["candidates"]
    assert figure(a, sp["ref"])["indicator"] == "occdisease.request.recognised"
    assert sp["suggested"] == 412 and sp["cause"] == "scale"


def test_a_print_among_its_peers_stays_ambiguous(tmp_path):
    # 550 recognised of 516: nothing says which of the two is off
    a = anomaly(_elsm(tmp_path, "550"), "occdisease.request.recognised.le_total", "58")
    assert a["suspect"] is None and len(a["candidates"]) == 2
