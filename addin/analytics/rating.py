"""A deal's rating, slotting category and Basel risk weights from its derived PD.

The risk engine simulates the deal's own cash flows and derives its cumulative probability
of default to a horizon (the loan's tenor, say). This module turns that PD into the
numbers a credit committee reads: an S&P-equivalent rating, the Basel specialised-lending
(object finance) slotting category with its risk weight, and the IRB risk weight.

**The table.** S&P Global Ratings' average cumulative default rates of global corporates,
1981–2024 (2024 annual study, tables 24 and 26; :mod:`addin.model.ratings`, with the
sources and what is not verified in ``addin/model/data/SOURCES.md``). Scale ``"notch"``
(default): AAA, AA+, ..., B-, CCC/C; scale ``"category"``: AAA, AA, A, BBB, BB, B, CCC/C.

**Between the table's horizons** (1, 2, ..., 15 years) the cumulative default rate
:math:`D(t)` is interpolated linearly in the log of survival,
:math:`\\ln(1 - D(t))`, i.e. with a constant default intensity within each year. Below one
year the first year's intensity applies from :math:`D(0) = 0`. **Beyond 15 years** the
intensity of the 15th year (from the 14- and 15-year rates) is held constant: an
extrapolation, not data. Capping at the 15-year rates instead would compare a 20-year PD
with 15-year rates and rate long deals too harshly.

**Monotone across ratings.** Where defaults are few the published rates are not always
higher for a worse rating (AAA above AA at 3–10 years; by notch AAA above AA+, AA above
AA-, A above A-; see SOURCES.md). At each horizon every rating's rate is replaced by the
lowest rate of that rating and every worse one (a running minimum from CCC/C upwards).
This lowers a better rating's rate rather than raising a worse one's, so the adjustment can
only make a rating more conservative (never better than the rule below applied to the
published rates), and it changes nothing from BBB+ down.

**The rating of a PD** is the best rating whose (adjusted) cumulative default rate at the
horizon is at least the PD: the deal defaults no more often over the horizon than that
rating's issuers did on average. A PD of 0 is AAA. A PD above the CCC/C rate (46.5% at 5
years) is CCC/C, the table's lowest bucket: the table has no rating for an issuer not yet
in default that defaults more often than the average CCC/C issuer. Boundaries at geometric
midpoints between adjacent ratings were not used: they would give a rating to PDs above
that rating's own historical rate, and need a convention where a rate is 0 (AAA and AA+
at one year). The rule is monotone: a higher PD never gives a better rating, and a longer
horizon never a worse one.

Units: PDs and default rates are decimals (0.05 = 5%), horizons and maturities years,
risk weights decimals (0.90 = 90%).

Examples
--------
>>> rating_from_pd(0.05, 5.0)
'BB'
>>> slotting_from_pd(0.05, 5.0)
Slotting(rating='BB', category='Good', risk_weight=0.9)
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt

from addin.analytics.credit import IRB_PD_FLOOR, irb_risk_weight, scalar_or_array
from addin.model.errors import InputError, MissingInputError
from addin.model.params import param
from addin.model.ratings import check_rating, default_rate_table, rating_names
from addin.model.types import ArrayLike, FloatArray

#: Basel specialised-lending slotting categories, best first (BCBS CRE33).
SLOTTING_CATEGORIES = ("Strong", "Good", "Satisfactory", "Weak", "Default")
#: Unexpected-loss risk weights of PF, OF, CF and IPRE exposures by slotting category
#: (BCBS CRE33; Basel II paragraph 275). Default is 0%: its loss is dealt with through
#: expected loss, not modelled here.
SLOTTING_RISK_WEIGHTS = {
    "Strong": 0.70,
    "Good": 0.90,
    "Satisfactory": 1.15,
    "Weak": 2.50,
    "Default": 0.0,
}
#: Preferential weights a supervisor may allow (national discretion) for Strong and Good
#: exposures with a remaining maturity below :data:`PREFERENTIAL_MAX_YEARS` (BCBS CRE33;
#: Basel II paragraph 277).
SLOTTING_PREFERENTIAL_RISK_WEIGHTS = {"Strong": 0.50, "Good": 0.70}
PREFERENTIAL_MAX_YEARS = 2.5
#: The external ratings each slotting category broadly corresponds to (BCBS CRE33; Basel II
#: paragraph 276): Strong BBB- or better, Good BB+ or BB, Satisfactory BB- or B+, Weak B to
#: C-; Default: in default.
SLOTTING_BY_RATING = {
    **dict.fromkeys(("AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-"), "Strong"),
    **dict.fromkeys(("BB+", "BB"), "Good"),
    **dict.fromkeys(("BB-", "B+"), "Satisfactory"),
    **dict.fromkeys(("B", "B-", "CCC/C", "CCC+", "CCC", "CCC-", "CC", "C"), "Weak"),
    "D": "Default",
}


class Slotting(NamedTuple):
    """Slotting of a deal from its derived PD: the rating read from the PD (notch scale),
    its slotting category and the category's risk weight (decimal)."""

    rating: str
    category: str
    risk_weight: float


def _horizon_rates(horizons: FloatArray, scale: str) -> FloatArray:
    """Cumulative default rate (decimal) of every rating at each horizon, made monotone.

    Shape (horizons, ratings), ratings best first. Linear in ln(1 - D) between the table's
    horizons and from (0, 0); beyond the last horizon, its last yearly slope. At a table
    horizon the published rate is returned exactly (before the monotone adjustment).
    """
    table = default_rate_table(scale)
    grid = np.concatenate(([0.0], table.horizons))
    published = np.hstack((np.zeros((len(table.ratings), 1)), table.rates))
    log_survival = np.log1p(-published)
    t = np.asarray(horizons, dtype=float).reshape(-1)
    inside = np.column_stack([np.interp(t, grid, row) for row in log_survival])
    slope = (log_survival[:, -1] - log_survival[:, -2]) / (grid[-1] - grid[-2])
    beyond = log_survival[:, -1] + np.outer(t - grid[-1], slope)
    rates = -np.expm1(np.where((t > grid[-1])[:, None], beyond, inside))
    # Exact published figures at the table's horizons (the log round trip is off by an ulp).
    node = np.searchsorted(grid, t)
    exact = (node < len(grid)) & (grid[np.minimum(node, len(grid) - 1)] == t)
    rates[exact] = published[:, node[exact]].T
    # Running minimum from the worst rating up: a better rating never shows more defaults.
    adjusted: FloatArray = np.minimum.accumulate(rates[:, ::-1], axis=1)[:, ::-1]
    return adjusted


def rating_default_rates(horizon_years: float, scale: str = "notch") -> dict[str, float]:
    """Cumulative default rate of every rating over a horizon, as the rating rule uses it.

    Parameters
    ----------
    horizon_years : float
        Horizon in years, > 0 and at most 100 (the table has 1 to 15; see the module notes
        for the interpolation and the extension beyond 15 years).
    scale : {"notch", "category"}, optional
        Rating scale, case-insensitive. Default "notch".

    Returns
    -------
    dict
        Rating -> cumulative default rate (decimal), best rating first; nondecreasing down
        the scale (the monotone adjustment of the module notes).

    Notes
    -----
    :math:`D_r(t) = 1 - \\exp\\big((1-w) \\ln(1 - D_r(k)) + w \\ln(1 - D_r(k+1))\\big)`
    for :math:`t = k + w` between table horizons k and k + 1 (D(0) = 0), then
    :math:`\\tilde D_r(t) = \\min_{s \\ge r} D_s(t)` over the ratings s at or below r.

    References
    ----------
    S&P Global Ratings, "Default, Transition, and Recovery: 2024 Annual Global Corporate
    Default And Rating Transition Study" (2025-03-27), tables 24 and 26.

    Examples
    --------
    >>> rates = rating_default_rates(5.0, "category")
    >>> rates["BBB"], rates["BB"]  # as published: 1.36% and 5.75%
    (0.0136, 0.0575)
    >>> rates["AAA"]  # published 0.34%, above AA's 0.28%: lowered to 0.28%
    0.0028
    >>> round(rating_default_rates(2.5, "category")["BB"], 5)  # between 1.76% and 3.12%
    0.02442
    """
    h = param("pd_horizon").check_array(horizon_years)
    if np.ndim(h) != 0:
        raise InputError("horizon_years", horizon_years, "one number of years")
    names = rating_names(scale)
    return {
        name: float(rate) for name, rate in zip(names, _horizon_rates(h, scale)[0], strict=True)
    }


def _pd_and_horizon(pd_cumulative: Any, horizon_years: Any) -> tuple[FloatArray, FloatArray]:
    """Checked cumulative PDs and horizons, broadcast to one shape."""
    p = param("pd_cumulative").check_array(pd_cumulative)
    h = param("pd_horizon").check_array(horizon_years)
    try:
        p, h = np.broadcast_arrays(p, h)
    except ValueError:
        raise InputError(
            "horizon_years", h, f"one horizon, or one per PD (shape {p.shape})"
        ) from None
    return p, h


def rating_from_pd(
    pd_cumulative: ArrayLike, horizon_years: ArrayLike, scale: str = "notch"
) -> str | npt.NDArray[np.str_]:
    """S&P-equivalent rating of a cumulative PD over a horizon.

    Parameters
    ----------
    pd_cumulative : float or array
        Probability of default from today to the horizon, in [0, 1] (e.g. the lifetime PD of
        the deal's simulated paths).
    horizon_years : float or array
        Horizon of the PD in years, > 0 and at most 100; broadcasts with ``pd_cumulative``.
    scale : {"notch", "category"}, optional
        Rating scale, case-insensitive. Default "notch".

    Returns
    -------
    str or ndarray of str
        The best rating whose cumulative default rate at the horizon
        (:func:`rating_default_rates`) is at least the PD; CCC/C if none is. A string for
        scalar inputs, else an array of the broadcast shape.

    Notes
    -----
    Monotone: a higher PD never gives a better rating; a longer horizon never a worse one
    (the module notes give the interpolation and the treatment of the table's
    non-monotonicities).

    Examples
    --------
    >>> rating_from_pd(0.0136, 5.0, "category"), rating_from_pd(0.0137, 5.0, "category")
    ('BBB', 'BB')
    >>> rating_from_pd(0.0, 1.0), rating_from_pd(1.0, 1.0)
    ('AAA', 'CCC/C')
    >>> rating_from_pd([0.01, 0.05, 0.20], 5.0).tolist()
    ['BBB', 'BB', 'B-']
    """
    p, h = _pd_and_horizon(pd_cumulative, horizon_years)
    names = np.array(rating_names(scale))
    rates = _horizon_rates(h, scale)
    # Rates rise down the scale, so the count of rates below the PD is the rating's index.
    index = np.minimum((rates < p.reshape(-1, 1)).sum(axis=1), len(names) - 1)
    ratings = names[index].reshape(p.shape)
    return str(ratings) if ratings.ndim == 0 else ratings


def slotting_category(rating: str) -> str:
    """Basel slotting category that an S&P rating broadly corresponds to.

    Parameters
    ----------
    rating : str
        S&P rating, case-insensitive: AAA to B-, CCC/C, CCC+ to C, or D (in default). A
        category name (BB) is read as the notch of that name.

    Returns
    -------
    str
        "Strong" (BBB- or better), "Good" (BB+, BB), "Satisfactory" (BB-, B+), "Weak" (B
        to C) or "Default".

    Notes
    -----
    The slotting approach proper assigns a category from supervisory criteria (financial
    strength, political and legal environment, transaction and asset characteristics,
    sponsor strength), not from a rating; the Basel text gives this correspondence as a
    guide. For a GPU loan (object finance) it is a PD-based proxy to put beside the
    criteria, not a substitute for them.

    References
    ----------
    BCBS, The Basel Framework, CRE33 (IRB approach: supervisory slotting approach for
    specialised lending), table of external rating equivalents; Basel II (June 2006),
    paragraph 276. Checked against the national text SAMA, Minimum Capital Requirements
    for Credit Risk (IRB), paragraph 13.3 and table 20 (2022).

    Examples
    --------
    >>> slotting_category("BBB-"), slotting_category("bb"), slotting_category("B+")
    ('Strong', 'Good', 'Satisfactory')
    >>> slotting_category("CCC/C"), slotting_category("D")
    ('Weak', 'Default')
    """
    return SLOTTING_BY_RATING[check_rating(rating)]


def slotting_risk_weight(
    category: str, remaining_years: float | None = None, preferential: bool = False
) -> float:
    """Unexpected-loss risk weight of a specialised-lending slotting category (decimal).

    Parameters
    ----------
    category : str
        "Strong", "Good", "Satisfactory", "Weak" or "Default", case-insensitive.
    remaining_years : float, optional
        Remaining maturity of the exposure in years, 0 to 100; required when
        ``preferential`` is True.
    preferential : bool, optional
        True if the supervisor allows the preferential weights (a national discretion):
        50% for Strong and 70% for Good when the remaining maturity is below 2.5 years.
        Default False.

    Returns
    -------
    float
        Risk weight: Strong 0.70, Good 0.90, Satisfactory 1.15, Weak 2.50, Default 0 (the
        defaulted exposure's loss goes through expected loss).

    References
    ----------
    BCBS, The Basel Framework, CRE33, risk weights for PF, OF, CF and IPRE and the national
    discretion for Strong and Good; Basel II (June 2006), paragraphs 275 and 277. Checked
    against SAMA, Minimum Capital Requirements for Credit Risk (IRB), paragraphs 13.2 and
    13.4 (2022), and the UK's BIPRU 4.5.8 table (50% / 70% below 2.5 years).

    Examples
    --------
    >>> slotting_risk_weight("Good")
    0.9
    >>> slotting_risk_weight("good", remaining_years=2.0, preferential=True)
    0.7
    >>> slotting_risk_weight("Good", remaining_years=3.0, preferential=True)
    0.9
    """
    chosen = _check_category(category)
    if not isinstance(preferential, bool | np.bool_):
        raise InputError("preferential", preferential, "TRUE or FALSE")
    years = None if remaining_years is None else param("remaining_years").check(remaining_years)
    if not preferential:
        return SLOTTING_RISK_WEIGHTS[chosen]
    if years is None:
        raise MissingInputError(
            "remaining_years", "the remaining maturity in years, for the preferential weights"
        )
    if years < PREFERENTIAL_MAX_YEARS and chosen in SLOTTING_PREFERENTIAL_RISK_WEIGHTS:
        return SLOTTING_PREFERENTIAL_RISK_WEIGHTS[chosen]
    return SLOTTING_RISK_WEIGHTS[chosen]


def _check_category(category: Any) -> str:
    if isinstance(category, str):
        match = [c for c in SLOTTING_CATEGORIES if c.lower() == category.strip().lower()]
        if match:
            return match[0]
    raise InputError("category", category, "one of " + ", ".join(SLOTTING_CATEGORIES))


def slotting_from_pd(
    pd_cumulative: float,
    horizon_years: float,
    remaining_years: float | None = None,
    preferential: bool = False,
) -> Slotting:
    """Slotting category and risk weight of a deal from its cumulative PD.

    Parameters
    ----------
    pd_cumulative : float
        Probability of default from today to the horizon, in [0, 1].
    horizon_years : float
        Horizon of the PD in years, > 0 and at most 100.
    remaining_years, preferential
        As in :func:`slotting_risk_weight`.

    Returns
    -------
    Slotting
        ``rating`` (notch scale, :func:`rating_from_pd`), ``category``
        (:func:`slotting_category`) and ``risk_weight`` (:func:`slotting_risk_weight`).
        A PD of 1 is CCC/C, hence Weak: a simulated certain default is not an exposure in
        default today, so the Default category (0%) is never read from a PD.

    Examples
    --------
    >>> slotting_from_pd(0.10, 5.0)
    Slotting(rating='B+', category='Satisfactory', risk_weight=1.15)
    >>> slotting_from_pd(0.004, 2.0, remaining_years=2.0, preferential=True)
    Slotting(rating='BBB-', category='Strong', risk_weight=0.5)
    """
    for name, value in (("pd_cumulative", pd_cumulative), ("horizon_years", horizon_years)):
        if np.ndim(value) != 0:
            raise InputError(name, value, "one number")
    rating = str(rating_from_pd(pd_cumulative, horizon_years, "notch"))
    category = slotting_category(rating)
    return Slotting(rating, category, slotting_risk_weight(category, remaining_years, preferential))


def annual_pd(pd_cumulative: ArrayLike, horizon_years: ArrayLike) -> float | FloatArray:
    """Constant yearly PD equivalent to a cumulative PD over a horizon (decimal per year).

    Parameters
    ----------
    pd_cumulative : float or array
        Probability of default from today to the horizon, in [0, 1].
    horizon_years : float or array
        Horizon in years, > 0 and at most 100; broadcasts with ``pd_cumulative``.

    Returns
    -------
    float or ndarray
        :math:`1 - (1 - PD_T)^{1/T}`: the one-year PD that, constant over T years, gives the
        same survival. With T = 1 it is the PD itself.

    Examples
    --------
    >>> round(annual_pd(0.0575, 5.0), 6)  # BB over 5 years (S&P 2024): 1.18% a year
    0.011774
    >>> annual_pd(0.02, 1.0)
    0.02
    """
    p, h = _pd_and_horizon(pd_cumulative, horizon_years)
    with np.errstate(divide="ignore"):  # PD 1: ln 0 = -inf, annual PD 1
        return scalar_or_array(-np.expm1(np.log1p(-p) / h))


def lifetime_irb_risk_weight(
    pd_cumulative: ArrayLike,
    horizon_years: ArrayLike,
    lgd: ArrayLike,
    maturity: ArrayLike = 2.5,
    pd_floor: float = IRB_PD_FLOOR,
) -> float | FloatArray:
    """Basel IRB risk weight of a deal from its cumulative PD and LGD (decimal).

    Parameters
    ----------
    pd_cumulative : float or array
        Probability of default from today to the horizon, in [0, 1).
    horizon_years : float or array
        Horizon of the PD in years, > 0 and at most 100.
    lgd : float or array
        Loss given default, decimal in [0, 1] (e.g. the mean LGD of the defaulting paths).
    maturity : float or array, optional
        Effective maturity M in years, 1 to 5. Default 2.5.
    pd_floor : float, optional
        Floor of the one-year PD. Default 0.0005 (Basel III, CRE32.4).

    Returns
    -------
    float or ndarray
        :func:`addin.analytics.credit.irb_risk_weight` at the one-year PD
        :func:`annual_pd` (``pd_cumulative``, ``horizon_years``), floored at ``pd_floor``.

    Notes
    -----
    The IRB formula needs a one-year PD. The lifetime PD spread evenly over the horizon is
    used (a through-the-life average): on a GPU loan most defaults come after the first
    year, so the first year's PD alone would understate the risk. To use the simulated
    first-year PD instead, pass it with ``horizon_years=1``. A PD of 1 is refused: a
    certain default is treated as a defaulted exposure, outside the formula.

    Examples
    --------
    >>> round(lifetime_irb_risk_weight(0.0575, 5.0, 0.45), 4)  # 1.18% a year, M = 2.5
    0.977
    >>> lifetime_irb_risk_weight(0.0, 5.0, 0.45) == irb_risk_weight(0.0005, 0.45)  # the floor
    True
    """
    p = param("pd_cumulative").check_array(pd_cumulative)
    if np.any(p >= 1.0):
        raise InputError(
            "pd_cumulative",
            float(np.max(p)),
            "a number >= 0 and < 1 (a certain default is a defaulted exposure, outside the "
            "IRB formula)",
        )
    return irb_risk_weight(annual_pd(p, horizon_years), lgd, maturity, pd_floor)
