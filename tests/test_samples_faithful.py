"""The samples are faithful to their source reports, figure by figure, line by line."""

from __future__ import annotations

from pathlib import Path

import pytest

from drsmcheck.loader import load_figures
from drsmcheck.rules import load_rules

from support import ROOT

SOURCES = ROOT / "samples" / "sources"


def _norm(text: str) -> str:
    for ch in ("\u00a0", "\u202f", "\u2009"):
        text = text.replace(ch, " ")
    return text


@pytest.fixture(scope="module")
def figures():
    pack = load_rules(ROOT / "rules")
    return load_figures([ROOT / "samples"], pack.reference)


def test_every_dataset_cites_a_source_report(figures) -> None:
    datasets, _ = figures
    assert len(datasets) == 5
    for ds in datasets:
        assert ds.report and (SOURCES / ds.report).is_file(), ds.id


def test_every_printed_value_is_on_its_cited_line(figures) -> None:
    datasets, frame = figures
    lines = {ds.report: (SOURCES / ds.report).read_text(encoding="utf-8").splitlines()
             for ds in datasets}
    misplaced = []
    for row in frame.itertuples():
        source = lines[row.report]
        assert 1 <= row.report_line <= len(source), (row.file, row.line)
        text = _norm(row.text)
        if row.table is not None and text == "0":
            continue  # a blank cell read as zero (table `blank: zero`)
        core = text.replace("%", "").replace("€", "").strip()
        if core not in _norm(source[row.report_line - 1]):
            misplaced.append(f"{row.file}:{row.line}: {row.text!r} not on report line "
                             f"{row.report_line}")
    assert not misplaced, "\n".join(misplaced[:20])


def test_quotes_are_copied_from_the_report(figures) -> None:
    """A quote is the report's words around the figure: its cited line (a headline box may
    spread over the lines around it)."""
    datasets, frame = figures
    lines = {ds.report: [_norm(x) for x in (SOURCES / ds.report).read_text(encoding="utf-8")
                         .splitlines()] for ds in datasets}
    bad = []
    for r in frame.itertuples():
        if not isinstance(r.quote, str) or not r.quote:
            continue
        source = lines[r.report]
        window = source[r.report_line - 1]
        # a headline box spreads over a few lines around the figure's own line
        compact = " ".join(x.strip() for x in source[max(0, r.report_line - 2): r.report_line + 7]
                           if x.strip())
        quote = _norm(r.quote)
        if quote not in window and quote not in compact:
            bad.append(f"{r.file}:{r.line}: {quote[:60]!r}")
    assert not bad, "\n".join(bad[:20])


def test_samples_dir_layout() -> None:
    assert sorted(p.name for p in SOURCES.glob("*.txt")) == [
        "000_36bfcaf3c454a709.txt", "001_8c194a73d14b4542.txt", "002_aca50865b5c4c560.txt",
        "003_fdcb2593b90b0904.txt", "004_e547e88f8bb641dd.txt"]
    assert Path(SOURCES / "README.md").is_file()
