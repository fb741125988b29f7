"""Load and lint the rules of a rule pack: declarative YAML, parsed, never executed as code."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import expr as E
from .errors import InputError, InputErrors
from .kinds import list_of_str as _list_of_str
from .kinds import registry
from .lint import selector_warnings, tolerance_value
from .reference import Reference, load_reference
from .yamlfile import check_keys, did_you_mean, load_yaml

KIND_MODULES = registry()
BUILT_IN_KINDS = ("non_numeric", "print_unit")
KINDS = tuple(k for k in KIND_MODULES if k not in BUILT_IN_KINDS)
SEVERITIES = ("error", "warning", "info")
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}
COMMON_KEYS = {"id", "kind", "severity", "description", "entities", "periods", "tolerance",
               "exclude"}
KIND_KEYS = {k: (m.KEYS, m.REQUIRED) for k, m in KIND_MODULES.items()}


@lru_cache(maxsize=4096)
def _globs(patterns: tuple[str, ...]) -> re.Pattern[str]:
    """One regex for a selector's globs (fnmatch's own translation, case-sensitive): a pack's
    150 rules × 550 indicators are 80 000 matches, 0.5 s one fnmatch call at a time."""
    return re.compile("|".join(f"(?:{fnmatch.translate(g)})" for g in patterns) or "(?!)")


@dataclass
class Rule:
    """One declarative check, validated against the reference data."""

    id: str
    kind: str
    severity: str
    description: dict[str, str]
    file: str
    line: int
    expr_text: str | None = None
    ast: object = None
    entities: list[str] = field(default_factory=lambda: ["*"])
    periods: list[str] = field(default_factory=lambda: ["*"])
    indicators: list[str] = field(default_factory=lambda: ["*"])
    exclude: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)
    tolerance: dict[str, float] | None = None
    hierarchies: list[str] = field(default_factory=list)
    method: str = "sum"
    weight: str | None = None
    mode: str = "non_null"
    min: float | None = None
    max: float | None = None
    consistency_severity: str = "error"  # objective: unit mismatch, wrong attainment rate
    needed: list[str] = field(default_factory=list)      # indicators of the current period
    needed_prev: list[str] = field(default_factory=list)  # indicators used with prev()
    theme: str = ""  # the checks file's stem: rules are filed by theme
    # lint findings that do not stop the run (a selector that matches nothing, …)
    warnings: list[InputError] = field(default_factory=list, compare=False, repr=False)

    def matches_indicator(self, ident: str) -> bool:
        if _globs(tuple(self.indicators)).match(ident) is None:
            return False
        return not self.exclude or _globs(tuple(self.exclude)).match(ident) is None


@dataclass
class RulePack:
    path: Path
    reference: Reference
    rules: list[Rule]
    layers: list[Path] = field(default_factory=list)       # packs loaded, first to last
    overridden: dict[str, str] = field(default_factory=dict)  # rule id → the file:line replaced
    disabled: list[str] = field(default_factory=list)
    # rule id → the catalogue's indicators its selector matches; filled by `warm()` before the
    # pack is cached, so a run does not fnmatch every rule against every indicator again
    matching: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False, repr=False)

    def indicators_matching(self, rule: Rule) -> tuple[str, ...]:
        found = self.matching.get(rule.id)
        if found is None:
            found = tuple(i for i in sorted(self.reference.indicators)
                          if rule.matches_indicator(i))
            self.matching[rule.id] = found
        return found

    def warm(self) -> RulePack:
        """Compute what every run derives from the pack alone (then pickled with it)."""
        self.matching.clear()
        for rule in self.rules:
            self.indicators_matching(rule)
        return self


def parse_rule(spec: Any, file: str, ref: Reference) -> Rule:
    """Validate one rule mapping; raise InputError with file:line and a hint."""
    line = getattr(spec, "line", 0)
    if not isinstance(spec, dict):
        raise InputError(file, line, "each rule must be a mapping")
    kind = spec.get("kind")
    if kind not in KINDS:
        kline = spec.line_of("kind") if "kind" in spec else line
        raise InputError(file, kline, f"unknown rule kind {kind!r}",
                         did_you_mean(str(kind), KINDS) or f"kinds: {', '.join(KINDS)}")
    extra, required = KIND_KEYS[kind]
    check_keys(spec, file, f"{kind} rule", COMMON_KEYS | extra,
               {"id", "kind", "severity", "description"} | required)
    rid = spec["id"]
    if not isinstance(rid, str) or not rid:
        raise InputError(file, spec.line_of("id"), "rule id must be a non-empty string")
    severity = spec["severity"]
    if severity not in SEVERITIES:
        raise InputError(file, spec.line_of("severity"), f"unknown severity {severity!r}",
                         did_you_mean(str(severity), SEVERITIES) or "error, warning or info")
    desc = check_keys(spec["description"], file, f"description of {rid}", {"fr", "en"},
                      {"fr", "en"})
    rule = Rule(id=rid, kind=kind, severity=severity,
                description={"fr": str(desc["fr"]), "en": str(desc["en"])}, file=file, line=line)
    rule.entities = _list_of_str(spec, "entities", file, ["*"])
    rule.periods = _list_of_str(spec, "periods", file, ["*"])
    rule.indicators = _list_of_str(spec, "indicators", file, ["*"])
    rule.exclude = _list_of_str(spec, "exclude", file, [])
    if "tolerance" in spec:
        tol = check_keys(spec["tolerance"], file, "tolerance", {"absolute", "relative"})
        if len(tol) != 1:
            raise InputError(file, spec.line_of("tolerance"),
                             "tolerance takes exactly one of 'absolute' or 'relative'")
        (tkey, tval), = tol.items()
        rule.tolerance = {tkey: tolerance_value(tval, file, tol.line_of(tkey))}
    known = sorted(ref.indicators)
    for pattern in rule.indicators:
        if pattern != "*" and not E.expand_glob(pattern, known):
            raise InputError(file, spec.line_of("indicators"),
                             f"'{pattern}' matches no indicator of the catalog",
                             did_you_mean(pattern, known) or "check the indicator ids")
    rule.warnings.extend(selector_warnings(rule, spec, file, ref))
    KIND_MODULES[kind].parse(rule, spec, file, ref)
    return rule


def load_rules(rules_dir: Path) -> RulePack:
    """Load one rule pack on its own: reference data + every `checks/*.yaml`; all errors at once.

    Layered packs (the shipped one extended by a user's) are built by `drsmcheck.pack`.
    """
    if not rules_dir.is_dir():
        raise InputError(str(rules_dir), None, "rule pack folder not found",
                         "--rules takes a folder holding reference/ and checks/")
    ref = load_reference(rules_dir)
    rules, errors = load_rule_files(rules_dir, ref)
    raise_all(errors)
    return RulePack(path=rules_dir, reference=ref, rules=rules)


def load_rule_files(rules_dir: Path, ref: Reference, *, layer: bool = False
                    ) -> tuple[list[Rule], list[InputError]]:
    """Parse every `checks/*.yaml` of a pack against `ref`: the rules, and every error found.

    A pack that only extends another (`layer`) may have no checks/ at all.
    """
    errors: list[InputError] = []
    rules: list[Rule] = []
    seen: dict[str, Rule] = {}
    files = sorted((rules_dir / "checks").glob("*.y*ml"))
    if not files and not layer:
        raise InputError(str(rules_dir / "checks"), None, "rule pack has no checks/*.yaml")
    for path in files:
        file = _display(path, rules_dir)
        try:
            data = check_keys(load_yaml(path, file), file, "rule file", {"rules"}, {"rules"})
            items = data["rules"]
            if not isinstance(items, list):
                raise InputError(file, data.line_of("rules"), "'rules' must be a list")
        except InputError as exc:
            errors.append(exc)
            continue
        for spec in items:
            try:
                rule = parse_rule(spec, file, ref)
            except InputError as exc:
                errors.append(exc)
                continue
            if rule.id in seen:
                first = seen[rule.id]
                errors.append(InputError(file, rule.line, f"rule id {rule.id!r} is already used "
                                         f"at {first.file}:{first.line}", "rule ids are unique"))
                continue
            rule.theme = path.stem
            seen[rule.id] = rule
            rules.append(rule)
    return rules, errors


def raise_all(errors: list[InputError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise InputErrors(errors)


def _display(path: Path, rules_dir: Path) -> str:
    """Relative to the working directory; outside it (the installed shipped pack), relative
    to the pack's parent, like the reference files: `rules/checks/ald.yaml`."""
    from .loader import display_path

    shown = display_path(path)
    if Path(shown).is_absolute():
        try:
            return path.resolve().relative_to(rules_dir.resolve().parent).as_posix()
        except ValueError:
            return shown
    return shown


def default_rules_dir() -> Path:
    """The rule pack shipped with the package (the repository's top-level rules/)."""
    return (Path(__file__).resolve().parent / "rules").resolve()
