"""Run by tests/backends/test_spark.py in a child process (its memory stays out of pytest's):
every sample on both backends in one process and one SparkSession, the comparisons as JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from drsmcheck.backends import Backend
from drsmcheck.loader import load_figures
from drsmcheck.pack import load_pack
from drsmcheck.report import declared_records, validate

SPARK = Backend("spark", "local[2]", (("spark.sql.shuffle.partitions", "2"),))


def verdict_differences(samples: Path, pack) -> list[str]:  # type: ignore[no-untyped-def]
    """Every verdict column (status, reason, both sides' floats, the figures read) compared
    exactly, in order: the names of the columns that differ."""
    datasets, figures = load_figures([samples], pack.reference)
    records = declared_records(datasets)
    a = Backend().engine(figures, pack, records).run().verdicts
    b = SPARK.engine(figures, pack, records).run().verdicts
    bad = [] if len(a) > 1000 else ["fewer than 1000 verdicts"]
    for name, col in a.cols.items():
        other = b.cols.get(name)
        if other is None or col.dtype != other.dtype or len(col) != len(other):
            bad.append(name)
        elif col.dtype.kind == "f":
            if not (np.array_equal(col, other, equal_nan=True)
                    and np.array_equal(np.signbit(col), np.signbit(other))):
                bad.append(name)
        elif not np.array_equal(col, other):
            bad.append(name)
    if not (np.array_equal(a.ptr, b.ptr) and np.array_equal(a.idx, b.idx)):
        bad.append("figures read (ptr, idx)")
    return bad


def main(samples: Path, out: Path) -> None:
    pack = load_pack(None)
    result: dict[str, object] = {"samples": {}}
    for sample in sorted(p for p in samples.iterdir() if (p / "dataset.yaml").is_file()):
        numpy = validate([sample], pack, "numpy", with_verdicts=True)
        spark = validate([sample], pack, SPARK, with_verdicts=True)
        result["samples"][sample.name] = {  # type: ignore[index]
            "backends": [numpy["tool"].pop("backend"), spark["tool"].pop("backend")],
            "verdicts": len(numpy["verdicts"]),
            "same": json.dumps(numpy, ensure_ascii=False) == json.dumps(spark, ensure_ascii=False),
            "differs": sorted(k for k in numpy if numpy[k] != spark.get(k))}
    result["verdict_differences"] = verdict_differences(samples, pack)
    out.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
