"""Named stress scenarios: single deterministic shock paths through the deal's own waterfall.

Each scenario sets the monthly factor paths of :mod:`addin.sim.factors` (rent index
relative to the deal's trend, BTC relative to today, base-rate deviation, offtaker default)
and runs them through :func:`~addin.sim.engine.flows_on` and
:func:`~addin.sim.engine.path_outcomes`, exactly as a simulated path. Every factor a
scenario does not name stays on the deal's plan.

=========================  ===============================================================
Scenario                   Shock (source)
=========================  ===============================================================
2024 rent collapse         Market rent falls 75% over the first 18 months, then follows
                           the deal's trend (H100 rent from about USD 8 at the 2023 peak to
                           about USD 2 by late 2024; ../shared/DOMAIN.md, rent_history).
BTC -77%                   BTC falls 77% over 12 months and stays there (Nov 2021 to Nov
                           2022: about USD 69,000 to 15,500).
Blackwell launch           Rent 30% below trend at once, for the life: a successor launch
                           that resets what buyers pay (illustrative size).
capital scarcity           Base rate +300 bp from the first month (floating loans pay it;
                           every loan is discounted at it).
correlation convergence    Rent -40% and BTC -60% over 12 months together, base rate
                           +200 bp, and the offtaker defaults in month 12 (illustrative:
                           the joint stress of the essays behind the product).
=========================  ===============================================================

Examples
--------
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
...                   "interest_rate": 0.09, "tenor_years": 4, "market_absorption": 1500,
...                   "annual_decline": 0.1})
>>> hit = run_scenario(deal, "2024 rent collapse")
>>> hit.first_default_period is not None, hit.min_dscr < run_scenario(deal, "BTC -77%").min_dscr
(True, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from addin.analytics.waterfall import EVENT_NAMES
from addin.model.deal import Deal
from addin.model.errors import InputError
from addin.model.types import FloatArray
from addin.sim.engine import flows_on, path_outcomes
from addin.sim.factors import MONTHS_PER_YEAR, Factors, base_rate_path


@dataclass(frozen=True)
class Shock:
    """Monthly factor paths of a scenario, each a function of month-end times in years."""

    description: str
    rent: Callable[[Deal, FloatArray], FloatArray] | None = None  # rent / trend rent
    btc: Callable[[FloatArray], FloatArray] | None = None  # BTC / today
    base_shift: float = 0.0  # added to the base rate, decimal per year
    offtaker_default_years: float = math.inf


def fall(total: float, years: float) -> Callable[[FloatArray], FloatArray]:
    r"""A level falling ``total`` (decimal) geometrically over ``years``, then flat.

    .. math:: level(t) = (1 - total)^{\min(t, years) / years}, \quad t \text{ in years}

    Examples
    --------
    >>> half = fall(0.5, 1.0)
    >>> half(np.array([0.0, 0.5, 1.0, 2.0])).round(4).tolist()
    [1.0, 0.7071, 0.5, 0.5]
    """

    def level(t: FloatArray) -> FloatArray:
        result: FloatArray = (1.0 - total) ** (np.minimum(t, years) / years)
        return result

    return level


def _rent_collapse(deal: Deal, t: FloatArray) -> FloatArray:
    """Rent -75% over 18 months, then on trend: as a ratio to the deal's own trend."""
    absolute = fall(0.75, 1.5)(t) * (1.0 - deal.annual_decline) ** np.maximum(t - 1.5, 0.0)
    result: FloatArray = absolute / (1.0 - deal.annual_decline) ** t
    return result


SCENARIOS: dict[str, Shock] = {
    "2024 rent collapse": Shock(
        "Market rent -75% over 18 months, then on the deal's trend (H100 2023-24).",
        rent=_rent_collapse,
    ),
    "BTC -77%": Shock(
        "BTC -77% over 12 months, then flat (Nov 2021 - Nov 2022).", btc=fall(0.77, 1.0)
    ),
    "Blackwell launch": Shock(
        "Rent 30% below trend from the start: a successor launch (illustrative).",
        rent=lambda deal, t: np.full_like(t, 0.70),
    ),
    "capital scarcity": Shock("Base rate +300 bp from the first month.", base_shift=0.03),
    "correlation convergence": Shock(
        "Rent -40% and BTC -60% over 12 months, base rate +200 bp, offtaker default in "
        "month 12 (illustrative).",
        rent=lambda deal, t: fall(0.40, 1.0)(t),
        btc=fall(0.60, 1.0),
        base_shift=0.02,
        offtaker_default_years=1.0,
    ),
}


def scenario_factors(deal: Deal, name: str) -> Factors:
    """The one-path factors of a named scenario over the loan's months.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 2})
    >>> round(float(scenario_factors(deal, "BTC -77%").btc[0, 11]), 4)
    0.23
    """
    return shock_factors(deal, scenario(name))


#: Every factor on the deal's plan: rent on its trend, BTC flat, the base-rate path, no
#: offtaker default. Run through the engine it is the deal's own deterministic case, with
#: what only the engine models (the BTC treasury, mining revenue).
BASE_CASE = Shock("Every factor on plan: rent on the deal's trend, BTC flat, no offtaker default.")


def shock_factors(deal: Deal, shock: Shock) -> Factors:
    """The one-path factors of a shock over the loan's months (factors it leaves out: plan).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 2})
    >>> f = shock_factors(deal, Shock("BTC halves in a year", btc=fall(0.5, 1.0)))
    >>> round(float(f.btc[0, 11]), 4), float(f.rent_index.max())
    (0.5, 1.0)
    """
    months = deal.periods * (MONTHS_PER_YEAR // deal.periods_per_year)
    t = np.arange(1, months + 1) / MONTHS_PER_YEAR
    rent = np.ones(months) if shock.rent is None else shock.rent(deal, t)
    btc = np.ones(months) if shock.btc is None else shock.btc(t)
    deviation = np.full(months, shock.base_shift)
    return Factors(
        rent[None, :],
        btc[None, :],
        (base_rate_path(deal, months) + deviation)[None, :],
        deviation[None, :],
        np.zeros((1, months), dtype=bool),
        np.array([shock.offtaker_default_years]),
    )


def scenario(name: str) -> Shock:
    """The shock of a named scenario (case-insensitive)."""
    found = {key.lower(): key for key in SCENARIOS}.get(str(name).strip().lower())
    if found is None:
        raise InputError("scenario", name, "one of " + ", ".join(SCENARIOS))
    return SCENARIOS[found]


@dataclass(frozen=True)
class ScenarioResult:
    """What a named scenario does to the deal.

    Attributes
    ----------
    name, description : str
    min_dscr : float
        Lowest period DSCR, x (NaN without debt service).
    first_default_period : int or None
        1-based period of the first default (payment, covenant or uncured LTV).
    first_default_event : str
        Its kind ("" without a default).
    loss : float
        EAD x LGD at that default, USD (0 without one).
    lgd : float
        Loss given default, decimal (0 without one).
    """

    name: str
    description: str
    min_dscr: float
    first_default_period: int | None
    first_default_event: str
    loss: float
    lgd: float


def run_scenario(deal: Deal, name: str) -> ScenarioResult:
    """Run a named scenario through the deal's waterfall (:data:`SCENARIOS`).

    Parameters
    ----------
    deal : Deal
    name : str
        One of :data:`SCENARIOS`, case-insensitive.

    Returns
    -------
    ScenarioResult

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "base_rate": 0.04, "margin": 0.05, "tenor_years": 4,
    ...                   "market_absorption": 1500, "annual_decline": 0.1})
    >>> run_scenario(deal, "capital scarcity").min_dscr < run_scenario(deal, "BTC -77%").min_dscr
    True

    In Excel: ``=DEAL_SCENARIO(Deal, "2024 rent collapse")``.
    """
    shock = scenario(name)
    key = next(k for k in SCENARIOS if SCENARIOS[k] is shock)
    out = path_outcomes(deal, flows_on(deal, scenario_factors(deal, key)))
    dscr = out.dscr[0].astype(float)
    period = int(out.default_period[0]) or None
    event = ""
    if period is not None:
        flags = int(out.default_flags[0])
        event = "; ".join(text for flag, text in EVENT_NAMES.items() if flags & flag)
    return ScenarioResult(
        key,
        shock.description,
        float(np.nanmin(dscr)) if np.isfinite(dscr).any() else math.nan,
        period,
        event,
        float(out.loss[0]),
        float(out.lgd[0]),
    )
