"""The shipped national reference data: every région and département, codes exact."""

from __future__ import annotations

from collections import Counter

from drsmcheck.rules import default_rules_dir, load_rules

REF = load_rules(default_rules_dir()).reference


def _kind(kind: str) -> dict[str, dict[str, str]]:
    return {c: e for c, e in REF.entities.items() if e.get("kind") == kind}


def test_101_departements_with_corsica_and_overseas_codes() -> None:
    deps = _kind("departement")
    assert len(deps) == 101
    assert {"2A", "2B", "971", "972", "973", "974", "976"} <= set(deps)
    assert "20" not in deps and "975" not in deps
    assert sorted(c for c in deps if len(c) == 2 and c.isdigit()) == sorted(
        f"{n:02d}" for n in range(1, 96) if n != 20)
    assert deps["2A"]["fr"] == "Corse-du-Sud" and deps["976"]["fund"] == "CSSM"
    assert {c for c, e in deps.items() if e["fund"] == "CGSS"} == {"971", "972", "973", "974"}
    assert {c for c, e in deps.items() if e.get("regime") == "alsace_moselle"} == {"57", "67", "68"}


def test_18_regions_under_france_and_each_departement_in_its_region() -> None:
    regions = _kind("region")
    assert len(regions) == 18 and len({e["insee"] for e in regions.values()}) == 18
    assert sorted(REF.hierarchies["regions"]["FR"]) == sorted(regions)
    per_region = Counter(e["region"] for e in _kind("departement").values())
    assert per_region == {"ARA": 12, "BFC": 8, "BRE": 4, "CVL": 6, "COR": 2, "GE": 10, "HDF": 5,
                          "IDF": 8, "NOR": 5, "NAQ": 12, "OCC": 13, "PDL": 5, "PAC": 6,
                          "GUA": 1, "MTQ": 1, "GUF": 1, "REU": 1, "MAY": 1}
    # the DRSM of a région = the sum of its ELSM: the same départements
    for code in regions:
        assert sorted(REF.hierarchies["elsm"][code]) == sorted(
            c for c, e in _kind("departement").items() if e["region"] == code)


def test_former_regions_and_the_2016_merger() -> None:
    old = _kind("former_region")
    assert {"LR", "MP", "ALS", "LOR", "CHA", "BOU", "FC", "AQU", "LIM", "PC", "AUV", "RA",
            "NPC", "PIC", "BN", "HN"} == set(old)
    deps = _kind("departement")
    by_old = {o: sorted(c for c, e in deps.items() if e.get("former_region") == o) for o in old}
    assert by_old["LR"] == ["11", "30", "34", "48", "66"]
    assert by_old["MP"] == ["09", "12", "31", "32", "46", "65", "81", "82"]
    assert by_old["ALS"] == ["67", "68"] and by_old["LOR"] == ["54", "55", "57", "88"]
    for code, e in old.items():
        assert all(deps[d]["region"] == e["merged_into"] for d in by_old[code]), code


def test_health_insurance_tree_the_samples_rely_on() -> None:
    h = REF.hierarchies
    assert h["merger_2019"]["OCC"] == ["LR", "MP"]
    assert h["elsm"]["LR"] == ["11", "30", "34", "48", "66"]
    assert h["elsm"]["AM"] == ["57", "67", "68"]
    assert h["elsm"]["BFC"] == ["21", "25", "39", "58", "70", "71", "89", "90"]
    assert sorted(h["merger_2019"]["GE"]) == ["AM", "NE"]
    assert sorted(h["elsm"]["AM"] + h["elsm"]["NE"]) == sorted(h["elsm"]["GE"])
