"""The localization's MILPs on SciPy's own HiGHS build, without importing `scipy.optimize`.

`scipy.optimize.milp` is a thin wrapper over the HiGHS extension SciPy ships
(`scipy.optimize._highspy._core`), but importing `scipy.optimize` costs ~0.25 s of CPU (its
other solvers, scipy.linalg, docstrings) — more than the rest of a one-report run whose
diagnosis needs a single MILP. Loading that extension alone costs ~15 ms. `milp` below passes
HiGHS exactly what `scipy.optimize.milp` passes (the same column-wise matrix, bounds,
integrality and options), so the answers are those of `scipy.optimize.milp` by construction:
the same binary solves the same model. When SciPy's layout differs (another SciPy release)
the public `scipy.optimize.milp` answers instead.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

CORE = "scipy.optimize._highspy._core"
OPTIMAL, LIMIT, INFEASIBLE, UNBOUNDED, OTHER = 0, 1, 2, 3, 4   # scipy.optimize.milp's codes
_core: ModuleType | None = None
_looked = False


def core() -> ModuleType | None:
    """SciPy's HiGHS extension, loaded under its own name (so a later `import scipy.optimize`
    finds it in sys.modules rather than loading the extension a second time); None when this
    SciPy does not ship it where expected (before 1.15 it had no `_highspy._core`)."""
    global _core, _looked
    if _core is None and not _looked:
        _looked = True
        mod = sys.modules.get(CORE)
        if mod is None:
            try:
                import scipy

                path = next((Path(scipy.__file__).parent / "optimize" / "_highspy").glob(
                    "_core.*"), None)
                spec = importlib.util.spec_from_file_location(CORE, path) if path else None
                if spec is None or spec.loader is None:
                    return None
                mod = importlib.util.module_from_spec(spec)
                sys.modules[CORE] = mod
                try:
                    spec.loader.exec_module(mod)
                except BaseException:
                    sys.modules.pop(CORE, None)
                    raise
            except (ImportError, OSError, AttributeError):
                return None
        if not all(hasattr(mod, a) for a in ("_Highs", "HighsLp", "HighsOptions", "HighsStatus",
                                              "HighsModelStatus", "HighsVarType", "MatrixFormat",
                                              "HighsDebugLevel", "simplex_constants",
                                              "kHighsInf")):
            return None
        _core = mod
    return _core


def milp(cost: np.ndarray, integrality: np.ndarray, lb: np.ndarray, ub: np.ndarray,
         A: np.ndarray, b_l: np.ndarray, b_u: np.ndarray, options: dict[str, Any]
         ) -> tuple[int, np.ndarray | None]:
    """min cost·x s.t. b_l ≤ A·x ≤ b_u, lb ≤ x ≤ ub, x_j integer where integrality is 1
    (A dense): (status, x) with scipy.optimize.milp's status codes and its x (None unless a
    solution is available). `options`: time_limit, mip_rel_gap."""
    h = core()
    if h is None:
        from scipy.optimize import Bounds, LinearConstraint
        from scipy.optimize import milp as scipy_milp

        res = scipy_milp(cost, integrality=integrality, bounds=Bounds(lb, ub),
                         constraints=LinearConstraint(A, b_l, b_u), options=dict(options))
        return int(res.status), res.x
    c = np.asarray(cost, dtype=np.float64)
    A = np.asarray(A, dtype=np.float64)
    n, m = c.size, A.shape[0]
    # the CSC form scipy.sparse builds from the dense matrix: nonzeros column by column, rows
    # ascending within a column
    cols, rows = np.nonzero(A.T)
    lp = h.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = m
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = m
    lp.a_matrix_.format_ = h.MatrixFormat.kColwise
    lp.col_cost_ = c
    lp.col_lower_ = np.broadcast_to(lb, c.shape).astype(np.float64)
    lp.col_upper_ = np.broadcast_to(ub, c.shape).astype(np.float64)
    lp.row_lower_ = np.broadcast_to(b_l, (m,)).astype(np.float64)
    lp.row_upper_ = np.broadcast_to(b_u, (m,)).astype(np.float64)
    lp.a_matrix_.start_ = np.r_[0, np.cumsum(np.bincount(cols, minlength=n))].astype(np.int32)
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = A[rows, cols]
    integ = np.broadcast_to(integrality, c.shape).astype(np.uint8)
    if integ.size > 0:
        lp.integrality_ = [h.HighsVarType(int(i)) for i in integ]
    highs = h._Highs()
    opts = h.HighsOptions()
    # what scipy.optimize.milp sets: log_to_console off, then the caller's options
    for key, val in {"log_to_console": False, **options}.items():
        if val is not None:
            setattr(opts, key, val)
    status = h.HighsModelStatus
    if highs.passOptions(opts) == h.HighsStatus.kError:
        return OTHER, None
    if highs.passModel(lp) == h.HighsStatus.kError:
        return INFEASIBLE, None   # scipy: kModelError → 2
    if highs.run() == h.HighsStatus.kError:
        return _status(h, highs.getModelStatus()), None
    model = highs.getModelStatus()
    info = highs.getInfo()
    limits = (status.kTimeLimit, status.kIterationLimit, status.kSolutionLimit)
    if model not in (status.kOptimal, *limits) or (
            model in limits and info.objective_function_value == h.kHighsInf):
        return _status(h, model), None
    return _status(h, model), np.array(highs.getSolution().col_value)


def _status(h: ModuleType, model: Any) -> int:
    """scipy.optimize's status code of a HiGHS model status (_highs_to_scipy_status_message)."""
    s = h.HighsModelStatus
    return {s.kOptimal: OPTIMAL, s.kTimeLimit: LIMIT, s.kIterationLimit: LIMIT,
            s.kInfeasible: INFEASIBLE, s.kModelError: INFEASIBLE,
            s.kUnbounded: UNBOUNDED}.get(model, OTHER)


def linprog(c: np.ndarray, A_ub: np.ndarray | None, b_ub: np.ndarray | None,
            bounds: list[tuple[float | None, float | None]]) -> tuple[int, np.ndarray | None]:
    """`scipy.optimize.linprog(c, A_ub, b_ub, bounds=bounds, method="highs")`: (status, x),
    with linprog's own input cleaning, HiGHS options and final feasibility check
    (`_check_result`: a solution off its constraints by more than 10·√1e-9 is status 4)."""
    h = core()
    c = np.array(c, dtype=np.float64, copy=True).reshape(-1)
    n = c.size
    A = np.zeros((0, n)) if A_ub is None else np.atleast_2d(np.asarray(A_ub, dtype=np.float64))
    b = np.zeros(0) if b_ub is None else np.asarray(b_ub, dtype=np.float64).reshape(-1)
    if h is None or n == 0 or A.shape != (b.size, n) or not (
            np.isfinite(c).all() and np.isfinite(A).all() and np.isfinite(b).all()):
        from scipy.optimize import linprog as scipy_linprog  # it decides (or raises)

        res = scipy_linprog(c, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
        return int(res.status), res.x
    box = np.atleast_2d(np.array(bounds, dtype=float)).reshape(n, 2)
    box[np.isnan(box[:, 0]), 0] = -np.inf
    box[np.isnan(box[:, 1]), 1] = np.inf
    lo, hi = box.T.copy()
    lhs = np.full(b.size, -np.inf)
    cols, rows = np.nonzero(A.T)
    lp = h.HighsLp()
    lp.num_col_ = n
    lp.num_row_ = b.size
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = b.size
    lp.a_matrix_.format_ = h.MatrixFormat.kColwise
    lp.col_cost_ = c
    lp.col_lower_ = lo
    lp.col_upper_ = hi
    lp.row_lower_ = lhs
    lp.row_upper_ = b.copy()
    lp.a_matrix_.start_ = np.r_[0, np.cumsum(np.bincount(cols, minlength=n))].astype(np.int32)
    lp.a_matrix_.index_ = rows.astype(np.int32)
    lp.a_matrix_.value_ = A[rows, cols]
    highs = h._Highs()
    opts = h.HighsOptions()
    # linprog's non-default options (presolve on, dual simplex, logging and debug off)
    opts.presolve = "on"
    opts.highs_debug_level = h.HighsDebugLevel.kHighsDebugLevelNone
    opts.log_to_console = False
    opts.output_flag = False
    opts.simplex_strategy = h.simplex_constants.SimplexStrategy.kSimplexStrategyDual
    if (highs.passOptions(opts) == h.HighsStatus.kError
            or highs.passModel(lp) == h.HighsStatus.kError):
        return OTHER, None
    if highs.run() == h.HighsStatus.kError:
        return _checked(_status(h, highs.getModelStatus()), None)
    model = highs.getModelStatus()
    if model != h.HighsModelStatus.kOptimal:
        return _checked(_status(h, model), None)
    sol = highs.getSolution()
    x = np.array(sol.col_value)
    slack = b - np.asarray(sol.row_value, dtype=float)
    fun = highs.getInfo().objective_function_value
    tol = np.sqrt(1e-9) * 10
    feasible = not (np.isnan(x).any() or np.isnan(fun) or np.isnan(slack).any()) and bool(
        np.all((x >= box[:, 0] - tol) & (x <= box[:, 1] + tol)) and not (slack < -tol).any())
    return (OPTIMAL, x) if feasible else (OTHER, x)


def _checked(status: int, x: np.ndarray | None) -> tuple[int, np.ndarray | None]:
    """linprog's verdict when HiGHS gave no solution: a 0 without one is a 4."""
    return (OTHER if status == OPTIMAL else status), x
