"""report.json and report.jsonl as a user gets them: streamed to the file, the same bytes as
ever, strict, and JSON Lines (a head line, then one anomaly a line) through the real CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drsmcheck.reporters.json import render, render_lines, strict, write, write_lines

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
    assert text.startswith('{\n  "anomalies": [\n    {"candidates": ')
    one_line = [line for line in text.splitlines() if line.startswith('    {"candidates": ')]
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


# -- the fast writers give the standard library's bytes ------------------------------------------
_scalars = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text()
            | st.just("lat\udce9n"))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.text(max_size=6), inner, max_size=4), max_leaves=25)


def _reference(report: dict[str, Any]) -> bytes:
    """What `write` produced before its fast paths: each top-level value by json.dumps
    (indented, or one compact C-encoded item a line for the long lists)."""
    parts = []
    for key in sorted(report):
        value = report[key]
        if key in ("anomalies", "verdicts") and isinstance(value, list) and value:
            items = ",\n".join("    " + json.dumps(strict(v), ensure_ascii=False, sort_keys=True,
                                                   allow_nan=False) for v in value)
            text = "[\n" + items + "\n  ]"
        else:
            text = json.dumps(strict(value), ensure_ascii=False, indent=2, sort_keys=True,
                              allow_nan=False).replace("\n", "\n  ")
        parts.append("  " + json.dumps(key) + ": " + text)
    return ("{\n" + ",\n".join(parts) + "\n}\n").encode("utf-8", "surrogateescape")


@given(head=_values, figures=st.lists(st.dictionaries(st.sampled_from(["ref", "value", "label"]),
                                                      _values), max_size=4),
       rest=st.dictionaries(st.sampled_from(["candidates", "category", "id", "zeta"]), _values))
@settings(max_examples=300, deadline=None)
def test_fast_writer_same_bytes_as_json_dumps(head: Any, figures: list[dict[str, Any]],
                                              rest: dict[str, Any]) -> None:
    """Indented parts written without the pure-Python encoder: byte for byte what json.dumps
    writes, NaN and lone surrogates included (they go through `strict`)."""
    shared = figures[:1]  # one dict object shown by two anomalies, as report.FigureDicts does
    anomalies = [{**rest, "figures": figures}, {"figures": shared + figures, "id": "b"}]
    report = {"summary": head, "anomalies": anomalies, "rules": [head, {"x": head}]}
    buf = io.BytesIO()
    write(report, buf)
    assert buf.getvalue() == _reference(report)
