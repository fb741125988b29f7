"""Outputs any strict consumer accepts: no Infinity/NaN tokens, no unencodable text, bounded
Markdown — whatever the report holds (unbounded figures, Latin-1 file names, huge reports)."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from drsmcheck.outputs import FILE_NAMES, render, write_outputs
from drsmcheck.reporters.markdown import code

from support import assert_valid_report

SCHEMA = Path(__file__).resolve().parent / "schemas" / "sarif-schema-2.1.0.json"
LATIN1_NAME = "samples/donn\udce9es.yaml"  # b"donn\xe9es.yaml" as the OS hands it to Python


def strict_loads(text: str) -> Any:
    def refuse(token: str) -> None:
        raise ValueError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def unbounded(report: dict[str, Any]) -> dict[str, Any]:
    """The sample with `"> 1 000"`-style bounds: +inf / -inf / NaN where numbers go."""
    r = copy.deepcopy(report)
    a = r["anomalies"][0]
    a["lhs"] = {"lo": 1000, "hi": math.inf}
    a["rhs"] = {"lo": -math.inf, "hi": 5}
    a["difference"] = math.inf
    a["figures"][0].update(text="> 1 000", lo=1000, hi=math.inf, value=1000)
    r["anomalies"][1]["difference"] = math.nan
    return r


def test_json_and_sarif_are_strict_with_unbounded_values(report: dict[str, Any]) -> None:
    r = unbounded(report)
    data = strict_loads(render(r, "json", "fr"))
    a = next(x for x in data["anomalies"] if x["id"] == r["anomalies"][0]["id"])
    assert a["lhs"] == {"lo": 1000, "hi": None} and a["rhs"] == {"lo": None, "hi": 5}
    assert a["difference"] is None and a["figures"][0]["hi"] is None
    b = next(x for x in data["anomalies"] if x["id"] == r["anomalies"][1]["id"])
    assert b["difference"] is None
    assert_valid_report(data, "the JSON report with unbounded values")
    sarif = strict_loads(render(r, "sarif", "en"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.validators.validator_for(schema)(schema).validate(sarif)


def test_a_latin1_file_name_reaches_every_format(report: dict[str, Any], tmp_path: Path) -> None:
    r = copy.deepcopy(report)
    for a in r["anomalies"]:
        for f in a["figures"]:
            f["source"]["file"] = LATIN1_NAME
    r["datasets"][0]["path"] = "samples/donn\udce9es"
    import io
    out = io.StringIO()
    write_outputs(r, ["json", "html", "junit", "sarif", "markdown", "github"], None,
                  tmp_path, "fr", stdout=out)
    assert "donn\\xe9es.yaml" in out.getvalue()  # github annotations on stdout
    for fmt in ("json", "html", "junit", "sarif", "markdown"):
        text = (tmp_path / FILE_NAMES[fmt]).read_bytes().decode("utf-8")  # valid UTF-8
        if fmt == "junit":
            continue  # names no file
        assert "donn\\xe9es" in text.replace("\\\\", "\\") or "donn%E9es" in text, fmt
    data = strict_loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert data["anomalies"][0]["figures"][0]["source"]["file"] == "samples/donn\\xe9es.yaml"
    sarif = strict_loads((tmp_path / "report.sarif").read_text(encoding="utf-8"))
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for res in sarif["runs"][0]["results"] for loc in res.get("locations", ())}
    assert uris == {"samples/donn%E9es.yaml"}


def _huge(report: dict[str, Any], anomalies: int, rules: int) -> dict[str, Any]:
    r = copy.deepcopy(report)
    base = r["anomalies"][0]
    r["anomalies"] = []
    for i in range(anomalies):
        a = copy.deepcopy(base)
        a["id"] = f"{i:016x}"
        a["rule"] = f"rule.{i % rules}"
        a["figures"][0]["source"]["quote"] = "q" * 5_000
        r["anomalies"].append(a)
    r["rules"] = [{"rule": f"rule.{i}", "kind": "equation", "severity": "error",
                   "description": {"fr": "d" * 200, "en": "d" * 200}, "items": 1, "passes": 0,
                   "fails": 1, "not_evaluable": 0} for i in range(rules)]
    r["datasets"] = r["datasets"] * 300
    return r


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_markdown_stays_under_githubs_limit_and_says_so(report: dict[str, Any], lang: str) -> None:
    text = render(_huge(report, 3_000, 2_000), "markdown", lang)
    assert len(text) < 65_536
    assert text.count("<details>") == text.count("</details>")
    assert ("anomalie(s) détaillée(s) sur 3000" if lang == "fr"
            else "of 3000 anomaly(ies) detailed") in text
    assert ("… 1900 autre(s) ligne(s)" if lang == "fr" else "… 1900 more row(s)") in text


def test_markdown_code_spans_escape_cr() -> None:
    assert code("a\r\nb\rc") == "`a  b c`"
    assert "\r" not in render({"anomalies": [], "datasets": [{"id": "x\r::error::y"}]},
                              "markdown", "en")


def test_markdown_cap_is_the_last_guard(report: dict[str, Any]) -> None:
    """Even when the head alone is too long (every cell at its clip length), the text is cut."""
    from drsmcheck.reporters import markdown

    r = _huge(report, 100, 100)
    for a in r["anomalies"]:
        a["relation"] = {"fr": "r" * 2_000, "en": "r" * 2_000}
        a["entity"] = "e" * 2_000
    text = markdown.render_markdown(r, "en")
    assert len(text) < 65_536 and "Report cut at" in text and "(100 anomaly(ies) in all)" in text


def test_a_latin1_file_name_through_the_cli(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess

    from support import ROOT, drsmcheck_exe

    corpus = ROOT / "tests" / "bad_inputs"
    (tmp_path / "pack" / "reference").mkdir(parents=True)
    shutil.copyfile(ROOT / "rules" / "reference" / "entities.yaml",
                    tmp_path / "pack" / "reference" / "entities.yaml")
    shutil.copytree(corpus / "_pack", tmp_path / "pack", dirs_exist_ok=True)
    shutil.copytree(corpus / "ok_reference" / "data", tmp_path / "data")
    with open(os.path.join(os.fsencode(tmp_path), b"data", b"donn\xe9es.csv"), "w",
              encoding="utf-8") as fh:
        fh.write("indicator,entity,value,line,quote,table\nt.total,OCC,101,3,q,t9\n")
    proc = subprocess.run([drsmcheck_exe(), "validate", "data", "--rules", "pack", "--format",
                           "json"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    files = {f["source"]["file"] for a in strict_loads(proc.stdout)["anomalies"]
             for f in a["figures"]}
    assert "data/donn\\xe9es.csv" in files
