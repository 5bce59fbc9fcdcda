"""Accuracy and speed settings of the portfolio engines, as one frozen object.

Every public function of :mod:`addin.analytics.portfolio` takes an optional ``settings``
(default :data:`DEFAULT_SETTINGS`); nothing reads a mutable module global. To study the
engine, pass a modified copy:

>>> import dataclasses
>>> finer = dataclasses.replace(DEFAULT_SETTINGS, step_factor=0.25, max_step=0.0875)
>>> finer.step_factor, DEFAULT_SETTINGS.step_factor
(0.25, 1.0)

The fitted values (``pooling``, and ``step_factor`` with ``max_step``) are re-derived by
``benchmarks/fit_quadrature.py``; the speed trade-offs (``direct_terms``,
``fourier_work``, ``table_terms_per_bit``, ``sequential_obligors``) were measured with
``benchmarks/bench_default.py`` and change no number beyond rounding (about 1e-16).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from addin.analytics.credit import CHI_PER_SPREAD, CHI_STEP
from addin.model.errors import CapError, InputError

# (low, high, low_open, integer) for each field; high None means unbounded.
_BOUNDS: dict[str, tuple[float, float | None, bool, bool]] = {
    "factor_range": (0.0, None, True, False),
    "max_step": (0.0, None, True, False),
    "grid_2d_step_ratio": (0.0, None, True, False),
    "step_factor": (0.0, None, True, False),
    "pooling": (0.0, 1.0, False, False),
    "quad_tol": (0.0, 0.5, True, False),
    "exact_grid_limit": (1.0, None, False, True),
    "grid_points": (1.0, None, False, True),
    "dropped_weight": (0.0, 1e-3, False, False),
    "grid_2d_dropped": (0.0, 1e-3, False, False),
    "direct_terms": (1.0, None, False, True),
    "chunk_cells": (1.0, None, False, True),
    "fourier_work": (0.0, None, False, True),
    "table_terms_per_bit": (0.0, None, False, True),
    "cached_table_cells": (0.0, None, False, True),
    "sequential_obligors": (0.0, None, False, True),
    "chi_step": (0.0, None, True, False),
    "chi_per_spread": (0.0, None, True, False),
    "max_work": (1.0, None, False, True),
}
#: Fields that may also be None (no limit).
_OPTIONAL = frozenset({"max_work"})


@dataclass(frozen=True)
class EngineSettings:
    """Accuracy and speed knobs of the exact portfolio engine and the Monte Carlo.

    Attributes
    ----------
    factor_range : float, default 8.5
        Half-width of the factor quadrature range, standard deviations (> 0).
    max_step : float, default 0.35
        Largest quadrature step over a factor, standard deviations (> 0); keeps small
        pools' probabilities near 1e-13.
    grid_2d_step_ratio : float, default 1.5
        Grids over two variables (t copula, two-factor model), whose other quadrature is
        anyway at 1e-13, allow steps this many times ``max_step`` (> 0).
    step_factor : float, default 1.0
        Step = step_factor x the feature width of the conditional loss distribution (> 0).
        Fitted with ``pooling`` (``benchmarks/fit_quadrature.py``).
    pooling : float, default 0.45
        A pool of n alike obligors has features 1 / sqrt(1 + pooling (n - 1)) as wide as
        one (0 to 1). Fitted: the smallest value meeting ``quad_tol`` on the pools of
        ``benchmarks/fit_quadrature.py``, rounded up.
    quad_tol : float, default 1e-10
        Error the factor quadrature aims at; sets how much coarser it may be in the
        tails (> 0 and <= 0.5).
    exact_grid_limit : int, default 2**14
        Largest exact loss grid, points (>= 1); above it the grid has ``grid_points``.
    grid_points : int, default 2048
        Points of the loss grid when losses have no common unit (>= 1).
    dropped_weight : float, default 1e-16
        Total quadrature weight of the lightest nodes left out (0 to 1e-3): expectations
        of quantities in [0, 1] move by at most this.
    grid_2d_dropped : float, default 1e-13
        The same on grids over two variables (the t copula's mixing grid already leaves
        out 2e-13 of the chi-square mass).
    direct_terms : int, default 12
        Polynomials with at most this many terms are multiplied term by term, longer
        ones by FFT (>= 1; speed only).
    chunk_cells : int, default 2,000,000
        Largest number of numbers (latent draws, grid points x nodes) in one array
        (>= 1; memory only: results do not depend on it beyond rounding, Monte Carlo
        paths not at all).
    fourier_work : int, default 4000
        Product trees stop when what is left costs at most this many transform values
        per node (>= 0; speed only).
    table_terms_per_bit : int, default 4
        Polynomials of at most this many terms per bit of the transform size are
        evaluated at the roots of unity by a matrix product rather than an FFT (>= 0;
        speed only).
    cached_table_cells : int, default 2**16
        Largest table of roots kept in the cache, numbers (>= 0; 32 tables at most).
    sequential_obligors : int, default 64
        Largest number of obligors on a grid without a common unit for the sequential
        recursion (>= 0; speed only).
    chi_step : float, default ``addin.analytics.credit.CHI_STEP`` (0.5)
        Largest trapezoid step in ln chi-square over the t copula's mixing variable (> 0).
    chi_per_spread : float, default ``addin.analytics.credit.CHI_PER_SPREAD`` (2.5)
        Trapezoid steps per standard deviation of ln chi-square, at least (> 0).
    max_work : int or None, default None
        Largest work allowed, in quadrature nodes x names (x loss-grid points per node
        when there are more points than names; the factor-step search counts its search
        points as nodes), checked before the work is done (:func:`check_work`); None means
        no limit. The Excel functions set it (``addin.excel.caps``) so that no cell can
        freeze Excel; the Python API has no limit by default.

    Raises
    ------
    InputError
        A field outside its range, naming the field, the value and what is allowed.

    Examples
    --------
    >>> EngineSettings(pooling=0.5).pooling
    0.5
    """

    factor_range: float = 8.5
    max_step: float = 0.35
    grid_2d_step_ratio: float = 1.5
    step_factor: float = 1.0
    pooling: float = 0.45
    quad_tol: float = 1e-10
    exact_grid_limit: int = 2**14
    grid_points: int = 2048
    dropped_weight: float = 1e-16
    grid_2d_dropped: float = 1e-13
    direct_terms: int = 12
    chunk_cells: int = 2_000_000
    fourier_work: int = 4000
    table_terms_per_bit: int = 4
    cached_table_cells: int = 2**16
    sequential_obligors: int = 64
    chi_step: float = CHI_STEP
    chi_per_spread: float = CHI_PER_SPREAD
    max_work: int | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if value is None and field.name in _OPTIONAL:
                continue
            low, high, low_open, integer = _BOUNDS[field.name]
            kind = "a whole number" if integer else "a number"
            allowed = f"{kind} {'>' if low_open else '>='} {low:g}"
            if high is not None:
                allowed += f" and <= {high:g}"
            ok = (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
                and (value > low if low_open else value >= low)
                and (high is None or value <= high)
                and (not integer or float(value).is_integer())
            )
            if not ok:
                if field.name in _OPTIONAL:
                    allowed += ", or None (no limit)"
                raise InputError(f"settings.{field.name}", value, allowed)
            if integer:
                object.__setattr__(self, field.name, int(value))


#: The settings every public function uses unless given others.
DEFAULT_SETTINGS = EngineSettings()


def check_settings(settings: object) -> EngineSettings:
    """Return ``settings`` if it is an :class:`EngineSettings`, else raise.

    Raises
    ------
    InputError
        Naming ``settings``, the value and what is allowed.

    Examples
    --------
    >>> check_settings(DEFAULT_SETTINGS) is DEFAULT_SETTINGS
    True
    """
    if not isinstance(settings, EngineSettings):
        raise InputError("settings", settings, "an EngineSettings, e.g. DEFAULT_SETTINGS")
    return settings


def check_work(work: int, settings: EngineSettings) -> None:
    """Refuse work above ``settings.max_work`` before it is done.

    Parameters
    ----------
    work : int
        Quadrature nodes x names (or loss-grid points per node, when more), or search
        points x names for the factor-step search.
    settings : EngineSettings
        Its ``max_work`` is the cap; None means no limit.

    Raises
    ------
    CapError
        Naming the work, the cap and how to run larger portfolios (the Python API with
        settings that have no cap).

    Examples
    --------
    >>> check_work(10**9, DEFAULT_SETTINGS)  # no cap by default
    >>> try:
    ...     check_work(2_000_001, EngineSettings(max_work=2_000_000))
    ... except CapError as error:
    ...     print(error.allowed)
    at most 2,000,000 (the work cap, settings.max_work)
    """
    if settings.max_work is not None and work > settings.max_work:
        raise CapError(
            "portfolio",
            f"{work:,} quadrature nodes x names",
            f"at most {settings.max_work:,} (the work cap, settings.max_work)",
            "use the Python API (addin.portfolio_es, addin.loss_distribution and the other "
            "portfolio functions), whose default settings have no cap",
        )


__all__ = ["DEFAULT_SETTINGS", "EngineSettings", "check_settings", "check_work"]
