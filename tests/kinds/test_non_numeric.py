"""A cell with no number: a table convention is `not_available` info (with what it means),
letters where a figure belongs are a `garbled` error (a number was lost) — through the CLI."""

from __future__ import annotations

import json

from packs import make_dataset, make_pack
from support import run_cli

CHECKS = """
rules:
  - {id: parts, kind: equation, severity: error, description: {fr: d, en: d},
     expr: "t.a + t.b == t.total"}
"""


def _run(tmp_path, a: str, lang: str = "en"):
    pack = make_pack(tmp_path, CHECKS)
    make_dataset(tmp_path, f"""
        figures:
          - {{indicator: t.a, value: "{a}", line: 7, quote: q}}
          - {{indicator: t.b, value: "2", line: 7, quote: q}}
          - {{indicator: t.total, value: "5", line: 7, quote: q}}
        """)
    done = run_cli("validate", "ds", "--rules", str(pack), "--format", "json", "--lang", lang,
                   cwd=tmp_path)
    (nn,) = [x for x in json.loads(done.stdout)["anomalies"] if x["rule"] == "non_numeric"]
    return done.returncode, nn


def test_a_marker_is_not_available_info_with_its_meaning(tmp_path) -> None:
    code, nn = _run(tmp_path, "NC")
    assert (nn["category"], nn["severity"]) == ("not_available", "info")
    assert nn["relation"]["en"] == "“NC” (not communicated): no figure given, not checked"
    assert "non communiqué" in nn["relation"]["fr"]
    assert code == 0   # nothing was lost: below --fail-on error


def test_initials_in_a_numeric_cell_are_a_garbled_error(tmp_path) -> None:
    code, nn = _run(tmp_path, "FCU")
    assert (nn["category"], nn["severity"]) == ("garbled", "error")
    assert nn["relation"]["en"] == "“FCU”: initials where a number belongs, the figure was lost"
    src = nn["figures"][0]["source"]
    assert (src["file"], src["line"], src["report_line"]) == ("ds/dataset.yaml", 3, 7)
    assert code == 1   # a lost figure fails the gate
