"""Reference data of a rule pack: the entity tree and the indicator catalog.

A pack may be one layer of several (the shipped national pack, then a user's pack): each
loader adds to the same `Reference`, and refuses what would silently change an earlier layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .errors import InputError
from .yamlfile import LDict, LList, check_keys, did_you_mean, load_yaml

UNITS = ("count", "percent", "eur", "keur", "meur", "days", "points", "number")
DIRECTIONS = ("higher", "lower")
ENTITY_KINDS = ("country", "region", "former_region", "drsm", "departement", "fund", "other")
# optional entity attributes (besides the fr / en labels); the ones naming an entity are checked
ENTITY_KEYS = {"kind", "insee", "region", "former_region", "merged_into", "fund", "regime"}
ENTITY_LINKS = ("region", "former_region", "merged_into")


@dataclass(frozen=True)
class Indicator:
    """What a figure measures: labels, unit, whether it sums across entities, which way is better."""

    id: str
    fr: str
    en: str
    unit: str
    additive: bool
    direction: str | None
    theme: str
    file: str
    line: int


@dataclass
class Reference:
    """Entities, named hierarchies (parent → children) and indicators of a rule pack."""

    entities: dict[str, dict[str, str]] = field(default_factory=dict)
    hierarchies: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    indicators: dict[str, Indicator] = field(default_factory=dict)
    # where each entity / hierarchy parent was declared (file, line): messages of later layers
    entity_sources: dict[str, tuple[str, int | None]] = field(default_factory=dict)

    def edges(self) -> list[tuple[str, str, str]]:
        """(hierarchy, parent, child) rows, sorted, for the rollup queries."""
        return sorted(
            (h, parent, child)
            for h, tree in self.hierarchies.items()
            for parent, children in tree.items()
            for child in children
        )

    def entity_label(self, code: str, lang: str = "fr") -> str:
        return self.entities.get(code, {}).get(lang, code)

    def themes(self) -> list[str]:
        return sorted({ind.theme for ind in self.indicators.values()})


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


def load_entities(path: Path, ref: Reference, display: str) -> None:
    """Add a file's entities and hierarchies to `ref`.

    A later layer may add entities, relabel one, add a hierarchy or a parent to one, or give a
    parent another list of children (that list replaces the earlier one).
    """
    data = check_keys(load_yaml(path, display), display, "entities file",
                      {"entities", "hierarchies"}, {"entities"})
    entities = data["entities"]
    if not isinstance(entities, dict):
        raise InputError(display, data.line_of("entities"), "'entities' must be a mapping")
    for code, labels in entities.items():
        line = entities.line_of(code) if isinstance(entities, LDict) else None
        if not isinstance(code, str):
            raise InputError(display, line, f"entity code {code!r} must be a string",
                             'quote département codes: "09"')
        labels = check_keys(labels, display, f"entity {code!r}", {"fr", "en"} | ENTITY_KEYS,
                            {"fr", "en"})
        kind = labels.get("kind")
        if kind is not None and kind not in ENTITY_KINDS:
            raise InputError(display, labels.line_of("kind"), f"unknown entity kind {kind!r}",
                             did_you_mean(str(kind), ENTITY_KINDS) or
                             f"kinds: {', '.join(ENTITY_KINDS)}")
        ref.entities[code] = {str(k): str(v) for k, v in labels.items() if v is not None}
        ref.entity_sources[code] = (display, line)
    for code, labels in entities.items():
        for key in ENTITY_LINKS:
            target = labels.get(key)
            if target is not None and str(target) not in ref.entities:
                raise InputError(display, labels.line_of(key),
                                 f"entity {code!r}: {key} {target!r} is not a declared entity",
                                 did_you_mean(str(target), ref.entities) or
                                 "declare it under 'entities' too")
    hierarchies = data.get("hierarchies") or {}
    if not isinstance(hierarchies, dict):
        raise InputError(display, data.line_of("hierarchies"),
                         "'hierarchies' must map hierarchy names to trees",
                         "hierarchies: {merger_2019: {OCC: [LR, MP]}}")
    for name, tree in hierarchies.items():
        if not isinstance(tree, dict):
            raise InputError(display, hierarchies.line_of(name),
                             f"hierarchy {name!r} must map parents to lists of children")
        ref.hierarchies.setdefault(name, {})
        for parent, children in tree.items():
            line = tree.line_of(parent)
            if not isinstance(children, list):
                raise InputError(display, line, f"children of {parent!r} must be a list")
            for code in [parent, *children]:
                if not isinstance(code, str):
                    raise InputError(display, line, f"entity code {code!r} in hierarchy {name!r} "
                                     "must be a string", 'quote département codes: "09"')
                if code not in ref.entities:
                    raise InputError(display, line, f"unknown entity {code!r} in hierarchy {name!r}",
                                     did_you_mean(str(code), ref.entities) or
                                     "declare it under 'entities' first: "
                                     + entity_yaml(str(code)))
            if len(set(children)) != len(children):
                raise InputError(display, line, f"{parent!r} lists a child twice in {name!r}")
            ref.hierarchies[name][parent] = [str(c) for c in children]
        _check_acyclic(name, ref.hierarchies[name], display, tree)


def entity_yaml(code: str) -> str:
    """The one-line YAML that declares an entity (what a hint shows a user to add)."""
    return f'entities: {{"{code}": {{fr: "…", en: "…"}}}}'


def indicator_yaml(ident: str, unit: str = "count") -> str:
    """The one-line YAML that declares an indicator (what a hint shows a user to add)."""
    additive = "true" if unit in ("count", "eur", "keur", "meur", "days") else "false"
    return f'indicators: {{{ident}: {{fr: "…", en: "…", unit: {unit}, additive: {additive}}}}}'


def declare_entity_hint(code: str) -> str:
    return (f"declare it in your own pack's reference/entities.yaml: {entity_yaml(code)} "
            "(then pass --rules <your pack>; it extends the shipped one)")


def declare_indicator_hint(ident: str, unit: str = "count") -> str:
    theme = ident.split(".")[0]
    return (f"declare it in your own pack's reference/indicators/{theme}.yaml: "
            f"{indicator_yaml(ident, unit)} (then pass --rules <your pack>; it extends the "
            "shipped one)")


def _check_acyclic(name: str, tree: dict[str, list[str]], file: str, lines: LDict) -> None:
    """Refuse a cycle, naming it and the line of the parent whose list closes it.

    Iterative depth-first search: a pack with a very long chain of entities cannot exhaust
    the Python stack.
    """
    state: dict[str, int] = {}
    for root in sorted(tree):
        if state.get(root):
            continue
        path: list[str] = [root]
        stack = [iter(tree.get(root, []))]
        state[root] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
                continue
            if state.get(child) == 1:
                cycle = " → ".join([*path[path.index(child):], child])
                raise InputError(file, lines.line_of(path[-1]),
                                 f"hierarchy {name!r} has a cycle: {cycle}",
                                 "an entity cannot be its own ancestor")
            if state.get(child) == 2:
                continue
            state[child] = 1
            path.append(child)
            stack.append(iter(tree.get(child, [])))


def load_indicators(path: Path, ref: Reference, display: str) -> None:
    data = check_keys(load_yaml(path, display), display, "indicator catalog", {"indicators"},
                      {"indicators"})
    items = data["indicators"]
    if not isinstance(items, dict):
        raise InputError(display, data.line_of("indicators"), "'indicators' must be a mapping")
    for ident, spec in items.items():
        line = items.key_lines.get(ident, items.line) if isinstance(items, LDict) else 0
        if not isinstance(ident, str) or not _valid_id(ident):
            raise InputError(display, line, f"invalid indicator id {ident!r}",
                             "use dotted lowercase ids like ald.admission.total")
        check_keys(spec, display, f"indicator {ident!r}",
                   {"fr", "en", "unit", "additive", "direction", "theme"},
                   {"fr", "en", "unit", "additive"})
        unit = spec["unit"]
        if unit not in UNITS:
            raise InputError(display, spec.line_of("unit"), f"unknown unit {unit!r}",
                             did_you_mean(str(unit), UNITS) or f"units: {', '.join(UNITS)}")
        if not isinstance(spec["additive"], bool):
            raise InputError(display, spec.line_of("additive"), "'additive' must be true or false")
        direction = spec.get("direction")
        if direction is not None and direction not in DIRECTIONS:
            raise InputError(display, spec.line_of("direction"),
                             f"direction must be 'higher' or 'lower', got {direction!r}")
        ind = Indicator(ident, str(spec["fr"]), str(spec["en"]), unit, spec["additive"],
                        direction, str(spec.get("theme") or path.stem), display, line)
        old = ref.indicators.get(ident)
        if old:
            what = ("with another unit, additivity or direction"
                    if (old.unit, old.additive, old.direction) != (unit, ind.additive, direction)
                    else "too")
            raise InputError(display, line,
                             f"indicator {ident!r} is also declared in {old.file}:{old.line} {what}",
                             "an indicator is defined once in the whole pack (all layers): keep "
                             f"the declaration in {old.file} and remove this one")
        ref.indicators[ident] = ind


def _valid_id(ident: str) -> bool:
    import re

    return re.fullmatch(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*", ident) is not None


def load_reference(rules_dir: Path, ref: Reference | None = None, *,
                   layer: bool = False) -> Reference:
    """Load `reference/entities.yaml` and every `reference/indicators/*.yaml` of a rule pack.

    With `layer`, the pack extends `ref` (loaded from earlier layers): its entities.yaml is
    optional, and its indicators must be new.
    """
    ref = Reference() if ref is None else ref
    ref_dir = rules_dir / "reference"
    entities = ref_dir / "entities.yaml"
    if entities.is_file():
        load_entities(entities, ref, _rel(entities, rules_dir))
    elif not layer:
        raise InputError(str(rules_dir), None, "rule pack has no reference/entities.yaml",
                         "point --rules at a rule pack folder (like the shipped rules/)")
    for path in sorted((ref_dir / "indicators").glob("*.y*ml")):
        load_indicators(path, ref, _rel(path, rules_dir))
    return ref


__all__ = ["Indicator", "Reference", "load_reference", "UNITS", "LList"]
