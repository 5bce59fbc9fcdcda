"""Public API of the exact portfolio engine: loss distributions and their statistics."""

from __future__ import annotations

from typing import Any

import pandas as pd

from addin.analytics.credit import (
    check_confidence,
    check_copula,
    check_tranche,
)
from addin.analytics.portfolio.grid import loss_grid
from addin.analytics.portfolio.inputs import (
    Portfolio,
    correlations,
    portfolio,
    two_factor_inputs,
)
from addin.analytics.portfolio.models import (
    Model,
    distribution_arrays,
    grid_cap,
    model_work,
    one_factor_model,
    two_factor_model,
)
from addin.analytics.portfolio.settings import DEFAULT_SETTINGS, EngineSettings, check_settings
from addin.analytics.portfolio.statistics import (
    as_frame,
    es_of,
    tranche_of,
    var_of,
)


def one_factor(
    obligors: tuple[Any, Any, Any],
    rho: Any,
    copula: str,
    dof: float | None,
    settings: EngineSettings,
) -> tuple[Portfolio, Model, EngineSettings]:
    """The checked portfolio (pds, exposures, lgds), its one-factor model and settings."""
    settings = check_settings(settings)
    book = portfolio(*obligors)
    rhos, nu = correlations(rho, book.pds.size), check_copula(copula, dof)
    return book, one_factor_model(book, rhos, nu, settings), settings


def loss_distribution(
    pds: Any,
    exposures: Any,
    lgds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
    settings: EngineSettings = DEFAULT_SETTINGS,
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
    settings : EngineSettings, optional
        Accuracy settings of the engine. Default ``DEFAULT_SETTINGS``.

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
    book, model, settings = one_factor((pds, exposures, lgds), rho, copula, dof, settings)
    losses, probs, grid = distribution_arrays(book, model, settings=settings)
    return as_frame(losses, probs, grid, book.total_exposure)


def default_count_distribution(
    pds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
    settings: EngineSettings = DEFAULT_SETTINGS,
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
    book, model, settings = one_factor((pds, 1.0, 1.0), rho, copula, dof, settings)
    losses, probs, grid = distribution_arrays(book, model, settings=settings)
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
    settings: EngineSettings = DEFAULT_SETTINGS,
) -> float:
    """Value at risk of the portfolio loss, USD: the ``confidence`` quantile.

    Parameters
    ----------
    confidence : float
        Level strictly between 0 and 1 (0.999 = 99.9%).
    pds, exposures, lgds, rho, copula, dof, settings
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
    dist = loss_distribution(pds, exposures, lgds, rho, copula, dof, settings)
    return var_of(dist["loss"].to_numpy(), dist["probability"].to_numpy(), level)


def portfolio_es(
    confidence: float,
    pds: Any,
    exposures: Any,
    lgds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
    settings: EngineSettings = DEFAULT_SETTINGS,
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
    dist = loss_distribution(pds, exposures, lgds, rho, copula, dof, settings)
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
    settings: EngineSettings = DEFAULT_SETTINGS,
) -> float:
    """Expected loss of tranche [attach, detach] as a fraction of its notional.

    Parameters
    ----------
    attach, detach : float
        Tranche bounds as fractions of total exposure, 0 <= attach < detach <= 1.
    pds, exposures, lgds, rho, copula, dof, settings
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
    book, model, settings = one_factor((pds, exposures, lgds), rho, copula, dof, settings)
    total = book.total_exposure
    losses, probs, _ = distribution_arrays(book, model, d * total, settings)
    return tranche_of(losses, probs, a, d, total)


def portfolio_work(
    pds: Any,
    exposures: Any,
    lgds: Any,
    rho: Any,
    copula: str = "gaussian",
    dof: float | None = None,
    detach: float | None = None,
    settings: EngineSettings = DEFAULT_SETTINGS,
) -> int:
    """Work of the exact one-factor engine on a portfolio, before it is done.

    Parameters
    ----------
    pds, exposures, lgds, rho, copula, dof, settings
        As in :func:`loss_distribution`.
    detach : float, optional
        Detachment point of a tranche (fraction of total exposure): the loss grid stops
        there, as in :func:`tranche_expected_loss`. Default None, the whole grid.

    Returns
    -------
    int
        Quadrature nodes x names, or x loss-grid points when there are more points than
        names: what ``settings.max_work`` caps (:class:`.settings.EngineSettings`). Its
        time is about 0.1 to 1 microsecond a unit on one core.

    Examples
    --------
    >>> portfolio_work([0.02] * 100, 1.0, 1.0, 0.2)  # 48 nodes x 101 grid points
    4848
    """
    book, model, settings = one_factor((pds, exposures, lgds), rho, copula, dof, settings)
    grid = loss_grid(book, settings)
    cap_loss = None if detach is None else check_tranche(0.0, detach)[1] * book.total_exposure
    return model_work(model, grid, grid_cap(grid, cap_loss))


def two_factor_loss_distribution(
    pds: Any,
    exposures: Any,
    lgds: Any,
    crypto_loadings: Any,
    compute_loadings: Any,
    factor_corr: float,
    stress_prob: float = 0.0,
    stress_corr: float = 0.8,
    settings: EngineSettings = DEFAULT_SETTINGS,
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
    settings : EngineSettings, optional
        Accuracy settings of the engine. Default ``DEFAULT_SETTINGS``.

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
    settings = check_settings(settings)
    book = portfolio(pds, exposures, lgds)
    factors = two_factor_inputs(
        book.pds.size, crypto_loadings, compute_loadings, factor_corr, stress_prob, stress_corr
    )
    model = two_factor_model(book, *factors, settings)
    losses, probs, grid = distribution_arrays(book, model, settings=settings)
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
