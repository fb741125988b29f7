"""drsmcheck: rules-based consistency checks for the figures of DRSM / ELSM activity reports."""

__version__ = "0.1.0"
