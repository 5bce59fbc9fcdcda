"""Correlated default: closed forms for two obligors, stressed PDs and capital.

The latent-variable (copula) models behind every function here and in
:mod:`addin.analytics.portfolio`:

* **One-factor Gaussian copula.** :math:`X_i = \\sqrt{\\rho_i}\\,M + \\sqrt{1-\\rho_i}\\,Z_i`
  with :math:`M, Z_i` independent standard normal; obligor *i* defaults when
  :math:`X_i < \\Phi^{-1}(PD_i)`. Two obligors' latent correlation is
  :math:`\\sqrt{\\rho_i \\rho_j}`.
* **Student-t copula** with :math:`\\nu` degrees of freedom: the same :math:`X_i` times one
  common :math:`\\sqrt{W}`, :math:`W = \\nu / \\chi^2_\\nu`, thresholds :math:`t_\\nu^{-1}(PD_i)`.
  This is the standard multivariate t copula (it has tail dependence), not the "double-t"
  model of Hull and White (2004), whose factor and idiosyncratic terms are separate t
  variables.
* **Two-factor model** (miners and neoclouds): :math:`X_i = a_i C + b_i R + s_i Z_i` with a
  crypto factor *C* and a compute-rent factor *R*, standard normal with correlation
  :math:`\\rho_{CR}`, and :math:`s_i` making :math:`\\operatorname{Var} X_i = 1`.

Units: PDs, LGDs, correlations and confidence levels are decimals (0.02 = 2%); horizons
are years; volatilities are decimals per square-root year.

PD 0 and PD 1: the two-obligor closed forms, the worst-case default rate and the LHP
functions need a PD strictly between 0 and 1 (their formulas divide by PD(1 - PD) or take
logs); the IRB risk weight takes a PD of 0, which its PD floor raises, but not 1 (Basel
treats defaulted exposures by another rule).
The portfolio engines of :mod:`addin.analytics.portfolio` also accept PD 0 (never defaults) and PD 1
(always defaults).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats
from scipy.special import ndtr, ndtri, polygamma

from addin.model.errors import InputError, MissingInputError
from addin.model.params import COPULAS as COPULAS  # the copula names
from addin.model.params import MAX_RHO as MAX_RHO  # nearer 1 the factor integrals are singular
from addin.model.params import param
from addin.model.types import ArrayLike, FloatArray

#: Floor of the one-year PD in the IRB formula for corporate and bank exposures: 0.05% in
#: the Basel III framework (CRE32.4, version effective 1 January 2023: every exposure but
#: sovereigns). Basel II had 0.03% for corporates and banks (CRE32.3, version effective
#: 15 December 2019): :data:`BASEL2_PD_FLOOR`.
IRB_PD_FLOOR = 0.0005
BASEL2_PD_FLOOR = 0.0003

#: Largest step of the trapezoid rule in ln chi-square over the t copula's mixing variable
#: (the step is also at most 1/2.5 of the standard deviation of ln chi-square).
CHI_STEP = 0.5
#: Trapezoid steps per standard deviation of ln chi-square (at least).
CHI_PER_SPREAD = 2.5
#: Mass of the chi-square distribution left out at each end of the mixing quadrature.
CHI_TAIL = 1e-13


# ---- validation: one place for every input rule -----------------------------------------


def check_pd(name: str, value: Any) -> FloatArray:
    """PDs strictly between 0 and 1."""
    return param("pd").check_array(value, name)


def check_rho(name: str, value: Any) -> FloatArray:
    """Asset correlations in [0, MAX_RHO]."""
    return param("rho").check_array(value, name)


def check_confidence(value: Any) -> float:
    """A confidence level strictly between 0 and 1."""
    return float(param("confidence").check_array(value))


def check_copula(copula: Any, dof: Any) -> float | None:
    """Validate the copula name (case-insensitive) and return the dof (None for Gaussian).

    ``dof`` is ignored for the Gaussian copula and required for the t copula (see
    :func:`check_dof`).
    """
    kind = param("copula").choose(copula)
    if kind == "gaussian":
        return None
    if dof is None:
        raise MissingInputError("dof", param("dof").allowed())
    return check_dof(dof)


def check_dof(dof: Any) -> float:
    """Degrees of freedom of the t copula, 1 to 1e6.

    Any positive value defines a t copula (only the t CDF is used, not moments), but the
    mixing quadrature needs about 150 / dof nodes, and dof below 1 has no use in credit;
    above 1e6 the t copula equals the Gaussian one to about 1e-7.
    """
    return float(param("dof").check_array(dof))


def scalar_or_array(value: FloatArray) -> float | FloatArray:
    """A 0-d result as a Python float, anything else unchanged."""
    return float(value) if np.ndim(value) == 0 else value


# ---- quadrature over the t copula's mixing variable ---------------------------------------


def chi_scale_nodes(
    dof: float, step: float = CHI_STEP, per_spread: float = CHI_PER_SPREAD
) -> tuple[FloatArray, FloatArray]:
    """Nodes and weights for expectations over :math:`V = \\sqrt{\\chi^2_\\nu / \\nu}`.

    A t-copula obligor defaults when its Gaussian part is below :math:`t_\\nu^{-1}(PD)\\,V`.
    The rule is the trapezoid rule in :math:`y = \\ln \\chi^2_\\nu`, whose density is smooth
    and decays exponentially at both ends, so the rule converges geometrically in 1/step;
    the step is at most ``step`` (default ``CHI_STEP``) and 1 / ``per_spread`` (default
    ``CHI_PER_SPREAD``) of the standard deviation of ln chi-square, and the range leaves
    out mass ``CHI_TAIL`` at each end (about 60 nodes for 4 degrees of freedom, 150 for 1).

    Returns
    -------
    (scale, weight)
        Values of V and weights summing to 1.
    """
    low = math.log(stats.chi2.ppf(CHI_TAIL, dof))
    high = math.log(stats.chi2.isf(CHI_TAIL, dof))
    spread = math.sqrt(float(polygamma(1, dof / 2)))  # standard deviation of ln chi-square
    y = np.linspace(low, high, math.ceil((high - low) / min(step, spread / per_spread)) + 1)
    log_weight = stats.chi2.logpdf(np.exp(y), dof) + y
    weight = np.exp(log_weight - log_weight.max())
    return np.sqrt(np.exp(y) / dof), weight / weight.sum()


def default_threshold(pd: FloatArray, dof: float | None) -> FloatArray:
    """Latent default threshold: :math:`\\Phi^{-1}(PD)` or :math:`t_\\nu^{-1}(PD)`.

    scipy's t quantile overflows to the wrong infinity for PDs below about 1e-100; those
    get -inf (never default), an error below 1e-100 in the PD.
    """
    if dof is None:
        return np.asarray(ndtri(pd), dtype=float)
    quantile = np.asarray(stats.t.ppf(pd, dof), dtype=float)
    return np.where(np.isinf(quantile), np.where(pd < 0.5, -np.inf, np.inf), quantile)


# ---- two obligors ------------------------------------------------------------------------


TAIL_LIMIT = 38.0  # Phi(-38) < 1e-315: a standard normal limit this far out is infinite


def _bivariate_normal_cdf(x: FloatArray, y: FloatArray, rho: float) -> FloatArray:
    """:math:`\\Phi_2(x, y; \\rho)` elementwise (scipy's bivariate algorithm, ~1e-15).

    Infinite limits are exact: 0 when either is :math:`-\\infty`, the other margin when one
    is :math:`+\\infty` (scipy's algorithm mishandles them).
    """
    points = np.stack(np.broadcast_arrays(x, y), axis=-1)
    if rho == 0.0:
        return np.asarray(ndtr(points[..., 0]) * ndtr(points[..., 1]), dtype=float)
    # Beyond |38| a margin is 0 or 1 to double precision: treat the limit as infinite.
    points = np.where(np.abs(points) > TAIL_LIMIT, np.copysign(np.inf, points), points)
    finite = np.isfinite(points).all(axis=-1)
    result = np.array(np.minimum(ndtr(points[..., 0]), ndtr(points[..., 1])), dtype=float, ndmin=1)
    if finite.any():
        law = stats.multivariate_normal(mean=[0.0, 0.0], cov=[[1.0, rho], [rho, 1.0]])
        result[finite.reshape(result.shape)] = law.cdf(points[finite])
    return result.reshape(finite.shape)


def joint_default_probability(
    pd1: float, pd2: float, rho: float, copula: str = "gaussian", dof: float | None = None
) -> float:
    """Probability that both of two obligors default (decimal).

    Parameters
    ----------
    pd1, pd2 : float
        Default probabilities over the horizon, strictly between 0 and 1 (0.02 = 2%).
    rho : float
        Correlation of the two latent variables, in [0, 1) (the asset correlation when both
        share one factor loading).
    copula : {"gaussian", "t"}, optional
        Dependence model, case-insensitive. Default "gaussian".
    dof : float, optional
        Degrees of freedom (1 to 1e6) of the t copula; required for "t", ignored otherwise.

    Returns
    -------
    float
        P(both default), decimal.

    Notes
    -----
    Gaussian: :math:`\\Phi_2(\\Phi^{-1}(p_1), \\Phi^{-1}(p_2); \\rho)` by scipy's bivariate
    normal CDF. t: :math:`T_{2,\\nu}(t_\\nu^{-1}(p_1), t_\\nu^{-1}(p_2); \\rho) =
    E_V[\\Phi_2(t_\\nu^{-1}(p_1) V, t_\\nu^{-1}(p_2) V; \\rho)]` with
    :math:`V = \\sqrt{\\chi^2_\\nu/\\nu}`, by the quadrature of :func:`chi_scale_nodes`
    (scipy's ``multivariate_t.cdf`` is randomised and accurate only to about 1e-5).

    References
    ----------
    Li, D. X. (2000), "On default correlation: a copula function approach", Journal of Fixed
    Income 9(4). Demarta, S. and McNeil, A. J. (2005), "The t copula and related copulas",
    International Statistical Review 73(1).

    Examples
    --------
    >>> round(joint_default_probability(0.02, 0.05, 0.30), 6)
    0.003382
    >>> round(joint_default_probability(0.02, 0.05, 0.30, "t", 4), 6)
    0.006519

    Excel: ``=DEFAULT_JOINT(0.02, 0.05, 0.30, "t", 4)``
    """
    p1, p2 = float(check_pd("pd1", pd1)), float(check_pd("pd2", pd2))
    correlation = float(check_rho("rho", rho))
    nu = check_copula(copula, dof)
    c1, c2 = default_threshold(np.array([p1, p2]), nu)
    if nu is None:
        joint = float(_bivariate_normal_cdf(np.asarray(c1), np.asarray(c2), correlation))
    else:
        scale, weight = chi_scale_nodes(nu)
        joint = float(weight @ _bivariate_normal_cdf(c1 * scale, c2 * scale, correlation))
    # Within the Frechet bounds, whatever the rounding of the quadrature.
    return min(max(joint, p1 + p2 - 1.0, 0.0), p1, p2)


def default_correlation(
    pd1: float, pd2: float, rho: float, copula: str = "gaussian", dof: float | None = None
) -> float:
    """Correlation of the two default indicators (decimal), from the latent correlation.

    Parameters are those of :func:`joint_default_probability`.

    Returns
    -------
    float
        Default correlation, decimal.

    Notes
    -----
    .. math:: \\rho_D = \\frac{P_{12} - p_1 p_2}{\\sqrt{p_1 (1-p_1)\\, p_2 (1-p_2)}}

    with :math:`P_{12}` the joint default probability. Under the t copula :math:`\\rho_D > 0`
    even when :math:`\\rho = 0` (the common mixing variable).

    Examples
    --------
    >>> round(default_correlation(0.02, 0.05, 0.30), 4)
    0.0781
    >>> round(default_correlation(0.02, 0.02, 0.0, "t", 4), 4)
    0.086

    Excel: ``=DEFAULT_CORR(0.02, 0.05, 0.30)``
    """
    joint = joint_default_probability(pd1, pd2, rho, copula, dof)
    p1, p2 = float(pd1), float(pd2)
    covariance = joint - p1 * p2
    if covariance == 0.0:
        return 0.0
    scale = math.sqrt(p1 * (1 - p1)) * math.sqrt(p2 * (1 - p2))
    return min(max(covariance / scale, -1.0), 1.0)  # rounding at extreme PDs stays in range


def conditional_pd(pd: ArrayLike, rho: ArrayLike, factor: ArrayLike) -> float | FloatArray:
    """Default probability given the value of the common factor (one-factor Gaussian).

    Parameters
    ----------
    pd : float or array
        Unconditional default probability, strictly between 0 and 1.
    rho : float or array
        Asset correlation in [0, 1).
    factor : float or array
        Value of the standard normal common factor M (negative = bad state).

    Returns
    -------
    float or ndarray
        :math:`P(\\text{default} \\mid M)`, decimal; arrays broadcast.

    Notes
    -----
    .. math::
        p(M) = \\Phi\\!\\left(\\frac{\\Phi^{-1}(PD) - \\sqrt{\\rho}\\,M}{\\sqrt{1-\\rho}}\\right)

    Examples
    --------
    >>> round(conditional_pd(0.02, 0.20, -2.0), 4)
    0.0975

    Excel: ``=DEFAULT_CONDITIONAL_PD(0.02, 0.20, -2)``
    """
    p, r = check_pd("pd", pd), check_rho("rho", rho)
    m = param("factor").check_array(factor)
    return scalar_or_array(ndtr((ndtri(p) - np.sqrt(r) * m) / np.sqrt(1 - r)))


def worst_case_default_rate(pd: ArrayLike, rho: ArrayLike, confidence: float) -> float | FloatArray:
    """Vasicek worst-case default rate: the default rate not exceeded with ``confidence``.

    Parameters
    ----------
    pd : float or array
        Default probability, strictly between 0 and 1.
    rho : float or array
        Asset (copula) correlation in [0, 1).
    confidence : float
        Confidence level strictly between 0 and 1 (0.999 = 99.9%).

    Returns
    -------
    float or ndarray
        WCDR, decimal: the ``confidence`` quantile of the large-portfolio default rate.

    Notes
    -----
    .. math:: WCDR = \\Phi\\!\\left(\\frac{\\Phi^{-1}(PD) + \\sqrt{\\rho}\\,\\Phi^{-1}(X)}
              {\\sqrt{1-\\rho}}\\right)

    References
    ----------
    Vasicek, O. (2002), "The distribution of loan portfolio value", Risk 15(12).
    Hull, J. C., Risk Management and Financial Institutions, 2nd ed. (2009), Table 11.4.

    Examples
    --------
    >>> round(worst_case_default_rate(0.02, 0.10, 0.999), 4)
    0.1282

    Excel: ``=DEFAULT_WCDR(0.02, 0.10, 0.999)``
    """
    p, r = check_pd("pd", pd), check_rho("rho", rho)
    level = check_confidence(confidence)
    return scalar_or_array(ndtr((ndtri(p) + np.sqrt(r) * ndtri(level)) / np.sqrt(1 - r)))


def tail_dependence(rho: float, dof: float) -> float:
    """Lower (= upper) tail dependence coefficient of the t copula (decimal).

    Parameters
    ----------
    rho : float
        Latent correlation in [0, 1).
    dof : float
        Degrees of freedom, 1 to 1e6.

    Returns
    -------
    float
        :math:`\\lambda = \\lim_{u \\to 0} P(U_2 < u \\mid U_1 < u)`. The Gaussian copula's is 0.

    Notes
    -----
    .. math::
        \\lambda = 2\\, t_{\\nu+1}\\!\\left(-\\sqrt{\\frac{(\\nu+1)(1-\\rho)}{1+\\rho}}\\right)

    References
    ----------
    McNeil, A. J., Frey, R. and Embrechts, P., Quantitative Risk Management (2005),
    Example 5.33.

    Examples
    --------
    >>> round(tail_dependence(0.5, 4), 4)
    0.2532

    Excel: ``=DEFAULT_TAIL_DEP(0.5, 4)``
    """
    r = float(check_rho("rho", rho))
    nu = check_dof(dof)
    return float(2 * stats.t.cdf(-math.sqrt((nu + 1) * (1 - r) / (1 + r)), nu + 1))


# ---- the large homogeneous portfolio (Vasicek) --------------------------------------------


def vasicek_loss_cdf(
    loss: ArrayLike, pd: float, rho: float, lgd: float = 1.0
) -> float | FloatArray:
    """P(portfolio loss <= ``loss``) in the large homogeneous portfolio limit.

    Parameters
    ----------
    loss : float or array
        Loss as a fraction of total exposure, in [0, 1].
    pd : float
        Default probability of every obligor, strictly between 0 and 1.
    rho : float
        Asset correlation in [0, 1).
    lgd : float, optional
        Loss given default, decimal in (0, 1]. Default 1.

    Returns
    -------
    float or ndarray
        Cumulative probability.

    Notes
    -----
    The loss fraction is :math:`L = LGD \\cdot p(M)`, so for :math:`x < LGD`

    .. math:: P(L \\le x) = \\Phi\\!\\left(\\frac{\\sqrt{1-\\rho}\\,\\Phi^{-1}(x/LGD)
              - \\Phi^{-1}(PD)}{\\sqrt{\\rho}}\\right)

    and 1 above; with :math:`\\rho = 0`, L equals :math:`LGD \\cdot PD`.

    References
    ----------
    Vasicek, O. (2002), "The distribution of loan portfolio value", Risk 15(12).

    Examples
    --------
    >>> round(vasicek_loss_cdf(0.05, 0.02, 0.20), 4)
    0.9036
    """
    x = param("loss").check_array(loss)
    p, r = float(check_pd("pd", pd)), float(check_rho("rho", rho))
    g = float(param("pool_lgd").check_array(lgd))
    rate = np.minimum(x / g, 1.0)
    if r == 0.0:
        return scalar_or_array(np.where(x >= g * p, 1.0, 0.0))
    with np.errstate(divide="ignore"):
        z = (math.sqrt(1 - r) * ndtri(rate) - ndtri(p)) / math.sqrt(r)
    return scalar_or_array(np.asarray(ndtr(z), dtype=float))


def check_tranche(attach: float, detach: float) -> tuple[float, float]:
    """Attachment and detachment as fractions of total exposure, 0 <= attach < detach <= 1."""
    a = float(param("attach").check_array(attach))
    d = float(param("detach").check_array(detach))
    if d <= a:
        raise InputError("detach", d, f"a fraction above attach ({a}) and at most 1")
    return a, d


def vasicek_tranche_expected_loss(
    attach: float, detach: float, pd: float, rho: float, lgd: float = 1.0
) -> float:
    """Expected loss of tranche [attach, detach] in the large homogeneous portfolio limit.

    Parameters
    ----------
    attach, detach : float
        Tranche bounds as fractions of total exposure, 0 <= attach < detach <= 1.
    pd, rho, lgd : float
        As in :func:`vasicek_loss_cdf`.

    Returns
    -------
    float
        Expected tranche loss as a fraction of the tranche notional (detach - attach).

    Notes
    -----
    With :math:`c = \\Phi^{-1}(PD)`, :math:`k = K / LGD < 1` and
    :math:`m_k = (c - \\sqrt{1-\\rho}\\,\\Phi^{-1}(k))/\\sqrt{\\rho}`,

    .. math:: E[(L - K)^+] = LGD\\,[\\Phi_2(c, m_k; \\sqrt{\\rho}) - k\\,\\Phi(m_k)]

    (zero for :math:`k \\ge 1`), and the tranche loss is
    :math:`(E[(L-a)^+] - E[(L-d)^+]) / (d - a)`.

    Examples
    --------
    >>> round(vasicek_tranche_expected_loss(0.03, 0.07, 0.02, 0.20, 0.6), 6)
    0.040482
    """
    a, d = check_tranche(attach, detach)
    p, r = float(check_pd("pd", pd)), float(check_rho("rho", rho))
    g = float(param("pool_lgd").check_array(lgd))

    def call(strike: float) -> float:
        k = strike / g
        if r == 0.0 or k == 0.0 or k >= 1.0:
            return max(g * p - strike, 0.0) if (r == 0.0 or k == 0.0) else 0.0
        c = float(ndtri(p))
        m = (c - math.sqrt(1 - r) * float(ndtri(k))) / math.sqrt(r)
        joint = float(_bivariate_normal_cdf(np.asarray(c), np.asarray(m), math.sqrt(r)))
        return g * (joint - k * float(ndtr(m)))

    return (call(a) - call(d)) / (d - a)


# ---- Basel II IRB -------------------------------------------------------------------------


def irb_risk_weight(
    pd: ArrayLike, lgd: ArrayLike, maturity: ArrayLike = 2.5, pd_floor: float = IRB_PD_FLOOR
) -> float | FloatArray:
    """Basel IRB risk weight of a corporate exposure (decimal: 0.9232 = 92.32%).

    Parameters
    ----------
    pd : float or array
        One-year PD, in [0, 1); a PD below ``pd_floor`` is raised to it.
    lgd : float or array
        Loss given default, decimal in [0, 1].
    maturity : float or array, optional
        Effective maturity M in years, 1 to 5 (Basel II paragraph 320). Default 2.5.
    pd_floor : float, optional
        Floor of the PD, 1e-5 to 0.01. Default :data:`IRB_PD_FLOOR` = 0.0005, the Basel III
        floor for corporates (CRE32.4); :data:`BASEL2_PD_FLOOR` = 0.0003 gives Basel II.

    Returns
    -------
    float or ndarray
        Risk weight RW = 12.5 K (risk-weighted assets per unit of EAD), without the 1.06
        scaling factor and without the SME firm-size adjustment.

    Notes
    -----
    The PD used is :math:`\\max(PD, \\text{pd\\_floor})`. The floor is also what keeps the
    formula meaningful: the maturity adjustment divides by :math:`1 - 1.5 b`, which reaches
    zero at PD of about 2.9e-6 and is negative below (without a floor, a PD of 1e-10 gave a
    small negative risk weight).

    .. math::
        R = 0.12\\,\\frac{1-e^{-50 PD}}{1-e^{-50}}
            + 0.24\\left(1-\\frac{1-e^{-50 PD}}{1-e^{-50}}\\right),
        \\quad b = (0.11852 - 0.05478 \\ln PD)^2

    .. math::
        K = LGD\\left[\\Phi\\!\\left(\\frac{\\Phi^{-1}(PD) + \\sqrt{R}\\,\\Phi^{-1}(0.999)}
        {\\sqrt{1-R}}\\right) - PD\\right] \\frac{1 + (M - 2.5)\\,b}{1 - 1.5\\,b}

    References
    ----------
    Basel Committee on Banking Supervision (2006), "International Convergence of Capital
    Measurement and Capital Standards: A Revised Framework, Comprehensive Version",
    paragraph 272 and Annex 5 (illustrative IRB risk weights). BCBS (2005), "An Explanatory
    Note on the Basel II IRB Risk Weight Functions". The Basel Framework, CRE31 (the same
    formula) and CRE32.4 (the 0.05% PD floor, version effective 1 January 2023).

    Examples
    --------
    >>> round(irb_risk_weight(0.01, 0.45), 4)
    0.9232
    >>> irb_risk_weight(0.0, 0.45) == irb_risk_weight(0.0005, 0.45)  # the floor
    True
    >>> round(irb_risk_weight(0.0003, 0.45, pd_floor=BASEL2_PD_FLOOR), 4)  # Annex 5: 14.44%
    0.1444

    Excel: ``=IRB_RISK_WEIGHT(0.01, 0.45, 2.5)``
    """
    floor = float(param("pd_floor").check_array(pd_floor))
    p = np.maximum(param("irb_pd").check_array(pd), floor)
    g = param("lgd").check_array(lgd)
    m = param("maturity").check_array(maturity)
    share = (1 - np.exp(-50 * p)) / (1 - math.exp(-50))
    r = 0.12 * share + 0.24 * (1 - share)
    b = (0.11852 - 0.05478 * np.log(p)) ** 2
    stressed = ndtr((ndtri(p) + np.sqrt(r) * ndtri(0.999)) / np.sqrt(1 - r))
    k = g * (stressed - p) * (1 + (m - 2.5) * b) / (1 - 1.5 * b)
    return scalar_or_array(12.5 * k)


# ---- the two-factor model: scenarios to factor values and stressed PDs --------------------


def crypto_factor(
    btc_drawdown: ArrayLike, horizon_years: ArrayLike, btc_vol: ArrayLike
) -> float | FloatArray:
    """Value of the standard normal crypto factor C implied by a BTC drawdown.

    Parameters
    ----------
    btc_drawdown : float or array
        Fall of the BTC price over the horizon, decimal below 1 (0.50 = -50%; negative for
        a rise).
    horizon_years : float or array
        Horizon h in years, > 0.
    btc_vol : float or array
        Annual volatility of BTC, decimal > 0 (0.45 = 45%).

    Returns
    -------
    float or ndarray
        :math:`C = \\ln(1 - x) / (\\sigma_C \\sqrt{h})`.

    Examples
    --------
    >>> round(crypto_factor(0.5, 1.0, 0.45), 4)
    -1.5403
    """
    x = param("btc_drawdown").check_array(btc_drawdown)
    h = param("horizon_years").check_array(horizon_years)
    vol = param("stress_btc_vol").check_array(btc_vol)
    return scalar_or_array(np.log1p(-x) / (vol * np.sqrt(h)))


def rent_factor(
    rent_decline: ArrayLike,
    horizon_years: ArrayLike,
    rent_vol: ArrayLike,
    expected_decline: ArrayLike,
) -> float | FloatArray:
    """Value of the standard normal compute-rent factor R implied by a realised rent decline.

    Parameters
    ----------
    rent_decline : float or array
        Realised fall of the GPU rent over the horizon, decimal below 1 (0.60 = -60%).
    horizon_years : float or array
        Horizon h in years, > 0.
    rent_vol : float or array
        Annual volatility of the rent, decimal > 0.
    expected_decline : float or array
        Expected yearly decline d, decimal below 1 (0.30 = 30% a year).

    Returns
    -------
    float or ndarray
        :math:`R = \\ln\\big((1 - y) / (1 - d)^h\\big) / (\\sigma_R \\sqrt{h})`: zero when the
        rent falls exactly as expected.

    Examples
    --------
    >>> round(rent_factor(0.6, 1.0, 0.25, 0.30), 4)
    -2.2385
    """
    y = param("rent_decline").check_array(rent_decline)
    h = param("horizon_years").check_array(horizon_years)
    vol = param("stress_rent_vol").check_array(rent_vol)
    d = param("expected_decline").check_array(expected_decline)
    return scalar_or_array((np.log1p(-y) - h * np.log1p(-d)) / (vol * np.sqrt(h)))


def idiosyncratic_weight(
    crypto_loading: ArrayLike,
    compute_loading: ArrayLike,
    factor_corr: float,
    name: str = "compute_loading",
) -> FloatArray:
    """:math:`s = \\sqrt{1 - a^2 - b^2 - 2ab\\rho_{CR}}`, checking that it is positive."""
    a = param("crypto_loading").check_array(crypto_loading)
    b = param("compute_loading").check_array(compute_loading)
    variance = 1.0 - a**2 - b**2 - 2 * a * b * factor_corr
    if np.any(variance <= 0):
        index = int(np.flatnonzero(np.ravel(variance <= 0))[0])
        value = np.ravel(np.broadcast_to(b, np.shape(variance)))[index]
        raise InputError(
            name,
            float(value),
            f"loadings with a^2 + b^2 + 2ab x {factor_corr:g} < 1 (the factors' share of "
            "the latent variance must be below 100%)",
        )
    return np.asarray(np.sqrt(variance), dtype=float)


def check_factor_corr(name: str, value: Any) -> float:
    """Factor correlation strictly between -1 and 1."""
    return float(param("factor_corr").check_array(value, name))


def miner_stress_pd(
    pd: ArrayLike,
    crypto_loading: ArrayLike,
    compute_loading: ArrayLike,
    btc_drawdown: ArrayLike,
    rent_decline: ArrayLike,
    horizon_years: ArrayLike,
    btc_vol: ArrayLike,
    rent_vol: ArrayLike,
    expected_decline: ArrayLike,
    factor_corr: float = 0.0,
) -> float | FloatArray:
    """PD of a miner or neocloud given a BTC drawdown and a compute-rent decline.

    Parameters
    ----------
    pd : float or array
        Unconditional PD over the horizon, strictly between 0 and 1.
    crypto_loading, compute_loading : float or array
        Loadings a and b of the latent variable on the crypto and compute-rent factors.
    btc_drawdown, horizon_years, btc_vol : float or array
        Scenario for the crypto factor, see :func:`crypto_factor`.
    rent_decline, rent_vol, expected_decline : float or array
        Scenario for the compute-rent factor, see :func:`rent_factor`.
    factor_corr : float, optional
        Correlation :math:`\\rho_{CR}` of the two factors, which sets the idiosyncratic
        weight s. Default 0.

    Returns
    -------
    float or ndarray
        Stressed PD, decimal; arrays broadcast.

    Notes
    -----
    .. math:: PD(C, R) = \\Phi\\!\\left(\\frac{\\Phi^{-1}(PD) - aC - bR}{s}\\right), \\quad
              s = \\sqrt{1 - a^2 - b^2 - 2ab\\rho_{CR}}

    with C and R from :func:`crypto_factor` and :func:`rent_factor`.

    Examples
    --------
    >>> round(miner_stress_pd(0.03, 0.5, 0.3, 0.5, 0.6, 1.0, 0.45, 0.25, 0.30), 4)
    0.2944

    Excel: ``=MINER_STRESS_PD(0.03, 0.5, 0.3, 0.5, 0.6, 1, 0.45, 0.25, 0.30)``
    """
    p = check_pd("pd", pd)
    rho_cr = check_factor_corr("factor_corr", factor_corr)
    s = idiosyncratic_weight(crypto_loading, compute_loading, rho_cr)
    c = crypto_factor(btc_drawdown, horizon_years, btc_vol)
    r = rent_factor(rent_decline, horizon_years, rent_vol, expected_decline)
    a, b = np.asarray(crypto_loading, dtype=float), np.asarray(compute_loading, dtype=float)
    return scalar_or_array(np.asarray(ndtr((ndtri(p) - a * c - b * r) / s), dtype=float))
