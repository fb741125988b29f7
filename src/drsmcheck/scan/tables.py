"""Checks inside one table: totals, "dont" parts, percentages as ratios, region columns, units."""

from __future__ import annotations

from collections.abc import Iterator

from ..extract.document import Table
from ..extract.text import fold
from .context import Context, is_dont, is_total, value_of
from .findings import Fig, Finding, difference_text, interval_gap, num, printed
from .values import ADDITIVE, Value, family, gap, meets, total


def _sum_finding(rule: str, ctx: Context, parts: list[Fig], whole: Fig, *, inferred: bool,
                 subject: str, what_fr: str, what_en: str, confidence: float,
                 entity: str | None) -> Finding | None:
    """parts sum to whole? A finding when they cannot, `rounding` when truncation explains it.
    The whole comes first among the figures: reporters point at the total's line."""
    lo, hi, tlo, thi = total([f.value for f in parts])
    w = whole.value
    if meets(lo, hi, w.lo, w.hi):
        return None
    rounding = meets(tlo, thi, w.tlo, w.thi)
    diff = interval_gap((w.lo, w.hi), (lo, hi))
    exact = sum(f.value.value for f in parts)
    rel: dict[str, str] = {}
    for lang in ("fr", "en"):
        terms = " + ".join(printed(f.value, lang) for f in parts)
        dec = max((len(f.value.text.split(",")[1].rstrip(" %€M")) if "," in f.value.text else 0)
                  for f in parts)
        rel[lang] = (f"{terms} = {num(exact, lang, w.unit, dec)} ≠ {printed(w, lang)}, "
                     f"{difference_text(diff, lang)}")
    return Finding(
        rule, "warning" if inferred or rounding else "error",
        "rounding" if rounding else "inconsistent", confidence * (0.6 if rounding else 1.0),
        inferred, entity, ctx.period, subject, [whole, *parts], rel,
        {"fr": what_fr, "en": what_en}, (w.lo, w.hi), (lo, hi), diff)


def _numeric(table: Table, r: int, c: int) -> Value | None:
    row = table.rows[r]
    return value_of(row.cells[c]) if c < len(row.cells) else None


def _parent_entity_row(ctx: Context, table: Table) -> dict[int, str]:
    """Rows whose label is an entity ("09", "Moselle", "DRSM" under départements)."""
    return {i: e for i, row in enumerate(table.rows)
            if (e := ctx.row_entity(row.label)) is not None}


def total_rows(ctx: Context, table: Table) -> Iterator[Finding | None]:
    """A row labelled total (or the unlabelled last row, or a region over its parts' rows)
    against the sum of the rows above it, back to the previous total or group heading."""
    if table.pairs:
        return
    entities = _parent_entity_row(ctx, table)
    for t, row in enumerate(table.rows):
        explicit = is_total(row.label)
        inferred_parent = False
        if not explicit:
            own = entities.get(t)
            above = {entities[i] for i in range(t) if i in entities}
            if own and above and any(above == s for s in ctx.children_sets(own)):
                inferred_parent = True
            elif not row.label.strip() and t == len(table.rows) - 1 and t >= 2:
                inferred_parent = True
            else:
                continue
        start = t
        while start > 0 and not table.rows[start - 1].group and not is_total(
                table.rows[start - 1].label):
            start -= 1
        parts_idx = [i for i in range(start, t) if not is_dont(table.rows[i].label)]
        if len(parts_idx) < 2:
            continue
        for c in range(len(table.columns)):
            whole = _numeric(table, t, c)
            if whole is None or whole.unit not in ADDITIVE:
                continue
            vals = [(i, _numeric(table, i, c)) for i in parts_idx]
            present = [(i, v) for i, v in vals if v is not None]
            if len(present) < 2 or any(v.unit != whole.unit for _, v in present):
                continue
            if any(table.rows[i].cells[c].text.strip() and v is None for i, v in vals):
                continue  # a word in a part ("NC"): the sum cannot be told
            if whole.value < max(v.value for _, v in present):
                continue  # smaller than a part: not a sum (ranks, a mean), whatever its label
            parts = [ctx.fig(table, i, c, table.rows[i].cells[c], v) for i, v in present]
            whole_fig = ctx.fig(table, t, c, row.cells[c], whole)
            col = table.columns[c] or "valeur"
            yield _sum_finding(
                "scan.total_row", ctx, parts, whole_fig, inferred=inferred_parent,
                subject=f"{table.title or table.id} · {col}",
                what_fr=f"La ligne « {row.label or '(sans libellé)'} » (l.{row.line}) n'est pas la "
                        f"somme des lignes {table.rows[parts_idx[0]].line}-"
                        f"{table.rows[parts_idx[-1]].line}, colonne « {col} »",
                what_en=f"Row '{row.label or '(no label)'}' (l.{row.line}) is not the sum of rows "
                        f"{table.rows[parts_idx[0]].line}-{table.rows[parts_idx[-1]].line}, "
                        f"column '{col}'",
                confidence=0.95 if explicit else 0.7, entity=ctx.table_entity(table))


def total_columns(ctx: Context, table: Table) -> Iterator[Finding | None]:
    """A column headed total against the sum of the count columns before it."""
    if table.pairs or len(table.columns) < 3:
        return
    for t, head in enumerate(table.columns):
        if not is_total(head) or t < 2:
            continue
        parts_idx = [c for c in range(t) if not is_dont(table.columns[c])]
        for r, row in enumerate(table.rows):
            whole = _numeric(table, r, t)
            if whole is None or whole.unit not in ADDITIVE:
                continue
            vals = [(c, _numeric(table, r, c)) for c in parts_idx]
            present = [(c, v) for c, v in vals if v is not None]
            if len(present) < 2 or any(v.unit != whole.unit for _, v in present):
                continue
            if any(row.cells[c].text.strip() and v is None for c, v in vals):
                continue
            parts = [ctx.fig(table, r, c, row.cells[c], v) for c, v in present]
            yield _sum_finding(
                "scan.total_column", ctx, parts, ctx.fig(table, r, t, row.cells[t], whole),
                inferred=False, subject=f"{table.title or table.id} · {row.label}",
                what_fr=f"La colonne « {head} » de la ligne « {row.label} » (l.{row.line}) n'est "
                        "pas la somme des colonnes qui la précèdent",
                what_en=f"Column '{head}' of row '{row.label}' (l.{row.line}) is not the sum of "
                        "the columns before it",
                confidence=0.9, entity=ctx.table_entity(table))


def entity_columns(ctx: Context, table: Table) -> Iterator[Finding | None]:
    """Columns naming a region and its parts (ex-DRSM LR, ex-DRSM MP, DRSM O): parent = sum."""
    if table.pairs:
        return
    ents = ctx.column_entities(table)
    for p, parent in enumerate(ents):
        if parent is None:
            continue
        others = {e: c for c, e in enumerate(ents) if e is not None and c != p}
        for children in ctx.children_sets(parent):
            if not children or not children <= set(others):
                continue
            cols = [others[e] for e in sorted(children)]
            for r, row in enumerate(table.rows):
                whole = _numeric(table, r, p)
                vals = [_numeric(table, r, c) for c in cols]
                if whole is None or whole.unit not in ADDITIVE or any(v is None for v in vals):
                    continue
                if any(v.unit != whole.unit for v in vals if v is not None):
                    continue
                parts = [ctx.fig(table, r, c, row.cells[c], v, entity=ents[c])
                         for c, v in zip(cols, vals, strict=True) if v is not None]
                yield _sum_finding(
                    "scan.entity_sum", ctx, parts,
                    ctx.fig(table, r, p, row.cells[p], whole, entity=parent), inferred=False,
                    subject=f"{table.title or table.id} · {row.label}",
                    what_fr=f"« {table.columns[p]} » n'est pas la somme de "
                            f"{', '.join(table.columns[c] for c in cols)} (l.{row.line})",
                    what_en=f"'{table.columns[p]}' is not the sum of "
                            f"{', '.join(table.columns[c] for c in cols)} (l.{row.line})",
                    confidence=0.9, entity=parent)


def _not_larger(rule: str, ctx: Context, part: Fig, whole: Fig, what_fr: str, what_en: str,
                subject: str) -> Finding | None:
    if part.value.lo <= whole.value.hi:
        return None
    diff = part.value.lo - whole.value.hi
    rel = {lang: f"{printed(part.value, lang)} > {printed(whole.value, lang)}, "
                 f"{difference_text(diff, lang)}" for lang in ("fr", "en")}
    return Finding(rule, "error", "inconsistent", 0.9, False, part.entity, ctx.period, subject,
                   [part, whole], rel, {"fr": what_fr, "en": what_en},
                   (part.value.lo, part.value.hi), (whole.value.lo, whole.value.hi), diff)


def dont_parts(ctx: Context, table: Table) -> Iterator[Finding | None]:
    """A "dont" row (or column) is a part of the row (column) it follows: no larger."""
    for r, row in enumerate(table.rows):
        if not is_dont(row.label) or table.pairs and r == 0:
            continue
        parent = r - 1
        while parent >= 0 and is_dont(table.rows[parent].label):
            parent -= 1
        if parent < 0 or table.rows[parent].group:
            continue
        for c in range(len(row.cells)):
            part, whole = _numeric(table, r, c), _numeric(table, parent, c)
            if part is None or whole is None or part.unit != whole.unit:
                continue
            if whole.unit not in ADDITIVE:
                continue
            yield _not_larger(
                "scan.dont_row", ctx, ctx.fig(table, r, c, row.cells[c], part),
                ctx.fig(table, parent, c, table.rows[parent].cells[c], whole),
                f"« {row.label} » (l.{row.line}) dépasse « {table.rows[parent].label} »",
                f"'{row.label}' (l.{row.line}) exceeds '{table.rows[parent].label}'",
                subject=f"{table.title or table.id} · {row.label}")
    if table.pairs:
        return
    for c, head in enumerate(table.columns):
        if not is_dont(head) or c == 0:
            continue
        parent = c - 1
        while parent >= 0 and is_dont(table.columns[parent]):
            parent -= 1
        if parent < 0:
            continue
        for r, row in enumerate(table.rows):
            part, whole = _numeric(table, r, c), _numeric(table, r, parent)
            if part is None or whole is None or part.unit != whole.unit or \
                    whole.unit not in ADDITIVE:
                continue
            yield _not_larger(
                "scan.dont_column", ctx, ctx.fig(table, r, c, row.cells[c], part),
                ctx.fig(table, r, parent, row.cells[parent], whole),
                f"« {head} » dépasse « {table.columns[parent]} » (l.{row.line})",
                f"'{head}' exceeds '{table.columns[parent]}' (l.{row.line})",
                subject=f"{table.title or table.id} · {row.label}")


def p_decimals(v: Value) -> int:
    return len(v.text.split(",")[1].rstrip(" %")) if "," in v.text else 0


def _ratio_fits(p: Value, a: Value, b: Value, truncated: bool = False) -> bool:
    if b.value == 0:
        return False
    ratio = 100 * a.value / b.value
    lo, hi = (p.tlo, p.thi) if truncated else (p.lo, p.hi)
    return lo - 1e-9 <= ratio <= hi + 1e-9


def percent_columns(ctx: Context, table: Table) -> Iterator[Finding | None]:
    """A % column equal to 100 × a / b on every other row: the rows where it is not."""
    if table.pairs or len(table.columns) < 3:
        return
    rows = range(len(table.rows))
    cols = range(len(table.columns))

    def column_unit(c: int) -> str | None:
        units = {v.unit for r in rows if (v := _numeric(table, r, c)) is not None}
        return units.pop() if len(units) == 1 else None

    units = {c: column_unit(c) for c in cols}
    for pc in (c for c in cols if units[c] == "percent"):
        best: tuple[int, int, list[int], list[int]] | None = None
        for ac in (c for c in cols if units[c] == "count"):
            for bc in (c for c in cols if units[c] == "count" and c != ac):
                usable = [r for r in rows if all(_numeric(table, r, c) for c in (pc, ac, bc))]
                fit = [r for r in usable if _ratio_fits(_numeric(table, r, pc),
                                                        _numeric(table, r, ac),
                                                        _numeric(table, r, bc))]
                misfit = [r for r in usable if r not in fit]
                if len(fit) >= 2 and len(misfit) <= max(1, len(usable) // 4) and (
                        best is None or len(fit) > len(best[2])):
                    best = (ac, bc, fit, misfit)
        if best is None:
            continue
        ac, bc, fit, misfit = best
        yield from (None for _ in fit)
        for r in misfit:
            row = table.rows[r]
            p, a, b = (_numeric(table, r, c) for c in (pc, ac, bc))
            assert p is not None and a is not None and b is not None
            ratio = 100 * a.value / b.value
            rounding = _ratio_fits(p, a, b, truncated=True)
            diff = round(gap(p.lo, p.hi, ratio, ratio), 10)
            rel = {lang: f"{printed(p, lang)} ≠ 100 × {printed(a, lang)} / {printed(b, lang)} "
                         f"= {num(ratio, lang, 'percent', 2)}, {difference_text(diff, lang)}"
                   for lang in ("fr", "en")}
            figs = [ctx.fig(table, r, pc, row.cells[pc], p), ctx.fig(table, r, ac, row.cells[ac], a),
                    ctx.fig(table, r, bc, row.cells[bc], b)]
            note_fr = (f"« {table.columns[pc]} » vaut 100 × « {table.columns[ac]} » / "
                       f"« {table.columns[bc]} » sur {len(fit)} autres lignes, pas sur "
                       f"« {row.label} » (l.{row.line})")
            note_en = (f"'{table.columns[pc]}' is 100 × '{table.columns[ac]}' / "
                       f"'{table.columns[bc]}' on {len(fit)} other rows, not on '{row.label}' "
                       f"(l.{row.line})")
            yield Finding("scan.percent_ratio", "warning", "rounding" if rounding else
                          "inconsistent", min(0.9, 0.5 + 0.1 * len(fit)), True,
                          ctx.table_entity(table), ctx.period,
                          f"{table.title or table.id} · {row.label}", figs, rel,
                          {"fr": note_fr, "en": note_en}, (p.lo, p.hi), (ratio, ratio), diff,
                          suspect=0, suggested=round(ratio, p_decimals(p)),
                          reason={"fr": "le rapport des deux colonnes, arrondi comme imprimé",
                                  "en": "the ratio of the two columns, rounded as printed"})


_OBJECTIVE = ("objectif",)
_RESULT = ("resultat", "realisation", "region", "realise")


def unit_mismatch(ctx: Context, table: Table) -> Iterator[Finding | None]:
    """An objective printed in € beside a result in % (or the reverse) cannot be compared."""
    if table.pairs:
        return
    heads = [fold(h) for h in table.columns]
    obj = [c for c, h in enumerate(heads) if h.startswith(_OBJECTIVE)]
    res = [c for c, h in enumerate(heads) if h.startswith(_RESULT)]
    if len(obj) != 1 or not res:
        return
    oc, rc = obj[0], res[0]
    for r, row in enumerate(table.rows):
        o, v = _numeric(table, r, oc), _numeric(table, r, rc)
        if o is None or v is None:
            continue
        fo, fv = family(o.unit), family(v.unit)
        if {fo, fv} != {"percent", "money"}:
            yield None
            continue
        figs = [ctx.fig(table, r, oc, row.cells[oc], o), ctx.fig(table, r, rc, row.cells[rc], v)]
        rel = {"fr": f"objectif {o.text} ; résultat {v.text} : unités différentes",
               "en": f"objective {printed(o, 'en')}; result {printed(v, 'en')}: different units"}
        yield Finding("scan.unit_mismatch", "error", "unit", 0.9, False,
                      ctx.table_entity(table), ctx.period,
                      f"{table.title or table.id} · {row.label}", figs, rel,
                      {"fr": f"« {row.label} » (l.{row.line}) : l'objectif et le résultat ne sont "
                             "pas dans la même unité",
                       "en": f"'{row.label}' (l.{row.line}): objective and result are not in the "
                             "same unit"})





CHECKS = (total_rows, total_columns, entity_columns, dont_parts, percent_columns, unit_mismatch)
