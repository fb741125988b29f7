"""Reporters: pure functions from the report dict (FORMATS.md §5) to text."""
