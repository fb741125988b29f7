"""The engine's backends, registered in one place: which one runs a validation, by name.

- `numpy` (the default, embedded): the whole run in this process, NumPy columns (numpy.py).
  `duckdb` is an accepted old name for it (the engine once compiled rules to DuckDB SQL).
- `spark`: Apache Spark spreads the datasets over its workers, each group evaluated by the
  same engine (spark.py); for the national level, data that outgrow one process.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..i18n import t

DEFAULT = "numpy"
NAMES = ("numpy", "spark")
ALIASES = {"duckdb": "numpy", "embedded": "numpy", "pyspark": "spark"}
SPARK_MASTER_ENV = "SPARK_MASTER"


@dataclass(frozen=True)
class Backend:
    """A backend chosen by name, with its settings (Spark: master URL and conf pairs)."""

    name: str = DEFAULT
    master: str | None = None
    conf: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def engine(self, figures: Any, pack: Any, records: list[tuple[str, str, str]]) -> Any:
        """The engine that turns these figures into verdicts (`.run()` → engine.Run)."""
        if self.name == "spark":
            from .spark import SparkEngine, SparkOptions

            return SparkEngine(figures, pack, records,
                               SparkOptions(self.master, dict(self.conf)))
        from ..engine import Engine

        return Engine(figures, pack, records)


def resolve(name: str | Backend | None, master: str | None = None,
            conf: list[str] | tuple[str, ...] = (), lang: str = "en") -> Backend:
    """The backend of `--backend NAME` (aliases accepted), `--spark-master`, `--spark-conf`;
    an unknown name or a malformed KEY=VALUE is bad usage (exit 2)."""
    if isinstance(name, Backend):
        return name
    key = (name or DEFAULT).strip().lower()
    canonical = ALIASES.get(key, key)
    if canonical not in NAMES:
        raise InputError("--backend", None, t("cli.backend_unavailable", lang, backend=name),
                         t("cli.backend_hint", lang))
    pairs = []
    for item in conf:
        k, sep, v = item.partition("=")
        if not sep or not k.strip():
            raise InputError("--spark-conf", None, t("cli.spark_conf_bad", lang, item=item),
                             t("cli.spark_conf_hint", lang))
        pairs.append((k.strip(), v.strip()))
    if canonical != "spark" and (master or pairs):
        raise InputError("--spark-master" if master else "--spark-conf", None,
                         t("cli.spark_only", lang, backend=canonical), t("cli.spark_only_hint", lang))
    if canonical == "spark":
        master = master or os.environ.get(SPARK_MASTER_ENV) or None
    return Backend(canonical, master, tuple(pairs))
