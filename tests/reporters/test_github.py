"""GitHub workflow commands: escaping per the runner's rules, file:line of the suspect figure."""

from __future__ import annotations

import copy
import random
import re
from typing import Any

from drsmcheck.baseline import Baseline, BaselineEntry, apply_baseline
from drsmcheck.reporters.github import command, escape_data, escape_property, render_github

COMMAND_RE = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _unescape(text: str, prop: bool) -> str:
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%")


def parse(line: str) -> tuple[str, dict[str, str], str]:
    """Parse one command the way the runner does (properties split on ',', then '=')."""
    m = COMMAND_RE.match(line)
    assert m, line
    props = {}
    for item in (m.group(2) or "").split(","):
        if item:
            key, _, value = item.partition("=")
            props[key] = _unescape(value, True)
    return m.group(1), props, _unescape(m.group(3), False)


def test_escaping_rules() -> None:
    assert escape_data("50 %\r\nnext: a, b") == "50 %25%0D%0Anext: a, b"
    assert escape_property("a:b,c%\r\n") == "a%3Ab%2Cc%25%0D%0A"
    assert escape_property("%3A") == "%253A"  # already-escaped text stays literal
    line = command("error", "x", file="a,b:c.yaml", line=3, title=None)
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3::x"


def test_annotations(report: dict[str, Any]) -> None:
    lines = render_github(report).splitlines()
    commands = [parse(line) for line in lines if line.startswith("::")]
    assert len(commands) == len(report["anomalies"])
    assert [c[0] for c in commands].count("error") == 4
    assert [c[0] for c in commands].count("warning") == 1
    assert [c[0] for c in commands].count("notice") == 4
    occ = next(c for c in commands if "ed536e1427baf7d5" in c[2])
    assert occ[0] == "error"
    assert occ[1]["file"] == "samples/drsm-occitanie-2019/dataset.yaml"
    assert occ[1]["line"] == "41"
    assert occ[1]["title"] == "drsmcheck agreement · OCC 2019 · ald.admission.total"
    assert "162 062 ≠ 162 051, écart 11" in occ[2]
    assert "162 062 (000_36bfcaf3c454a709.txt l.871) → valeur suggérée 162\u202f051" in occ[2]
    assert lines[-1].startswith("drsmcheck : 9 anomalie(s) — 4 erreur(s)")


def test_hostile_strings_cannot_break_or_inject_commands(hostile_report: dict[str, Any]) -> None:
    a = hostile_report["anomalies"][0]
    a["message"]["fr"] = "ligne 1\n::error file=evil.yaml::injecté\r\n100 %0A"
    a["entity"] = "E,line=999:x"
    for f in a["figures"]:
        f["source"]["file"] = "samples/a,b:c/data.yaml"
    text = render_github(hostile_report)
    lines = text.splitlines()
    assert not any(line.startswith("::error file=evil") for line in lines)
    kind, props, message = parse(lines[0])
    assert props["file"] == "samples/a,b:c/data.yaml"
    assert props["title"].startswith("drsmcheck ") and "E,line=999:x" in props["title"]
    assert "line" in props and props["line"] != "999"
    assert message.startswith("ligne 1\n::error file=evil.yaml::injecté\r\n100 %0A")


def test_workspace_relative_paths(report: dict[str, Any]) -> None:
    for a in report["anomalies"]:
        for f in a["figures"]:
            f["source"]["file"] = "/home/runner/work/repo/repo/" + f["source"]["file"]
    text = render_github(report, workspace="/home/runner/work/repo/repo")
    assert "file=samples/drsm-occitanie-2019/dataset.yaml,line=41" in text


def test_baseline(report: dict[str, Any]) -> None:
    baseline = Baseline("drsmcheck-baseline.yaml", {
        "ed536e1427baf7d5": BaselineEntry("ed536e1427baf7d5", "ok", 9,
                                          dataset="drsm-occitanie-2019"),
        "ffffffffffffffff": BaselineEntry("ffffffffffffffff", "fixed", 15, rule="rollup.sum",
                                          dataset="drsm-occitanie-2019", entity="OCC"),
    })
    text = render_github(apply_baseline(report, baseline), "en")
    assert "ed536e1427baf7d5" not in text
    stale = [parse(line) for line in text.splitlines() if "ffffffffffffffff" in line]
    assert len(stale) == 1
    kind, props, message = stale[0]
    assert kind == "warning" and props == {"file": "drsmcheck-baseline.yaml", "line": "15",
                                           "title": "drsmcheck baseline: stale entry"}
    assert "no longer occurs" in message
    assert text.splitlines()[-1].endswith("baseline drsmcheck-baseline.yaml: 1 accepted, 1 stale")


def test_deterministic(report: dict[str, Any]) -> None:
    first = render_github(report)
    shuffled = copy.deepcopy(report)
    random.Random(5).shuffle(shuffled["anomalies"])
    assert render_github(shuffled) == first == render_github(report)


def test_a_national_run_is_capped_errors_first(report: dict[str, Any], monkeypatch: Any) -> None:
    """Beyond MAX_ANNOTATIONS, the most severe are annotated and one notice counts the rest."""
    import drsmcheck.reporters.github as gh

    monkeypatch.setattr(gh, "MAX_ANNOTATIONS", 5)
    lines = render_github(report).splitlines()
    commands = [parse(line) for line in lines if line.startswith("::")]
    kinds = [c[0] for c in commands]
    assert kinds[:5].count("error") == 4 and kinds[:5].count("warning") == 1
    assert kinds[5:] == ["notice"]
    assert commands[5][2].startswith("4 autre(s) anomalie(s) non annotée(s) (au plus 5")
    assert lines[-1].startswith("drsmcheck : 9 anomalie(s) — 4 erreur(s)")   # all counted
