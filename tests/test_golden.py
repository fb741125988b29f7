"""Golden test: the CLI on every sample finds exactly the anomalies of its expected.yaml."""

from __future__ import annotations

from collections import Counter

import pytest
import yaml

from support import SAMPLES

SAMPLE_DIRS = sorted(p.parent for p in SAMPLES.glob("*/dataset.yaml"))


def _key(a: dict) -> tuple:
    return (a["rule"], str(a["entity"]), str(a["period"]), a.get("subject"), a["severity"],
            a["category"])


def test_all_five_samples_are_there() -> None:
    assert [p.name for p in SAMPLE_DIRS] == [
        "cpam-somme-2022", "drsm-alsace-moselle-2018", "drsm-bfc-2019", "drsm-occitanie-2019",
        "elsm-seine-saint-denis-2016"]


@pytest.mark.parametrize("sample", SAMPLE_DIRS, ids=lambda p: p.name)
def test_sample_matches_expected(sample, samples_run) -> None:
    _, report = samples_run
    expected = yaml.safe_load((sample / "expected.yaml").read_text(encoding="utf-8"))
    expected = expected.get("anomalies") or []
    (ds,) = [d for d in report["datasets"] if d["path"].endswith(sample.name)]
    got = [a for a in report["anomalies"] if a["dataset"] == ds["id"]]
    want_keys, got_keys = Counter(map(_key, expected)), Counter(map(_key, got))
    missing = want_keys - got_keys
    extra = got_keys - want_keys
    assert not missing and not extra, f"missing: {sorted(missing)}\nextra: {sorted(extra)}"
    # where expected.yaml names the suspect figure, drsmcheck must name the same print
    by_key: dict[tuple, list[dict]] = {}
    for a in got:
        by_key.setdefault(_key(a), []).append(a)
    for exp in expected:
        if not exp.get("suspect"):
            continue
        suspects = []
        for a in by_key[_key(exp)]:
            ref = (a.get("suspect") or {}).get("ref")
            fig = next((f for f in a["figures"] if f["ref"] == ref), None)
            if fig:
                suspects.append((fig["source"]["kind"], fig["source"]["report_line"],
                                 a["suspect"].get("cause")))
        want = (exp["suspect"]["kind"], exp["suspect"]["line"])
        assert want in [s[:2] for s in suspects], f"{_key(exp)}: suspect {want} not in {suspects}"
        # and, where expected.yaml names it, why that figure is off (localize/causes.py)
        if "cause" in exp["suspect"]:
            causes = [s[2] for s in suspects if s[:2] == want]
            assert exp["suspect"]["cause"] in causes, (
                f"{_key(exp)}: cause {exp['suspect']['cause']!r}, got {causes}")


def test_exit_code_is_1_when_errors(samples_run) -> None:
    code, report = samples_run
    assert report["summary"]["by_severity"]["error"] > 0
    assert code == 1
