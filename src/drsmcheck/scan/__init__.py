"""Checks of a report's own structure, with no rules written (issue 14).

In every table: totals against the rows or columns they close, "dont" sub-rows against their
row, a percentage column against the ratio of two count columns, region columns against their
parts; across sections: a region's page against the sum of its départements' pages; and a
number in the text that names the same thing as a table cell but differs from it slightly.
`run_scan` gives a report dict in the shape of `drsmcheck validate`'s (docs/FORMATS.md §5).
"""

from .report import run_scan

__all__ = ["run_scan"]
