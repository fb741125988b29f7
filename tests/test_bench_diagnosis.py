"""The diagnosis benchmark runs end to end and records why each corruption was (not) named.

Not a timing or a threshold test: benchmarks/bench_diagnosis.py measures the diagnosis; this
guards its ground truth on a small draw (the PRADO weights, the ratio guard, the paths).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_weights_are_corrupted_and_each_suspect_has_a_path(tmp_path: Path) -> None:
    out, js = tmp_path / "d.md", tmp_path / "d.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_diagnosis.py"), "--samples",
         "drsm-bfc-2019", "--refs", r"^(58|BFC)\|2019\|etm\.opinions@", "--types", "x10,sign",
         "--out", str(out), "--json", str(js)],
        capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(js.read_text(encoding="utf-8"))
    rows = data["outcomes"]
    # the weights of the ETM weighted mean are corrupted (they are in that relation)
    assert {r["corruption"]["ref"].split("@")[0] for r in rows} == {
        "58|2019|etm.opinions", "BFC|2019|etm.opinions"}
    assert len(rows) == 4 and all(r["outcome"]["detected"] for r in rows)
    for r in rows:
        o = r["outcome"]
        assert len(o["paths"]) == len(o["named"])          # one naming path per suspect
        assert o["why"]["kinds"] and o["why"]["optimal"]    # the solver's view is recorded
        # a weight typed ×10 or with a sign is named, and nothing else is
        assert set(o["named"]) == {r["corruption"]["ref"]}, r
    text = out.read_text(encoding="utf-8")
    assert "Precision per naming path" in text and "| min-cost repair (rollup) |" in text


def test_only_figures_tied_to_others_are_corrupted() -> None:
    # a one-figure comparison (Occitanie's `gdr.rank.* >= 1`) is a bound, not a relation; a
    # weight counts only where its weighted mean is evaluable (Alsace-Moselle prints no
    # regional confirmed-expertise rate, so the ELSM's L 141-1 counts weight nothing); and a
    # zero typed ×10 is the same figure
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import bench_diagnosis as bench
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    from drsmcheck.rules import default_rules_dir, load_rules

    pack = load_rules(default_rules_dir())
    occ = bench.corruptions(pack, ROOT / "samples" / "drsm-occitanie-2019", bench.TYPES, None,
                            11, r"gdr\.rank")
    assert occ == []
    am = bench.corruptions(pack, ROOT / "samples" / "drsm-alsace-moselle-2018", bench.TYPES,
                           None, 11, r"expertise\.l141_1")
    assert am == []
    bfc = bench.corruptions(pack, ROOT / "samples" / "drsm-bfc-2019", ("x10",), None, 11,
                            r"atmp\.death\.unfavourable_rate@.*page-58\.")
    assert bfc == []
    assert bench.corrupt("0 %", "x10", __import__("random").Random(1)) is None
    # a rate still is: its ratio reads it (as the guard of its rows)
    assert bench.corruptions(pack, ROOT / "samples" / "drsm-bfc-2019", ("sign",), None, 11,
                             r"atmp\.new_lesion\.unfavourable_rate@.*page-58\.")


def test_model_ceiling_counts_ties_and_what_guessing_would_give() -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import bench_diagnosis as bench

    def case(ref: str, named: list[str], optimal: list[list[str]], detected: bool = True,
             confounded: bool = False) -> tuple:
        c = bench.Corruption("s", "digit", ref, "f", 1, 0, "1", "2", confounded)
        o = bench.Outcome(detected=detected, named=named,
                          why={"optimal": [{"ids": ids, "cost": 1.0} for ids in optimal]})
        return c, o

    rows = [case("a", ["a"], [["a"]]),                  # named right
            case("b", [], [["b"], ["c"]]),              # a tie of 2
            case("d", [], [["d"], ["e"], ["f"], ["g"]]),  # a tie of 4
            case("h", [], [["i"]]),                     # another repair cheaper
            case("j", [], [], detected=False),
            case("k", ["z"], [["k"], ["z"]], confounded=True)]   # left out: confounded
    m = bench.model_ceiling(rows)
    assert m["n"] == 5 and m["ties"] == {2: 1, 4: 1}
    assert m["classes"]["tie: k minimum-cost repairs, the corrupted figure's among them"] == 2
    assert m["ceiling"] == bench._pct(1, 5)
    # guessing: 1 + 1/2 + 1/4 right of 5 cases; named 3, of which 1.75 right
    assert m["guess_top1"] == "35.0 %" and m["guess_precision"] == "58.3 %"
