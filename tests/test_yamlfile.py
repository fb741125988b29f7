"""drsmcheck's own words for YAML and file-reading errors, whichever layer refuses the input.

The messages must not change when PyYAML (or libyaml, or Python) changes its own: the
nesting guard is parametrized over the loader's input and over the layer that refuses it (our
composer, a parser with its own depth limit and its own wording, Python's recursion limit),
never over the installed PyYAML version.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from drsmcheck import yamlfile
from drsmcheck.errors import InputError
from drsmcheck.yamlfile import MAX_DEPTH, load_yaml, read_bytes

HEADER = 'dataset:\n  id: case\n  entity: OCC\n  period: "2019"\n'
TOO_DEEP = f"YAML nesting is too deep (more than {MAX_DEPTH} levels)"


def _flow(depth: int) -> str:
    return HEADER + "figures: " + "[" * depth + "]" * depth + "\n"


def _block(depth: int) -> str:
    lines = [f"{'  ' * i}k{i}:" for i in range(depth)] + [f"{'  ' * depth}leaf"]
    return HEADER + "\n".join(lines) + "\n"


# (input, line of the first level deeper than MAX_DEPTH)
DEEP_INPUTS = {
    "flow_just_over": (_flow(MAX_DEPTH + 1), 5),
    "flow_50000": (_flow(50_000), 5),
    "block_100": (_block(100), 5 + MAX_DEPTH),
    "mixed": (HEADER + "figures:\n  - a:\n      " + "{b: " * 80 + "1" + "}" * 80 + "\n", 7),
}


def _refuse_like_a_parser(text: str):
    """A parser layer with its own depth limit and wording (as PyYAML 6.0.4's libyaml has)."""
    index = text.index("[" * 10) + 1000 if "[" * 10 in text else len(text) - 2
    line = text[:index].count("\n")
    column = index - (text.rfind("\n", 0, index) + 1)
    mark = yaml.error.Mark("<unicode string>", index, line, column, None, None)

    def get_single_data(self):  # type: ignore[no-untyped-def]
        raise yaml.scanner.ScannerError("while increasing flow level", mark,
                                        "some wording a new libyaml release chose", mark)
    return get_single_data


def _refuse_by_recursion(text: str):
    def get_single_data(self):  # type: ignore[no-untyped-def]
        raise RecursionError("maximum recursion depth exceeded")
    return get_single_data


LAYERS = {"composer": None, "parser_limit": _refuse_like_a_parser,
          "recursion": _refuse_by_recursion}


@pytest.mark.parametrize("layer", LAYERS)
@pytest.mark.parametrize("name", DEEP_INPUTS)
def test_deep_nesting_message_is_ours_whichever_layer_refuses(
        name: str, layer: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text, line = DEEP_INPUTS[name]
    path = tmp_path / "dataset.yaml"
    path.write_text(text, encoding="utf-8")
    if LAYERS[layer] is not None:
        monkeypatch.setattr(yamlfile._Loader, "get_single_data", LAYERS[layer](text))
    with pytest.raises(InputError) as info:
        load_yaml(path, "data/dataset.yaml")
    assert str(info.value) == (f"data/dataset.yaml:{line}: {TOO_DEEP}\n  hint: datasets and "
                               "rules nest a few levels; check the brackets and indentation")


def test_syntax_error_does_not_repeat_the_library_wording(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = HEADER + "figures: []\n"
    path = tmp_path / "dataset.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setattr(yamlfile._Loader, "get_single_data", _refuse_like_a_parser(text))
    with pytest.raises(InputError) as info:
        load_yaml(path, "data/dataset.yaml")
    assert "wording" not in str(info.value)
    assert str(info.value).startswith("data/dataset.yaml:5: invalid YAML")


@pytest.mark.parametrize("value", ["2019", "12", "-3", "0", "71.9", "0.5", "1.0e+3", '"010"',
                                   "'12.50'", '"1:30"'])
def test_values_that_mean_what_they_say_are_kept(value: str, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(f"v: {value}\n", encoding="utf-8")
    assert str(load_yaml(path)["v"]) == str(yaml.safe_load(f"v: {value}")["v"])


@pytest.mark.parametrize("value, read_as", [("010", "8"), ("0x1F", "31"), ("0b11", "3"),
                                            ("1_000", "1000"), ("1:30", "90"), ("12.50", "12.5"),
                                            ("3.", "3.0"), ("0.000010", "1e-05"),
                                            ("1:30.5", "base 60")])
def test_values_yaml_11_would_change_are_refused(value: str, read_as: str, tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text(f"a: 1\nv: {value}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        load_yaml(path, "x.yaml")
    assert info.value.line == 2
    assert f"YAML reads {value}" in info.value.message and read_as in info.value.message
    assert "quote it" in (info.value.hint or "") and f'"{value}"' in (info.value.hint or "")


def test_size_limit_holds_for_what_is_read_not_what_stat_says(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # /proc files are regular files whose stat size is 0 whatever they hold
    proc = Path("/proc/self/maps")
    assert proc.stat().st_size == 0 and len(proc.read_bytes()) > 200
    monkeypatch.setitem(yamlfile.MAX_BYTES, "yaml", 100)
    with pytest.raises(InputError) as info:
        read_bytes(proc, "maps")
    assert "more than the 0 MiB limit of a YAML file" in info.value.message
    assert "CSV or Parquet" in (info.value.hint or "")


def test_non_regular_files_are_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="not a regular file: it is a named pipe"):
        read_bytes(fifo)
    link = tmp_path / "zero.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file: it is a device"):
        read_bytes(link)
