"""The suggested value of a suspect carries the precision the relations pin, not the print's."""

from __future__ import annotations

import json

import pytest

from drsmcheck.localize.causes import Cause, shortest_in, suggestion
from drsmcheck.localize.priors import best_fit
from tests.support import run_cli


@pytest.fixture(scope="module")
def alsace() -> list[dict]:
    proc = run_cli("validate", "samples/drsm-alsace-moselle-2018", "--format", "json")
    assert proc.returncode == 1, proc.stderr
    return json.loads(proc.stdout)["anomalies"]


def test_text_111_percent_against_the_table_is_repaired_to_113_6(alsace):
    # l.919 « soit 111 % d'atteinte » vs the table's « 113,6 % » (l.335): the agreement pins
    # [113,55 ; 113,65]; the slip "113 typed 111" explains the print, the value is 113,6
    (a,) = [a for a in alsace if a["rule"] == "agreement" and a["entity"] == "68"
            and a["subject"] == "cpg.prado_enrolments.attainment"]
    assert a["suspect"]["suggested"] == 113.6
    assert a["suspect"]["reason"]["fr"].startswith("avec 113,6, ")
    assert a["suspect"]["cause"] == "typo (digit)"


def test_a_slip_inside_the_range_is_suggested_as_is():
    typo = best_fit("2 116", 211, 211, integer=True)
    assert typo is not None and typo.value == 211
    cause = Cause(typo.cause, {}, typo=typo)
    assert suggestion(cause, 211, 211, 999) == 211
    # no slip: the localization's own value
    assert suggestion(Cause("unexplained", {}), 10, 12, 11.0) == 11.0


@pytest.mark.parametrize(("lo", "hi", "dec", "want"), [
    (113.55, 113.65, 0, 113.6), (1799.5, 1800.5, 0, 1800), (0.0415, 0.0425, 0, 0.042),
    (12.0, 12.0, 2, 12.0)])
def test_shortest_in(lo, hi, dec, want):
    assert shortest_in(lo, hi, dec) == want
