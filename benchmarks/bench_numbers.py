"""French / English number formatting: drsmcheck's formatter against Babel's `format_decimal`
on the same 20 000 values (the test suite checks they print the same text; this measures the
speed, which a unit test must not: a noisy neighbour makes a timed test flaky).

    python benchmarks/bench_numbers.py
"""

from __future__ import annotations

import random
import time
from decimal import Decimal

from babel.numbers import format_decimal

from drsmcheck.i18n import fmt_number


def sample(n: int, seed: int = 1) -> list[float | int]:
    rng = random.Random(seed)
    out: list[float | int] = []
    for _ in range(n):
        shape = rng.randrange(3)
        if shape == 0:
            out.append(rng.randint(-10**9, 10**9))
        elif shape == 1:
            out.append(rng.randint(-10**9, 10**9) / rng.choice((2, 10, 100, 1000)))
        else:
            out.append(rng.uniform(-1, 1) * 10 ** rng.uniform(-3, 9))
    return out


def main() -> None:
    values = sample(20_000)
    for lang, locale in (("fr", "fr_FR"), ("en", "en_GB")):
        start = time.perf_counter()
        for v in values:
            format_decimal(Decimal(repr(v)), format="#,##0.###", locale=locale)
        babel = time.perf_counter() - start
        start = time.perf_counter()
        for v in values:
            fmt_number(v, lang)
        ours = time.perf_counter() - start
        print(f"{lang}: Babel {babel / len(values) * 1e6:.1f} µs a number, drsmcheck "
              f"{ours / len(values) * 1e6:.1f} µs ({babel / ours:.1f}× faster)")


if __name__ == "__main__":
    main()
