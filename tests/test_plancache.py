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
