"""What the loader reads once, and reads as bytes, changes nothing a user sees.

A dataset header the run's plan read is not read again by the loader; a CSV is handed to
Arrow as bytes (no decode / encode round trip): its BOM, its blank-only content and its
checksum (the print precedence between files) are what the decoded text gave.
"""

from __future__ import annotations

import zlib

import pytest

from drsmcheck.chunks import make_plan
from drsmcheck.errors import InputError
from drsmcheck.io.discover import find_datasets
from drsmcheck.io.load import load_targets
from drsmcheck.rules import load_rules

from packs import make_pack, write

INDICATORS = """indicators:
  t.count: {fr: c, en: c, unit: count, additive: true}
"""
CHECKS = """
rules:
  - {id: b, kind: bounds, severity: error, description: {fr: b, en: b}, units: [count], min: 0}
"""
CSV = "indicator;value;line;quote\nt.count;\"1 234\";3;prêt\n"


def _ref(tmp_path):
    return load_rules(make_pack(tmp_path, CHECKS, INDICATORS)).reference


def _dataset(folder, ident: str, csv_bytes: bytes) -> None:
    write(folder / "dataset.yaml", f"dataset: {{id: {ident}, entity: OCC, period: '2019'}}\n")
    (folder / "figures.csv").write_bytes(csv_bytes)


def test_a_bom_changes_neither_figures_nor_checksum(tmp_path):
    ref = _ref(tmp_path)
    _dataset(tmp_path / "data" / "a", "a", CSV.encode())
    _dataset(tmp_path / "data" / "b", "b", b"\xef\xbb\xbf" + CSV.encode())
    datasets, frame = load_targets(find_datasets([tmp_path / "data"]), ref)
    assert [ds.id for ds in datasets] == ["a", "b"]
    assert frame["text"].tolist() == ["1 234", "1 234"]
    assert frame["quote"].tolist() == ["prêt", "prêt"]


@pytest.mark.parametrize("blank", [b" \n\r\n\t", b"\x1c\x1f\n", "\u00a0\u3000\n".encode()])
def test_a_csv_of_blanks_is_empty(tmp_path, blank):
    ref = _ref(tmp_path)
    _dataset(tmp_path / "data", "a", blank)
    with pytest.raises(InputError) as err:
        load_targets(find_datasets([tmp_path / "data"]), ref)
    assert err.value.file.endswith("figures.csv")
    assert (err.value.line, err.value.message) == (1, "file is empty")


def test_the_plan_reads_each_header_once(tmp_path, monkeypatch):
    ref = _ref(tmp_path)
    for ident in ("b", "a", "c"):
        _dataset(tmp_path / "data" / ident, ident, CSV.encode())
    targets = find_datasets([tmp_path / "data"])
    plan = make_plan(targets, size=1, jobs=1)
    assert [[t.path.name for t in g] for g in plan.groups] == [["a"], ["b"], ["c"]]
    # the headers are gone: the groups load from what the plan read
    for t in targets:
        t.header.unlink()
    for group, ident in zip(plan.groups, "abc", strict=True):
        datasets, frame = load_targets(group, ref)
        assert [ds.id for ds in datasets] == [ident]
        assert len(frame) == 1
    head = plan.groups[0][0].head
    assert head is not None and head.checksum == zlib.crc32(
        b"dataset: {id: a, entity: OCC, period: '2019'}\n")
