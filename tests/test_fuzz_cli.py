"""Fuzzing as a test: generated datasets and rule packs through the real CLI (issue 16).

Each example writes a rule pack (the shipped entity tree, five `t.*` indicators in several
units, equations drawn from the expression grammar — nesting, abs/min/max, products, globs,
prev(), Kleene connectives — plus roll-ups, bounds and agreement, with random tolerances and
selectors) and a dataset (figures printed the French way with units, qualifiers `< 1 %`,
`> 1 000`, blanks, dashes, words, YAML 1.1 look-alikes, hostile quotes and titles) in YAML and
CSV, then runs `drsmcheck validate` with every file format at once. Invariants:

- the exit code is 0, 1 or 2, never 3 and never a traceback;
- on 2, stdout is empty and stderr holds only `file[:line]: message` lines (and hints);
- on 0 / 1, report.json is strict JSON valid against report.schema.json whose counts add up,
  report.sarif is valid against the vendored SARIF 2.1.0 schema, report.md stays under
  GitHub's 65 536 characters;
- stderr carries no control character but line ends (data never drives the terminal);
- no input file changed; each example takes bounded time, the process bounded memory.

`rules check` must agree with `validate` on whether the pack is valid.

The normal suite runs 80 examples (under a minute); the scheduled workflow
`.github/workflows/fuzz.yml` runs many more: `DRSMCHECK_FUZZ_EXAMPLES=2000`.
(Verdicts equal to a reference evaluation are the differential test's job, not this one's.)
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import resource
import shutil
import subprocess
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from drsmcheck.cli import app

from support import ROOT, assert_valid_report, drsmcheck_exe

EXAMPLES = int(os.environ.get("DRSMCHECK_FUZZ_EXAMPLES", "80"))
SECONDS_PER_EXAMPLE = 60
MAX_RSS_MB = 3_000
SARIF_SCHEMA = json.loads((ROOT / "tests" / "reporters" / "schemas" / "sarif-schema-2.1.0.json")
                          .read_text(encoding="utf-8"))
SARIF = jsonschema.validators.validator_for(SARIF_SCHEMA)(SARIF_SCHEMA)
MESSAGE_LINE = re.compile(r"^(?P<file>[^\s:][^:]*?)(?::(?P<line>\d+))?: (?P<message>\S.*)$")
HINT_LINE = re.compile(r"^  hint: \S.*$")
CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")

INDICATORS = {
    "t.total": {"fr": "Total", "en": "Total", "unit": "count", "additive": True},
    "t.paper": {"fr": "Papier", "en": "Paper", "unit": "count", "additive": True},
    "t.electronic": {"fr": "Électronique", "en": "Electronic", "unit": "count", "additive": True},
    "t.share": {"fr": "Part", "en": "Share", "unit": "percent", "additive": False},
    "t.amount": {"fr": "Montant", "en": "Amount", "unit": "meur", "additive": True},
}
IDS = sorted(INDICATORS)
ENTITIES = ["OCC", "LR", "MP", "34", "11", "31", "09"]
HOSTILE = ["\n::error file=README.md,line=1::x", "::add-mask::secret", "\x1b[2J", "\x1b]0;t\x07",
           "\u202eevil", "a\r\nb", "\x00", "'\"", "donn\xe9es", "{{ x }}", "<b>x</b>", "|`*_[]"]

# --- the expression grammar ------------------------------------------------------------------

leaf = st.one_of(st.sampled_from(IDS), st.sampled_from(["0", "1", "2", "100", "0.5", "1000"]),
                 st.just("prev(t.total)"), st.just("sum(t.*)"))


def _extend(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
            lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda x: f"-{x}"),
        inner.map(lambda x: f"abs({x})"),
        st.tuples(st.sampled_from(["min", "max", "sum"]), st.lists(inner, min_size=1, max_size=3)
                  ).map(lambda t: f"{t[0]}({', '.join(t[1])})"),
    )


numeric = st.recursive(leaf, _extend, max_leaves=10)
comparison = st.tuples(numeric, st.sampled_from(["==", "!=", "<=", ">=", "<", ">"]), numeric).map(
    lambda t: f"{t[0]} {t[1]} {t[2]}")


def _connect(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
        inner.map(lambda x: f"not ({x})"),
        st.tuples(inner, inner).map(lambda t: f"(if {t[0]} then {t[1]})"),
    )


boolean = st.recursive(comparison, _connect, max_leaves=3)
# mostly valid values, the hostile ones rarely (each refusal ends the example early)
BAD_TOLERANCES = [{"absolute": float("nan")}, {"absolute": float("inf")}, {"absolute": -1},
                  {"relative": "x"}]


def _rarely(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    # the good side is what shrinking reaches (0), the bad one one draw in twelve
    return st.integers(0, 11).flatmap(lambda k: bad if k == 11 else good)


tolerance = _rarely(st.one_of(st.none(), st.none(),
                              st.fixed_dictionaries({"absolute": st.sampled_from([0, 0.5, 1])}),
                              st.fixed_dictionaries({"relative": st.sampled_from([0.001, 0.01])})),
                    st.sampled_from(BAD_TOLERANCES))
selector = _rarely(st.one_of(st.none(), st.none(), st.lists(
    st.sampled_from(["*", "OCC", "L*", "3*"]), min_size=1, max_size=2)),
    st.sampled_from([["occ"], ["OCC", "zz*"]]))
periods = _rarely(st.one_of(st.none(), st.none(), st.lists(
    st.sampled_from(["*", "2019", "201*", "2018"]), min_size=1, max_size=2)),
    st.sampled_from([["2099*"], ["S2"]]))


@st.composite
def rules(draw: st.DrawFn) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(draw(st.integers(1, 4))):
        rule: dict[str, Any] = {"id": f"f.eq{i}", "kind": "equation",
                                "severity": draw(st.sampled_from(["error", "warning", "info"])),
                                "description": {"fr": f"r{i}", "en": f"r{i}"},
                                "expr": draw(boolean)}
        for key, strat in (("tolerance", tolerance), ("entities", selector), ("periods", periods)):
            value = draw(strat)
            if value is not None:
                rule[key] = value
        out.append(rule)
    out.append({"id": "f.rollup", "kind": "rollup", "severity": "error",
                "description": {"fr": "s", "en": "s"},
                "mode": draw(st.sampled_from(["non_null", "partial_null", "always_zero"]))})
    if draw(st.booleans()):
        out.append({"id": "f.wmean", "kind": "rollup", "severity": "warning",
                    "description": {"fr": "m", "en": "m"}, "indicators": ["t.share"],
                    "method": "weighted_mean",
                    "weight": draw(_rarely(st.just("t.total"),
                                           st.sampled_from(["t.share", "t.nope", 3, -1])))})
    out.append({"id": "f.bounds", "kind": "bounds", "severity": "error",
                "description": {"fr": "b", "en": "b"}, "units": ["percent"], "min": 0,
                "max": draw(_rarely(st.sampled_from([100, 100.0]), st.just(float("nan"))))})
    out.append({"id": "f.agreement", "kind": "agreement", "severity": "error",
                "description": {"fr": "a", "en": "a"}})
    return out


# --- printed figures -------------------------------------------------------------------------

SEP = st.sampled_from(["", " ", "\u00a0", "\u202f"])


@st.composite
def printed(draw: st.DrawFn) -> Any:
    kind = draw(st.integers(0, 19))
    if kind == 0:
        return draw(st.sampled_from(["-", "/", "Neutralisé", "", "  ", "FCU", "NaN", "inf",
                                     "1e400", "12.50", "1.234", "1 23", "0x10", "010", "1:30",
                                     "∞", "+", "12,3,4", "9" * 40]))
    if kind == 1:  # unquoted YAML scalars
        return draw(st.one_of(st.integers(-10**6, 10**16), st.floats(allow_nan=True,
                                                                      allow_infinity=True),
                              st.booleans(), st.none()))
    digits = draw(st.integers(0, 10**7))
    sep = draw(SEP)
    text = f"{digits:,}".replace(",", sep) if sep else str(digits)
    if draw(st.booleans()):
        text += "," + str(draw(st.integers(0, 99))).zfill(draw(st.integers(1, 2)))
    if draw(st.integers(0, 4)) == 0:
        text = draw(st.sampled_from(["-", "\u2212"])) + text
    text += draw(st.sampled_from(["", "", " %", "%", "\u00a0%", " €", " M€", " k€", " millions"]))
    if draw(st.integers(0, 5)) == 0:
        text = draw(st.sampled_from(["< ", "> ", "≤ ", "<"])) + text
    return text


def _quote(draw: st.DrawFn) -> str:
    return "avis " + "".join(draw(st.lists(st.sampled_from(HOSTILE), max_size=2)))


@st.composite
def datasets(draw: st.DrawFn) -> tuple[dict[str, Any], str | None]:
    period = draw(_rarely(st.sampled_from(["2019", "2019", "2018", "2019-S2"]),
                          st.sampled_from(["2019\n", "19", " 2019"])))
    figures = []
    for i in range(draw(st.integers(0, 6))):
        fig: dict[str, Any] = {"indicator": draw(_rarely(st.sampled_from(IDS), st.just(
                                   "t.unknown")) if i == 0 else st.sampled_from(IDS)),
                               "value": draw(printed()), "line": i + 3, "quote": _quote(draw)}
        if draw(st.integers(0, 3)) == 0:
            fig["entity"] = draw(_rarely(st.sampled_from(ENTITIES), st.sampled_from(["occ", " OCC"])))
        if draw(st.integers(0, 5)) == 0:
            fig["period"] = draw(st.sampled_from(["2018", "2020"]))
        figures.append(fig)
    columns = draw(st.lists(st.sampled_from(ENTITIES), min_size=1, max_size=4, unique=True))
    rows = [{"indicator": ind, "label": ind, "line": 20 + j,
             "values": [draw(printed()) for _ in columns]}
            for j, ind in enumerate(draw(st.lists(st.sampled_from(IDS), min_size=1, max_size=5,
                                                  unique=True)))]
    doc = {"dataset": {"id": "fuzz", "title": "Titre " + _quote(draw), "entity": "OCC",
                       "period": period},
           "figures": figures,
           "tables": [{"id": "t1", "title": "T", "line": 19,
                       "columns": [{"entity": e, "label": e} for e in columns], "rows": rows}]}
    csv = None
    if draw(st.booleans()):
        lines = ["indicator,entity,value,line,quote,table"]
        for k in range(draw(st.integers(1, 3))):
            value = str(draw(printed()))
            quote = _quote(draw)
            lines.append(",".join([draw(st.sampled_from(IDS)), draw(st.sampled_from(ENTITIES)),
                                   '"' + value.replace('"', '""') + '"', str(40 + k),
                                   '"' + quote.replace('"', '""') + '"', "t9"]))
        csv = "\n".join(lines) + "\n"
    return doc, csv


# --- running ---------------------------------------------------------------------------------

class _NoAliases(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _dump(value: Any) -> str:
    return yaml.dump(value, Dumper=_NoAliases, allow_unicode=True, sort_keys=False, width=10_000)


def _write_pack(root: Path, rule_list: list[dict[str, Any]]) -> None:
    (root / "reference" / "indicators").mkdir(parents=True)
    (root / "checks").mkdir()
    shutil.copyfile(ROOT / "rules" / "reference" / "entities.yaml",
                    root / "reference" / "entities.yaml")
    (root / "reference" / "indicators" / "t.yaml").write_text(
        _dump({"indicators": INDICATORS}), encoding="utf-8")
    (root / "checks" / "fuzz.yaml").write_text(
        _dump({"rules": rule_list}), encoding="utf-8")
    # the generated pack stands alone (not layered over the shipped one)
    (root / "pack.yaml").write_text("extend: false\n", encoding="utf-8")


def _hashes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _strict_json(text: str) -> Any:
    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON token {token}")
    return json.loads(text, parse_constant=refuse)


def _check_refusal(stdout: str, stderr: str) -> None:
    assert stdout == "", "nothing on stdout when the input is refused"
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert lines, "a refusal must say why"
    for line in lines:
        assert HINT_LINE.match(line) or MESSAGE_LINE.match(line) or line.startswith(
            ("baseline ",)), f"not a 'file:line: message' line: {line!r}"


def _check_outputs(out: Path) -> None:
    report = _strict_json((out / "report.json").read_text(encoding="utf-8"))
    assert_valid_report(report, "report.json")
    assert report["summary"]["anomalies"] == len(report["anomalies"])
    for r in report["rules"]:
        assert r["kind"] == "objective" or r["items"] == r["passes"] + r["fails"] + r[
            "not_evaluable"], r
    SARIF.validate(_strict_json((out / "report.sarif").read_text(encoding="utf-8")))
    assert len((out / "report.md").read_text(encoding="utf-8")) < 65_536
    assert (out / "report.html").stat().st_size > 0


def _first_message(stderr: str) -> str:
    """What kind of refusal (for `--hypothesis-show-statistics`), without the details."""
    m = MESSAGE_LINE.match(stderr.splitlines()[0]) if stderr.strip() else None
    return re.sub(r"'[^']*'|\d+", "…", m.group("message"))[:60] if m else "?"


def _invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args)
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (
        f"the CLI raised {type(exc).__name__}: {exc} (exit 3 for a user)")
    return result.exit_code, result.stdout, result.stderr


@settings(max_examples=EXAMPLES, deadline=timedelta(seconds=SECONDS_PER_EXAMPLE),
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
          derandomize=os.environ.get("DRSMCHECK_FUZZ_RANDOM") is None)
@given(rule_list=rules(), data=datasets())
def test_the_cli_never_crashes_never_lies_never_touches_inputs(
        rule_list: list[dict[str, Any]], data: tuple[dict[str, Any], str | None]) -> None:
    doc, csv = data
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        _write_pack(work / "pack", rule_list)
        (work / "data").mkdir()
        (work / "data" / "dataset.yaml").write_text(
            _dump(doc), encoding="utf-8")
        if csv is not None:
            (work / "data" / "more.csv").write_text(csv, encoding="utf-8")
        before = _hashes(work)
        cwd = os.getcwd()
        os.chdir(work)
        try:
            lint, _, lint_err = _invoke(["rules", "check", "pack"])
            start = time.perf_counter()
            code, stdout, stderr = _invoke(["validate", "data", "--rules", "pack", "--format",
                                            "json,sarif,markdown,html,junit",
                                            "--output-dir", "out", "--lang", "en"])
            seconds = time.perf_counter() - start
        finally:
            os.chdir(cwd)
        event(f"exit {code}" + (f": {_first_message(stderr)}" if code == 2 else ""))
        assert code in (0, 1, 2), f"exit {code}\n{stderr}"
        assert "Traceback" not in stdout + stderr and "internal error" not in stderr
        assert not CONTROL.search(stderr + lint_err), repr(stderr)
        assert lint in (0, 2)
        if lint == 2:
            assert code == 2, "rules check refused the pack but validate ran it"
        if code == 2:
            _check_refusal(stdout, stderr)
            assert not (work / "out").exists(), "outputs written although the run was refused"
        else:
            _check_outputs(work / "out")
        after = _hashes(work)
        assert {k: v for k, v in after.items() if not k.startswith("out/")} == before
        assert seconds < SECONDS_PER_EXAMPLE
        assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 < MAX_RSS_MB


def test_found_pivot_on_absent_indicators(tmp_path: Path) -> None:
    """Found by this suite on the DuckDB engine (exit 3, DuckDB refused the PIVOT view): an
    equation of prev() only, its indicator absent, on a dataset whose only figure is
    non-numeric. Kept as a regression test through the console script."""
    rule_list = [{"id": "f.eq0", "kind": "equation", "severity": "error",
                  "description": {"fr": "r", "en": "r"}, "expr": "prev(t.total) == prev(t.total)"},
                 {"id": "f.rollup", "kind": "rollup", "severity": "error",
                  "description": {"fr": "s", "en": "s"}},
                 {"id": "f.bounds", "kind": "bounds", "severity": "error",
                  "description": {"fr": "b", "en": "b"}, "units": ["percent"], "min": 0,
                  "max": 100}]
    doc = {"dataset": {"id": "fuzz", "title": "T", "entity": "OCC", "period": "2019"}, "figures": [],
           "tables": [{"id": "t1", "title": "T", "line": 19,
                       "columns": [{"entity": "OCC", "label": "OCC"}],
                       "rows": [{"indicator": "t.amount", "label": "a", "line": 20,
                                 "values": ["-"]}]}]}
    _write_pack(tmp_path / "pack", rule_list)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dataset.yaml").write_text(_dump(doc), encoding="utf-8")
    # a fresh process: in-process, an earlier run's state can hide the bug
    proc = subprocess.run([drsmcheck_exe(), "validate", "data", "--rules", "pack", "--format",
                           "json"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode == 0  # only the non_numeric warning, below --fail-on error


def test_the_long_fuzz_is_scheduled() -> None:
    """The nightly workflow runs this suite with many more examples and a fresh seed."""
    flow = yaml.safe_load((ROOT / ".github" / "workflows" / "fuzz.yml").read_text(encoding="utf-8"))
    triggers = flow.get(True, flow.get("on"))  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"]
    step = flow["jobs"]["fuzz"]["steps"][-1]
    assert "tests/test_fuzz_cli.py" in step["run"]
    assert int(step["env"]["DRSMCHECK_FUZZ_EXAMPLES"].split("'")[1]) >= 1000
    assert step["env"]["DRSMCHECK_FUZZ_RANDOM"] == "1"


def test_found_constant_over_a_zero_divisor(tmp_path: Path) -> None:
    rule_list = [{"id": "f.eq0", "kind": "equation", "severity": "error",
                  "description": {"fr": "r", "en": "r"}, "expr": "t.total == 1 / t.paper"}]
    doc = {"dataset": {"id": "fuzz", "title": "T", "entity": "OCC", "period": "2019"},
           "figures": [{"indicator": "t.total", "value": "5", "line": 3, "quote": "5 avis"},
                       {"indicator": "t.paper", "value": "0", "line": 4, "quote": "0 avis"}]}
    _write_pack(tmp_path / "pack", rule_list)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dataset.yaml").write_text(_dump(doc), encoding="utf-8")
    proc = subprocess.run([drsmcheck_exe(), "validate", "data", "--rules", "pack", "--format",
                           "json"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert "internal error" not in proc.stderr and "erreur interne" not in proc.stderr, proc.stderr
    assert proc.returncode == 1  # the division by zero is reported (category missing)
    assert [a["category"] for a in json.loads(proc.stdout)["anomalies"]] == ["missing"]
