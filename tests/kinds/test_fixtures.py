"""Per-kind fixtures (tests/kinds/fixtures/<kind>.yaml) on every backend: counts and anomalies."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from drsmcheck.report import validate

from packs import make_dataset, make_pack

FIXTURES = Path(__file__).parent / "fixtures"
BACKENDS = ["numpy"]
CASES = [(f.stem, c) for f in sorted(FIXTURES.glob("*.yaml"))
         for c in yaml.safe_load(f.read_text(encoding="utf-8"))["cases"]]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("kind", "case"), CASES, ids=[f"{k}:{c['name']}" for k, c in CASES])
def test_fixture(tmp_path, kind: str, case: dict, backend: str) -> None:
    spec = dict(case["rule"], description={"fr": "d", "en": "d"})
    pack = make_pack(tmp_path, yaml.safe_dump({"rules": [spec]}, allow_unicode=True))
    report = validate([make_dataset(tmp_path, case["data"])], pack, backend)
    rid = case.get("check", spec["id"])
    r = next(r for r in report["rules"] if r["rule"] == rid)
    assert [r["items"], r["passes"], r["fails"], r["not_evaluable"]] == case["counts"]
    got = sorted((a for a in report["anomalies"] if a["rule"] == rid),
                 key=lambda a: (a["entity"], a["subject"] or ""))
    want = sorted(case["anomalies"], key=lambda a: (a.get("entity", "OCC"), a.get("subject") or ""))
    assert len(got) == len(want), [(a["entity"], a["category"]) for a in got]
    for g, w in zip(got, want, strict=True):
        for key, value in w.items():
            assert g[key] == value, (key, g)
