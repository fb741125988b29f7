"""docs/RULES.md, generated from the kinds' own docstrings and keys (as sqlfluff does).

`python -m drsmcheck.kinds.docs > docs/RULES.md` regenerates it; a test keeps it current.
"""

from __future__ import annotations

import inspect

from . import registry

COMMON = ("id", "kind", "severity", "description", "entities", "periods", "tolerance",
          "exclude")


def render() -> str:
    lines = ["# Rule kinds", "",
             "Generated from `src/drsmcheck/kinds/*.py` by `python -m drsmcheck.kinds.docs`; "
             "do not edit by hand.", "",
             "Every rule has the common keys " + ", ".join(f"`{k}`" for k in COMMON)
             + " (docs/FORMATS.md §3). Results are three-valued: pass, fail, or not evaluable.",
             ""]
    for name, module in registry().items():
        doc = inspect.getdoc(module) or ""
        title, _, body = doc.partition("\n")
        summary = title.split(":", 1)[-1].strip() if ":" in title else title
        lines += [f"## `{name}`", "", summary[:1].upper() + summary[1:], ""]
        if body.strip():
            lines += [body.strip(), ""]
        keys = sorted(module.KEYS)
        if name in ("non_numeric", "print_unit"):
            lines += ["Built in: always on, not declared in a rule pack.", ""]
        elif keys:
            required = sorted(module.REQUIRED)
            lines += ["Keys of its own: " + ", ".join(
                f"`{k}`" + (" (required)" if k in required else "") for k in keys) + ".", ""]
            parse_doc = inspect.getdoc(module.parse)
            if parse_doc:
                lines += [parse_doc, ""]
        strength_doc = inspect.getdoc(module.strength)
        if strength_doc:
            lines += [strength_doc, ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
