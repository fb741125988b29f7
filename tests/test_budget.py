"""The localization budget: a first dataset larger than the budget is localized in part —
whole groups of violated relations, each answered as the whole dataset's localization answers
it — and the report says how many anomalies were left without a diagnosis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_chunks import _bench, _json

from drsmcheck import budget
from drsmcheck.pack import load_pack
from drsmcheck.report import validate
from drsmcheck.reporters.console import render as render_console

from support import ROOT, assert_valid_report

OCCITANIE = ROOT / "samples" / "drsm-occitanie-2019"


def _key(a: dict) -> tuple:
    return a["dataset"], a["rule"], a["entity"], a["period"], a["subject"] or "", a["category"], \
        a["message"]["fr"]


def _diagnosed(a: dict) -> bool:
    return bool(a["suspect"] or a.get("candidates"))


def test_a_first_dataset_over_the_budget_is_localized_in_part(
        monkeypatch: pytest.MonkeyPatch) -> None:
    pack = load_pack(None)
    whole = validate([OCCITANIE], pack)
    assert "partly_localized" not in whole["summary"] and "not_localized" not in whole["summary"]
    monkeypatch.setattr(budget, "LOCALIZE_BUDGET", 40)   # Occitanie prints 648 figures
    part = validate([OCCITANIE], pack)
    assert_valid_report(part, "partly localized report")
    full = {_key(a): a for a in whole["anomalies"]}
    mine = {_key(a): a for a in part["anomalies"]}
    assert mine.keys() == full.keys()   # the anomalies are the engine's: the same
    diagnosed = [k for k, a in mine.items() if _diagnosed(a)]
    left = [k for k, a in mine.items() if not _diagnosed(a) and _diagnosed(full[k])]
    assert diagnosed and left
    # every answer given is the whole dataset's answer (a group is never cut)
    assert all(mine[k] == full[k] for k in diagnosed)
    [entry] = part["summary"]["partly_localized"]
    assert entry["dataset"] == "drsm-occitanie-2019"
    assert entry["anomalies"] == len(left) == 1
    assert "not_localized" not in part["summary"]
    line = render_console(part, lang="fr", limit=0).splitlines()[-1]
    assert line == ("diagnostic partiel (budget de localisation atteint) : drsm-occitanie-2019, "
                    "1 anomalie sans diagnostic")


def test_a_larger_budget_localizes_more_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    pack = load_pack(None)
    named = []
    for size in (20, 40, 10_000):
        monkeypatch.setattr(budget, "LOCALIZE_BUDGET", size)
        report = validate([OCCITANIE], pack)
        named.append(sum(_diagnosed(a) for a in report["anomalies"]))
        left = report["summary"].get("partly_localized")
        assert (left is None) == (size == 10_000)
    assert named[0] < named[1] < named[2]


@pytest.fixture(scope="module")
def national(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("national-budget") / "n"
    _bench("national").generate(root, 20_000, formats=("parquet",))
    return root


def test_partly_localized_is_the_same_serial_chunked_and_parallel(
        national: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first dataset with anomalies is cut inside, the next ones are skipped: one-shot,
    chunked and parallel runs give the same bytes."""
    monkeypatch.setattr(budget, "LOCALIZE_BUDGET", 400)
    pack = load_pack(national / "rules", defaults=False)
    paths = [national / "parquet"]
    one = validate(paths, pack, chunk_figures=0)
    chunked = validate(paths, pack, chunk_figures=3_000, jobs=1)
    par = validate(paths, pack, chunk_figures=3_000, jobs=2, spool=True)
    assert _json(one) == _json(chunked) == _json(par)
    s = json.loads(_json(one))["summary"]
    [entry] = s["partly_localized"]
    first = min(a["dataset"] for a in one["anomalies"])
    assert entry["dataset"] == first and entry["anomalies"] > 0
    assert first not in s["not_localized"] and s["not_localized"]
