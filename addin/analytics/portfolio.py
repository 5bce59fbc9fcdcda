"""Portfolio losses under correlated default: exact engines and Monte Carlo.

Models (definitions in :mod:`addin.analytics.credit`): the one-factor Gaussian copula, the
Student-t copula (the standard multivariate t, not Hull and White's double-t) and the
two-factor crypto / compute-rent model with a stressed factor-correlation regime.

**Exact engine.** Given the common factor(s), defaults are independent, and the
conditional loss distribution is the product of one polynomial per obligor,
``(1 - p) + p x^loss``, on a loss grid; the unconditional distribution is a quadrature over
the factor(s). :func:`recursion` is the plain Andersen-Sidenius-Basu recursion (one obligor
at a time, vectorised over the quadrature nodes): the reference, and the engine for up to
``SEQUENTIAL_OBLIGORS`` obligors on a grid without a common unit. Otherwise
(:func:`loss_mixture`) obligors with the same loss are counted together (binomially when
their conditional PDs are equal), the polynomials are multiplied in a product tree (term by
term while short, by FFT when long) and the last ones are evaluated at roots of unity (one
matrix product with a table of the roots when they are short, else by FFT), where products
are pointwise and the average over the nodes is taken before transforming back once.
Rounding is then absolute, about 1e-16 per probability (probabilities below about 1e-15 are
noise, clipped at 0).

* Factor quadrature: the trapezoid rule for a standard normal factor on [-8.5, 8.5], with a
  step set by an accuracy target (:func:`factor_step`): the conditional PD of an obligor
  with loading b and idiosyncratic weight s changes over w = s / b, a pool of n such
  obligors over w / sqrt(1 + 0.45 (n - 1)), wider where the PDs are near 0 or 1, and where
  the factor's density is small the step may be coarser. The rule was fitted to reach
  about 1e-10 and checked on 500 random pools (1 to 400 obligors, PDs to 50%, correlations
  to 0.97, steep minorities, concentrated exposures): tranche expected losses within 2e-9
  of a run on steps five times finer (typically 1e-11 to 1e-14); the tests check 1e-8. The
  nodes of least weight, 1e-16 in all (1e-13 on grids over two variables), are dropped.
  The t copula adds the mixing variable (:func:`addin.analytics.credit.chi_scale_nodes`), with a
  grid over M for each of its nodes; the two-factor model a grid over C and, for each C,
  one over E, in each regime.
* Loss grid: when every loss ``exposure x lgd`` is a whole multiple of a common unit
  (found by a gcd over rational approximations) and the grid has at most
  ``EXACT_GRID_LIMIT`` points, losses sit on the grid exactly. Otherwise the unit is
  (total loss) / ``GRID_POINTS`` and each obligor's loss is split between the two grid
  points around it with the weights that keep its mean: expected loss stays exact, and
  the tranche loss, E[(L - K)^+] and expected shortfall x (1 - confidence) move by at most
  ``B = sqrt(sum_i PD_i (l_i - lo_i)(hi_i - l_i))`` (USD), reported as
  ``attrs["discretisation_bound"]`` of the distribution (0 when exact).
* Grid truncation: grid points up to K need only grid points up to K, so tranche losses
  stop every product at the detachment point. Nodes are taken in chunks so that arrays
  hold about ``CHUNK_CELLS`` numbers.

**Monte Carlo.** :func:`simulate_losses` and :func:`simulate_two_factor_losses` draw
seeded paths in chunks of bounded memory, for validation and for what has no
semi-analytic form.

Results: loss distributions as DataFrames (``loss`` in USD, ``probability``,
``cumulative``); VaR (the ``confidence`` quantile of the loss, USD, not net of expected
loss) and expected shortfall (the mean loss in the worst 1 - confidence of outcomes,
Acerbi and Tasche 2002) at any confidence; tranche expected loss as a fraction of the
tranche notional.

References
----------
Andersen, L., Sidenius, J. and Basu, S. (2003), "All your hedges in one basket", Risk,
November. Acerbi, C. and Tasche, D. (2002), "On the coherence of expected shortfall",
Journal of Banking and Finance 26(7).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.fft import next_fast_len
from scipy.special import gammaln, ndtr

from addin.analytics.credit import (
    LGD_ALLOWED,
    MAX_RHO,
    RHO_ALLOWED,
    check_confidence,
    check_copula,
    check_factor_corr,
    check_tranche,
    chi_scale_nodes,
    default_threshold,
    idiosyncratic_weight,
)
from addin.model.errors import InputError
from addin.model.types import FloatArray
from addin.model.validate import finite_array

IntArray = npt.NDArray[np.int64]

PORTFOLIO_PD_ALLOWED = "a probability from 0 to 1 (0 never defaults, 1 always defaults)"
EXPOSURE_ALLOWED = "an exposure in USD from 0 to 1e15"

#: Half-width of the factor quadrature range (standard deviations).
FACTOR_RANGE = 8.5
#: Largest quadrature step over a factor (keeps small pools' probabilities near 1e-13);
#: grids over two variables, whose other quadrature is anyway at 1e-13, allow
#: GRID_2D_STEP_RATIO times more.
MAX_STEP = 0.35
GRID_2D_STEP_RATIO = 1.5
#: Step = STEP_FACTOR x (feature width of the conditional loss distribution).
STEP_FACTOR = 1.0
#: A pool of n alike obligors has features 1 / sqrt(1 + POOLING (n - 1)) as wide as one.
POOLING = 0.45
#: Error the factor quadrature aims at (sets how much coarser it may be in the tails).
QUAD_TOL = 1e-10
#: Largest exact loss grid (points); above it the grid has GRID_POINTS points.
EXACT_GRID_LIMIT = 2**14
#: Points of the loss grid when losses have no common unit.
GRID_POINTS = 2048
#: Total quadrature weight of the lightest nodes left out: expectations of quantities in
#: [0, 1] (probabilities, tranche losses per notional) move by at most this. Grids over two
#: variables (t copula, two-factor model) leave out up to GRID_2D_DROPPED (the t copula's
#: mixing grid already leaves out 2e-13 of the chi-square mass).
DROPPED_WEIGHT = 1e-16
GRID_2D_DROPPED = 1e-13
#: Polynomials with at most this many terms are multiplied term by term, longer ones by FFT.
DIRECT_TERMS = 12
#: Largest number of numbers (latent draws, grid points x nodes) in one array at once.
CHUNK_CELLS = 2_000_000
#: Product trees stop when what is left costs at most this many transform values per node.
FOURIER_WORK = 4000
#: Polynomials of at most this many terms per bit of the transform size are evaluated at
#: the roots of unity by a matrix product rather than an FFT (a measured trade-off).
TABLE_TERMS_PER_BIT = 4
#: Largest table of roots kept in the cache (numbers; 32 tables at most, 16 MB in all).
CACHED_TABLE_CELLS = 2**16
#: Largest number of obligors on a grid without a common unit for the sequential recursion.
SEQUENTIAL_OBLIGORS = 64


# ---- inputs -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Portfolio:
    """Validated per-obligor inputs (1-D arrays of one length)."""

    pds: FloatArray
    exposures: FloatArray
    lgds: FloatArray

    @property
    def losses(self) -> FloatArray:
        """Loss given default of each obligor, USD."""
        return self.exposures * self.lgds

    @property
    def total_exposure(self) -> float:
        return float(self.exposures.sum())


def per_obligor(
    name: str,
    value: Any,
    count: int | None,
    low: float,
    high: float,
    allowed: str,
    high_open: bool = False,
) -> FloatArray:
    """A per-obligor input as a 1-D array of ``count`` values; a single value is repeated."""
    array = finite_array(name, value, low, high, allowed, high_open=high_open)
    if array.ndim > 1:
        raise InputError(name, array, "one value per obligor (a list, array or Series)")
    if count is None:
        if array.ndim == 0 or array.size == 0:
            raise InputError(name, value, "a non-empty list of " + allowed.split(" (")[0] + "s")
        return array
    if array.ndim == 0 or array.size == 1:
        return np.full(count, float(array.ravel()[0]))
    if array.size != count:
        raise InputError(
            name, f"{array.size} values", f"one per obligor ({count}) or a single value"
        )
    return array


def portfolio(pds: Any, exposures: Any, lgds: Any) -> Portfolio:
    """Validate the per-obligor PDs, exposures (USD) and LGDs."""
    p = per_obligor("pds", pds, None, 0.0, 1.0, PORTFOLIO_PD_ALLOWED)
    e = per_obligor("exposures", exposures, p.size, 0.0, 1e15, EXPOSURE_ALLOWED)
    g = per_obligor("lgds", lgds, p.size, 0.0, 1.0, LGD_ALLOWED)
    if not e.sum() > 0:
        raise InputError("exposures", "all zero", "at least one exposure > 0 in USD")
    return Portfolio(p, e, g)


def correlations(rho: Any, count: int) -> FloatArray:
    """Asset correlation per obligor in [0, 1)."""
    return per_obligor("rho", rho, count, 0.0, MAX_RHO, RHO_ALLOWED)


def two_factor_inputs(
    count: int,
    crypto_loadings: Any,
    compute_loadings: Any,
    factor_corr: Any,
    stress_prob: Any,
    stress_corr: Any,
) -> tuple[FloatArray, FloatArray, float, float, float]:
    """Validated loadings on C and R (one per obligor), the factor correlation, the stress
    probability and the stressed factor correlation of the two-factor model."""
    loading = "a factor loading from -1 to 1"
    return (
        per_obligor("crypto_loadings", crypto_loadings, count, -1.0, 1.0, loading),
        per_obligor("compute_loadings", compute_loadings, count, -1.0, 1.0, loading),
        check_factor_corr("factor_corr", factor_corr),
        float(finite_array("stress_prob", stress_prob, 0.0, 1.0, "a probability from 0 to 1")),
        check_factor_corr("stress_corr", stress_corr),
    )


# ---- loss grid ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LossGrid:
    """Each obligor's loss on the grid: ``low`` steps, or ``low + 1`` with ``weight_high``."""

    unit: float
    low: IntArray
    weight_high: FloatArray
    bound: float

    @cached_property
    def high(self) -> IntArray:
        return self.low + (self.weight_high > 0)

    @property
    def order(self) -> list[int]:
        """Obligors with a loss, smallest first."""
        high = self.high
        return [int(i) for i in np.argsort(high, kind="stable") if high[i] > 0]

    @cached_property
    def size(self) -> int:
        """Largest grid index (all obligors default)."""
        return int(self.high.sum())


def common_unit(losses: FloatArray, limit: int = EXACT_GRID_LIMIT) -> float | None:
    """The largest unit of which every loss is a whole multiple, or None.

    When every loss is a whole multiple of the smallest (relative error 1e-9 allowed), the
    unit is the smallest. Otherwise losses are approximated by fractions with denominators
    up to 10,000 (the same relative error); the unit is gcd(numerators) /
    lcm(denominators). None when there is no such unit or the grid would exceed ``limit``
    points.
    """
    every = losses[losses > 0]
    smallest = float(every.min())
    with np.errstate(over="ignore", invalid="ignore"):  # a ratio past 1e308 is no multiple
        multiples = every / smallest
        whole = np.rint(multiples)
        usual = bool(np.all(np.abs(multiples - whole) <= 1e-9 * multiples))
        steps = float(whole.sum())
    if usual:
        return smallest if steps <= limit else None
    positive, counts = np.unique(every, return_counts=True)
    scale = float(positive.max())
    fractions = []
    for value in positive / scale:
        approx = Fraction(float(value)).limit_denominator(10_000)
        if approx == 0 or abs(float(approx) - value) > 1e-9 * value:  # 0: underflow
            return None
        fractions.append(approx)
    denominator = math.lcm(*(f.denominator for f in fractions))
    numerators = [f.numerator * (denominator // f.denominator) for f in fractions]
    unit = math.gcd(*numerators)
    if sum(n * int(c) for n, c in zip(numerators, counts, strict=True)) // unit > limit:
        return None
    return scale * unit / denominator


def loss_grid(book: Portfolio, points: int = GRID_POINTS) -> LossGrid:
    """Put each obligor's loss on a grid: exactly on a common unit, else mean-preserving."""
    losses = book.losses
    if not losses.any():
        return LossGrid(1.0, np.zeros(losses.size, np.int64), np.zeros(losses.size), 0.0)
    unit = common_unit(losses)
    if unit is not None:
        steps = np.rint(losses / unit).astype(np.int64)
        return LossGrid(unit, steps, np.zeros(losses.size), 0.0)
    unit = float(losses.sum()) / points
    low = np.floor(losses / unit).astype(np.int64)
    frac = losses / unit - low
    bound = unit * math.sqrt(float((book.pds * frac * (1 - frac)).sum()))
    return LossGrid(unit, low, frac, bound)


# ---- quadrature -------------------------------------------------------------------------


def factor_nodes(step: float) -> tuple[FloatArray, FloatArray]:
    """Trapezoid nodes and weights (summing to 1) for a standard normal factor.

    An infinite ``step`` (the factor does not matter) gives the single node 0.
    """
    if not math.isfinite(step):
        return np.zeros(1), np.ones(1)
    half = math.ceil(FACTOR_RANGE / step)
    z = np.arange(-half, half + 1, dtype=float) * step
    weight = np.exp(-0.5 * z * z)  # the normal density up to its constant, normalised below
    return z, weight / weight.sum()


def factor_step(
    idio: FloatArray,
    loading: FloatArray,
    active: npt.NDArray[np.bool_],
    threshold: FloatArray | None = None,
    log_weight: float = 0.0,
    count: IntArray | None = None,
    largest: float | None = None,
) -> float:
    """Trapezoid step over a standard normal factor M for conditional PDs
    ``ndtr((threshold - loading M) / idio)`` of the ``active`` obligors (infinite when
    none depends on M).

    Obligor i's conditional PD changes over ``w_i = idio_i / |loading_i|``; where it is
    ``ndtr(x)``, its features are about ``u_i = w_i (1 + x^2 / 5.5)`` wide (a lower bound
    of ``w_i sd / slope``, 2 sqrt(Phi(x) Phi(-x)) exp(x^2 / 2) relative to x = 0). Pooled,
    they narrow to ``W = (((1 - POOLING) / min u_i^2 + POOLING sum 1 / u_i^2))^(-1/2)`` (a
    pool of n alike obligors: ``w / sqrt(1 + POOLING (n - 1))``, fitted), and the normal
    density to ``W / sqrt(1 + W^2)``; the step is ``STEP_FACTOR`` times that, at its
    narrowest over M. Features at M, where the density (times ``exp(-log_weight)``) is a
    fraction ``f`` of its peak, may be resolved more coarsely, by 1 / sqrt(1 -
    ln(1 / f) / ln(1 / QUAD_TOL)). Without ``threshold`` (the C grid of the two-factor
    model), x = 0 and no relaxation. Each obligor counts once in the pool whatever its
    exposure (a pool of small loans has narrow features however large one loan is). With
    ``STEP_FACTOR`` 1, tranche losses came within 2e-9 on 500 random pools (see the module
    docstring); the step never exceeds ``largest`` (default ``MAX_STEP``).
    """
    largest = MAX_STEP if largest is None else largest
    use = active & (loading != 0)
    if threshold is not None:
        use &= np.isfinite(threshold)  # PD 0 or 1: no dependence on M
    if not use.any():
        return math.inf
    slope = loading[use] / idio[use]  # +-1 / w_i
    steep = np.abs(slope)
    alike = np.ones(steep.size) if count is None else count[use]  # obligors of each kind
    if threshold is None:
        inverse_w2 = float(steep.max()) ** 2 * (1 + POOLING * (alike.sum() - 1))
        return min(largest, STEP_FACTOR / math.sqrt(1 + inverse_w2))
    tol = math.log(1 / QUAD_TOL)
    reach = math.sqrt(2 * tol)  # beyond, the density is below QUAD_TOL of its peak
    spacing = min(reach, 0.5 / float(steep.max()))  # the steepest x moves by 1/2 at most
    half = math.ceil(reach / spacing)
    cut = threshold[use] / idio[use]
    narrowest = 0.0  # max over M of (1 + inverse_w2) room, in chunks of M to bound memory
    rows = max(1, CHUNK_CELLS // (4 * steep.size))
    for first in range(-half, half + 1, rows):
        m = np.arange(first, min(first + rows, half + 1)) * spacing
        x = cut - m[:, None] * slope  # (M x obligors)
        with np.errstate(over="ignore"):  # a PD far from 1/2 (huge x) has no narrow feature
            inverse_u2 = np.square(steep / (1 + x * x * (1 / 5.5)))
        inverse_w2 = (1 - POOLING) * inverse_u2.max(1) + POOLING * (inverse_u2 @ alike)
        room = 1 - (0.5 * m * m + log_weight) / tol  # the relaxation is 1 / sqrt(room)
        # step(M) = STEP_FACTOR / sqrt((1 + inverse_w2) room) where room > 0, else unbounded
        narrowest = max(narrowest, float(((1 + inverse_w2) * room).max()))
    return min(largest, STEP_FACTOR / math.sqrt(narrowest)) if narrowest > 0 else largest


def kept_nodes(weights: FloatArray, dropped: float = DROPPED_WEIGHT) -> IntArray:
    """Indices (in order) of the nodes kept when the lightest nodes, of total weight at most
    ``dropped``, are left out; the kept weights are renormalised by the caller."""
    order = np.argsort(weights, kind="stable")
    count = int(np.searchsorted(np.cumsum(weights[order]), dropped, side="right"))
    return np.sort(order[count:])


# ---- conditional loss distributions ------------------------------------------------------


def recursion(cond_pd: FloatArray, grid: LossGrid, cap: int) -> FloatArray:
    """Andersen-Sidenius-Basu recursion: P(L = k units | node) for k = 0..cap.

    ``cond_pd`` is (obligors x nodes); the result is (cap + 1) x nodes. One obligor at a
    time, smallest loss first, the distribution so far is moved by the obligor's loss with
    its conditional PD (split losses: ``low`` steps with weight 1 - w, ``low + 1`` with w).
    Entries up to ``cap`` need no entry beyond, so they are exact. This is the plain
    reference for :func:`loss_mixture`, which also uses it where it is the faster way (few
    obligors on a grid without a common unit).
    """
    dist = np.zeros((cap + 1, cond_pd.shape[1]))
    dist[0] = 1.0
    top = 0  # highest grid point reached so far
    for i in grid.order:
        p, low, w = cond_pd[i], int(grid.low[i]), float(grid.weight_high[i])
        new_top = min(top + low + (w > 0), cap)
        moved = [(low, p * (1 - w)), (low + 1, p * w)] if w > 0 else [(low, p)]
        adds = [(s, dist[: new_top + 1 - s] * q) for s, q in moved if 0 < s <= new_top]
        dist[: top + 1] *= (1 - p) + sum(q for s, q in moved if s == 0)
        for s, add in adds:
            dist[s : new_top + 1] += add
        top = new_top
    return dist


def binomial_pmf(count: IntArray, n: int, p: FloatArray) -> FloatArray:
    """Binomial probabilities P(k defaults of n) for each k (rows) and PD p (columns).

    exp(ln C(n, k) + k ln p + (n - k) ln(1 - p)), with scipy's gammaln and the logarithms
    taken once per PD (p = 0 and 1 handled); relative accuracy about 1e-13.
    """
    log_choose = gammaln(n + 1) - gammaln(count + 1) - gammaln(n - count + 1)
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(p), np.log1p(-p)
    k = count[:, None].astype(float)
    with np.errstate(invalid="ignore"):
        log_pmf = log_choose[:, None] + k * log_p + (n - k) * log_q
    # 0 x ln 0 = 0: only k = 0 at p = 0 and k = n at p = 1, where ln C(n, k) = 0
    log_pmf[np.isnan(log_pmf)] = 0.0
    return np.asarray(np.exp(log_pmf), dtype=float)


def padded(polys: FloatArray, length: int) -> FloatArray:
    """The first ``length`` coefficients (axis 0) of ``polys``, padded with zeros."""
    out = np.zeros((length, *polys.shape[1:]))
    kept = min(length, polys.shape[0])
    out[:kept] = polys[:kept]
    return out


def convolve(a: FloatArray, b: FloatArray, length: int) -> FloatArray:
    """Coefficients 0..length - 1 of the product of polynomials ``a`` and ``b``.

    Coefficients run along axis 0; the other axes (polynomials, nodes) broadcast. A short
    factor (at most ``DIRECT_TERMS`` terms) is multiplied in term by term, exactly up to
    rounding in each coefficient (a sum of positive products); longer products go through
    numpy's real FFT, whose rounding error is absolute, about 1e-16 of the largest
    coefficient.
    """
    a, b = a[:length], b[:length]
    if a.shape[0] < b.shape[0]:
        a, b = b, a
    full = a.shape[0] + b.shape[0] - 1
    kept = min(full, length)
    rows, cols, rest = b.shape[0], a.shape[0], a.shape[1:]
    if rest != b.shape[1:]:
        rest = np.broadcast_shapes(rest, b.shape[1:])
    if rows <= DIRECT_TERMS and rows * (rows + cols) * math.prod(rest) <= CHUNK_CELLS:
        table = np.zeros((rows, rows + cols, *rest))  # every product b_i a_j at once
        np.multiply(b[:, None], a[None], out=table[:, :cols])
        # row i of the table, read with a row length one shorter, starts i places later,
        # so the columns of the skewed table are the coefficients of the product
        skewed = table.reshape(rows * (rows + cols), *rest)[: rows * full]
        return np.asarray(skewed.reshape(rows, full, *rest)[:, :kept].sum(axis=0))
    if rows <= DIRECT_TERMS:  # the same, one term of b at a time
        out = np.zeros((kept, *rest))
        for i in range(min(rows, kept)):
            out[i : i + cols] += a[: kept - i] * b[i]
        return out
    size = next_fast_len(full, real=True)
    spectrum = np.fft.rfft(padded(a, size), axis=0) * np.fft.rfft(padded(b, size), axis=0)
    return np.asarray(np.fft.irfft(spectrum, size, axis=0)[:kept], dtype=float)


def halve(polys: FloatArray, degrees: IntArray, length: int) -> tuple[FloatArray, IntArray]:
    """One level of the product tree: polynomials (terms x k x ...) of the given degrees
    (k x ...) multiplied in pairs (the first half by the second), an odd one carried."""
    count = polys.shape[1]
    half = count // 2
    product = convolve(polys[:, :half], polys[:, half : 2 * half], length)
    merged = degrees[:half] + degrees[half : 2 * half]
    if count % 2:
        product = np.concatenate([product, padded(polys[:, 2 * half :], product.shape[0])], 1)
        merged = np.concatenate([merged, degrees[2 * half :]])
    return product, merged


def reduced(
    polys: FloatArray, degrees: IntArray, length: int, final: int
) -> tuple[FloatArray, IntArray]:
    """Multiply a stack of polynomials in pairs while they are short (a level costs a few
    numpy calls) or while transforming what is left at the end, ``final`` values per
    polynomial of the stack, would cost more than ``FOURIER_WORK`` values per node (a
    measured trade-off)."""
    while polys.shape[1] > 1 and (
        polys.shape[0] <= DIRECT_TERMS // 2 or polys.shape[1] * final > FOURIER_WORK
    ):
        polys, degrees = halve(polys, degrees, length)
    return polys, degrees


#: A stack of polynomials in x^stride: coefficients (terms x k x nodes), degrees (k), stride.
Stack = tuple[FloatArray, IntArray, int]


def obligor_stacks(cond_pd: FloatArray, grid: LossGrid, cap: int) -> list[Stack]:
    """Polynomials whose product, up to x^cap, is the conditional loss distribution.

    Obligors whose loss is the same whole number s of grid units are counted together (a
    polynomial in x^s): the number of defaults is binomial when their conditional PDs are
    equal, otherwise it comes from a product tree of (1 - p) + p x, run at once for the
    groups of similar size. Split losses give (1 - p) + p (1 - w) x^low + p w x^(low + 1),
    multiplied in a tree per power-of-two class of ``low`` (padding at most doubles them).
    """
    length, final = cap + 1, min(grid.size, cap) + 1
    low, split = grid.low, grid.weight_high > 0
    stacks: list[Stack] = []
    groups = []
    for step in np.unique(low[~split & (low > 0)]).tolist():
        members = np.flatnonzero(~split & (low == step))
        p = cond_pd[members]
        counts = min(members.size, cap // step) + 1
        if members.size > 1 and bool((p == p[0]).all()):
            pmf = binomial_pmf(np.arange(counts), members.size, p[0])
            stacks.append((pmf[:, None], np.array([members.size]), step))
        else:
            groups.append((members.size, step, p))
    groups.sort(key=lambda g: g[0], reverse=True)
    while groups:  # groups within a factor 2 in size share one tree (padded with p = 0)
        batch = [g for g in groups if 2 * g[0] >= groups[0][0]]
        groups = groups[len(batch) :]
        size, step = batch[0][0], min(g[1] for g in batch)
        stack = np.zeros((2, size, len(batch), cond_pd.shape[1]))  # (1 - p) + p x
        degrees = np.zeros((size, len(batch)), dtype=np.int64)
        for j, (count, _, rows) in enumerate(batch):
            stack[1, :count, j], degrees[:count, j] = rows, 1
        np.subtract(1.0, stack[1], out=stack[0])
        polys, degrees = reduced(stack, degrees, cap // step + 1, final * len(batch))
        for j, (_, s, _) in enumerate(batch):
            stacks.append((polys[: cap // s + 1, :, j], degrees[:, j], s))
    classes = np.frexp(low + 1.0)[1]
    kinds = np.unique(classes[split]).tolist() if split.any() else []
    for cls in kinds:
        members = np.flatnonzero(split & (classes == cls))
        p, w = cond_pd[members], grid.weight_high[members, None]
        terms = min(int(low[members].max()) + 2, length)
        polys = np.zeros((terms + 1, members.size, p.shape[1]))  # row `terms`: cut off
        column = np.arange(members.size)
        polys[0] = 1 - p
        polys[np.minimum(low[members], terms), column] += p * (1 - w)
        polys[np.minimum(low[members] + 1, terms), column] += p * w
        stacks.append((*reduced(polys[:terms], low[members] + 1, length, final * len(kinds)), 1))
    return stacks


def spread(polys: FloatArray, stride: int, length: int) -> FloatArray:
    """Polynomials in x^stride (coefficients along axis 0) as polynomials in x."""
    terms = min(polys.shape[0], (length - 1) // stride + 1)
    out = np.zeros(((terms - 1) * stride + 1, *polys.shape[1:]))
    out[::stride] = polys[:terms]
    return out


@lru_cache(maxsize=32)
def roots_table(terms: int, stride: int, size: int) -> FloatArray:
    """cos and -sin of 2 pi t stride f / size for t < terms and f <= size // 2, interleaved
    (terms x 2 (size // 2 + 1)): coefficients @ table, read as complex numbers, are the
    values of a polynomial in x^stride at the roots of unity exp(-2 pi i f / size).

    Cached; callers take ``roots_table.__wrapped__`` for tables larger than
    ``CACHED_TABLE_CELLS`` numbers, so that the cache stays small."""
    f = np.arange(size // 2 + 1)
    phase = (np.outer(np.arange(terms) * stride % size, f) % size) * (2 * math.pi / size)
    table = np.empty((terms, 2 * f.size))
    table[:, 0::2], table[:, 1::2] = np.cos(phase), -np.sin(phase)
    table.flags.writeable = False  # shared by the cache
    return table


def spectra(polys: FloatArray, stride: int, size: int) -> npt.NDArray[np.complex128]:
    """Values (k x nodes x size // 2 + 1) of polynomials in x^stride (coefficients along
    axis 0) at the roots of unity exp(-2 pi i f / size).

    Short polynomials (at most ``TABLE_TERMS_PER_BIT`` x log2(size) terms) go through one
    matrix product with :func:`roots_table` (BLAS, far quicker than many short FFTs),
    longer ones through numpy's real FFT; either way rounding is about 1e-16 per value.
    """
    terms, count, nodes = polys.shape
    if terms <= TABLE_TERMS_PER_BIT * math.log2(size):
        small = terms * (size + 2) <= CACHED_TABLE_CELLS
        table = (roots_table if small else roots_table.__wrapped__)(terms, stride, size)
        pairs = polys.reshape(terms, count * nodes).T @ table
        return pairs.view(np.complex128).reshape(count, nodes, size // 2 + 1)
    dense = np.zeros((count, nodes, size))
    dense[:, :, : (terms - 1) * stride + 1 : stride] = np.moveaxis(polys, 0, -1)
    return np.fft.rfft(dense, axis=-1)


def product_mixture(stacks: list[Stack], length: int, weights: FloatArray) -> FloatArray:
    """sum_j weights_j prod (every polynomial of every stack)[:, j], terms 0..length - 1.

    The polynomials are evaluated at more roots of unity than the degree of their product
    (each degree capped at length - 1, as terms beyond do not reach the result), the
    values multiplied and averaged over the nodes with the weights (the transform is
    linear), and the average transformed back once: rounding errors are absolute, about
    1e-16. A single polynomial or a short product is multiplied out directly.
    """
    degree = sum(int(np.minimum(d * s, length - 1).sum()) for _, d, s in stacks)
    if sum(d.size for _, d, _ in stacks) == 1 or degree <= 4 * DIRECT_TERMS:
        product = np.ones((1, weights.size))
        for polys, _, stride in stacks:
            for j in range(polys.shape[1]):
                product = convolve(product, spread(polys[:, j], stride, length), length)
        return np.asarray(product @ weights, dtype=float)
    size = next_fast_len(degree + 1, real=True)
    values = math.prod(spectra(polys, stride, size).prod(axis=0) for polys, _, stride in stacks)
    # complex matrix products can be very slow in some BLAS builds: real and imaginary
    # parts (interleaved in memory) go through one real product
    average = (weights @ values.view(np.float64)).view(np.complex128)
    return np.asarray(np.fft.irfft(average, size)[:length], dtype=float)


def loss_mixture(model: Model, grid: LossGrid, cap: int) -> FloatArray:
    """P(L = k units) for k = 0..cap: the conditional distributions averaged over the nodes.

    Few obligors on a grid without a common unit (at most ``SEQUENTIAL_OBLIGORS``) go
    through :func:`recursion`, whose work grows with obligors x grid points; otherwise
    :func:`obligor_stacks` and :func:`product_mixture`, whose work grows with grid points
    x log(obligors) plus a few numpy calls per level of the product tree. Nodes are taken
    in chunks (their conditional PDs computed chunk by chunk) so that memory stays below
    ``CHUNK_CELLS`` numbers per array however many nodes and obligors there are.
    """
    out = np.zeros(cap + 1)
    # a chunk of nodes holds CHUNK_CELLS / 16 numbers per obligor or grid point: the
    # product tree's arrays are several times that, and smaller ones (fewer page faults,
    # more in cache) were measured quicker, down to about a tenth of this
    chunk = max(1, CHUNK_CELLS // (16 * max(min(grid.size, cap) + 1, grid.low.size)))
    sequential = grid.weight_high.any() and len(grid.order) <= SEQUENTIAL_OBLIGORS
    for start in range(0, model.weights.size, chunk):
        stop = min(start + chunk, model.weights.size)
        cond, weight = model.conditional(start, stop), model.weights[start:stop]
        if sequential:
            out += recursion(cond, grid, cap) @ weight
        else:
            mixture = product_mixture(obligor_stacks(cond, grid, cap), cap + 1, weight)
            out[: mixture.size] += mixture
    return out


# ---- models ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Quadrature weights (summing to 1) and ``conditional(start, stop)``, the conditional
    PDs (obligors x nodes) at the nodes ``start:stop``, computed when asked so that only a
    chunk of nodes is held at once."""

    weights: FloatArray
    conditional: Callable[[int, int], FloatArray]


def one_factor_model(book: Portfolio, rho: FloatArray, dof: float | None) -> Model:
    """Nodes and conditional PDs of the one-factor Gaussian or t copula.

    Obligors with the same PD and correlation share their conditional PDs (computed once).
    For the t copula, each node V of the mixing variable has its own grid over M (the
    thresholds there are ``t_nu^-1(PD) V``; features where V is unlikely may be coarser).
    """
    kinds, kind = np.unique(book.pds + 1j * rho, return_inverse=True)  # (PD, rho) pairs
    active = np.zeros(kinds.size, dtype=bool)
    active[kind[book.losses > 0]] = True
    count = np.bincount(kind, minlength=kinds.size)
    threshold = default_threshold(kinds.real.copy(), dof)
    loading, idio = np.sqrt(kinds.imag), np.sqrt(1 - kinds.imag)
    scale, v = (np.ones(1), np.ones(1)) if dof is None else chi_scale_nodes(dof)
    factor, scales, weights = [], [], []
    with np.errstate(invalid="ignore"):  # +-inf thresholds (PD 0 or 1) stay +-inf
        for s, w in zip(scale.tolist(), v.tolist(), strict=True):
            if w > 0:
                unlikely = math.log(v.max() / w)  # ln(peak / this node's weight)
                largest = MAX_STEP * (1.0 if dof is None else GRID_2D_STEP_RATIO)
                step = factor_step(idio, loading, active, threshold * s, unlikely, count, largest)
                m, weight = factor_nodes(step)
                factor.append(m)
                scales.append(np.full(m.size, s))
                weights.append(w * weight)
    weight = np.concatenate(weights)
    keep = kept_nodes(weight, DROPPED_WEIGHT if dof is None else GRID_2D_DROPPED)
    mm, ss = np.concatenate(factor)[keep], np.concatenate(scales)[keep]
    cut, slope = (threshold / idio)[:, None], (loading / idio)[:, None]

    def conditional(start: int, stop: int) -> FloatArray:
        with np.errstate(invalid="ignore"):
            shifted = cut * ss[start:stop] - slope * mm[start:stop]
        return np.asarray(ndtr(shifted)[kind], dtype=float)

    return Model(weight[keep] / weight[keep].sum(), conditional)


def two_factor_model(
    book: Portfolio,
    crypto: FloatArray,
    compute: FloatArray,
    factor_corr: float,
    stress_prob: float,
    stress_corr: float,
) -> Model:
    """Nodes over (C, E) in each regime, with R = rho C + sqrt(1 - rho^2) E: a grid over C,
    and for each node C its own grid over E (coarser where C is unlikely)."""
    threshold = default_threshold(book.pds, None)
    active = book.losses > 0
    top = max(1 - stress_prob, stress_prob)
    nodes: list[FloatArray] = []
    weights: list[FloatArray] = []
    regimes: list[tuple[FloatArray, FloatArray, FloatArray]] = []
    for prob, rho in ((1 - stress_prob, factor_corr), (stress_prob, stress_corr)):
        if prob == 0:
            continue
        s = idiosyncratic_weight(crypto, compute, rho, "compute_loadings")
        alpha, beta = crypto + compute * rho, compute * math.sqrt(1 - rho * rho)
        largest = MAX_STEP * GRID_2D_STEP_RATIO
        c, wc = factor_nodes(factor_step(s, alpha, active, largest=largest))
        for cj, wj in zip(c.tolist(), wc.tolist(), strict=True):
            unlikely = math.log(top * wc.max() / (prob * wj))  # ln(peak / this slice)
            shifted = threshold - alpha * cj
            e, we = factor_nodes(factor_step(s, beta, active, shifted, unlikely, None, largest))
            nodes.append(np.stack([np.full(e.size, cj), e, np.full(e.size, len(regimes))]))
            weights.append(prob * wj * we)
        regimes.append((s, alpha, beta))
    weight = np.concatenate(weights)
    keep = kept_nodes(weight, GRID_2D_DROPPED)
    cc, ee, regime = np.hstack(nodes)[:, keep]

    def conditional(start: int, stop: int) -> FloatArray:
        cond = np.empty((threshold.size, stop - start))
        for r, (s, alpha, beta) in enumerate(regimes):
            mine = start + np.flatnonzero(regime[start:stop] == r)
            with np.errstate(invalid="ignore"):
                shifted = threshold[:, None] - alpha[:, None] * cc[mine] - beta[:, None] * ee[mine]
            cond[:, mine - start] = ndtr(shifted / s[:, None])
        return cond

    return Model(weight[keep] / weight[keep].sum(), conditional)


def distribution_arrays(
    book: Portfolio, model: Model, cap_loss: float | None = None, points: int = GRID_POINTS
) -> tuple[FloatArray, FloatArray, LossGrid]:
    """Losses (USD) and probabilities on the grid, up to ``cap_loss`` (USD) when given."""
    grid = loss_grid(book, points)
    cap = grid.size
    if cap_loss is not None:
        steps = cap_loss / grid.unit  # inf for a tiny unit: keep the whole grid then
        cap = min(cap, math.ceil(steps)) if steps < cap else cap
    probs = loss_mixture(model, grid, cap)
    losses = np.arange(cap + 1) * grid.unit
    return losses.astype(float), np.maximum(probs, 0.0), grid


# ---- statistics of a distribution on a grid -----------------------------------------------


def var_of(losses: FloatArray, probs: FloatArray, confidence: float) -> float:
    """Smallest loss l with P(L <= l) >= confidence (relative slack 1e-12 for rounding)."""
    cumulative = np.cumsum(probs)
    index = int(np.searchsorted(cumulative, confidence * (1 - 1e-12)))
    return float(losses[min(index, losses.size - 1)])


def es_of(losses: FloatArray, probs: FloatArray, confidence: float) -> float:
    """Expected shortfall: (E[L 1{L > v}] + v (P(L <= v) - confidence)) / (1 - confidence)."""
    v = var_of(losses, probs, confidence)
    above = losses > v
    tail = float(losses[above] @ probs[above]) + v * (float(probs[~above].sum()) - confidence)
    return tail / (1 - confidence)


def tranche_of(
    losses: FloatArray, probs: FloatArray, attach: float, detach: float, total: float
) -> float:
    """Tranche expected loss over its notional; mass not on the grid counts as a full loss."""
    # In fractions of total exposure, so that a tiny total cannot make the width underflow.
    width = detach - attach
    payoff = np.clip(losses / total - attach, 0.0, width)
    missing = max(0.0, 1.0 - float(probs.sum()))
    return (float(payoff @ probs) + missing * width) / width


#: Column labels of the distributions, built once (inferring them costs more than the data).
FRAME_COLUMNS = {
    label: pd.Index([label, "probability", "cumulative"]) for label in ("loss", "defaults")
}


def as_frame(
    losses: FloatArray, probs: FloatArray, grid: LossGrid, total: float, label: str = "loss"
) -> pd.DataFrame:
    """A distribution as a DataFrame with its grid facts in ``attrs``."""
    table = np.column_stack([losses, probs, np.cumsum(probs)])  # one float block: quicker
    frame = pd.DataFrame(table, columns=FRAME_COLUMNS[label])
    frame.attrs.update(loss_unit=grid.unit, discretisation_bound=grid.bound, total_exposure=total)
    return frame


# ---- public API ---------------------------------------------------------------------------


def loss_distribution(
    pds: Any,
    exposures: Any,
    lgds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
) -> pd.DataFrame:
    """Exact distribution of the portfolio loss under the one-factor Gaussian or t copula.

    Parameters
    ----------
    pds : list, array or Series
        Default probability of each obligor over the horizon, 0 to 1 (0 never defaults,
        1 always defaults).
    exposures : float, list, array or Series
        Exposure at default of each obligor, USD >= 0 (a single value applies to all).
    lgds : float, list, array or Series
        Loss given default, decimal 0 to 1 (a single value applies to all).
    rho : float, list, array or Series
        Asset correlation in [0, 1), one for all or one per obligor (pairwise latent
        correlation sqrt(rho_i rho_j)).
    copula : {"gaussian", "t"}, optional
        Case-insensitive. Default "gaussian".
    dof : float, optional
        Degrees of freedom (1 to 1e6) of the t copula; required for "t", ignored otherwise.

    Returns
    -------
    DataFrame
        Columns ``loss`` (USD, every grid point from 0 to the total loss), ``probability``
        and ``cumulative``; ``attrs`` holds ``loss_unit`` (USD), ``discretisation_bound``
        (USD, 0 when the losses sit on the grid exactly) and ``total_exposure`` (USD).

    Notes
    -----
    :math:`L = \\sum_i E_i\\, LGD_i\\, 1\\{X_i < \\text{threshold}_i\\}`; see the module
    docstring for the engine and its accuracy. With exposures and LGDs of 1 the losses are
    the numbers of defaults (see :func:`default_count_distribution`).

    Examples
    --------
    >>> dist = loss_distribution([0.01, 0.02, 0.05], [100.0, 200.0, 300.0], 0.5, 0.2)
    >>> dist["loss"].tolist()
    [0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0]
    >>> round(float(dist["probability"].iloc[0]), 6)
    0.924139

    Excel: ``=PORTFOLIO_LOSS_DIST(PDs, Exposures, LGDs, 0.2)``
    """
    book = portfolio(pds, exposures, lgds)
    model = one_factor_model(book, correlations(rho, book.pds.size), check_copula(copula, dof))
    losses, probs, grid = distribution_arrays(book, model)
    return as_frame(losses, probs, grid, book.total_exposure)


def default_count_distribution(
    pds: Any, rho: Any, copula: str = "gaussian", dof: float | None = None
) -> pd.DataFrame:
    """P(k defaults) for k = 0..n under the one-factor Gaussian or t copula.

    Parameters are those of :func:`loss_distribution` without exposures and LGDs.

    Returns
    -------
    DataFrame
        Columns ``defaults``, ``probability`` and ``cumulative``.

    Examples
    --------
    >>> dist = default_count_distribution([0.02] * 10, 0.0)
    >>> round(float(dist["probability"].iloc[1]), 6)  # 10 x 0.02 x 0.98^9
    0.16675
    """
    book = portfolio(pds, 1.0, 1.0)
    model = one_factor_model(book, correlations(rho, book.pds.size), check_copula(copula, dof))
    losses, probs, grid = distribution_arrays(book, model)
    frame = as_frame(losses, probs, grid, book.total_exposure, "defaults")
    frame["defaults"] = frame["defaults"].round().astype(int)
    return frame


def portfolio_expected_loss(pds: Any, exposures: Any, lgds: Any) -> float:
    """Expected portfolio loss, USD: :math:`\\sum_i PD_i E_i LGD_i` (any correlation).

    Examples
    --------
    >>> portfolio_expected_loss([0.01, 0.02], [100.0, 200.0], 0.5)
    2.5

    Excel: ``=PORTFOLIO_EL(PDs, Exposures, LGDs)``
    """
    book = portfolio(pds, exposures, lgds)
    return float(book.pds @ book.losses)


def portfolio_var(
    confidence: float,
    pds: Any,
    exposures: Any,
    lgds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
) -> float:
    """Value at risk of the portfolio loss, USD: the ``confidence`` quantile.

    Parameters
    ----------
    confidence : float
        Level strictly between 0 and 1 (0.999 = 99.9%).
    pds, exposures, lgds, rho, copula, dof
        As in :func:`loss_distribution`.

    Returns
    -------
    float
        :math:`\\min\\{l : P(L \\le l) \\ge \\alpha\\}`, USD, a point of the loss grid (gross,
        not net of expected loss).

    Examples
    --------
    >>> portfolio_var(0.99, [0.01, 0.02, 0.05], [100.0, 200.0, 300.0], 0.5, 0.2)
    150.0

    Excel: ``=PORTFOLIO_VAR(0.99, PDs, Exposures, LGDs, 0.2)``
    """
    level = check_confidence(confidence)
    dist = loss_distribution(pds, exposures, lgds, rho, copula, dof)
    return var_of(dist["loss"].to_numpy(), dist["probability"].to_numpy(), level)


def portfolio_es(
    confidence: float,
    pds: Any,
    exposures: Any,
    lgds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
) -> float:
    """Expected shortfall of the portfolio loss, USD, at ``confidence``.

    Parameters are those of :func:`portfolio_var`.

    Returns
    -------
    float
        .. math:: ES_\\alpha = \\frac{1}{1-\\alpha}\\int_\\alpha^1 VaR_u\\,du
                  = \\frac{E[L\\,1\\{L > v\\}] + v\\,(P(L \\le v) - \\alpha)}{1 - \\alpha}

        with :math:`v = VaR_\\alpha`, USD.

    Examples
    --------
    >>> round(portfolio_es(0.99, [0.01, 0.02, 0.05], [100.0, 200.0, 300.0], 0.5, 0.2), 2)
    180.16

    Excel: ``=PORTFOLIO_ES(0.99, PDs, Exposures, LGDs, 0.2)``
    """
    level = check_confidence(confidence)
    dist = loss_distribution(pds, exposures, lgds, rho, copula, dof)
    return es_of(dist["loss"].to_numpy(), dist["probability"].to_numpy(), level)


def tranche_expected_loss(
    attach: float,
    detach: float,
    pds: Any,
    exposures: Any,
    lgds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
) -> float:
    """Expected loss of tranche [attach, detach] as a fraction of its notional.

    Parameters
    ----------
    attach, detach : float
        Tranche bounds as fractions of total exposure, 0 <= attach < detach <= 1.
    pds, exposures, lgds, rho, copula, dof
        As in :func:`loss_distribution`.

    Returns
    -------
    float
        :math:`E[\\min(\\max(L - aN, 0), (d - a)N)] / ((d - a)N)`, N the total exposure.

    Notes
    -----
    Only grid points up to the detachment are needed: the recursion stops there, and the
    mass above counts as a full tranche loss.

    Examples
    --------
    >>> round(tranche_expected_loss(0.0, 0.1, [0.02] * 100, 1e6, 0.6, 0.3), 6)
    0.114575

    Excel: ``=TRANCHE_EL(0, 0.1, PDs, Exposures, LGDs, 0.3)``
    """
    a, d = check_tranche(attach, detach)
    book = portfolio(pds, exposures, lgds)
    model = one_factor_model(book, correlations(rho, book.pds.size), check_copula(copula, dof))
    total = book.total_exposure
    losses, probs, _ = distribution_arrays(book, model, cap_loss=d * total)
    return tranche_of(losses, probs, a, d, total)


def two_factor_loss_distribution(
    pds: Any,
    exposures: Any,
    lgds: Any,
    crypto_loadings: Any,
    compute_loadings: Any,
    factor_corr: float,
    stress_prob: float = 0.0,
    stress_corr: float = 0.8,
) -> pd.DataFrame:
    """Exact loss distribution under the two-factor crypto / compute-rent model.

    Parameters
    ----------
    pds, exposures, lgds
        As in :func:`loss_distribution`.
    crypto_loadings, compute_loadings : float, list, array or Series
        Loadings a_i and b_i of each obligor on the crypto factor C and the compute-rent
        factor R (a miner loads on both, a neocloud mostly on R).
    factor_corr : float
        Correlation of C and R in normal times, strictly between -1 and 1.
    stress_prob : float, optional
        Probability of the correlation-convergence regime, 0 to 1. Default 0.
    stress_corr : float, optional
        Factor correlation in that regime. Default 0.8.

    Returns
    -------
    DataFrame
        As :func:`loss_distribution`.

    Notes
    -----
    :math:`X_i = a_i C + b_i R + s_i Z_i`, :math:`s_i = \\sqrt{1 - a_i^2 - b_i^2 - 2 a_i b_i
    \\rho_{CR}}` in each regime (so each PD holds in both). With
    :math:`R = \\rho C + \\sqrt{1-\\rho^2} E`, the quadrature runs over C and E in each
    regime and mixes the regimes with weights 1 - p and p.

    Examples
    --------
    >>> dist = two_factor_loss_distribution([0.03, 0.02], 1e6, 0.6, [0.5, 0.1], [0.3, 0.5],
    ...                                     0.3, stress_prob=0.2)
    >>> round(float(dist["probability"].iloc[-1]), 6)
    0.002427
    """
    book = portfolio(pds, exposures, lgds)
    factors = two_factor_inputs(
        book.pds.size, crypto_loadings, compute_loadings, factor_corr, stress_prob, stress_corr
    )
    model = two_factor_model(book, *factors)
    losses, probs, grid = distribution_arrays(book, model)
    return as_frame(losses, probs, grid, book.total_exposure)


def distribution_var(distribution: pd.DataFrame, confidence: float) -> float:
    """VaR (USD) of a distribution returned by this module, at ``confidence``.

    Examples
    --------
    >>> dist = loss_distribution([0.01, 0.02, 0.05], [100.0, 200.0, 300.0], 0.5, 0.2)
    >>> distribution_var(dist, 0.99)
    150.0
    """
    level = check_confidence(confidence)
    return var_of(
        distribution.iloc[:, 0].to_numpy(float), distribution["probability"].to_numpy(), level
    )


def distribution_es(distribution: pd.DataFrame, confidence: float) -> float:
    """Expected shortfall (USD) of a distribution returned by this module.

    Examples
    --------
    >>> dist = loss_distribution([0.01, 0.02, 0.05], [100.0, 200.0, 300.0], 0.5, 0.2)
    >>> round(distribution_es(dist, 0.99), 2)
    180.16
    """
    level = check_confidence(confidence)
    return es_of(
        distribution.iloc[:, 0].to_numpy(float), distribution["probability"].to_numpy(), level
    )


def distribution_tranche_el(distribution: pd.DataFrame, attach: float, detach: float) -> float:
    """Tranche expected loss (fraction of tranche notional) from a loss distribution.

    Examples
    --------
    >>> dist = loss_distribution([0.02] * 100, 1e6, 0.6, 0.3)
    >>> round(distribution_tranche_el(dist, 0.0, 0.1), 6)
    0.114575
    """
    a, d = check_tranche(attach, detach)
    return tranche_of(
        distribution.iloc[:, 0].to_numpy(float),
        distribution["probability"].to_numpy(),
        a,
        d,
        float(distribution.attrs["total_exposure"]),
    )


# ---- Monte Carlo --------------------------------------------------------------------------


def _simulate(
    losses: FloatArray,
    n_paths: int,
    seed: int,
    draw_latent_defaults: Callable[[np.random.Generator, int], npt.NDArray[np.bool_]],
) -> FloatArray:
    """Loss of each path, drawing defaults chunk by chunk."""
    rng = np.random.default_rng(seed)
    chunk = max(1, CHUNK_CELLS // max(losses.size, 1))
    out = np.empty(n_paths)
    for start in range(0, n_paths, chunk):
        size = min(chunk, n_paths - start)
        out[start : start + size] = draw_latent_defaults(rng, size) @ losses
    return out


def check_paths(n_paths: Any, seed: Any) -> tuple[int, int]:
    """Path count >= 1 and an integer seed >= 0."""
    n = float(finite_array("n_paths", n_paths, 1.0, 1e9, "a whole number of paths from 1 to 1e9"))
    s = float(finite_array("seed", seed, 0.0, 2.0**63, "a whole number >= 0"))
    if not n.is_integer():
        raise InputError("n_paths", n, "a whole number of paths from 1 to 1e9")
    if not s.is_integer():
        raise InputError("seed", s, "a whole number >= 0")
    return int(n), int(s)


def simulate_losses(
    pds: Any,
    exposures: Any,
    lgds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
    n_paths: int = 100_000,
    seed: int = 0,
) -> FloatArray:
    """Monte Carlo portfolio losses (USD, one per path) under the Gaussian or t copula.

    Parameters
    ----------
    pds, exposures, lgds, rho, copula, dof
        As in :func:`loss_distribution`; losses are not put on a grid.
    n_paths : int, optional
        Number of paths. Default 100,000.
    seed : int, optional
        Seed of numpy's default generator. Default 0.

    Returns
    -------
    ndarray
        Loss of each path, USD. Draws are made in chunks of at most ``CHUNK_CELLS``
        latent variables, so memory stays bounded.

    Examples
    --------
    >>> paths = simulate_losses([0.02] * 10, 1.0, 1.0, 0.2, n_paths=1000, seed=1)
    >>> paths.shape
    (1000,)
    """
    book = portfolio(pds, exposures, lgds)
    rho_i = correlations(rho, book.pds.size)
    nu = check_copula(copula, dof)
    paths, seed_ = check_paths(n_paths, seed)
    threshold = default_threshold(book.pds, nu)

    def defaults(rng: np.random.Generator, size: int) -> npt.NDArray[np.bool_]:
        m = rng.standard_normal((size, 1))
        z = rng.standard_normal((size, rho_i.size))
        x = np.sqrt(rho_i) * m + np.sqrt(1 - rho_i) * z
        if nu is None:
            return x < threshold
        scale = np.sqrt(rng.chisquare(nu, (size, 1)) / nu)
        return x < threshold * scale

    return _simulate(book.losses, paths, seed_, defaults)


def simulate_two_factor_losses(
    pds: Any,
    exposures: Any,
    lgds: Any,
    crypto_loadings: Any,
    compute_loadings: Any,
    factor_corr: float,
    stress_prob: float = 0.0,
    stress_corr: float = 0.8,
    n_paths: int = 100_000,
    seed: int = 0,
) -> FloatArray:
    """Monte Carlo portfolio losses (USD) under the two-factor model with stress regime.

    Parameters are those of :func:`two_factor_loss_distribution` and
    :func:`simulate_losses`.

    Examples
    --------
    >>> paths = simulate_two_factor_losses([0.03, 0.02], 1e6, 0.6, 0.5, 0.3, 0.3,
    ...                                    n_paths=1000, seed=1)
    >>> paths.shape
    (1000,)
    """
    book = portfolio(pds, exposures, lgds)
    n = book.pds.size
    a, b, rho, prob, stressed = two_factor_inputs(
        n, crypto_loadings, compute_loadings, factor_corr, stress_prob, stress_corr
    )
    s_normal = idiosyncratic_weight(a, b, rho, "compute_loadings")
    s_stress = idiosyncratic_weight(a, b, stressed, "compute_loadings")
    paths, seed_ = check_paths(n_paths, seed)
    threshold = default_threshold(book.pds, None)

    def defaults(rng: np.random.Generator, size: int) -> npt.NDArray[np.bool_]:
        stress = rng.random((size, 1)) < prob
        corr = np.where(stress, stressed, rho)
        c = rng.standard_normal((size, 1))
        r = corr * c + np.sqrt(1 - corr**2) * rng.standard_normal((size, 1))
        s = np.where(stress, s_stress, s_normal)
        x = a * c + b * r + s * rng.standard_normal((size, n))
        return np.asarray(x < threshold, dtype=bool)

    return _simulate(book.losses, paths, seed_, defaults)
