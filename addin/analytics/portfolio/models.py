"""Copula models as conditional PDs at quadrature nodes: one-factor (Gaussian, t) and two-factor."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.special import ndtr

from addin.analytics.credit import (
    chi_scale_nodes,
    default_threshold,
    idiosyncratic_weight,
)
from addin.analytics.portfolio.conditional import (
    obligor_stacks,
    product_mixture,
    recursion,
)
from addin.analytics.portfolio.grid import (
    LossGrid,
    loss_grid,
)
from addin.analytics.portfolio.inputs import (
    Portfolio,
)
from addin.analytics.portfolio.quadrature import (
    factor_nodes,
    factor_step,
    kept_nodes,
    search_points,
)
from addin.analytics.portfolio.settings import DEFAULT_SETTINGS, EngineSettings, check_work
from addin.model.types import FloatArray


@dataclass(frozen=True)
class Model:
    """Quadrature weights (summing to 1) and ``conditional(start, stop)``, the conditional
    PDs (obligors x nodes) at the nodes ``start:stop``, computed when asked so that only a
    chunk of nodes is held at once; ``search_work`` is the work of the factor-step searches
    that placed the nodes (:func:`search_work`), when it was counted."""

    weights: FloatArray
    conditional: Callable[[int, int], FloatArray]
    search_work: int = 0  # of the factor-step searches that placed the nodes


def search_work(
    loading: FloatArray,
    idio: FloatArray,
    active: npt.NDArray[np.bool_],
    mixing: FloatArray,
    settings: EngineSettings,
) -> int:
    """Work of the factor-step searches of :func:`one_factor_model`, before they run:
    search points (:func:`.quadrature.search_points`) x obligor kinds that depend on the
    factor x mixing nodes of positive weight (one for the Gaussian copula)."""
    use = active & (loading != 0)
    if not use.any():
        return 0
    half = search_points(float(np.abs(loading[use] / idio[use]).max()), settings)[1]
    return (2 * half + 1) * int(use.sum()) * int(np.count_nonzero(mixing > 0))


def points_per_node(grid: LossGrid, cap: int) -> int:
    """Numbers the engine handles per quadrature node: loss-grid points up to ``cap`` or
    obligors, whichever are more (what sets the size of a chunk of nodes, and the work)."""
    return max(min(grid.size, cap) + 1, grid.low.size)


def one_factor_model(
    book: Portfolio, rho: FloatArray, dof: float | None, settings: EngineSettings
) -> Model:
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
    scale, v = (
        (np.ones(1), np.ones(1))
        if dof is None
        else chi_scale_nodes(dof, settings.chi_step, settings.chi_per_spread)
    )
    searches = search_work(loading, idio, active & np.isfinite(threshold), v, settings)
    check_work(searches, settings)
    factor, scales, weights = [], [], []
    with np.errstate(invalid="ignore"):  # +-inf thresholds (PD 0 or 1) stay +-inf
        for s, w in zip(scale.tolist(), v.tolist(), strict=True):
            if w > 0:
                unlikely = math.log(v.max() / w)  # ln(peak / this node's weight)
                largest = settings.max_step * (1.0 if dof is None else settings.grid_2d_step_ratio)
                step = factor_step(
                    idio,
                    loading,
                    active,
                    threshold * s,
                    unlikely,
                    count,
                    largest,
                    settings=settings,
                )
                m, weight = factor_nodes(step, settings.factor_range)
                factor.append(m)
                scales.append(np.full(m.size, s))
                weights.append(w * weight)
    weight = np.concatenate(weights)
    keep = kept_nodes(weight, settings.dropped_weight if dof is None else settings.grid_2d_dropped)
    mm, ss = np.concatenate(factor)[keep], np.concatenate(scales)[keep]
    cut, slope = (threshold / idio)[:, None], (loading / idio)[:, None]

    def conditional(start: int, stop: int) -> FloatArray:
        with np.errstate(invalid="ignore"):
            shifted = cut * ss[start:stop] - slope * mm[start:stop]
        return np.asarray(ndtr(shifted)[kind], dtype=float)

    return Model(weight[keep] / weight[keep].sum(), conditional, searches)


def two_factor_model(
    book: Portfolio,
    crypto: FloatArray,
    compute: FloatArray,
    factor_corr: float,
    stress_prob: float,
    stress_corr: float,
    settings: EngineSettings,
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
        largest = settings.max_step * settings.grid_2d_step_ratio
        c, wc = factor_nodes(
            factor_step(s, alpha, active, largest=largest, settings=settings), settings.factor_range
        )
        for cj, wj in zip(c.tolist(), wc.tolist(), strict=True):
            unlikely = math.log(top * wc.max() / (prob * wj))  # ln(peak / this slice)
            shifted = threshold - alpha * cj
            step = factor_step(s, beta, active, shifted, unlikely, None, largest, settings=settings)
            e, we = factor_nodes(step, settings.factor_range)
            nodes.append(np.stack([np.full(e.size, cj), e, np.full(e.size, len(regimes))]))
            weights.append(prob * wj * we)
        regimes.append((s, alpha, beta))
    weight = np.concatenate(weights)
    keep = kept_nodes(weight, settings.grid_2d_dropped)
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


def loss_mixture(model: Model, grid: LossGrid, cap: int, settings: EngineSettings) -> FloatArray:
    """P(L = k units) for k = 0..cap: the conditional distributions averaged over the nodes.

    Few obligors on a grid without a common unit (at most ``settings.sequential_obligors``) go
    through :func:`recursion`, whose work grows with obligors x grid points; otherwise
    :func:`obligor_stacks` and :func:`product_mixture`, whose work grows with grid points
    x log(obligors) plus a few numpy calls per level of the product tree. Nodes are taken
    in chunks (their conditional PDs computed chunk by chunk) so that memory stays below
    ``settings.chunk_cells`` numbers per array however many nodes and obligors there are.
    """
    out = np.zeros(cap + 1)
    # a chunk of nodes holds settings.chunk_cells / 16 numbers per obligor or grid point: the
    # product tree's arrays are several times that, and smaller ones (fewer page faults,
    # more in cache) were measured quicker, down to about a tenth of this
    chunk = max(1, settings.chunk_cells // (16 * points_per_node(grid, cap)))
    sequential = grid.weight_high.any() and len(grid.order) <= settings.sequential_obligors
    for start in range(0, model.weights.size, chunk):
        stop = min(start + chunk, model.weights.size)
        cond, weight = model.conditional(start, stop), model.weights[start:stop]
        if sequential:
            out += recursion(cond, grid, cap) @ weight
        else:
            stacks = obligor_stacks(cond, grid, cap, settings)
            mixture = product_mixture(stacks, cap + 1, weight, settings)
            out[: mixture.size] += mixture
    return out


def grid_cap(grid: LossGrid, cap_loss: float | None) -> int:
    """Last grid point needed: all of the grid, or up to ``cap_loss`` (USD) when given."""
    cap = grid.size
    if cap_loss is not None:
        steps = cap_loss / grid.unit  # inf for a tiny unit: keep the whole grid then
        cap = min(cap, math.ceil(steps)) if steps < cap else cap
    return cap


def model_work(model: Model, grid: LossGrid, cap: int) -> int:
    """Work of a loss distribution: quadrature nodes x :func:`points_per_node` (the work
    of :func:`loss_mixture`), or the searches that placed the nodes if they did more."""
    return max(model.search_work, model.weights.size * points_per_node(grid, cap))


def distribution_arrays(
    book: Portfolio,
    model: Model,
    cap_loss: float | None = None,
    settings: EngineSettings = DEFAULT_SETTINGS,
) -> tuple[FloatArray, FloatArray, LossGrid]:
    """Losses (USD) and probabilities on the grid, up to ``cap_loss`` (USD) when given."""
    grid = loss_grid(book, settings)
    cap = grid_cap(grid, cap_loss)
    check_work(model_work(model, grid, cap), settings)
    probs = loss_mixture(model, grid, cap, settings)
    losses = np.arange(cap + 1) * grid.unit
    return losses.astype(float), np.maximum(probs, 0.0), grid
