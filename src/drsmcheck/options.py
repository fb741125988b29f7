"""Choices shared by the commands' options (one definition for every command module)."""

from __future__ import annotations

from enum import StrEnum


class FailOn(StrEnum):
    error = "error"
    warning = "warning"
    info = "info"
    never = "never"


class Lang(StrEnum):
    fr = "fr"
    en = "en"
