"""Copula models as conditional PDs at quadrature nodes: one-factor (Gaussian, t) and two-factor."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr

from addin.analytics.credit import (
    chi_scale_nodes,
    default_threshold,
    idiosyncratic_weight,
)
from addin.analytics.portfolio import settings
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
)
from addin.model.types import FloatArray


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
                largest = settings.MAX_STEP * (1.0 if dof is None else settings.GRID_2D_STEP_RATIO)
                step = factor_step(idio, loading, active, threshold * s, unlikely, count, largest)
                m, weight = factor_nodes(step)
                factor.append(m)
                scales.append(np.full(m.size, s))
                weights.append(w * weight)
    weight = np.concatenate(weights)
    keep = kept_nodes(weight, settings.DROPPED_WEIGHT if dof is None else settings.GRID_2D_DROPPED)
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
        largest = settings.MAX_STEP * settings.GRID_2D_STEP_RATIO
        c, wc = factor_nodes(factor_step(s, alpha, active, largest=largest))
        for cj, wj in zip(c.tolist(), wc.tolist(), strict=True):
            unlikely = math.log(top * wc.max() / (prob * wj))  # ln(peak / this slice)
            shifted = threshold - alpha * cj
            e, we = factor_nodes(factor_step(s, beta, active, shifted, unlikely, None, largest))
            nodes.append(np.stack([np.full(e.size, cj), e, np.full(e.size, len(regimes))]))
            weights.append(prob * wj * we)
        regimes.append((s, alpha, beta))
    weight = np.concatenate(weights)
    keep = kept_nodes(weight, settings.GRID_2D_DROPPED)
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
    chunk = max(1, settings.CHUNK_CELLS // (16 * max(min(grid.size, cap) + 1, grid.low.size)))
    sequential = grid.weight_high.any() and len(grid.order) <= settings.SEQUENTIAL_OBLIGORS
    for start in range(0, model.weights.size, chunk):
        stop = min(start + chunk, model.weights.size)
        cond, weight = model.conditional(start, stop), model.weights[start:stop]
        if sequential:
            out += recursion(cond, grid, cap) @ weight
        else:
            mixture = product_mixture(obligor_stacks(cond, grid, cap), cap + 1, weight)
            out[: mixture.size] += mixture
    return out


def distribution_arrays(
    book: Portfolio, model: Model, cap_loss: float | None = None, points: int = settings.GRID_POINTS
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
