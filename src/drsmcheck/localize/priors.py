"""Typist priors: what a figure's printed text would be if a typist had slipped.

As R's `deductive` (correctTypos) does, a repair that is one keystroke away from the print is
far more likely than an arbitrary one: a digit changed, two adjacent digits swapped, a digit
dropped or typed twice, a sign added or lost, a power-of-ten slip (×10, ÷10, k€ vs €; a decimal
comma moved by one or two places gives the same values and is read as one). Each edit is a
candidate *true value* of the figure, with a cost factor (< 1) that lowers the figure's change
cost in the localization when the candidate fits the relations. The search works on the printed
digits and is pruned by the range the repair must fall in, so it costs a few microseconds per
figure; it is deterministic.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

# Cost factors (multiplied by a figure's change weight). All ≥ 0.5 on purpose: two typos
# (≥ 1.0 + ε) never beat one unexplained change (1.0) — parsimony first, then the typist model.
FACTORS: dict[str, float] = {
    "digit": 0.55,          # one digit replaced: the commonest slip
    "transposition": 0.55,  # two adjacent digits swapped
    "sign": 0.6,            # a minus sign added or lost
    "scale": 0.6,           # ×10, ÷10, ×100, ÷100, ×1000, ÷1000 (k€ vs €)
    "duplicated": 0.65,     # a digit typed twice (the print has one digit more)
    "dropped": 0.7,         # a digit lost (the print has one digit less)
    "extra": 0.7,           # a stray digit inserted (the print has one digit more)
}
# Causes a reviewer sees for each typist edit (causes.py names the finding).
CAUSE_OF = {"digit": "typo (digit)", "dropped": "typo (digit)", "extra": "typo (digit)",
            "duplicated": "typo (digit)", "transposition": "transposition", "scale": "scale",
            "sign": "sign"}


@dataclass(frozen=True)
class Typo:
    """One candidate true value: the print is `edit` away from it."""

    edit: str           # a key of FACTORS
    value: float        # the candidate true value, in the figure's unit
    digits: str         # the candidate's digits (and comma), as it would be printed
    decimals: int       # decimals the candidate would print
    factor: float       # cost factor, FACTORS[edit]
    what: str           # the slip: "digit 6 typed in excess"
    printed: str        # the print it explains
    half: float = 0.0   # half-width of the candidate's own print (0 for an exact count)

    @property
    def interval(self) -> tuple[float, float]:
        """What the candidate print stands for: rounded, or truncated toward zero."""
        if self.value >= 0:
            return self.value - self.half, self.value + 3 * self.half
        return self.value - 3 * self.half, self.value + self.half

    @property
    def cause(self) -> str:
        return CAUSE_OF[self.edit]

    @property
    def detail(self) -> str:
        """Human-readable: "211 → 2 116 (digit 6 typed in excess)"."""
        return self.detail_in("en")

    def detail_in(self, lang: str) -> str:
        """The slip in the reader's language: "211 → 2 116 (chiffre 6 tapé en trop)"."""
        neg = self.value < 0
        what = self.what if lang == "en" else _french(self.what)
        return f"{_fmt(self.digits, self.decimals, neg)} → {self.printed} ({what})"


_DIGITS = re.compile(r"[-+−–]?\s*[\d\s\u00a0\u202f\u2009']*\d(?:[,.]\d+)?")


_FR = [
    (re.compile(r"^digit (\d) typed as (\d)$"), r"chiffre \1 tapé \2"),
    (re.compile(r"^(\d\d) typed as (\d\d)$"), r"\1 tapé \2"),
    (re.compile(r"^digit (\d) typed twice$"), r"chiffre \1 tapé deux fois"),
    (re.compile(r"^digit (\d) typed in excess$"), r"chiffre \1 tapé en trop"),
    (re.compile(r"^digit (\d) lost$"), r"chiffre \1 oublié"),
    (re.compile(r"^printed ×(\d+)$"), r"imprimé ×\1"),
    (re.compile(r"^printed ÷(\d+)$"), r"imprimé ÷\1"),
    (re.compile(r"^sign added$"), "signe ajouté"),
    (re.compile(r"^sign lost$"), "signe perdu"),
]


def _french(what: str) -> str:
    for pattern, repl in _FR:
        if pattern.match(what):
            return pattern.sub(repl, what)
    return what


def printed_digits(text: str) -> tuple[bool, str, int] | None:
    """(negative, digit string without separators, decimals) of a printed number, or None."""
    m = _DIGITS.search(text)
    if not m:
        return None
    raw = m.group(0)
    neg = raw.lstrip()[:1] in "-−–"
    body = re.sub(r"[^\d,.]", "", raw)
    if "," in body or "." in body:
        ip, _, dp = body.replace(".", ",").partition(",")
        return neg, ip + dp, len(dp)
    return neg, body, 0


def _value(digits: str, decimals: int, neg: bool) -> float | None:
    if not digits or not digits.isdigit():
        return None
    v = int(digits) / 10 ** decimals if decimals else float(int(digits))
    return -v if neg else v


def _fmt(digits: str, decimals: int, neg: bool) -> str:
    ip, dp = (digits[: len(digits) - decimals], digits[len(digits) - decimals:]) if decimals \
        else (digits, "")
    ip = ip.lstrip("0") or "0"
    groups = []
    while len(ip) > 3:
        groups.insert(0, ip[-3:])
        ip = ip[:-3]
    groups.insert(0, ip)
    s = " ".join(groups) + ("," + dp if dp else "")
    return "-" + s if neg else s


def candidates(text: str, scale: float = 1.0, lo: float = -math.inf, hi: float = math.inf,
               half_width: float = 0.0, integer: bool = False) -> list[Typo]:
    """The candidate true values one typist slip away from `text` that meet [lo, hi] (see
    `_candidates`; memoized: the localization asks the same print and range again when it
    ranks single repairs, offers slips to the MILP and names the cause)."""
    return list(_candidates(text, scale, lo, hi, half_width, integer))


@lru_cache(maxsize=1 << 16)
def _candidates(text: str, scale: float, lo: float, hi: float, half_width: float,
                integer: bool) -> tuple[Typo, ...]:
    """The candidate true values one typist slip away from `text` that meet [lo, hi].

    `scale` is the printed scale word's factor (1e6 for "7,8 millions"): candidates are in the
    figure's unit. With `half_width` > 0 the print is rounded, and a candidate stands for its own
    interval (half a unit of *its* last digit below, one and a half above — rounded or
    truncated: "1,90" is [1,895; 1,915]), which must meet [lo, hi]; with
    `integer` (an exact count) only whole numbers are candidates. Where two edits give the same
    value the likelier (lower factor) is kept, so a ×10 reads as `scale`, not a doubled zero.
    Sorted likeliest first (a transposition before a digit slip of the same factor), then
    smallest change.
    """
    parsed = printed_digits(text)
    if parsed is None:
        return ()
    neg, digits, dec = parsed
    n = len(digits)
    if n > 20 or dec > 15:
        return ()  # no typist writes 400 decimals: no slip model (10^-400 underflows to 0)
    base = _value(digits, dec, neg)
    if base is None:
        return ()
    base *= scale
    eps = 1e-9 * (1.0 + abs(base))
    out: dict[float, Typo] = {}

    def add(edit: str, ds: str, d: int, ng: bool, detail: str) -> None:
        while dec == 0 and d > 0 and ds.endswith("0"):   # 2 310 ÷ 10 is "231", not "231,0"
            ds, d = ds[:-1], d - 1
        if half_width > 0 and d < dec:
            return   # a coarser rounded candidate ("13,5" for "13,54") fits anything nearby
        v = _value(ds, d, ng)
        if v is None:
            return
        v *= scale
        half = 0.5 * 10.0 ** -d * scale if half_width > 0 else 0.0
        # a rounded candidate stands for its rounding interval, widened by truncation toward
        # zero (reports truncate as often as they round: 7,3556 % is printed "7,35 %")
        c_lo, c_hi = (v - half, v + 3 * half) if v >= 0 else (v - 3 * half, v + half)
        if c_hi < lo - eps or c_lo > hi + eps or v == base or (
                integer and not float(v).is_integer()):
            return
        # integer parts that start with 0 print differently ("0123"): not a slip of "123"
        if len(ds) - d > 1 and ds[0] == "0":
            return
        key = round(v, 9)
        old = out.get(key)
        if old is None or FACTORS[edit] < old.factor:
            out[key] = Typo(edit, v, ds, d, FACTORS[edit], detail, text, half)

    N = int(digits)

    def c_range(decc: int, ng: bool, const: int, step: int) -> range:
        """Digits c for which const + c·step (a candidate's digits as an integer, with decc
        decimals) may meet [lo, hi]: prunes before any string is built (add() re-checks)."""
        if not (math.isfinite(lo) and math.isfinite(hi)):
            return range(10)
        unit = 10.0 ** -decc * scale
        h = 0.5 * unit if half_width > 0 else 0.0
        v_lo, v_hi = (lo - 3 * h, hi + h) if not ng else (lo - h, hi + 3 * h)
        n_lo, n_hi = (v_lo / unit, v_hi / unit) if not ng else (-v_hi / unit, -v_lo / unit)
        c_lo = math.floor((n_lo - const) / step) - 1
        c_hi = math.ceil((n_hi - const) / step) + 1
        return range(max(c_lo, 0), min(c_hi, 9) + 1)

    for i in range(n):
        p = n - 1 - i
        d_i = int(digits[i])
        for c in c_range(dec, neg, N - d_i * 10 ** p, 10 ** p):
            if c != d_i:
                add("digit", digits[:i] + str(c) + digits[i + 1:], dec, neg,
                    f"digit {c} typed as {digits[i]}")
    for i in range(n - 1):
        if digits[i] != digits[i + 1]:
            add("transposition", digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:], dec,
                neg, f"{digits[i + 1]}{digits[i]} typed as {digits[i]}{digits[i + 1]}")
    for i in range(n if n > 1 else 0):  # the print has a digit too many: the true value lacks it
        d = dec - 1 if dec and i >= n - dec else dec
        twice = (i > 0 and digits[i - 1] == digits[i]) or (i + 1 < n and digits[i + 1] == digits[i])
        add("duplicated" if twice else "extra", digits[:i] + digits[i + 1:], d, neg,
            f"digit {digits[i]} typed {'twice' if twice else 'in excess'}")
    for i in range(n + 1):  # the print lost a digit: the true value has one more
        d = dec + 1 if dec and i > n - dec else dec
        p = n - i
        high, low = N // 10 ** p, N % 10 ** p
        for c in c_range(d, neg, high * 10 ** (p + 1) + low, 10 ** p):
            add("dropped", digits[:i] + str(c) + digits[i:], d, neg, f"digit {c} lost")
    for k in (1, 2, 3):  # a power-of-ten slip: the print is the true value ×10^k or ÷10^k
        add("scale", digits, dec + k, neg, f"printed ×{10 ** k}")
        add("scale", digits + "0" * k, dec, neg, f"printed ÷{10 ** k}")
    add("sign", digits, dec, not neg, "sign added" if neg else "sign lost")
    # equally likely kinds of slip: a given transposition before a given digit (one outcome
    # of swapping two digits, against one of nine wrong digits: evidence.py)
    return tuple(sorted(out.values(), key=lambda t: (t.factor, t.edit != "transposition",
                                                     abs(t.value - base), t.value)))


def best_fit(text: str, lo: float, hi: float, half_width: float = 0.0, scale: float = 1.0,
             integer: bool = False) -> Typo | None:
    """The likeliest candidate that meets [lo, hi] (ties: the smallest change), or None."""
    fits = candidates(text, scale, lo, hi, half_width, integer)
    return fits[0] if fits else None
