"""The compiled pack is cached between runs, keyed by the pack's content and drsmcheck's code."""

from __future__ import annotations

from drsmcheck import plancache

from packs import make_pack


def test_cache_hits_and_misses(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DRSMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DRSMCHECK_NO_CACHE", raising=False)
    pack = make_pack(tmp_path, "rules: []\n")
    built: list[int] = []

    def build() -> dict:
        built.append(1)
        return {"n": len(built)}

    assert plancache.cached([pack], build) == {"n": 1}
    assert plancache.cached([pack], build) == {"n": 1}  # warm: loaded, not rebuilt
    (pack / "checks" / "t.yaml").write_text("rules: []\n# edited\n", encoding="utf-8")
    assert plancache.cached([pack], build) == {"n": 2}  # the pack changed
    monkeypatch.setattr(plancache, "code_key", lambda: "other code")
    assert plancache.cached([pack], build) == {"n": 3}  # drsmcheck's code changed
    for entry in (tmp_path / "cache").iterdir():
        entry.write_bytes(b"not a pickle")
    assert plancache.cached([pack], build) == {"n": 4}  # a corrupt entry is rebuilt


def test_old_pack_versions_are_pruned(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("DRSMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DRSMCHECK_NO_CACHE", raising=False)
    pack = make_pack(tmp_path, "rules: []\n")
    for i in range(plancache.PACKS_KEPT + 5):
        (pack / "checks" / "t.yaml").write_text(f"rules: []\n# v{i}\n", encoding="utf-8")
        plancache.cached([pack], lambda: {"v": 1})
    kept = list((tmp_path / "cache").glob("pack-*.pickle"))
    assert len(kept) == plancache.PACKS_KEPT


def test_big_dataset_parse_is_cached_by_content(tmp_path, monkeypatch) -> None:
    """A CI gate re-validates mostly unchanged files: a big file's parse is read back from the
    cache, and an edit (same size, one digit) is parsed again, never served stale."""
    from drsmcheck import yamlfile

    monkeypatch.setenv("DRSMCHECK_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("DRSMCHECK_NO_CACHE", raising=False)
    rows = "".join(f"  - {{indicator: x.n{i}, value: '{i}', line: {i + 1}}}\n"
                   for i in range(600))
    path = tmp_path / "big.yaml"
    path.write_text("figures:\n" + rows, encoding="utf-8")
    assert len(path.read_text()) >= yamlfile.CACHE_FROM
    parses: list[int] = []
    real = yamlfile._parse
    monkeypatch.setattr(yamlfile, "_parse", lambda t, n: parses.append(1) or real(t, n))
    first = yamlfile.load_yaml(path)
    again = yamlfile.load_yaml(path)
    assert len(parses) == 1 and again == first
    assert again["figures"][7].line_of("value") == 9  # line numbers survive the cache
    path.write_text("figures:\n" + rows.replace("value: '7'", "value: '8'"), encoding="utf-8")
    edited = yamlfile.load_yaml(path)
    assert len(parses) == 2 and edited["figures"][7]["value"] == "8"
