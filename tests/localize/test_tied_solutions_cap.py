"""A figure is named because *every* minimum-cost repair changes it: never from a capped list.

Regression: the localization listed at most 3 tied solutions, and the suspect was the figure
common to those 3 — a 4th that leaves it as printed was never seen.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support import SAMPLES, assert_valid_report, run_cli


def test_bfc_area_is_not_named_when_a_tied_repair_leaves_it(tmp_path: Path) -> None:
    # BFC l.39 « un territoire de 47 784 km² » typed « 47 874 », beside the sample's own
    # population miss (the eight ELSM populations do not sum to the region's). The density
    # ratio then fails; repairs that tie change the area *or* the printed density, each with
    # one ELSM population: the first three listed all changed the area, which was named.
    sample = tmp_path / "drsm-bfc-2019"
    shutil.copytree(SAMPLES / "drsm-bfc-2019", sample)
    (sample / "expected.yaml").unlink()
    ds = sample / "dataset.yaml"
    text = ds.read_text(encoding="utf-8")
    assert text.count('value: "47 784"') == 1
    ds.write_text(text.replace('value: "47 784"', 'value: "47 874"'), encoding="utf-8")
    proc = run_cli("validate", str(sample), "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert_valid_report(report)
    (density,) = [a for a in report["anomalies"] if a["rule"] == "population.density.ratio"]
    assert density.get("suspect") is None
    listed = {c["ref"].split("@")[0] for c in density["candidates"]}
    # honest ambiguity: both figures the tied repairs change are listed for the reviewer
    assert {"BFC|2019|territory.area_km2", "BFC|2019|population.density"} <= listed
