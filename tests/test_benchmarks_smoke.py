"""The peer benchmark's generator writes consistent data, and its corruptions are findable.

Not a timing test: benchmarks/bench_peers.py measures speed; this only guards its ground truth.
On the uncorrupted 10^3-figure set drsmcheck must find nothing (the printed M€ and rates are
rounded, so this also checks the interval model end to end); on the corrupted one, every
injected corruption must take part in some anomaly, and every anomaly must involve one.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from drsmcheck.report import validate

ROOT = Path(__file__).resolve().parent.parent


def _synth() -> ModuleType:
    name = "drsmcheck_bench_synth"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / "synth.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def _figure_keys(anomaly: dict) -> set[tuple[str, str, str, str]]:
    return {(anomaly["dataset"], f["period"], f["entity"], f["indicator"])
            for f in anomaly["figures"]}


def test_clean_data_has_no_anomaly(tmp_path: Path) -> None:
    synth = _synth()
    gen = synth.generate(tmp_path / "clean", 1000, seed=3, corruption_rate=0.0)
    assert gen.corruptions == [] and gen.n_figures == 1015
    report = validate([gen.data], gen.rules)
    assert report["summary"]["figures"] == gen.n_figures
    assert report["anomalies"] == []
    by_rule = {r["rule"]: r for r in report["rules"]}
    # every relation was really evaluated: 29 records × 5 themes, 6 parents × 30 additive ids
    assert by_rule["ald_admission.share"]["passes"] == 29
    assert by_rule["rollup.sum"]["passes"] == 6 * 30
    assert all(r["not_evaluable"] == 0 for r in report["rules"])


def test_every_corruption_is_found(tmp_path: Path) -> None:
    synth = _synth()
    gen = synth.generate(tmp_path / "dirty", 1000, seed=3)
    assert len(gen.corruptions) == 10
    for c in gen.corruptions:
        assert c.original != c.corrupted and abs(c.corrupted_value - c.original_value) >= 0.1
    report = validate([gen.data], gen.rules)
    corrupted = {(c.dataset, c.period, c.entity, c.indicator) for c in gen.corruptions}
    involved: set[tuple[str, str, str, str]] = set()
    for a in report["anomalies"]:
        keys = _figure_keys(a)
        assert keys & corrupted, f"false positive: {a['rule']} {a['entity']} {a['relation']}"
        involved |= keys
    assert corrupted <= involved
