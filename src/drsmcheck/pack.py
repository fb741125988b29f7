"""Layered rule packs: the shipped national pack, extended by a project's packs and config.

Like ruff's `extend`: a user's pack adds entities, indicators and rules to the shipped one,
overrides a shipped rule by giving its id, and disables rules by id, without copying anything.
Layers, first to last: the shipped pack (unless `extend: false` or `--no-default-rules`), the
packs the project config lists, then `--rules DIR`. A pack folder may hold a `pack.yaml`:

    extend: false        # this pack stands alone (the shipped one is not loaded under it)
    disable: [rule.id]   # rules of earlier layers to switch off

The project config is `drsmcheck.yaml` or `[tool.drsmcheck]` in `pyproject.toml`, the first
found from the working directory upward (the keys: `rules`, `extend`, `disable`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError
from .reference import Reference, load_reference
from .rules import Rule, RulePack, default_rules_dir, load_rule_files, raise_all
from .yamlfile import LDict, check_keys, did_you_mean, load_yaml

MANIFEST = "pack.yaml"
CONFIG_FILES = ("drsmcheck.yaml", "pyproject.toml")
CONFIG_KEYS = {"rules", "extend", "disable"}


@dataclass
class Disable:
    """A rule id to switch off, and where that was asked (for an unknown id's message)."""

    id: str
    file: str
    line: int | None


@dataclass
class Layers:
    """Which packs to load, in order, and which rules to disable."""

    packs: list[Path] = field(default_factory=list)
    disable: list[Disable] = field(default_factory=list)
    config: Path | None = None


def find_config(start: Path) -> Path | None:
    """The project config for `start`: the nearest drsmcheck.yaml, or pyproject.toml with a
    [tool.drsmcheck] table, searching the folder and its parents."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        candidate = folder / "drsmcheck.yaml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and "drsmcheck" in _pyproject(candidate).get("tool", {}):
            return candidate
    return None


def _pyproject(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(str(path), None, f"cannot read pyproject.toml: {exc}",
                         "fix the TOML syntax, or remove the [tool.drsmcheck] table") from None


def _read_config(path: Path) -> tuple[dict[str, Any], str]:
    """The config mapping and its display name; a pyproject table has no line numbers."""
    from .loader import display_path

    if path.name == "pyproject.toml":
        table = _pyproject(path)["tool"]["drsmcheck"]
        display = f"{display_path(path)} [tool.drsmcheck]"
        if not isinstance(table, dict):
            raise InputError(display, None, "[tool.drsmcheck] must be a table")
        unknown = sorted(set(table) - CONFIG_KEYS)
        if unknown:
            raise InputError(display, None, f"unknown key {unknown[0]!r}",
                             did_you_mean(unknown[0], CONFIG_KEYS) or
                             f"keys: {', '.join(sorted(CONFIG_KEYS))}")
        return table, display
    display = display_path(path)
    data = load_yaml(path, display)
    if data is None:
        return {}, display
    return check_keys(data, display, "project config", CONFIG_KEYS), display


def _line(data: Any, key: str) -> int | None:
    return data.line_of(key) if isinstance(data, LDict) else None


def _bool(data: Any, key: str, display: str) -> bool:
    value = data.get(key, True)
    if not isinstance(value, bool):
        raise InputError(display, _line(data, key), f"'{key}' must be true or false")
    return value


def _ids(data: Any, key: str, display: str) -> list[Disable]:
    value = data.get(key) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InputError(display, _line(data, key), f"'{key}' must be a list of rule ids",
                         f"{key}: [bounds.percent]")
    lines = getattr(value, "item_lines", None) or []
    return [Disable(v, display, lines[i] if i < len(lines) else _line(data, key))
            for i, v in enumerate(value)]


def _manifest(pack: Path) -> tuple[bool, list[Disable]]:
    """(extends the packs under it?, rules it disables) from a pack's pack.yaml."""
    path = pack / MANIFEST
    if not path.is_file():
        return True, []
    display = str(path)
    data = load_yaml(path, display)
    if data is None:
        return True, []
    data = check_keys(data, display, "pack manifest", {"extend", "disable", "description"})
    return _bool(data, "extend", display), _ids(data, "disable", display)


def resolve_layers(rules: Path | None = None, *, defaults: bool = True,
                   cwd: Path | None = None, use_config: bool = True) -> Layers:
    """The packs to load for a command line: shipped pack, config's packs, `--rules`."""
    layers = Layers()
    extra: list[Path] = []
    if use_config:
        layers.config = find_config(cwd or Path.cwd())
    if layers.config is not None:
        data, display = _read_config(layers.config)
        defaults = defaults and _bool(data, "extend", display)
        layers.disable += _ids(data, "disable", display)
        listed = data.get("rules") or []
        if isinstance(listed, str):
            listed = [listed]
        if not isinstance(listed, list) or not all(isinstance(p, str) for p in listed):
            raise InputError(display, _line(data, "rules"),
                             "'rules' must be a folder or a list of folders", "rules: [my_pack]")
        for item in listed:
            folder = (layers.config.parent / item)
            if not folder.is_dir():
                raise InputError(display, _line(data, "rules"), f"rule pack folder {item!r} "
                                 "not found", "paths are relative to the config file")
            extra.append(folder)
    if rules is not None:
        extra.append(rules)
    for folder in extra:
        if not folder.is_dir():
            raise InputError(str(folder), None, "rule pack folder not found",
                             "--rules takes a folder holding reference/ and/or checks/")
        if folder.resolve() == default_rules_dir():
            continue  # the shipped pack named explicitly: it is loaded once, first
        extend, disable = _manifest(folder)
        if not extend:
            defaults = False
            layers.packs = []  # a standalone pack replaces what came before it
        layers.packs.append(folder)
        layers.disable += disable
    if defaults:
        layers.packs.insert(0, default_rules_dir())
    if not layers.packs:
        layers.packs.append(default_rules_dir())
    return layers


def load_layers(layers: Layers) -> RulePack:
    """Load every layer into one pack (cached by the layers' content), then disable rules."""
    from .plancache import cached

    pack = cached(list(layers.packs), lambda: _build(layers.packs).warm())
    return _disable(pack, layers.disable)


def _build(packs: list[Path]) -> RulePack:
    """References first (rules of any layer may use any indicator), then rules; a later rule
    with an earlier id overrides it."""
    layers = Layers(packs=packs)
    ref = Reference()
    first = layers.packs[0]
    errors: list[InputError] = []
    for i, folder in enumerate(layers.packs):
        try:
            load_reference(folder, ref, layer=i > 0)
        except InputError as exc:
            errors.append(exc)
    raise_all(errors)
    rules: dict[str, Rule] = {}
    overrides: dict[str, Rule] = {}
    for i, folder in enumerate(layers.packs):
        found, errs = load_rule_files(folder, ref, layer=i > 0)
        errors += errs
        for rule in found:
            if rule.id in rules:
                overrides[rule.id] = rules[rule.id]
            rules[rule.id] = rule
    raise_all(errors)
    pack = RulePack(path=layers.packs[-1] if len(layers.packs) > 1 else first, reference=ref,
                    rules=list(rules.values()))
    pack.layers = list(layers.packs)
    pack.overridden = {rid: f"{r.file}:{r.line}" for rid, r in sorted(overrides.items())}
    return pack


def _disable(pack: RulePack, disable: list[Disable]) -> RulePack:
    rules = {r.id: r for r in pack.rules}
    errors: list[InputError] = []
    disabled: list[str] = []
    for d in disable:
        if d.id not in rules:
            errors.append(InputError(d.file, d.line, f"cannot disable unknown rule {d.id!r}",
                                     did_you_mean(d.id, rules) or "`drsmcheck rules list` "
                                     "shows the rule ids"))
            continue
        del rules[d.id]
        disabled.append(d.id)
    raise_all(errors)
    pack.rules = list(rules.values())
    pack.disabled = sorted(disabled)
    return pack


def load_pack(rules: Path | None = None, *, defaults: bool = True,
              cwd: Path | None = None) -> RulePack:
    """The rule pack a command runs with (see the module docstring)."""
    return load_layers(resolve_layers(rules, defaults=defaults, cwd=cwd))
