"""Monte Carlo of portfolio losses: seeded, chunked, for validation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from addin.analytics.credit import (
    check_copula,
    default_threshold,
    idiosyncratic_weight,
)
from addin.analytics.portfolio.inputs import (
    correlations,
    portfolio,
    two_factor_inputs,
)
from addin.analytics.portfolio.settings import DEFAULT_SETTINGS, EngineSettings, check_settings
from addin.model.params import param
from addin.model.types import FloatArray


def _simulate(
    losses: FloatArray,
    n_paths: int,
    seed: int,
    draw_latent_defaults: Callable[[np.random.Generator, int], npt.NDArray[np.bool_]],
    chunk_cells: int,
) -> FloatArray:
    """Loss of each path, drawing defaults chunk by chunk."""
    rng = np.random.default_rng(seed)
    chunk = max(1, chunk_cells // max(losses.size, 1))
    out = np.empty(n_paths)
    for start in range(0, n_paths, chunk):
        size = min(chunk, n_paths - start)
        out[start : start + size] = draw_latent_defaults(rng, size) @ losses
    return out


def check_paths(n_paths: Any, seed: Any) -> tuple[int, int]:
    """Path count >= 1 and an integer seed >= 0."""
    n = float(param("n_paths").check_array(n_paths))
    s = float(param("seed").check_array(seed))
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
    settings: EngineSettings = DEFAULT_SETTINGS,
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
    settings : EngineSettings, optional
        Only ``chunk_cells`` is used (memory; the paths do not depend on it). Default
        ``DEFAULT_SETTINGS``.

    Returns
    -------
    ndarray
        Loss of each path, USD. Draws are made in chunks of at most
        ``settings.chunk_cells`` latent variables, so memory stays bounded.

    Examples
    --------
    >>> paths = simulate_losses([0.02] * 10, 1.0, 1.0, 0.2, n_paths=1000, seed=1)
    >>> paths.shape
    (1000,)
    """
    settings = check_settings(settings)
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

    return _simulate(book.losses, paths, seed_, defaults, settings.chunk_cells)


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
    settings: EngineSettings = DEFAULT_SETTINGS,
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
    settings = check_settings(settings)
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

    return _simulate(book.losses, paths, seed_, defaults, settings.chunk_cells)
