"""Injected-fault benchmark of the diagnosis: is the named suspect the figure a typist got wrong?

    python benchmarks/bench_diagnosis.py                 # all figures × 4 slips (≈ 10 min)
    python benchmarks/bench_diagnosis.py --per-type 40   # a quick sample per sample and type
    python benchmarks/bench_diagnosis.py --out /tmp/d.md --json /tmp/d.json

One typist error at a time (a digit changed, two adjacent digits swapped, ×10, a sign added or
dropped) is seeded into a figure of the five samples that takes part in at least one evaluable
relation between figures (agreement, equation, roll-up, attainment rate, the weights of an
evaluable weighted mean; bounds and one-figure comparisons such as `rank >= 1` do not count). The
dataset is re-validated through `drsmcheck.report.validate()` — the public entry point, so this
runs unchanged on today's engine and on its successor. Copies of a sample, one corruption each,
are validated together in one call (a dataset id per copy) to spread the engine's fixed cost.

Per corruption type it measures, against the clean sample's own anomalies:
- detection: some anomaly is new or changed;
- top-1: the suspects named on those anomalies are exactly the corrupted figure;
- precision: of the suspects named there, the share that are the corrupted figure;
  `precision_seed` counts as right too a suspect the clean sample names itself (the seed's own
  error, which a `confounded` corruption sits beside: right per the seed);
- candidate recall: of the detected cases, the share where the corrupted figure is the suspect
  or in the suspect's `candidates` list (when the report carries one);
- cause accuracy: of the correctly named suspects, the share whose `cause` is the slip seeded.
The *ceiling* is what consistency alone can do: the exact localization (localize/, no typist
priors) over the same relations singles out the corrupted figure. The same solver with the
typist priors is reported too (`s_*` columns): the solver alone, without the report's
per-anomaly reading.
Not a test: nothing here is timed against a threshold.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from drsmcheck import budget  # noqa: E402
from drsmcheck.loader import load_figures  # noqa: E402
from drsmcheck.localize import relations  # noqa: E402
from drsmcheck.localize.causes import explain  # noqa: E402
from drsmcheck.localize.priors import printed_digits  # noqa: E402
from drsmcheck.localize.relations import build, problems, violated  # noqa: E402
from drsmcheck.localize.solver import localize  # noqa: E402
from drsmcheck.report import validate  # noqa: E402
from drsmcheck.rules import default_rules_dir, load_rules  # noqa: E402

TYPES = ("digit", "swap", "x10", "sign")
EXPECTED_CAUSE = {"digit": "typo (digit)", "swap": "transposition", "x10": "scale",
                  "sign": "sign"}
SAMPLES = ("cpam-somme-2022", "drsm-alsace-moselle-2018", "drsm-bfc-2019",
           "drsm-occitanie-2019", "elsm-seine-saint-denis-2016")
_NUM = re.compile(r"[-+−–]?\s*\d[\d\s\u00a0\u202f\u2009']*(?:[,.]\d+)?")


@dataclass
class Corruption:
    sample: str
    kind: str
    ref: str            # normalized ref of the figure: entity|period|indicator@file:line
    file: str           # file name inside the sample folder
    line: int
    slot: int           # position of the value among the values of that line
    old: str
    new: str
    confounded: bool = False   # the figure is in a relation that already fails, unseeded


@dataclass
class Outcome:
    detected: bool = False
    named: list[str] = field(default_factory=list)        # suspects named (normalized refs)
    candidates: set[str] = field(default_factory=set)
    causes: list[str | None] = field(default_factory=list)
    # the exact solver on the same relations (priors on / off)
    s_detected: bool = False
    s_named: list[str] = field(default_factory=list)
    s_candidates: set[str] = field(default_factory=set)
    s_cause: str | None = None
    ceiling: bool = False
    why: dict[str, Any] = field(default_factory=dict)   # the solver's view (--json)
    # (naming path, the suspect is the corrupted figure) of each suspect named: which reading
    # of the localization named it (`path_of`), for the precision of each
    paths: list[tuple[str, bool]] = field(default_factory=list)
    # of the suspects named, those the clean sample names too (the seed's own errors: right
    # per the seed, though the benchmark seeded another figure beside them)
    own: int = 0


def norm_ref(ref: str) -> str:
    head, _, where = ref.partition("@")
    path, _, line = where.rpartition(":")
    return f"{head}@{Path(path).name}:{line}"


# ----------------------------------------------------------------------------- corrupting
def _format(neg: bool, digits: str, dec: int, like: str) -> str:
    ip, dp = (digits[: len(digits) - dec], digits[len(digits) - dec:]) if dec else (digits, "")
    ip = ip.lstrip("0") or "0"
    seps = [c for c in like if c in " \u00a0\u202f\u2009'"]
    sep = seps[0] if seps else (" " if len(ip) > 4 else "")
    groups = []
    while len(ip) > 3 and sep:
        groups.insert(0, ip[-3:])
        ip = ip[:-3]
    groups.insert(0, ip)
    comma = "." if "." in like and "," not in like else ","
    out = sep.join(groups) + (comma + dp if dp else "")
    return "-" + out if neg else out


def corrupt(text: str, kind: str, rng: random.Random) -> str | None:
    """The print with one typist slip of `kind`, or None when the slip is impossible."""
    m = _NUM.search(text)
    parsed = printed_digits(text)
    if m is None or parsed is None:
        return None
    neg, digits, dec = parsed
    if kind == "digit":
        i = rng.randrange(len(digits))
        choices = [c for c in "0123456789" if c != digits[i]
                   and not (c == "0" and i == 0 and len(digits) - dec > 1)]
        digits = digits[:i] + rng.choice(choices) + digits[i + 1:]
    elif kind == "swap":
        spots = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]
                 and not (i == 0 and digits[1] == "0" and len(digits) - dec > 1)]
        if not spots:
            return None
        i = rng.choice(spots)
        digits = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
    elif kind == "x10":
        if int(digits) == 0:
            return None   # 0 × 10 is the same figure: no slip to find
        if dec:
            dec -= 1
        else:
            digits += "0"
    elif kind == "sign":
        if int(digits) == 0:
            return None
        neg = not neg
    new_num = _format(neg, digits, dec, m.group(0))
    return text[: m.start()] + new_num + text[m.end():]


_VALUE = re.compile(r"""\bvalue:\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,}\s][^,}]*)""")
_VALUES = re.compile(r"\bvalues:\s*\[(.*)\]")
_ITEM = re.compile(r"""\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,\]]+)\s*(?:,|$)""")


def _slots(line: str) -> list[tuple[int, int, str]]:
    """(start, end, text) of each value written on a dataset line (quotes excluded)."""
    m = _VALUES.search(line)
    if m:
        out = []
        pos = m.start(1)
        for item in _ITEM.finditer(m.group(1)):
            raw = item.group(1)
            s = pos + item.start(1)
            if raw[0] in "\"'":
                out.append((s + 1, s + len(raw) - 1, raw[1:-1]))
            else:
                out.append((s, s + len(raw.rstrip()), raw.strip()))
        return out
    m = _VALUE.search(line)
    if m:
        raw = m.group(1)
        if raw[0] in "\"'":
            return [(m.start(1) + 1, m.end(1) - 1, raw[1:-1])]
        return [(m.start(1), m.start(1) + len(raw.rstrip()), raw.strip())]
    return []


def corruptions(pack: Any, sample: Path, types: tuple[str, ...], per_type: int | None,
                seed: int, refs: str | None = None) -> list[Corruption]:
    _, df = load_figures([sample], pack.reference)
    rel = build(pack, df)
    # a relation ties figures together: a one-figure comparison (`gdr.rank.* >= 1`) is a
    # bound whatever its rule's kind, and a weighted mean's weights count only where the mean
    # is evaluable (its rows read them: `rel.weights`), not wherever a weight is printed
    relational = {j for row in rel.rows if not row.name.startswith("bounds")
                  and (len(row.coefs) >= 2 or row.guard is not None)
                  for j in [*(j for j, _ in row.coefs),
                            *([row.guard[1]] if row.guard else [])]} | rel.weights
    # a ratio's rate reads as the guard of its failing rows (`k·N − r·D <= 0` while r is
    # unchanged): it is in the failing relation too (Somme's 21 % against 317 / 527)
    failing = {j for k in violated(rel) for j in [
        *(j for j, _ in rel.rows[k].coefs), *([rel.rows[k].guard[1]] if rel.rows[k].guard else [])]}
    by_line: dict[tuple[str, int], list[dict[str, Any]]] = defaultdict(list)
    for r in df.sort_values("seq").to_dict("records"):
        by_line[(r["file"], int(r["line"]))].append(r)
    lines_of: dict[str, list[str]] = {}
    out: list[Corruption] = []
    for (file, line), rows in sorted(by_line.items()):
        name = Path(file).name
        if name not in lines_of:
            lines_of[name] = (sample / name).read_text(encoding="utf-8").splitlines()
        slots = _slots(lines_of[name][line - 1])
        if len(slots) != len(rows):
            continue
        for k, r in enumerate(rows):
            if r["ref"] not in relational or r["qualifier"] or slots[k][2].strip() != r["text"]:
                continue
            if refs is not None and not re.search(refs, r["ref"]):
                continue
            for kind in types:
                rng = random.Random(f"{seed}|{r['ref']}|{kind}")
                new = corrupt(r["text"], kind, rng)
                if new is None or new == r["text"]:
                    continue
                out.append(Corruption(sample.name, kind, norm_ref(r["ref"]), name, line, k,
                                      r["text"], new, rel.alias[r["ref"]] in failing))
    if per_type is not None:
        rng = random.Random(seed)
        picked = []
        for kind in types:
            these = [c for c in out if c.kind == kind]
            rng.shuffle(these)
            picked += these[:per_type]
        out = picked
    return out


def write_copy(sample: Path, dest: Path, ds_id: str, c: Corruption | None) -> None:
    shutil.copytree(sample, dest, ignore=shutil.ignore_patterns("expected.y*ml", "README*"))
    main = dest / "dataset.yaml"
    text = main.read_text(encoding="utf-8")
    text = re.sub(r"(?m)^(dataset:\n  id:\s*)(\S+)", lambda m: m.group(1) + ds_id, text, count=1)
    main.write_text(text, encoding="utf-8")
    if c is None:
        return
    path = dest / c.file
    lines = path.read_text(encoding="utf-8").split("\n")
    s, e, old = _slots(lines[c.line - 1])[c.slot]
    assert old.strip() == c.old, (c, old)
    lines[c.line - 1] = lines[c.line - 1][:s] + c.new + lines[c.line - 1][e:]
    path.write_text("\n".join(lines), encoding="utf-8")


# ------------------------------------------------------------------------------- measuring
def signature(a: dict[str, Any]) -> tuple:
    return (a["rule"], a["entity"], a["period"], a["subject"], a["category"],
            a["relation"]["en"].replace(a["dataset"], ""))


def _suspect_refs(a: dict[str, Any]) -> tuple[str | None, set[str], str | None]:
    """(named suspect, candidate refs, cause) of an anomaly: the candidates are read from
    `suspect.candidates` and from the anomaly's own `candidates` (when no suspect is named)."""
    s = a.get("suspect") or {}
    cands = set()
    for c in [*(s.get("candidates") or []), *(a.get("candidates") or [])]:
        ref = c.get("ref") if isinstance(c, dict) else c
        if ref:
            cands.add(norm_ref(ref))
    return (norm_ref(s["ref"]) if s.get("ref") else None), cands, s.get("cause")


def path_of(a: dict[str, Any]) -> str:
    """Which reading of the localization named an anomaly's suspect: a named rounding
    practice, a column holding a sibling indicator, or the minimum-cost repair (by the kind
    of the anomaly's rule)."""
    if a["category"] == "rounding":
        return "rounding practice"
    if (a.get("suspect") or {}).get("cause") == "mislabelled column":
        return "mislabelled column"
    return f"min-cost repair ({a['kind']})"


def solver_outcome(pack: Any, df: Any, c: Corruption, out: Outcome) -> None:
    rel = build(pack, df)
    # the ceiling is consistency alone: no typist model, and no magnitude prior in the weights
    factor, relations.OUTLIER_FACTOR = relations.OUTLIER_FACTOR, 1.0
    try:
        plain_rel = build(pack, df)
    finally:
        relations.OUTLIER_FACTOR = factor
    plain_by_target: dict[str, Any] = {}
    for figs, rows, _bad in problems(plain_rel):
        for f in figs:
            if f.weight != float("inf"):
                plain_by_target[f.id] = (figs, rows)
    target = next((ref for ref in rel.figures if norm_ref(ref) == c.ref), None)
    if target is None:
        return
    for figs, rows, _bad in problems(rel):
        free = {f.id for f in figs if f.weight != float("inf")}
        if target not in free:
            continue
        out.s_detected = True
        loc = localize(figs, rows)
        pf, pr = plain_by_target.get(target, (figs, rows))
        plain = localize(pf, pr, prior=None)
        out.ceiling = plain.suspect is not None and target in plain.suspect.ids
        if loc.suspect is not None:
            out.s_named = [norm_ref(i) for i in loc.suspect.ids]
            ch = next((x for x in loc.suspect.changes if x.id == target), None)
            if ch is not None:
                row = rel.rows_by_ref[target]
                out.s_cause = explain(row, ch.lo, ch.hi, df).name
        out.s_candidates = {norm_ref(i) for s in [*loc.solutions, *loc.candidates]
                            for i in s.ids}
        out.why = _why(loc, figs, rows, target)
        return


def _why(loc: Any, figs: list[Any], rows: list[Any], target: str) -> dict[str, Any]:
    """What decided (or failed to decide) the localization of one corruption: the kinds of
    relation in its component, the optimal solutions and the best one changing the target."""
    kinds = Counter(r.name.split("|")[0] for r in rows)
    free = sum(1 for f in figs if f.weight != float("inf"))

    def sol(s: Any) -> dict[str, Any]:
        return {"ids": [norm_ref(i) for i in s.ids], "cost": round(s.cost, 3),
                "typos": [c.typo.edit if c.typo else None for c in s.changes]}

    opt = loc.optimal
    mine = next((s for s in [*loc.solutions, *loc.candidates] if target in s.ids), None)
    return {"kinds": dict(kinds), "free": free, "method": loc.method,
            "optimal": [sol(s) for s in opt], "target": sol(mine) if mine else None,
            "target_weight": next((f.weight for f in figs if f.id == target), None)}


def run_batch(pack: Any, rules_dir: Path, sample: Path, batch: list[Corruption],
              baseline: set[tuple], work: Path, own: set[str] = frozenset()
              ) -> list[Outcome]:
    dirs = []
    for k, c in enumerate(batch):
        d = work / f"{sample.name}.c{k}"
        write_copy(sample, d, f"{sample.name}.c{k}", c)
        dirs.append(d)
    report = validate(dirs, rules_dir)
    by_ds: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in report["anomalies"]:
        by_ds[a["dataset"]].append(a)
    _, df = load_figures(dirs, pack.reference)
    outs = []
    for k, c in enumerate(batch):
        o = Outcome()
        ds = f"{sample.name}.c{k}"
        fresh = [a for a in by_ds.get(ds, []) if signature(a) not in baseline]
        o.detected = bool(fresh)
        for a in fresh:
            ref, cands, cause = _suspect_refs(a)
            o.candidates |= cands
            if ref is not None:
                o.paths.append((path_of(a), ref == c.ref))
                o.named.append(ref)
                o.own += ref != c.ref and ref in own
                o.causes.append(cause if ref == c.ref else None)
                o.candidates.add(ref)
        solver_outcome(pack, df[df["dataset"] == ds], c, o)
        outs.append(o)
    for d in dirs:
        shutil.rmtree(d)
    return outs


def _pct(num: int, den: int) -> str:
    return "–" if den == 0 else f"{100.0 * num / den:.1f} %"


def summarize(rows: list[tuple[Corruption, Outcome]], types: tuple[str, ...]) -> list[dict]:
    table = []
    for kind in (*types, "all", "confounded"):
        if kind == "confounded":
            sel = [(c, o) for c, o in rows if c.confounded]
        else:
            sel = [(c, o) for c, o in rows if not c.confounded and kind in ("all", c.kind)]
        n = len(sel)
        det = [(c, o) for c, o in sel if o.detected]
        named = sum(len(o.named) for _, o in sel)
        right = sum(sum(1 for r in o.named if r == c.ref) for c, o in sel)
        own = sum(o.own for _, o in sel)
        top1 = sum(1 for c, o in sel if o.named and set(o.named) == {c.ref})
        recall = sum(1 for c, o in det if c.ref in o.candidates)
        ok_named = [(c, o) for c, o in sel if c.ref in o.named]
        cause_ok = sum(1 for c, o in ok_named if EXPECTED_CAUSE[c.kind] in o.causes)
        s_det = [(c, o) for c, o in sel if o.s_detected]
        s_named = sum(1 for _, o in sel if o.s_named)
        s_right = sum(1 for c, o in sel if c.ref in o.s_named)
        s_top1 = sum(1 for c, o in sel if o.s_named and c.ref in o.s_named)
        s_recall = sum(1 for c, o in s_det if c.ref in o.s_candidates)
        s_cause = sum(1 for c, o in sel if c.ref in o.s_named
                      and o.s_cause == EXPECTED_CAUSE[c.kind])
        table.append({
            "type": kind, "n": n,
            "detected": _pct(len(det), n), "top1": _pct(top1, n),
            "precision": _pct(right, named), "named": named,
            "precision_seed": _pct(right + own, named),
            "candidate_recall": _pct(recall, len(det)),
            "cause": _pct(cause_ok, len(ok_named)),
            "ceiling": _pct(sum(1 for _, o in sel if o.ceiling), n),
            "s_detected": _pct(len(s_det), n), "s_top1": _pct(s_top1, n),
            "s_precision": _pct(s_right, s_named),
            "s_candidate_recall": _pct(s_recall, len(s_det)),
            "s_cause": _pct(s_cause, s_right),
        })
    return table


def markdown(table: list[dict], meta: dict[str, Any]) -> str:
    head = ["type", "n", "detected", "top1", "precision", "named", "precision_seed",
            "candidate_recall", "cause", "ceiling", "s_detected", "s_top1", "s_precision",
            "s_candidate_recall", "s_cause"]
    lines = [
        "# Diagnosis: injected-fault benchmark",
        "",
        f"`python benchmarks/bench_diagnosis.py {meta['args']}` — {meta['corruptions']} "
        f"corruptions over the five samples, one at a time, seed {meta['seed']}, "
        f"{meta['seconds']:.0f} s on this machine. Columns (see the script's docstring): the "
        "report of `drsmcheck.report.validate()` (detected, top-1, precision of named "
        "suspects, candidate recall, cause accuracy), the ceiling (consistency alone singles "
        "the corrupted figure out: exact localization without typist priors), and `s_*`: the "
        "exact solver with typist priors on the same relations, before it is wired in. "
        "Rows per slip and `all` count the figures whose relations hold in the clean sample; "
        "`confounded` (all slips) the figures already in a failing relation, where a second "
        "error is seeded beside the sample's own.",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for row in table:
        lines.append("| " + " | ".join(str(row[h]) for h in head) + " |")
    lines += ["", "Per sample (all types):", "", "| sample | n | detected | top1 | precision |"
              " ceiling | s_top1 | s_precision |", "|---|---|---|---|---|---|---|---|"]
    for s, row in meta["per_sample"].items():
        lines.append(f"| {s} | {row['n']} | {row['detected']} | {row['top1']} | "
                     f"{row['precision']} | {row['ceiling']} | {row['s_top1']} | "
                     f"{row['s_precision']} |")
    lines += ["", "Precision per naming path (suspects named; figures in relations that hold / "
              "confounded):", "", "| path | named | precision | named (confounded) | "
              "precision (confounded) |", "|---|---|---|---|---|"]
    for path, row in meta["paths"].items():
        lines.append(f"| {path} | {row['named']} | {row['precision']} | {row['c_named']} | "
                     f"{row['c_precision']} |")
    m = meta.get("model")
    if m:
        lines += ["", f"What the typist model allows (the {m['n']} figures in relations that "
                  "hold; `model_ceiling`):", "", "| outcome | n |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in m["classes"].items()]
        lines += ["", "Ties by number of minimum-cost repairs: " + ", ".join(
            f"{k}: {v}" for k, v in m["ties"].items()) + f". Top-1 if every unique optimum is "
            f"named (no guess): **{m['ceiling']}**; naming one tied figure at random: top-1 "
            f"{m['guess_top1']} at a precision of {m['guess_precision']}."]
    return "\n".join(lines) + "\n"


def model_ceiling(rows: list[tuple[Corruption, Outcome]]) -> dict[str, Any]:
    """What top-1 the typist model allows on these corruptions (figures in relations that
    hold): each detected case the report does not single out, read off the solver's view —
    a tie (k minimum-cost repairs, the corrupted figure's among them, equally likely under
    the model), another repair strictly cheaper, a wrong figure named. The ceiling without
    guessing counts every case whose corrupted figure is the unique optimum; naming one of
    the k tied figures at random would add 1/k per tie and cost the precision the rest."""
    sel = [(c, o) for c, o in rows if not c.confounded]
    n = len(sel)
    classes: Counter[str] = Counter()
    ties: Counter[int] = Counter()
    for c, o in sel:
        opt = (o.why or {}).get("optimal") or []
        mine = [sol for sol in opt if c.ref in sol["ids"]]
        if not o.detected:
            classes["not detected"] += 1
        elif o.named and set(o.named) == {c.ref}:
            classes["named, the corrupted figure (top-1)"] += 1
        elif o.named and c.ref not in o.named:
            classes["named, a wrong figure"] += 1
        elif mine and len(opt) > 1:
            classes["tie: k minimum-cost repairs, the corrupted figure's among them"] += 1
            ties[len(opt)] += 1
        elif mine:
            classes["the unique optimum, yet not named"] += 1
        elif opt:
            classes["another repair strictly cheaper"] += 1
        else:
            classes["no localization problem holds it"] += 1
    top1 = classes["named, the corrupted figure (top-1)"]
    honest = top1 + classes["the unique optimum, yet not named"]
    tied = sum(ties.values())
    gain = sum(v / k for k, v in ties.items())
    return {"n": n, "classes": dict(classes.most_common()), "ties": dict(sorted(ties.items())),
            "ceiling": _pct(honest, n), "guess_top1": f"{100 * (honest + gain) / n:.1f} %"
            if n else "–", "guess_precision": f"{100 * (honest + gain) / (honest + tied):.1f} %"
            if honest + tied else "–"}


def per_path(rows: list[tuple[Corruption, Outcome]]) -> dict[str, dict[str, Any]]:
    """Named suspects and their precision per naming path (`path_of`)."""
    count: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c, o in rows:
        for path, right in o.paths:
            k = 2 if c.confounded else 0
            count[path][k] += 1
            count[path][k + 1] += right
    return {p: {"named": n, "precision": _pct(r, n), "c_named": cn, "c_precision": _pct(cr, cn)}
            for p, (n, r, cn, cr) in sorted(count.items())}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--types", default=",".join(TYPES))
    ap.add_argument("--per-type", type=int, default=None,
                    help="at most this many corruptions per sample and type (default: all)")
    ap.add_argument("--samples", default=",".join(SAMPLES))
    ap.add_argument("--batch", type=int, default=60, help="copies validated per call")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--refs", default=None,
                    help="only corrupt figures whose ref matches this regular expression "
                         "(e.g. 'etm\\.opinions': the weights of a weighted mean)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "diagnosis.md")
    ap.add_argument("--json", type=Path, default=None, help="also write every outcome here")
    ap.add_argument("--cases", type=Path, default=None,
                    help="the corruptions of an earlier --json run, instead of drawing them "
                         "(the same cases on another version of the code)")
    args = ap.parse_args(argv)
    types = tuple(t for t in args.types.split(",") if t)
    # each corrupted copy stands for a report validated on its own: the run-wide cap on the
    # figures the exact localization reads (a speed guard for national runs) must not leave the
    # later copies of a 120-copy batch without a suspect (BFC: 120 × 1 000 figures)
    budget.LOCALIZE_BUDGET = 10 ** 12
    rules_dir = default_rules_dir()
    pack = load_rules(rules_dir)
    t0 = time.time()
    results: list[tuple[Corruption, Outcome]] = []
    with tempfile.TemporaryDirectory(prefix="bench-diag-") as tmp:
        work = Path(tmp)
        for name in args.samples.split(","):
            sample = ROOT / "samples" / name
            if args.cases is not None:
                cs = [Corruption(**o["corruption"]) for o in json.loads(
                    args.cases.read_text(encoding="utf-8"))["outcomes"]
                    if o["corruption"]["sample"] == name]
            else:
                cs = corruptions(pack, sample, types, args.per_type, args.seed, args.refs)
            clean = work / f"{name}.clean"
            write_copy(sample, clean, f"{name}.clean", None)
            base = validate([clean], rules_dir)
            baseline = {signature(a) for a in base["anomalies"]}
            own = {norm_ref(a["suspect"]["ref"]) for a in base["anomalies"]
                   if (a.get("suspect") or {}).get("ref")}
            shutil.rmtree(clean)
            for i in range(0, len(cs), args.batch):
                batch = cs[i:i + args.batch]
                results += list(zip(batch, run_batch(pack, rules_dir, sample, batch, baseline,
                                                     work, own), strict=True))
                print(f"{name}: {min(i + args.batch, len(cs))}/{len(cs)} "
                      f"({time.time() - t0:.0f} s)", file=sys.stderr)
    table = summarize(results, types)
    per_sample = {}
    for name in args.samples.split(","):
        sel = [(c, o) for c, o in results if c.sample == name]
        per_sample[name] = summarize(sel, types)[-2]
    meta = {"args": " ".join(argv if argv is not None else sys.argv[1:]),
            "corruptions": len(results), "seed": args.seed, "seconds": time.time() - t0,
            "per_sample": per_sample, "paths": per_path(results),
            "model": model_ceiling(results)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(markdown(table, meta), encoding="utf-8")
    print(markdown(table, meta))
    if args.json:
        args.json.write_text(json.dumps({"table": table, "meta": meta, "outcomes": [
            {"corruption": c.__dict__, "outcome": {**o.__dict__, "candidates": sorted(
                o.candidates), "s_candidates": sorted(o.s_candidates)}}
            for c, o in results]}, indent=1, ensure_ascii=False), encoding="utf-8")
    counts = Counter(c.kind for c, _ in results)
    print(dict(counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
