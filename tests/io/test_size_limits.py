"""The size limit is per format: YAML and XLSX 50 MiB, CSV and Parquet 1 GiB (columnar reads)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from drsmcheck.errors import InputError
from drsmcheck.yamlfile import read_bytes


def _sparse(path: Path, mib: int) -> Path:
    path.write_bytes(b"indicator,entity,value,line\n")
    os.truncate(path, mib * 2**20)
    return path


def test_a_60_mib_csv_or_parquet_is_read(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "big.csv", 60)
    assert len(read_bytes(path, "big.csv", "csv")) == 60 * 2**20
    assert len(read_bytes(path, "big.parquet", "parquet")) == 60 * 2**20


@pytest.mark.parametrize(("kind", "limit", "hint"), [
    ("yaml", 50, "put the figures in CSV or Parquet files"),
    ("xlsx", 50, "save the sheets as CSV or Parquet"),
])
def test_a_60_mib_yaml_or_xlsx_is_refused_with_the_way_out(tmp_path: Path, kind: str,
                                                            limit: int, hint: str) -> None:
    path = _sparse(tmp_path / f"big.{kind}", 60)
    with pytest.raises(InputError) as info:
        read_bytes(path, f"big.{kind}", kind)
    assert f"more than the {limit} MiB limit of a {kind.upper()} file" in info.value.message
    assert hint in (info.value.hint or "")
