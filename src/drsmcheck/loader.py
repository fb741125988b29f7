"""Turn dataset files (YAML, CSV/TSV, XLSX, Parquet; long or wide) into the one long table of
figures the rules see. The work is done in `drsmcheck.io`; this module is its entry point.

Every figure keeps where it comes from: the dataset file and line (or sheet and cell) of its
value, and the line of the source report it was transcribed from.
"""

from __future__ import annotations

from .figures import KINDS, NAMES
from .io.build import next_period
from .io.discover import EXCLUDED_FILES, display_path, find_datasets
from .io.header import Dataset
from .io.load import load_dataset, load_figures

FIGURE_COLUMNS = list(NAMES)

__all__ = ["EXCLUDED_FILES", "FIGURE_COLUMNS", "KINDS", "Dataset", "display_path",
           "find_datasets", "load_dataset", "load_figures", "next_period"]
