"""report.json and report.jsonl as a user gets them: streamed to the file, the indented head's
bytes as ever, one compact orjson line an anomaly (the same values, floats exact), strict, and
JSON Lines (a head line, then one anomaly a line) through the real CLI."""

from __future__ import annotations

import dataclasses
import datetime
import io
import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drsmcheck import parallel
from drsmcheck.chunks import Spool
from drsmcheck.reporters.json import encode_item, render, render_lines, strict, write, write_lines

from support import SAMPLES, assert_valid_lines, assert_valid_report, run_cli


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    """`drsmcheck validate samples --format json,jsonl --output-dir D`: (report, jsonl text)."""
    out = tmp_path_factory.mktemp("jsonl")
    done = run_cli("validate", str(SAMPLES), "--format", "json,jsonl", "--output-dir", str(out),
                   "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    assert "report.jsonl" in done.stderr  # named like every written file
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    return report, (out / "report.jsonl").read_text(encoding="utf-8")


def test_jsonl_head_then_one_anomaly_a_line(both: tuple[dict[str, Any], str]) -> None:
    report, text = both
    lines = assert_valid_lines(text)
    head, anomalies = lines[0], lines[1:]
    assert head == {k: v for k, v in report.items() if k != "anomalies"}
    assert anomalies == report["anomalies"]  # the same objects, in the report's order
    assert len(anomalies) == report["summary"]["anomalies"] > 100
    # one compact line each: greppable, `jq -c`, `wc -l`
    assert all("\n" not in line and ": " not in line[:40] for line in text.splitlines())


def test_jsonl_to_stdout_and_to_one_file(tmp_path: Path) -> None:
    sample = SAMPLES / "cpam-somme-2022"
    piped = run_cli("validate", str(sample), "--format", "jsonl")
    assert piped.returncode == 1
    lines = assert_valid_lines(piped.stdout, "stdout")
    assert len(lines) == 3 and {a["dataset"] for a in lines[1:]} == {"cpam-somme-2022"}
    target = tmp_path / "out.jsonl"
    done = run_cli("validate", str(sample), "--format", "jsonl", "--output", str(target))
    assert done.returncode == 1
    assert target.read_text(encoding="utf-8") == piped.stdout


def test_json_file_is_the_rendered_text(both: tuple[dict[str, Any], str]) -> None:
    """Streaming does not change a byte: the file is what `render` returns (indented head,
    one anomaly a line), and it follows the schema."""
    report, _ = both
    text = render(report)
    assert_valid_report(json.loads(text))
    assert text.startswith('{\n  "anomalies": [\n    {"candidates":[')
    one_line = [line for line in text.splitlines() if line.startswith('    {"candidates":')]
    assert [json.loads(line.rstrip(",")) for line in one_line] == report["anomalies"]
    buf = io.BytesIO()
    write(report, buf)
    assert buf.getvalue().decode("utf-8") == text
    assert json.loads(text) == report


class Recorder(io.BytesIO):
    """A file that remembers the size of every write."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, data: Any) -> int:
        self.sizes.append(len(data))
        return super().write(data)


def _many(report: dict[str, Any], n: int) -> dict[str, Any]:
    items = [dict(a, id=f"{i:016x}") for i in range(n) for a in report["anomalies"][:1]]
    return {**report, "anomalies": items,
            "summary": {**report["summary"], "anomalies": len(items)}}


@pytest.mark.parametrize("writer", [write, write_lines], ids=["json", "jsonl"])
def test_written_in_pieces_never_as_one_text(writer: Any, both: tuple[dict[str, Any], str]
                                             ) -> None:
    """5 000 anomalies: no write holds more than a batch of them (memory stays bounded by
    the batch, not by the report)."""
    report = _many(both[0], 5000)
    out = Recorder()
    writer(report, out)
    total = len(out.getvalue())
    assert max(out.sizes) < total / 5, (max(out.sizes), total)
    assert len(out.sizes) >= 10


def test_non_strict_values_are_made_strict_item_by_item(both: tuple[dict[str, Any], str]
                                                        ) -> None:
    report = _many(both[0], 3)
    bad = json.loads(json.dumps(report))
    bad["anomalies"][1]["difference"] = float("nan")
    bad["anomalies"][1]["figures"][0]["source"]["file"] = "donn\udce9es.yaml"
    text = render(bad)
    back = json.loads(text)
    assert back["anomalies"][1]["difference"] is None
    assert back["anomalies"][1]["figures"][0]["source"]["file"] == "donn\\xe9es.yaml"
    assert back["anomalies"][0] == report["anomalies"][0]
    lines = render_lines(bad).splitlines()
    assert json.loads(lines[2])["difference"] is None and "NaN" not in lines[2]
    assert len(lines) == 4


# -- the fast writers give the standard library's bytes (head) and values (item lines) ----------
_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
            | st.just("lat\udce9n"))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=6), inner, max_size=4), max_leaves=25)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def _exact(value: Any) -> Any:
    """A JSON value compared exactly: key order, the type of each scalar (True is not 1) and
    each float's repr (-0.0 is not 0.0)."""
    if isinstance(value, dict):
        return [(k, _exact(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_exact(v) for v in value]
    return type(value).__name__, repr(value)


def _reference(report: dict[str, Any]) -> bytes:
    """What `write` produced before its fast paths: each top-level value by json.dumps
    (indented, or one compact C-encoded item a line for the long lists)."""
    parts = []
    for key in sorted(report):
        value = report[key]
        if key in ("anomalies", "verdicts") and isinstance(value, list) and value:
            items = ",\n".join("    " + json.dumps(strict(v), ensure_ascii=False, sort_keys=True,
                                                   allow_nan=False, separators=(",", ":"))
                               for v in value)
            text = "[\n" + items + "\n  ]"
        else:
            text = json.dumps(strict(value), ensure_ascii=False, indent=2, sort_keys=True,
                              allow_nan=False).replace("\n", "\n  ")
        parts.append("  " + json.dumps(key) + ": " + text)
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8", "surrogateescape")


def assert_same_report(written: bytes, reference: bytes) -> None:
    """The head byte for byte; each item line compact and the same JSON value, exactly."""
    ours, theirs = written.split(b"\n"), reference.split(b"\n")
    assert len(ours) == len(theirs)
    items = False
    for mine, ref in zip(ours, theirs, strict=True):
        if items and mine.startswith(b"    {"):
            line = mine.decode("utf-8")
            assert _exact(json.loads(line.rstrip(","))) == _exact(
                json.loads(ref.decode("utf-8").rstrip(",")))
            assert line.startswith("    ") and not re.search(r"\s", _STRING.sub("", line[4:]))
        else:
            assert mine == ref
            items = mine == b'  "anomalies": ['


@given(head=_values, figures=st.lists(st.dictionaries(st.sampled_from(["ref", "value", "label"]),
                                                      _values), max_size=4),
       rest=st.dictionaries(st.sampled_from(["candidates", "category", "id", "zeta"]), _values))
@settings(max_examples=300, deadline=None)
def test_fast_writer_same_bytes_as_json_dumps(head: Any, figures: list[dict[str, Any]],
                                              rest: dict[str, Any]) -> None:
    """Indented parts written without the pure-Python encoder: byte for byte what json.dumps
    writes; items by orjson: the values json.dumps writes; NaN, lone surrogates and integers
    beyond 64 bits included (they go through `strict`)."""
    shared = figures[:1]  # one dict object shown by two anomalies, as report.FigureDicts does
    anomalies = [{**rest, "figures": figures}, {"figures": shared + figures, "id": "b"}]
    report = {"summary": head, "anomalies": anomalies, "rules": [head, {"x": head}]}
    buf = io.BytesIO()
    write(report, buf)
    assert_same_report(buf.getvalue(), _reference(report))


# -- item lines: orjson, falling back to `strict` --------------------------------------------------
AWKWARD = [1e-7, 0.1 + 0.2, 1e16, 5e-324, -0.0, 1e-5, 1e15, 123456789.123456789,
           1.7976931348623157e308, 2.2250738585072014e-308, -1.5e-300, 100.0, 0.5]


def test_awkward_floats_round_trip_exactly(tmp_path: Path) -> None:
    """report.json, report.jsonl, the spool (this process's and a worker's) read back the
    very floats: same repr, sign of zero included."""
    items = [{"id": f"{i}", "lo": -x, "more": [x, {"x": x}], "value": x}  # keys sorted
             for i, x in enumerate(AWKWARD)]
    for item in items:
        assert _exact(json.loads(encode_item(item))) == _exact(item)
    report = {"summary": {"anomalies": len(items)}, "anomalies": items}
    assert _exact(json.loads(render(report))["anomalies"]) == _exact(items)
    assert [json.loads(line) for line in render_lines(report).splitlines()[1:]] == items
    assert _exact([json.loads(line) for line in render_lines(report).splitlines()[1:]]
                  ) == _exact(items)
    spool = Spool()
    spool.extend(items[:5])
    spool.adopt(parallel._write_segment(tmp_path / "part", items[5:]))
    assert _exact(list(spool)) == _exact(items)
    assert _exact(spool[3]) == _exact(items[3]) and _exact(spool[9]) == _exact(items[9])
    spool.close()


def test_orjson_null_for_nan_is_what_strict_makes() -> None:
    """orjson writes NaN and ±inf as null on its own: what `strict` makes of them (no copy)."""
    item = {"difference": math.nan, "lhs": {"lo": -math.inf, "hi": math.inf}, "v": [math.nan]}
    assert strict(item) == {"difference": None, "lhs": {"lo": None, "hi": None}, "v": [None]}
    assert json.loads(encode_item(item)) == strict(item)
    assert encode_item(item) == encode_item(strict(item))
    assert b"NaN" not in encode_item(item) and b"Infinity" not in encode_item(item)


@dataclasses.dataclass
class _Point:
    x: int = 1


@pytest.mark.parametrize("value", [
    np.float64(0.1), np.float32(0.5), np.int64(-3), np.bool_(True),  # NumPy scalars
    2**64, -(2**63) - 1, [2**70, 1e-7],                                # beyond 64 bits
    {1: "one", "b": 2}, {"a": {(1, 2): 3}},                           # keys that are not str
    "donn\udce9es.yaml", {"file": "lat\udce9n", "x": 1e-7},           # lone surrogates
    datetime.datetime(2020, 1, 2, 3, 4), _Point(),                    # str(), as before orjson
], ids=repr)
def test_values_orjson_refuses_are_made_strict(value: Any) -> None:
    """Whatever orjson refuses is written as `strict` makes it: the value json.dumps writes."""
    line = encode_item({"id": "x", "value": value})
    assert b"\n" not in line
    assert _exact(json.loads(line)) == _exact(json.loads(json.dumps(
        strict({"id": "x", "value": value}), sort_keys=True)))


def test_a_numpy_float_is_written_as_the_float_it_is() -> None:
    """`strict` makes a float64 a plain float, so its line is orjson's like any other's."""
    assert encode_item({"v": np.float64(1e-7)}) == encode_item({"v": 1e-7})
    assert json.loads(encode_item({"v": np.float64(1e-7)})) == {"v": 1e-7}


def test_jsonl_holds_no_empty_line_past_a_batch(both: tuple[dict[str, Any], str],
                                                tmp_path: Path) -> None:
    """1 200 anomalies (more than one batch written at a time): one line each, a list or a
    spool alike, and every line a JSON document."""
    report = _many(both[0], 1200)
    text = render_lines(report)
    lines = text.split("\n")
    assert lines[-1] == "" and all(lines[:-1]) and len(lines) == 1 + 1200 + 1
    assert [json.loads(line) for line in lines[1:-1]] == report["anomalies"]
    spool = Spool()
    spool.extend(report["anomalies"][:700])
    spool.adopt(parallel._write_segment(tmp_path / "part", report["anomalies"][700:]))
    assert render_lines({**report, "anomalies": spool}) == text
    assert render({**report, "anomalies": spool}) == render(report)
    spool.close()
