"""What a rule pack says, in words: `rules list`, `rules explain` and the rule reference in docs/.

Everything here is derived from the loaded pack, so the reference cannot drift from the rules.
"""

from __future__ import annotations

from . import expr as E
from .formatting import fmt_with_unit
from .intervals import Env, Interval, eval_num
from .reference import Reference
from .rules import Rule, RulePack

SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


def rule_indicators(rule: Rule, ref: Reference) -> list[str]:
    """The indicator ids a rule reads (selectors expanded), sorted."""
    if rule.kind == "equation":
        return sorted(set(rule.needed) | set(rule.needed_prev))
    ids = [i for i in sorted(ref.indicators) if rule.matches_indicator(i)]
    if rule.kind == "bounds" and rule.units:
        ids = [i for i in ids if ref.indicators[i].unit in rule.units]
    if rule.kind == "rollup":
        ids = [i for i in ids if ref.indicators[i].additive or rule.method == "weighted_mean"]
    if rule.weight:
        ids = sorted({*ids, rule.weight})
    return ids


def selector_text(rule: Rule) -> str:
    """The rule's relation or selectors in one line."""
    if rule.kind == "equation":
        return " ".join((rule.expr_text or "").split())
    parts = [f"indicators: {', '.join(rule.indicators)}"]
    if rule.exclude:
        parts.append(f"exclude: {', '.join(rule.exclude)}")
    if rule.kind == "rollup":
        parts.append(f"hierarchies: {', '.join(rule.hierarchies)}; method: {rule.method}"
                     + (f" (weight {rule.weight})" if rule.weight else "") + f"; mode: {rule.mode}")
    if rule.kind == "bounds":
        if rule.units:
            parts.append(f"units: {', '.join(rule.units)}")
        parts.append(f"min: {rule.min}, max: {rule.max}")
    if rule.entities != ["*"]:
        parts.append(f"entities: {', '.join(rule.entities)}")
    return "; ".join(parts)


# -- an example that satisfies the rule --------------------------------------------------------

def _seed_value(ident: str, ref: Reference, k: int) -> float:
    unit = ref.indicators[ident].unit if ident in ref.indicators else "count"
    if unit == "percent":
        return [40.0, 25.0, 15.0, 10.0, 5.0][k % 5]
    if unit in ("meur", "keur"):
        return [12.5, 4.25, 3.75, 2.0][k % 4]
    return float([1200, 450, 300, 150, 90, 60][k % 6])


def _single(node: object) -> str | None:
    return node.id if isinstance(node, E.Ind) else None


def example(rule: Rule, ref: Reference, lang: str = "en") -> list[tuple[str, str]] | None:
    """(indicator, printed value) pairs of one record on which an equation rule holds, or None
    when the relation is not of the form `x <op> f(others)` (then no example is made up)."""
    node = rule.ast
    if not isinstance(node, E.Cmp):
        return None
    target, other = _single(node.left), node.right
    if target is None:
        target, other = _single(node.right), node.left
    if target is None:
        return None
    env_ids = [i for i in rule_indicators(rule, ref) if i != target]
    values = {i: Interval.point(_seed_value(i, ref, k)) for k, i in enumerate(env_ids)}
    # prev(x): the previous period's figure, a quarter higher than this period's
    prev = {i: Interval.point(values[i].mid * 1.25 if i in values else _seed_value(i, ref, 0))
            for i in rule.needed_prev}
    try:
        got = eval_num(other, Env(values, prev, sorted(ref.indicators)))
    except (ZeroDivisionError, TypeError, ValueError):
        return None
    if got is None:
        return None
    v = got.mid
    if node.op in ("<", "<=") and target == _single(node.left) or node.op in (">", ">=") and \
            target == _single(node.right):
        v = v * 0.8
    elif node.op in ("<", "<=", ">", ">="):
        v = v * 1.25
    elif node.op == "!=":
        v = v + 1
    unit = ref.indicators[target].unit
    if unit == "count":
        if abs(v - round(v)) > 1e-9 and node.op == "==":
            return None
        v = round(v)
    decimals = 0 if unit == "count" else 1 if unit == "percent" else 2
    lang = "fr"  # dataset values are printed the French way, as reports print them
    out = [(i, fmt_with_unit(values[i].mid, ref.indicators[i].unit, lang,
                             0 if ref.indicators[i].unit == "count" else decimals))
           for i in env_ids if i in values]
    out.append((target, fmt_with_unit(round(v, decimals), unit, lang, decimals)))
    out += [(f"{i}  # previous period", fmt_with_unit(iv.mid, ref.indicators[i].unit, lang,
                                                     0 if ref.indicators[i].unit == "count"
                                                     else decimals))
            for i, iv in prev.items()]
    return sorted(out)


def explain(rule: Rule, pack: RulePack, lang: str = "en") -> str:
    """A rule in words: what it checks, on what, with an example (for `rules explain`)."""
    ref = pack.reference
    other = "fr" if lang == "en" else "en"
    lines = [f"{rule.id} — {rule.kind}, {rule.severity} (theme {rule.theme or '-'}; "
             f"{rule.file}:{rule.line})", "", rule.description[lang],
             f"  ({other}: {rule.description[other]})", ""]
    lines.append(("relation: " if rule.kind == "equation" else "selects: ") + selector_text(rule))
    if rule.tolerance:
        (k, v), = rule.tolerance.items()
        lines.append(f"tolerance: {k} {v}")
    ids = rule_indicators(rule, ref)
    lines += ["", f"indicators ({len(ids)}):"]
    shown = ids if len(ids) <= 25 else ids[:25]
    for i in shown:
        ind = ref.indicators[i]
        lines.append(f"  {i}  [{ind.unit}{', additive' if ind.additive else ''}] "
                     f"{getattr(ind, lang)}")
    if len(ids) > len(shown):
        lines.append(f"  … and {len(ids) - len(shown)} more")
    ex = example(rule, ref, lang) if rule.kind == "equation" else None
    lines += ["", "example:"]
    if ex:
        lines.append("  figures of one entity and period on which the rule holds:")
        for i, v in ex:
            ident, _, note = i.partition("  # ")
            lines.append(f"    - {{indicator: {ident}, value: \"{v}\"}}"
                         + (f"  # {note}" if note else ""))
    elif rule.kind == "equation":
        lines.append("  any entity and period printing these indicators")
    elif rule.kind == "rollup":
        h = rule.hierarchies[0] if rule.hierarchies else None
        tree = ref.hierarchies.get(h or "", {})
        parent = "OCC" if "OCC" in tree else (sorted(tree)[0] if tree else None)
        if parent:
            kids = tree[parent]
            lines.append(f"  hierarchy {h}: {parent} = "
                         + (" + ".join(kids) if rule.method == "sum" else
                            f"mean of {', '.join(kids)} weighted by {rule.weight}"))
    elif rule.kind == "bounds":
        lines.append(f"  every selected figure lies within [{rule.min}, {rule.max}]")
    elif rule.kind == "agreement":
        lines.append("  a figure printed in the text and in a table must have one value")
    elif rule.kind == "objective":
        lines.append("  <base>.objective and <base>.result of one entity and period: the result "
                     "meets the objective in the indicator's direction")
    return "\n".join(lines)


# -- the rule reference (docs/RULE_PACK.md) ---------------------------------------------------------

def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def reference_markdown(pack: RulePack) -> str:
    """The rule reference of a pack, by theme: every rule and every indicator, in Markdown."""
    ref = pack.reference
    rules_by = {}
    for r in pack.rules:
        rules_by.setdefault(r.theme or "core", []).append(r)
    inds_by = {}
    for ind in ref.indicators.values():
        inds_by.setdefault(ind.theme, []).append(ind)
    themes = sorted(set(rules_by) | set(inds_by), key=lambda t: (t != "core", t))
    out = ["# Rule pack reference",
           "",
           "<!-- Generated from the shipped rule pack by `drsmcheck rules doc --output "
           "docs/RULE_PACK.md`; do not edit by hand (tests/commands/test_rules.py checks it). -->",
           "",
           f"{len(pack.rules)} rules and {len(ref.indicators)} indicators, by theme; "
           f"{len(ref.entities)} entities in {len(ref.hierarchies)} hierarchies "
           f"({', '.join(sorted(ref.hierarchies))}). `drsmcheck rules explain ID` shows one rule "
           "with an example; `drsmcheck indicators search WORDS` finds an indicator.",
           "", "Themes: " + ", ".join(f"[{t}](#{t})" for t in themes), ""]
    for theme in themes:
        out += [f"## {theme}", ""]
        rules = sorted(rules_by.get(theme, []), key=lambda r: r.id)
        if rules:
            out += [f"### Rules ({len(rules)})", "", "| id | kind | severity | checks | relation |",
                    "|---|---|---|---|---|"]
            out += [f"| `{r.id}` | {r.kind} | {r.severity} | {_cell(r.description['en'])} | "
                    f"`{_cell(selector_text(r))}` |" for r in rules]
            out.append("")
        inds = sorted(inds_by.get(theme, []), key=lambda i: i.id)
        if inds:
            out += [f"### Indicators ({len(inds)})", "",
                    "| id | unit | additive | direction | label (fr) | label (en) |",
                    "|---|---|---|---|---|---|"]
            out += [f"| `{i.id}` | {i.unit} | {'yes' if i.additive else 'no'} | "
                    f"{i.direction or ''} | {_cell(i.fr)} | {_cell(i.en)} |" for i in inds]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
