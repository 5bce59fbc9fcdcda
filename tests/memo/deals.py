"""Deals the memo tests run on: the two examples and variants covering every convention."""

from __future__ import annotations

from typing import Any

from tests.deals import BASE_DEAL, EXAMPLES

# name -> overrides of BASE_DEAL (or a TOML example when the value is a path name)
VARIANTS: dict[str, dict[str, Any]] = {
    "annuity_balloon_floor": {
        "balloon": 0.2,
        "rent_floor": 0.9,
        "opex_per_gpu_year": 2500,
    },
    "linear_semiannual_contract": {
        "amortization": "linear",
        "balloon": 0.3,
        "periods_per_year": 2,
        "contracted_share": 0.5,
        "contract_years": 2,
        "start_date": "2026-06-30",
    },
    "bullet_annual": {"amortization": "bullet", "periods_per_year": 1, "interest_rate": 0.07},
    "sculpted_negative_cfads": {
        "amortization": "sculpted",
        "loan_amount": None,
        "target_dscr": 1.35,
        "annual_decline": 0.5,
        "opex_per_gpu_year": 6000,
        "start_date": "2026-01-15",
    },
    "annuity_zero_rate": {"interest_rate": 0.0, "tenor_years": 3},
    "quarterly_month_end": {
        "periods_per_year": 4,
        "tenor_years": 2.5,
        "start_date": "2026-01-31",
        "contracted_share": 0.3,
        "contract_rate": 2.6,
        "contract_years": 1.25,
    },
    # issue 12: contract ending inside a period, re-let below spot, a floor that binds
    # mid-period, colocation, escalating opex, and kw_per_gpu from the catalog (B200)
    "semiannual_relet_floor_costs": {
        "gpu_model": "B200",
        "market_rate": 3.5,
        "periods_per_year": 2,
        "contracted_share": 0.6,
        "contract_rate": 3.2,
        "contract_years": 1.75,
        "recontract_rate": 0.9,
        "rent_floor": 1.6,
        "colocation_per_kw_month": 150,
        "opex_per_gpu_year": 3000,
        "opex_escalation": 0.03,
    },
    # issue 12: floating rates (base_rate + margin, rate_shock from rate_shock_year). The
    # base rate is illustrative (3M Term SOFR was ~4.3% in mid-2025); the shock starts
    # inside a quarter (1.6 y: the first shocked period starts at 1.75 y)
    "floating_shock_annuity_balloon": {
        "interest_rate": None,
        "base_rate": 0.043,
        "margin": 0.065,
        "rate_shock": 0.02,
        "rate_shock_year": 1.6,
        "periods_per_year": 4,
        "balloon": 0.15,
        "start_date": "2026-03-31",
    },
    "floating_shock_sculpted": {
        "interest_rate": None,
        "amortization": "sculpted",
        "loan_amount": None,
        "base_rate": 0.04,
        "margin": 0.05,
        "rate_shock": 0.03,
        "rate_shock_year": 2,
        "annual_decline": 0.2,
    },
    # a rate cut from the first period: the annuity's first payment is at the cut rate
    "floating_cut_from_start_semiannual": {
        "interest_rate": None,
        "base_rate": 0.05,
        "margin": 0.04,
        "rate_shock": -0.01,
        "rate_shock_year": 0,
        "periods_per_year": 2,
    },
    # a cash sweep prepays: the live sheet is the contractual schedule before prepayments
    "sweep_and_dsra": {"sweep_share": 0.5, "dsra_months": 6, "annual_decline": 0.2},
    # issue 14: a loan that outlives the GPUs' 6-year book life (book LTV "fully depreciated")
    "seven_year_loan": {"tenor_years": 7, "annual_decline": 0.1, "loan_amount": 15e6},
}


def variant(name: str) -> dict[str, Any]:
    """A variant deal as a mapping of keys."""
    values = {**BASE_DEAL, "name": f"Variant {name}", **VARIANTS[name]}
    return {k: v for k, v in values.items() if v is not None}


EXAMPLE_FILES = sorted(EXAMPLES.glob("*.toml"))
