"""Portfolio losses under correlated default: exact engines and Monte Carlo.

Models (definitions in :mod:`addin.default`): the one-factor Gaussian copula, the
Student-t copula (the standard multivariate t, not Hull and White's double-t) and the
two-factor crypto / compute-rent model with a stressed factor-correlation regime.

**Exact engine.** Given the common factor(s), defaults are independent, and the
conditional loss distribution is built by the Andersen-Sidenius-Basu recursion over
obligors on a loss grid; the unconditional distribution is a quadrature over the
factor(s). The recursion runs on arrays shaped (loss grid x quadrature nodes), a few
numpy operations per obligor; obligors that are all alike use the binomial distribution.

* Factor quadrature: the trapezoid rule on [-8.5, 8.5] (mass outside < 2e-17) with a step
  that shrinks with the feature width of the conditional distribution,
  ``min(0.35, 1.75 * sqrt((1 - rho_max) / rho_max) / sqrt(n_eff))``, where ``n_eff`` is the
  exposure-weighted number of obligors, (sum of losses)^2 / sum of squared losses. The
  integrand is smooth and the trapezoid rule converges geometrically: tranche expected
  losses agree with a run on steps four times finer to better than 1e-8 (tested; typically
  1e-10 to 1e-15).
  The t copula adds the mixing variable (:func:`addin.default.chi_scale_nodes`); the
  two-factor model uses a grid over both factors in each regime.
* Loss grid: when every loss ``exposure x lgd`` is a whole multiple of a common unit
  (found by a gcd over rational approximations) and the grid has at most
  ``EXACT_GRID_LIMIT`` points, losses sit on the grid exactly. Otherwise the unit is
  (total loss) / ``GRID_POINTS`` and each obligor's loss is split between the two grid
  points around it with the weights that keep its mean: expected loss stays exact, and
  the tranche loss, E[(L - K)^+] and expected shortfall x (1 - confidence) move by at most
  ``B = sqrt(sum_i PD_i (l_i - lo_i)(hi_i - l_i))`` (USD), reported as
  ``attrs["discretisation_bound"]`` of the distribution (0 when exact).
* Grid truncation: the recursion for grid points up to K uses only grid points up to K,
  so each node's distribution is computed exactly up to a Bernstein bound beyond which
  its conditional mass is below 1e-18 (the skipped mass, in total, is below 1e-18); a node
  where most obligors default runs in reverse, counting the loss not incurred. Tranche
  losses stop the recursion at the detachment point.

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

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import gammaln, ndtr, xlog1py, xlogy

from addin.default import (
    LGD_ALLOWED,
    RHO_ALLOWED,
    check_confidence,
    check_copula,
    check_factor_corr,
    check_tranche,
    checked,
    chi_scale_nodes,
    default_threshold,
    idiosyncratic_weight,
)
from addin.errors import InputError
from addin.types import FloatArray

IntArray = npt.NDArray[np.int64]

PORTFOLIO_PD_ALLOWED = "a probability from 0 to 1 (0 never defaults, 1 always defaults)"
EXPOSURE_ALLOWED = "an exposure in USD from 0 to 1e15"

#: Half-width of the factor quadrature range (standard deviations).
FACTOR_RANGE = 8.5
#: Largest quadrature step over a factor.
MAX_STEP = 0.35
#: Step = STEP_FACTOR x (feature width of the conditional loss distribution).
STEP_FACTOR = 1.75
#: Largest exact loss grid (points); above it the grid has GRID_POINTS points.
EXACT_GRID_LIMIT = 2**14
#: Points of the loss grid when losses have no common unit.
GRID_POINTS = 2048
#: Conditional tail mass skipped beyond each node's Bernstein bound (ln 1e18).
TAIL_LOG = math.log(1e18)
#: Grid cells per obligor whose work costs about as much as one block's numpy calls.
BLOCK_OVERHEAD = 3000


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

    @property
    def n_eff(self) -> float:
        """Exposure-weighted number of obligors, (sum l)^2 / sum l^2."""
        losses = self.losses
        squares = float((losses**2).sum())
        return float(losses.sum()) ** 2 / squares if squares > 0 else 1.0


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
    array = checked(name, value, low, high, allowed, high_open=high_open)
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
    return per_obligor("rho", rho, count, 0.0, 1.0, RHO_ALLOWED, high_open=True)


# ---- loss grid ----------------------------------------------------------------------------


@dataclass(frozen=True)
class LossGrid:
    """Each obligor's loss on the grid: ``low`` steps, or ``low + 1`` with ``weight_high``."""

    unit: float
    low: IntArray
    weight_high: FloatArray
    bound: float

    @property
    def high(self) -> IntArray:
        return self.low + (self.weight_high > 0)

    @property
    def steps(self) -> list[int]:
        """``low`` as Python ints (fast to use in the recursion loop)."""
        return [int(v) for v in self.low]

    @property
    def order(self) -> list[int]:
        """Obligors with a loss, smallest first."""
        high = self.high
        return [int(i) for i in np.argsort(high, kind="stable") if high[i] > 0]

    @property
    def size(self) -> int:
        """Largest grid index (all obligors default)."""
        return int(self.high.sum())


def common_unit(losses: FloatArray, limit: int = EXACT_GRID_LIMIT) -> float | None:
    """The largest unit of which every loss is a whole multiple, or None.

    Losses are approximated by fractions with denominators up to 10,000 (relative error
    1e-9 allowed); the unit is gcd(numerators) / lcm(denominators). None when there is no
    such unit or the grid would exceed ``limit`` points.
    """
    positive, counts = np.unique(losses[losses > 0], return_counts=True)
    scale = float(positive.max())
    fractions = []
    for value in positive / scale:
        approx = Fraction(float(value)).limit_denominator(10_000)
        if abs(float(approx) - value) > 1e-9 * value:
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


def factor_nodes(width: float) -> tuple[FloatArray, FloatArray]:
    """Trapezoid nodes and weights (summing to 1) for a standard normal factor.

    ``width`` is the smallest feature width of the integrand (in standard deviations); an
    infinite width (the factor does not matter) gives the single node 0.
    """
    if not math.isfinite(width):
        return np.zeros(1), np.ones(1)
    step = min(MAX_STEP, STEP_FACTOR * width)
    half = math.ceil(FACTOR_RANGE / step)
    z = np.linspace(-half * step, half * step, 2 * half + 1)
    weight = np.exp(-0.5 * z * z)  # the normal density up to its constant, normalised below
    return z, weight / weight.sum()


def feature_width(idio: FloatArray, loading: FloatArray, n_eff: float) -> float:
    """Width, in factor units, over which the conditional loss distribution changes."""
    active = np.abs(loading) > 0
    if not active.any():
        return math.inf
    return float(np.min(idio[active] / np.abs(loading[active]))) / math.sqrt(n_eff)


# ---- the recursion ------------------------------------------------------------------------


def tail_reach(cond_pd: FloatArray, grid: LossGrid) -> tuple[FloatArray, FloatArray]:
    """Per node, grid indices beyond which the conditional mass of the loss L (first) and
    of the loss not incurred, size - L (second), is below 1e-18 (Bernstein's inequality)."""
    low, w = grid.low.astype(float), grid.weight_high
    mean = cond_pd @ (low + w)
    variance = cond_pd @ (low**2 + w * (2 * low + 1)) - cond_pd**2 @ (low + w) ** 2
    b = TAIL_LOG * float(grid.high.max(initial=0)) / 3
    spread = b + np.sqrt(b * b + 2 * TAIL_LOG * variance)
    return np.ceil(mean + spread), np.ceil(grid.size - mean + spread)


def node_blocks(caps: IntArray) -> list[tuple[IntArray, int]]:
    """Group nodes (sorted by cap) into blocks that share a grid length, trading the extra
    grid work of a longer block against numpy's per-call overhead."""
    order = np.argsort(caps, kind="stable")
    sorted_caps = caps[order]
    # start from blocks of caps within a factor 2, then merge neighbours when cheaper
    keys = np.floor(np.log2(sorted_caps + 1.0)).astype(np.int64)
    edges = [0, *(np.flatnonzero(np.diff(keys)) + 1).tolist(), sorted_caps.size]
    merged = [[edges[-2], edges[-1]]]
    for start, stop in reversed(list(itertools.pairwise(edges[:-1]))):
        top = merged[-1]
        extra = (stop - start) * (sorted_caps[top[1] - 1] - sorted_caps[stop - 1])
        if extra < BLOCK_OVERHEAD:
            top[0] = start
        else:
            merged.append([start, stop])
    return [(order[start:stop], int(sorted_caps[stop - 1])) for start, stop in reversed(merged)]


def blocks_cost(blocks: list[tuple[IntArray, int]]) -> float:
    """Work of the recursion per obligor, in grid cells (numpy's call overhead included)."""
    return sum(BLOCK_OVERHEAD + rows.size * (cap + 1) for rows, cap in blocks)


def recursion(columns: FloatArray, grid: LossGrid, cap: int, reverse: bool) -> FloatArray:
    """Andersen-Sidenius-Basu recursion over obligors for a block of nodes, on 0..cap.

    ``columns`` is (obligors x nodes) of conditional PDs; the result is (cap + 1) x nodes,
    grid point by node (each grid row contiguous, so every step is a few long numpy
    operations). Forward the recursion counts the loss L; in reverse it counts the loss not
    incurred, size - L, which is short for nodes where most obligors default. Entries up
    to ``cap`` need no entry beyond, so the truncation is exact for the entries kept;
    obligors go smallest loss first, so the filled part of the grid grows slowly and only
    it is touched.
    """
    stay, move = (columns, 1 - columns) if reverse else (1 - columns, columns)
    dist = np.zeros((cap + 1, columns.shape[1]))
    dist[0] = 1.0
    top = 0
    steps, split = grid.steps, grid.weight_high.tolist()
    for i in grid.order:
        w, low = split[i], steps[i]
        if w == 0:  # the loss sits on the grid: one shift
            new_top = min(top + low, cap)
            if low <= new_top:
                add = dist[: new_top + 1 - low] * move[i]
                dist[: top + 1] *= stay[i]
                dist[low : new_top + 1] += add
            else:
                dist[: top + 1] *= stay[i]
            top = new_top
            continue
        # split loss: low steps with 1 - w, low + 1 with w (in reverse: 1 and 0 steps)
        p = columns[i]
        if reverse:
            moves = [(0, p * w), (1, p * (1 - w)), (low + 1, 1 - p)]
        else:
            moves = [(0, 1 - p), (low, p * (1 - w)), (low + 1, p * w)]
        new_top = min(top + low + 1, cap)
        adds = [(s, dist[: new_top + 1 - s] * q) for s, q in moves if 0 < s <= new_top]
        dist[: top + 1] *= sum(q for s, q in moves if s == 0)
        for s, add in adds:
            dist[s : new_top + 1] += add
        top = new_top
    return dist


def binomial_pmf(count: IntArray, n: int, p: FloatArray) -> FloatArray:
    """Binomial probabilities P(k defaults of n) for each k (rows) and PD p (columns).

    exp(ln C(n, k) + k ln p + (n - k) ln(1 - p)) with scipy's gammaln, xlogy and xlog1py
    (p = 0 and 1 handled), relative accuracy about 1e-13.
    """
    log_choose = gammaln(n + 1) - gammaln(count + 1) - gammaln(n - count + 1)
    k, pp = count[:, None], p[None, :]
    return np.asarray(np.exp(log_choose[:, None] + xlogy(k, pp) + xlog1py(n - k, -pp)), dtype=float)


def conditional_distributions(
    cond_pd: FloatArray, grid: LossGrid, cap: int, alike: bool = False
) -> FloatArray:
    """P(L = k units | node) for k = 0..cap, shaped (cap + 1) x nodes, from ``cond_pd``
    (nodes x obligors).

    When obligors are ``alike`` (the same conditional PDs) and share one exact loss, the
    conditional distribution is binomial (scipy's gammaln, ~1e-13 relative). Otherwise each
    node runs the recursion forward up to its tail reach, or in reverse (counting losses
    not incurred) when that is shorter; entries beyond a node's reach (conditional mass
    below 1e-18 in all) are left at 0.
    """
    out = np.zeros((cap + 1, cond_pd.shape[0]))
    size = grid.size
    active = grid.low > 0
    if (
        alike
        and active.any()
        and not grid.weight_high.any()
        and (grid.low[active] == grid.low.max()).all()
    ):
        unit = int(grid.low.max())
        count = np.arange(cap // unit + 1)
        p = cond_pd[:, int(np.argmax(active))]
        out[count * unit] = binomial_pmf(count, int(active.sum()), p)
        return out
    reach_loss, reach_kept = tail_reach(cond_pd, grid)
    forward = np.minimum(reach_loss, cap).astype(np.int64)
    backward = np.minimum(reach_kept, size).astype(np.int64)
    # a node whose loss not incurred cannot reach size - cap has no mass on 0..cap
    useful = backward >= size - cap
    reverse = useful & (backward < forward)
    plans = []
    for split in (False, True):  # all nodes forward, or the cheaper direction per node
        flags = reverse if split else np.zeros_like(reverse)
        plan = []
        for flag in (False, True):
            chosen = np.flatnonzero((flags == flag) & useful)
            if chosen.size:
                reach = (backward if flag else forward)[chosen]
                plan += [(flag, chosen[rows], c) for rows, c in node_blocks(reach)]
        plans.append(plan)
    plan = min(plans, key=lambda p: blocks_cost([(nodes, c) for _, nodes, c in p]))
    for flag, nodes, block_cap in plan:
        dist = recursion(cond_pd[nodes].T.copy(), grid, block_cap, flag)
        if not flag:
            out[: block_cap + 1, nodes] = dist
        else:  # L = size - k for k = first..block_cap
            first = max(0, size - cap)
            out[size - block_cap : size - first + 1, nodes] = dist[first:][::-1]
    return out


# ---- models ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """Quadrature nodes, their weights, and the conditional PDs (nodes x obligors)."""

    weights: FloatArray
    cond_pd: FloatArray
    alike: bool = False  # every obligor has the same conditional PDs


def one_factor_model(book: Portfolio, rho: FloatArray, dof: float | None) -> Model:
    """Nodes and conditional PDs of the one-factor Gaussian or t copula."""
    width = feature_width(np.sqrt(1 - rho), np.sqrt(rho), book.n_eff)
    m, w = factor_nodes(width)
    scale, v = (np.ones(1), np.ones(1)) if dof is None else chi_scale_nodes(dof)
    threshold = default_threshold(book.pds, dof)
    mm, ss = np.repeat(m, scale.size), np.tile(scale, m.size)
    with np.errstate(invalid="ignore"):  # +-inf thresholds (PD 0 or 1) stay +-inf
        shifted = threshold[None, :] * ss[:, None] - np.sqrt(rho)[None, :] * mm[:, None]
    cond = ndtr(shifted / np.sqrt(1 - rho)[None, :])
    alike = bool((book.pds == book.pds[0]).all() and (rho == rho[0]).all())
    return Model(np.outer(w, v).ravel(), np.asarray(cond, dtype=float), alike)


def two_factor_model(
    book: Portfolio,
    crypto: FloatArray,
    compute: FloatArray,
    factor_corr: float,
    stress_prob: float,
    stress_corr: float,
) -> Model:
    """Nodes over (C, E) in each regime, with R = rho C + sqrt(1 - rho^2) E."""
    threshold = default_threshold(book.pds, None)
    weights, conds = [], []
    for prob, rho in ((1 - stress_prob, factor_corr), (stress_prob, stress_corr)):
        if prob == 0:
            continue
        s = idiosyncratic_weight(crypto, compute, rho, "compute_loadings")
        alpha, beta = crypto + compute * rho, compute * math.sqrt(1 - rho * rho)
        c, wc = factor_nodes(feature_width(s, alpha, book.n_eff))
        e, we = factor_nodes(feature_width(s, beta, book.n_eff))
        cc, ee = np.repeat(c, e.size), np.tile(e, c.size)
        with np.errstate(invalid="ignore"):
            shifted = threshold[None, :] - cc[:, None] * alpha - ee[:, None] * beta
        conds.append(ndtr(shifted / s))
        weights.append(prob * np.outer(wc, we).ravel())
    return Model(np.concatenate(weights), np.asarray(np.vstack(conds), dtype=float))


def distribution_arrays(
    book: Portfolio, model: Model, cap_loss: float | None = None, points: int = GRID_POINTS
) -> tuple[FloatArray, FloatArray, LossGrid]:
    """Losses (USD) and probabilities on the grid, up to ``cap_loss`` (USD) when given."""
    grid = loss_grid(book, points)
    cap = grid.size
    if cap_loss is not None:
        cap = min(cap, math.ceil(cap_loss / grid.unit))
    probs = conditional_distributions(model.cond_pd, grid, cap, model.alike) @ model.weights
    losses = np.arange(cap + 1) * grid.unit
    return losses.astype(float), np.clip(probs, 0.0, None), grid


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
    low, high = attach * total, detach * total
    payoff = np.clip(losses - low, 0.0, high - low)
    missing = max(0.0, 1.0 - float(probs.sum()))
    return (float(payoff @ probs) + missing * (high - low)) / (high - low)


def as_frame(
    losses: FloatArray, probs: FloatArray, grid: LossGrid, total: float, label: str = "loss"
) -> pd.DataFrame:
    """A distribution as a DataFrame with its grid facts in ``attrs``."""
    frame = pd.DataFrame({label: losses, "probability": probs, "cumulative": np.cumsum(probs)})
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
    n = book.pds.size
    crypto = per_obligor(
        "crypto_loadings", crypto_loadings, n, -1.0, 1.0, "a factor loading from -1 to 1"
    )
    compute = per_obligor(
        "compute_loadings", compute_loadings, n, -1.0, 1.0, "a factor loading from -1 to 1"
    )
    rho = check_factor_corr("factor_corr", factor_corr)
    prob = float(checked("stress_prob", stress_prob, 0.0, 1.0, "a probability from 0 to 1"))
    stressed = check_factor_corr("stress_corr", stress_corr)
    model = two_factor_model(book, crypto, compute, rho, prob, stressed)
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

#: Largest number of latent draws held in memory at once.
CHUNK_CELLS = 2_000_000


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
    n = float(checked("n_paths", n_paths, 1.0, 1e9, "a whole number of paths from 1 to 1e9"))
    s = float(checked("seed", seed, 0.0, 2.0**63, "a whole number >= 0"))
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
    a = per_obligor(
        "crypto_loadings", crypto_loadings, n, -1.0, 1.0, "a factor loading from -1 to 1"
    )
    b = per_obligor(
        "compute_loadings", compute_loadings, n, -1.0, 1.0, "a factor loading from -1 to 1"
    )
    rho = check_factor_corr("factor_corr", factor_corr)
    prob = float(checked("stress_prob", stress_prob, 0.0, 1.0, "a probability from 0 to 1"))
    stressed = check_factor_corr("stress_corr", stress_corr)
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
