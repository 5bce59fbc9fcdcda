"""Collateral and credit results for the memo, from :mod:`addin.analytics.collateral` and
:mod:`addin.analytics.credit` (pure: no openpyxl).

Examples
--------
>>> from addin.model.deal import load_deal
>>> from addin.analytics.debt import debt_schedule
>>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
...                   "interest_rate": 0.09, "tenor_years": 5, "market_absorption": 500})
>>> round(collateral_results(deal, debt_schedule(deal))["ltv_close_book"], 4)
0.5952
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from addin.analytics.collateral import unit_cost
from addin.analytics.credit import irb_risk_weight, miner_stress_pd
from addin.analytics.debt import Debt
from addin.analytics.liquidation import fleet_absorption, liquidation_value
from addin.analytics.ltv import duration_mismatch, ltv_schedule, underwater_period
from addin.memo.flags import Flag, grade
from addin.model.deal import Deal

BTC_DRAWDOWNS = np.array([0.0, 0.25, 0.50, 0.77])  # 0.77: BTC peak to trough, 2021-22
RENT_DECLINES = np.array([0.0, 0.15, 0.30, 0.45, 0.60, 0.75])  # realised over the horizon
STRESS_TYPES = ("miner", "neocloud")
PERCENT, COVERAGE, GENERAL = "0.0%", '0.00"x";[Red]-0.00"x"', "General"


def collateral_results(deal: Deal, debt: Debt) -> dict[str, Any]:
    """LTV table, underwater period, duration mismatch and fire sale at close.

    Without ``market_absorption`` the liquidation columns, the underwater period and the
    fire sale are left out (they need it) and the rest is shown.
    """
    has_liquidation = deal.market_absorption is not None
    # Book, market and economic values do not depend on the absorption; a placeholder
    # lets the LTV table run, and its liquidation columns are then dropped.
    table = ltv_schedule(deal if has_liquidation else deal.replace(market_absorption=1.0))
    if not has_liquidation:
        table = table.drop(
            columns=[c for c in table.columns if "liquidation" in c], errors="ignore"
        )
    n = deal.periods
    values = {
        "Book value": table["book_value"].to_numpy()[1:],
        "Market value": table["market_value"].to_numpy()[1:],
        "Economic value": table["economic_value"].to_numpy()[1:],
    }
    out: dict[str, Any] = {
        "ltv": table,
        "unit_cost": unit_cost(deal),
        "has_liquidation": has_liquidation,
        "mismatch": duration_mismatch(deal),
        "underwater": underwater_period(deal) if has_liquidation else None,
        "ltv_close_book": float(table["ltv_book"].iloc[0]),
        # at maturity: the balance due in the final period against the value then
        "ltv_maturity_book": _ratio(table["balance"].iloc[n - 1], table["book_value"].iloc[n]),
    }
    if has_liquidation:
        values["Liquidation value"] = table["liquidation_value"].to_numpy()[1:]
        unit_market = float(table["market_value"].iloc[0]) / deal.gpus
        out["fire_sale"] = liquidation_value(
            deal.gpus,
            unit_market,
            fleet_absorption(deal),
            deal.hardware_decline,
            deal.impact,
            deal.max_haircut,
            deal.max_liquidation_months,
            deal.effective_discount_rate,
            deal.carry_cost,
        )
        out["ltv_close_liquidation"] = float(table["ltv_liquidation"].iloc[0])
        out["ltv_maturity_liquidation"] = _ratio(
            table["balance"].iloc[n - 1], table["liquidation_value"].iloc[n]
        )
    out["chart_values"] = values
    out["summary_metrics"] = _collateral_metrics(deal, out)
    return out


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator > 0 else math.inf


def _period(found: tuple[int, Any] | None) -> str:
    if found is None:
        return "none"
    period, date = found
    label = "at close" if period == 0 else f"period {period}"
    return label + (f" ({date:%Y-%m-%d})" if date is not None else "")


def _collateral_metrics(deal: Deal, out: dict[str, Any]) -> list[tuple[str, Any, Any, str, str]]:
    m = out["mismatch"]
    rows: list[tuple[str, Any, Any, str, str]] = [
        ("LTV at close (book)", out["ltv_close_book"], None, PERCENT, "loan / fleet book value"),
        (
            "LTV at maturity (book)",
            out["ltv_maturity_book"],
            None,
            PERCENT,
            "balance due in the final period / book value then",
        ),
    ]
    if out["has_liquidation"]:
        rows += [
            (
                "LTV at close (liquidation)",
                out["ltv_close_liquidation"],
                None,
                PERCENT,
                "loan / fire-sale value of the fleet",
            ),
            (
                "LTV at maturity (liquidation)",
                out["ltv_maturity_liquidation"],
                None,
                PERCENT,
                "balance due in the final period / fire-sale value then",
            ),
            (
                "Underwater from",
                _period(out["underwater"]),
                None,
                GENERAL,
                "first period the balance exceeds the fire-sale value",
            ),
        ]
    else:
        rows.append(
            (
                "Liquidation values",
                "not computed",
                None,
                GENERAL,
                "set market_absorption to value a fire sale",
            )
        )
    rows.append(
        (
            "Duration mismatch (WAL / half-life)",
            m.wal_to_half_life,
            None,
            COVERAGE,
            f"loan WAL {m.wal_years:.2f} y / GPUs' market-value half-life "
            f"{m.half_life_years:.2f} y",
        )
    )
    return rows


def effective_maturity(deal: Deal, debt: Debt) -> float:
    r"""Basel effective maturity of the facility, years, floored at 1 and capped at 5.

    .. math:: M = \min(5, \max(1, \sum_k t_k DS_k / \sum_k DS_k)), \quad t_k = k / p

    References
    ----------
    Basel Committee on Banking Supervision (2006), Basel II, paragraph 320.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> from addin.analytics.debt import debt_schedule
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2.0, "loan_amount": 1e5,
    ...                   "interest_rate": 0.0, "tenor_years": 3, "periods_per_year": 1,
    ...                   "amortization": "linear"})
    >>> effective_maturity(deal, debt_schedule(deal))
    2.0
    """
    t = np.arange(1, deal.periods + 1) / deal.periods_per_year
    total = float(np.sum(debt.debt_service))
    m = float(np.sum(t * debt.debt_service)) / total if total > 0 else 1.0
    return min(5.0, max(1.0, m))


def credit_results(deal: Deal, debt: Debt) -> dict[str, Any]:
    """Basel IRB risk weight and, for miners and neoclouds, the two-factor stressed PDs."""
    maturity = effective_maturity(deal, debt)
    weight = float(irb_risk_weight(deal.pd, deal.lgd, maturity))
    out: dict[str, Any] = {
        "maturity": maturity,
        "risk_weight": weight,
        "capital": 0.08 * weight * debt.loan_amount,
        "applicable": deal.borrower_type in STRESS_TYPES,
    }
    rows: list[tuple[str, Any, Any, str, str]] = [
        (
            "IRB risk weight",
            weight,
            None,
            PERCENT,
            f"PD {deal.pd:.2%}, LGD {deal.lgd:.0%}, M {maturity:.2f} y (Basel II corporate)",
        ),
    ]
    if out["applicable"]:
        horizon = deal.stress_horizon_years
        pd_horizon = 1.0 - (1.0 - deal.pd) ** horizon
        grid = miner_stress_pd(
            pd_horizon,
            deal.effective_crypto_loading,
            deal.compute_loading,
            BTC_DRAWDOWNS[:, None],
            RENT_DECLINES[None, :],
            horizon,
            deal.btc_vol,
            deal.rent_vol,
            deal.annual_decline,
            deal.factor_corr,
        )
        out.update(pd_horizon=pd_horizon, stressed_pd=np.asarray(grid, dtype=float))
        severe = float(out["stressed_pd"][2, 4])
        out["severe_pd"] = severe
        rows.append(
            (
                f"Stressed PD (BTC -50%, rents -60% in {horizon:g} y)",
                severe,
                pd_horizon,
                PERCENT,
                "two-factor model; second column: unstressed PD over the horizon",
            )
        )
    out["summary_metrics"] = rows
    return out


def risk_flags(deal: Deal, collateral: dict[str, Any], credit: dict[str, Any]) -> list[Flag]:
    """Collateral flags: liquidation LTV at close, underwater period, duration mismatch."""
    flags: list[Flag] = []
    n = deal.periods
    if collateral.get("has_liquidation"):
        ltv = collateral["ltv_close_liquidation"]
        flags.append(
            Flag(
                "LTV at close (liquidation value)",
                f"{ltv:.0%}",
                grade(ltv, 0.80, 1.00, higher_is_better=False),
                "green at or below 80% of the fire-sale value, amber up to 100%, red above "
                "(illustrative)",
            )
        )
        under = collateral["underwater"]
        status = "green" if under is None else ("amber" if under[0] > n / 2 else "red")
        flags.append(
            Flag(
                "Underwater period",
                _period(under),
                status,
                "green if the balance never exceeds the fire-sale value, amber if it first "
                "does in the second half of the tenor, red in the first half or at close",
            )
        )
    ratio = collateral["mismatch"].wal_to_half_life
    flags.append(
        Flag(
            "Duration mismatch (WAL / half-life)",
            f"{ratio:.2f}x",
            grade(ratio, 1.0, 1.5, higher_is_better=False),
            "green when the loan's WAL is within the GPUs' market-value half-life, amber up "
            "to 1.5 times it, red beyond",
        )
    )
    return flags
