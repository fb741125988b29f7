"""The localization's direct HiGHS calls give scipy.optimize's answers, without importing it."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint
from scipy.optimize import linprog as scipy_linprog
from scipy.optimize import milp as scipy_milp

from drsmcheck.localize import highs
from drsmcheck.localize.solver import localize

from .test_solver import ROWS05, TABLE05, summary


def _model(rng: np.random.Generator, n: int, m: int) -> tuple[np.ndarray, ...]:
    A = rng.integers(-3, 4, size=(m, n)).astype(float) * (rng.random((m, n)) < 0.6)
    x0 = rng.integers(0, 5, size=n).astype(float)
    act = A @ x0
    b_l = np.where(rng.random(m) < 0.3, -np.inf, act - rng.integers(0, 3, size=m))
    b_u = np.where(rng.random(m) < 0.3, np.inf, act + rng.integers(0, 3, size=m))
    return rng.normal(size=n).round(2), A, b_l, b_u


@pytest.mark.parametrize("seed", range(40))
def test_milp_is_scipys(seed):
    """Same status and the same point, bit for bit, as scipy.optimize.milp on random MILPs
    (feasible, infeasible, mixed integer and continuous columns)."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 9)), int(rng.integers(1, 8))
    c, A, b_l, b_u = _model(rng, n, m)
    if seed % 5 == 0:   # an infeasible one: x_0 ≥ 1 and x_0 ≤ 0
        A = np.vstack([A, np.eye(n)[:1], np.eye(n)[:1]])
        b_l, b_u = np.r_[b_l, 1.0, -np.inf], np.r_[b_u, np.inf, 0.0]
    integrality = (rng.random(n) < 0.6).astype(float)
    lo, hi = np.full(n, -10.0), np.full(n, 10.0)
    options = {"time_limit": 10.0, "mip_rel_gap": 0.0}
    status, x = highs.milp(c, integrality, lo, hi, A, b_l, b_u, options)
    ref = scipy_milp(c, integrality=integrality, bounds=Bounds(lo, hi),
                     constraints=LinearConstraint(A, b_l, b_u), options=dict(options))
    assert status == ref.status
    assert (x is None) == (ref.x is None)
    if x is not None:
        assert x.tolist() == ref.x.tolist()
    if seed % 5 == 0:
        assert status == highs.INFEASIBLE


@pytest.mark.parametrize("seed", range(40))
def test_linprog_is_scipys(seed):
    """Same status and point as linprog(method="highs"), open bounds (None) included."""
    rng = np.random.default_rng(100 + seed)
    n, m = int(rng.integers(1, 8)), int(rng.integers(0, 8))
    c, A, b_l, b_u = _model(rng, n, m)
    A_ub = np.vstack([A[np.isfinite(b_u)], -A[np.isfinite(b_l)]])
    b_ub = np.r_[b_u[np.isfinite(b_u)], -b_l[np.isfinite(b_l)]]
    bounds = [(None if rng.random() < 0.3 else -5.0, None if rng.random() < 0.3 else 5.0)
              for _ in range(n)]
    args = (A_ub if len(b_ub) else None, b_ub if len(b_ub) else None)
    status, x = highs.linprog(c, *args, bounds)
    ref = scipy_linprog(c, A_ub=args[0], b_ub=args[1], bounds=bounds, method="highs")
    assert status == ref.status
    if ref.status == 0:
        assert x.tolist() == ref.x.tolist()


def test_without_the_extension_scipy_optimize_answers(monkeypatch):
    """Another SciPy layout: the public scipy.optimize functions answer, with the same
    localization (two typist errors of Occitanie's table 05, found by the MILP)."""
    direct = localize(TABLE05, ROWS05, milp_only=True)
    monkeypatch.setattr(highs, "core", lambda: None)
    public = localize(TABLE05, ROWS05, milp_only=True)
    assert [summary(s) for s in public.solutions] == [summary(s) for s in direct.solutions]
    assert summary(direct.solutions[0]) == [("electronic", 59768), ("renewal", 77664)]


def test_a_report_needing_the_milp_does_not_import_scipy_optimize(tmp_path):
    """Occitanie's one MILP component (two free changes) is solved without importing
    scipy.optimize (~0.25 s of CPU, a third of a warm run)."""
    code = ("import sys\n"
            "from drsmcheck.cli import main\n"
            "sys.argv = ['drsmcheck', 'validate', 'samples/drsm-occitanie-2019', '--format',"
            f" 'json', '--output', {str(tmp_path / 'r.json')!r}]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "assert 'scipy.optimize._highspy._core' in sys.modules, 'no MILP was solved'\n"
            "print('scipy.optimize' in sys.modules)\n")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True,
                         text=True, check=True, env={**os.environ, "DRSMCHECK_CACHE_DIR":
                                                     str(tmp_path / "cache")})
    assert out.stdout.strip().splitlines()[-1] == "False"


def test_scipy_optimize_imported_afterwards_shares_the_extension():
    """Loaded first by drsmcheck, the extension is the one a later `import scipy.optimize`
    uses (not loaded twice), and scipy.optimize.milp still answers."""
    code = ("import numpy as np\n"
            "from drsmcheck.localize import highs\n"
            "assert highs.core() is not None\n"
            "import scipy.optimize as so\n"
            "import scipy.optimize._highspy._core as c\n"
            "assert c is highs.core()\n"
            "r = so.milp(np.ones(2), integrality=np.ones(2), bounds=so.Bounds(0, 5),\n"
            "            constraints=so.LinearConstraint(np.ones((1, 2)), 2.5, np.inf))\n"
            "print(r.status, r.fun)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["0", "3.0"]
