"""How well `drsmcheck scan` and `drsmcheck extract` read the five source reports by themselves.

    python benchmarks/bench_report_tools.py            # writes benchmarks/results/scan.md
    python benchmarks/bench_report_tools.py --out -    # prints it instead

scan — recall: of the error-level anomalies of the samples' expected.yaml that live in the
report's tables or between its text and a table (the three text-only ratios and breakdowns are
left out, see TEXT_ONLY), how many a finding of `scan` points at: the finding's report lines are
cited in the anomaly's `why` (two of them at least, or its one) and its figures' printed values
are quoted there. Precision: of `scan`'s findings, how many the golden file
tests/fixtures/scan/findings.yaml, where each was read against the report, marks `correct`
(a finding the golden file does not list counts as not confirmed).

extract — of the samples' figures (value as printed + report line, samples/*/), the share
`extract` gives with the same value on the same line, and the share of those whose suggested
indicator (best candidate, whatever its confidence) is the sample's.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import defaultdict
from pathlib import Path

import yaml

from drsmcheck.extract.draft import draft_dataset
from drsmcheck.loader import load_figures
from drsmcheck.numbers import NumberFormatError, parse_number
from drsmcheck.rules import load_rules
from drsmcheck.scan import run_scan

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "samples" / "sources"
GOLDEN = ROOT / "tests" / "fixtures" / "scan" / "findings.yaml"
# error-level anomalies that are neither in a table nor text against a table
TEXT_ONLY = {
    ("cpam-somme-2022", "md24.invoices.anomaly_rate.ratio"):
        "a rate in the text against two counts of the same sentence",
    ("drsm-bfc-2019", "ald.etm.declared_unfavourable_rate.ratio"):
        "a rate in the text against two counts of the text",
    ("drsm-bfc-2019", "cmra.appeal.risks_at_mp_split.parts"):
        "a breakdown in the text against a total in the text",
}


def _norm(text: str) -> str:
    return re.sub(r"[\u00a0\u202f\u2009 ]", " ", text).replace(" %", "%")


def _why_lines(why: str) -> set[int]:
    return {int(x) for x in re.findall(r"l\.\s?(\d+)", why)}


def _matches(anomaly: dict, finding: dict) -> bool:
    why = _norm(anomaly.get("why", ""))
    lines = _why_lines(why)
    flines = {f["source"]["line"] for f in finding["figures"]}
    if len(finding["figures"]) <= 3 and len(flines & lines) < min(2, len(flines)):
        return False
    figs = finding["figures"]
    if len(figs) > 3:  # a sum: the whole's line and value, and the sum, are in the why
        whole = figs[0]
        total = _norm(finding["relation"]["fr"].split(" = ")[-1].split(" ≠ ")[0])
        return whole["source"]["line"] in lines and _norm(whole["text"]) in why and total in why
    return all(_norm(f["text"]) in why for f in figs)


def _reports(pack) -> dict[str, tuple[str, list[dict]]]:
    """report file → (sample id, expected anomalies)."""
    out = {}
    for d in sorted((ROOT / "samples").iterdir()):
        if not (d / "dataset.yaml").is_file():
            continue
        head = yaml.safe_load((d / "dataset.yaml").read_text(encoding="utf-8"))["dataset"]
        expected = yaml.safe_load((d / "expected.yaml").read_text(encoding="utf-8"))["anomalies"]
        out[head["report"]] = (head["id"], expected or [])
    return out


def bench_scan(pack) -> tuple[list[str], dict]:
    golden = yaml.safe_load(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.is_file() else {}
    verdicts = {(r, e["rule"], tuple(e["lines"]), e["relation"]): e.get("verdict")
                for r, entries in (golden or {}).items() for e in entries or ()}
    rows, found_total, wanted_total = [], 0, 0
    correct = findings_total = 0
    detail: list[str] = []
    t0 = time.perf_counter()
    for report, (sample, expected) in _reports(pack).items():
        result = run_scan(SOURCES / report, ROOT / "rules")
        findings = result["anomalies"]
        wanted = [a for a in expected if a["severity"] == "error"
                  and (sample, a["rule"]) not in TEXT_ONLY]
        hits = [a for a in wanted if any(_matches(a, f) for f in findings)]
        ok = 0
        for f in findings:
            key = (report, f["rule"], tuple(x["source"]["line"] for x in f["figures"]),
                   f["relation"]["fr"])
            verdict = verdicts.get(key)
            ok += verdict == "correct"
            detail.append(f"| {sample} | `{f['rule']}` | {f['severity']} | "
                          f"{', '.join(str(x) for x in key[2][:4])}{'…' if len(key[2]) > 4 else ''}"
                          f" | {f['relation']['fr']} | {verdict or 'not reviewed'} |")
        for a in wanted:
            mark = "found" if a in hits else "missed"
            detail.append(f"| {sample} | expected `{a['rule']}` {a['entity']} "
                          f"{a.get('subject') or ''} | error | | {mark} | |")
        rows.append(f"| {sample} | {len(wanted)} | {len(hits)} | {len(findings)} | {ok} |")
        found_total += len(hits)
        wanted_total += len(wanted)
        correct += ok
        findings_total += len(findings)
    seconds = time.perf_counter() - t0
    recall = found_total / wanted_total if wanted_total else 1.0
    precision = correct / findings_total if findings_total else 1.0
    lines = [
        "## scan",
        "",
        f"Recall **{recall:.0%}** ({found_total} of {wanted_total} table and text-vs-table "
        f"errors of the samples' expected.yaml; target ≥ 60 %) · precision **{precision:.0%}** "
        f"({correct} of {findings_total} findings confirmed in the golden file; target ≥ 80 %) "
        f"· {seconds:.1f} s for the five reports.",
        "",
        "| sample | errors to find | found | findings | confirmed |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        "Left out of the recall (not a table, not text against a table): "
        + "; ".join(f"`{r}` ({why})" for (_, r), why in TEXT_ONLY.items()) + ".",
        "",
        "| sample | finding / expected anomaly | severity | report lines | relation / status | golden |",
        "|---|---|---|---|---|---|",
        *detail,
    ]
    return lines, {"recall": recall, "precision": precision}


def bench_extract(pack) -> tuple[list[str], dict]:
    datasets, frame = load_figures([ROOT / "samples"], pack.reference)
    by_report: dict[str, list] = defaultdict(list)
    for r in frame.itertuples():
        by_report[r.report].append(r)
    rows = []
    tot = same = ind = 0
    t0 = time.perf_counter()
    misses: list[str] = []
    for report, figs in sorted(by_report.items()):
        draft = draft_dataset(SOURCES / report, ROOT / "rules")
        extracted: dict[tuple[int, float], list] = defaultdict(list)
        for e in draft.extracted:
            try:
                p = parse_number(e.value)
            except NumberFormatError:
                continue
            extracted[(e.line, p.value)].append(e)
        text_lines = (SOURCES / report).read_text(encoding="utf-8").splitlines()
        n = s = k = 0
        for f in figs:
            if f.table is not None and f.text == "0" and "0" not in re.split(
                    r"\t", text_lines[f.report_line - 1]):
                continue  # a blank cell the sample reads as zero (`blank: zero`): not printed
            n += 1
            if f.non_numeric:
                # a word cell ("FCU", "-"): compare the print itself
                hit = [e for e in draft.extracted if e.line == f.report_line
                       and e.value.strip() == str(f.text).strip()]
            else:
                hit = extracted.get((f.report_line, f.value), [])
            if hit:
                s += 1
                if any(e.best and e.best.indicator == f.indicator for e in hit):
                    k += 1
            elif len(misses) < 40:
                misses.append(f"{report}:{f.report_line} {f.text!r} ({f.indicator})")
        rows.append(f"| {report} | {n} | {s} ({s / n:.1%}) | {k} ({k / max(s, 1):.1%}) | "
                    f"{draft.figures} | {draft.suggested} |")
        tot, same, ind = tot + n, same + s, ind + k
    seconds = time.perf_counter() - t0
    share, ishare = same / tot, ind / max(same, 1)
    lines = [
        "## extract",
        "",
        f"Value and line: **{share:.1%}** of the samples' {tot} figures (target ≥ 95 %) · "
        f"suggested indicator = the sample's: **{ishare:.1%}** of those (aim ≥ 60 %) · "
        f"{seconds:.1f} s for the five reports.",
        "",
        "| report | sample figures | same value and line | same indicator | extracted | "
        "suggested (≥ 0.60) |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        "",
        "Figures not extracted (first 40):",
        "",
        *(f"- {m}" for m in misses),
    ]
    return lines, {"value_line": share, "indicator": ishare}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "scan.md"))
    args = ap.parse_args(argv)
    pack = load_rules(ROOT / "rules")
    scan_lines, s = bench_scan(pack)
    extract_lines, e = bench_extract(pack)
    text = "\n".join(["# scan and extract on the five source reports", "",
                      "Written by `python benchmarks/bench_report_tools.py`; see its docstring "
                      "for what is measured.", "", *scan_lines, "", *extract_lines]) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
        print(f"{args.out}: scan recall {s['recall']:.0%}, precision {s['precision']:.0%}; "
              f"extract value+line {e['value_line']:.1%}, indicator {e['indicator']:.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
