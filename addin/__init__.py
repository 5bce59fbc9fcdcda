"""GPU Credit Desk: credit analytics for loans against AI compute, from Python and Excel.

Every name below is importable from ``addin`` directly, and loads its layer only when first
used (PEP 562), so ``import addin`` and ``gpucredit --help`` load neither pandas nor scipy.
Rates and declines are decimals per year (0.30 = 30%), money is USD, power kW, time years
unless a name says otherwise.

The package, one layer per folder (imports flow one way; CI checks it with import-linter):

- ``addin.model``: the deal, the GPU catalog, errors and number checks;
- ``addin.analytics``: pure numpy/scipy: cash flows, debt, DSCR, collateral, credit, portfolio loss;
- ``addin.sim``: the path engine: PD, LGD, EL, rating and fair margin from simulated paths
  of the deal's own cash flows, and named scenarios;
- ``addin.io``: deal files, the intake workbook, workbook writing, LibreOffice;
- ``addin.excel``: the Excel functions (the only xlwings importer), Lite, the gallery cases;
- ``addin.memo``: the deal memo and gallery workbooks;
- ``addin.cli``: the ``gpucredit`` command.

Examples
--------
>>> import addin
>>> addin.min_dscr.__module__
'addin.analytics.dscr'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from addin.version import VERSION

if TYPE_CHECKING:  # the same names, for type checkers and IDEs
    from addin.analytics.cashflow import (
        cash_flows,
        colocation_cost,
        contract_hours_share,
        deflated_rent,
        opex_cost,
        period_rent,
        power_cost,
    )
    from addin.analytics.collateral import (
        book_value,
        deal_launch_ages,
        economic_life,
        economic_value,
        fixed_cost_per_hour,
        half_life,
        launch_ages,
        market_value,
        power_cost_per_hour,
        residual_curve,
        residual_value,
        smooth_factor,
    )
    from addin.analytics.credit import (
        conditional_pd,
        crypto_factor,
        default_correlation,
        irb_risk_weight,
        joint_default_probability,
        miner_stress_pd,
        rent_factor,
        tail_dependence,
        vasicek_loss_cdf,
        vasicek_tranche_expected_loss,
        worst_case_default_rate,
    )
    from addin.analytics.debt import (
        Debt,
        debt_schedule,
        period_dates,
        period_rates,
        sculpted_debt_capacity,
    )
    from addin.analytics.dscr import (
        DscrSummary,
        avg_dscr,
        breakeven_decline,
        contract_expiry_cliff,
        dscr_schedule,
        dscr_summary,
        first_breach,
        first_events,
        llcr,
        min_dscr,
        min_llcr,
        plcr,
    )
    from addin.analytics.liquidation import (
        Liquidation,
        SaleTerms,
        fleet_absorption,
        haircuts,
        liquidation_value,
        sale_terms,
    )
    from addin.analytics.ltv import (
        DurationMismatch,
        duration_mismatch,
        ltv_schedule,
        underwater_period,
    )
    from addin.analytics.portfolio import (
        default_count_distribution,
        distribution_es,
        distribution_tranche_el,
        distribution_var,
        loss_distribution,
        portfolio_es,
        portfolio_expected_loss,
        portfolio_var,
        simulate_losses,
        simulate_two_factor_losses,
        tranche_expected_loss,
        two_factor_loss_distribution,
    )
    from addin.analytics.rating import (
        annual_pd,
        lifetime_irb_risk_weight,
        rating_default_rates,
        rating_from_pd,
        slotting_from_pd,
    )
    from addin.analytics.waterfall import (
        WaterfallTerms,
        deal_waterfall,
        dsra_target,
        event_text,
        fleet_market_value,
        waterfall,
    )
    from addin.io.deal_files import (
        read_deal,
    )
    from addin.model.catalog import (
        gpu_catalog,
        gpu_spec,
        successor_launches,
        used_gpu_prices,
    )
    from addin.model.deal import (
        Deal,
        load_deal,
    )
    from addin.model.errors import (
        AddinError,
        DealFileError,
        InputError,
    )
    from addin.sim.engine import (
        DealRisk,
        FairMargin,
        deal_risk,
        fair_margin,
    )
    from addin.sim.scenarios import (
        SCENARIOS,
        ScenarioResult,
        run_scenario,
    )

_EXPORTS: dict[str, tuple[str, ...]] = {
    "addin.analytics.cashflow": (
        "cash_flows",
        "colocation_cost",
        "contract_hours_share",
        "deflated_rent",
        "opex_cost",
        "period_rent",
        "power_cost",
    ),
    "addin.analytics.collateral": (
        "book_value",
        "deal_launch_ages",
        "economic_life",
        "economic_value",
        "fixed_cost_per_hour",
        "half_life",
        "launch_ages",
        "market_value",
        "power_cost_per_hour",
        "residual_curve",
        "residual_value",
        "smooth_factor",
    ),
    "addin.analytics.credit": (
        "conditional_pd",
        "crypto_factor",
        "default_correlation",
        "irb_risk_weight",
        "joint_default_probability",
        "miner_stress_pd",
        "rent_factor",
        "tail_dependence",
        "vasicek_loss_cdf",
        "vasicek_tranche_expected_loss",
        "worst_case_default_rate",
    ),
    "addin.analytics.debt": (
        "Debt",
        "debt_schedule",
        "period_dates",
        "period_rates",
        "sculpted_debt_capacity",
    ),
    "addin.analytics.dscr": (
        "DscrSummary",
        "avg_dscr",
        "breakeven_decline",
        "contract_expiry_cliff",
        "dscr_schedule",
        "dscr_summary",
        "first_breach",
        "first_events",
        "llcr",
        "min_dscr",
        "min_llcr",
        "plcr",
    ),
    "addin.analytics.liquidation": (
        "Liquidation",
        "SaleTerms",
        "fleet_absorption",
        "haircuts",
        "liquidation_value",
        "sale_terms",
    ),
    "addin.analytics.ltv": (
        "DurationMismatch",
        "duration_mismatch",
        "ltv_schedule",
        "underwater_period",
    ),
    "addin.analytics.portfolio": (
        "default_count_distribution",
        "distribution_es",
        "distribution_tranche_el",
        "distribution_var",
        "loss_distribution",
        "portfolio_es",
        "portfolio_expected_loss",
        "portfolio_var",
        "simulate_losses",
        "simulate_two_factor_losses",
        "tranche_expected_loss",
        "two_factor_loss_distribution",
    ),
    "addin.analytics.rating": (
        "annual_pd",
        "lifetime_irb_risk_weight",
        "rating_default_rates",
        "rating_from_pd",
        "slotting_from_pd",
    ),
    "addin.analytics.waterfall": (
        "WaterfallTerms",
        "deal_waterfall",
        "dsra_target",
        "event_text",
        "fleet_market_value",
        "waterfall",
    ),
    "addin.io.deal_files": ("read_deal",),
    "addin.model.catalog": (
        "gpu_catalog",
        "gpu_spec",
        "successor_launches",
        "used_gpu_prices",
    ),
    "addin.model.deal": (
        "Deal",
        "load_deal",
    ),
    "addin.model.errors": (
        "AddinError",
        "DealFileError",
        "InputError",
    ),
    "addin.sim.engine": (
        "DealRisk",
        "FairMargin",
        "deal_risk",
        "fair_margin",
    ),
    "addin.sim.scenarios": (
        "SCENARIOS",
        "ScenarioResult",
        "run_scenario",
    ),
}
_HOME = {name: module for module, names in _EXPORTS.items() for name in names}

__version__ = VERSION
__all__ = [
    "SCENARIOS",
    "AddinError",
    "Deal",
    "DealFileError",
    "DealRisk",
    "Debt",
    "DscrSummary",
    "DurationMismatch",
    "FairMargin",
    "InputError",
    "Liquidation",
    "SaleTerms",
    "ScenarioResult",
    "WaterfallTerms",
    "__version__",
    "annual_pd",
    "avg_dscr",
    "book_value",
    "breakeven_decline",
    "cash_flows",
    "colocation_cost",
    "conditional_pd",
    "contract_expiry_cliff",
    "contract_hours_share",
    "crypto_factor",
    "deal_launch_ages",
    "deal_risk",
    "deal_waterfall",
    "debt_schedule",
    "default_correlation",
    "default_count_distribution",
    "deflated_rent",
    "distribution_es",
    "distribution_tranche_el",
    "distribution_var",
    "dscr_schedule",
    "dscr_summary",
    "dsra_target",
    "duration_mismatch",
    "economic_life",
    "economic_value",
    "event_text",
    "fair_margin",
    "first_breach",
    "first_events",
    "fixed_cost_per_hour",
    "fleet_absorption",
    "fleet_market_value",
    "gpu_catalog",
    "gpu_spec",
    "haircuts",
    "half_life",
    "irb_risk_weight",
    "joint_default_probability",
    "launch_ages",
    "lifetime_irb_risk_weight",
    "liquidation_value",
    "llcr",
    "load_deal",
    "loss_distribution",
    "ltv_schedule",
    "market_value",
    "min_dscr",
    "min_llcr",
    "miner_stress_pd",
    "opex_cost",
    "period_dates",
    "period_rates",
    "period_rent",
    "plcr",
    "portfolio_es",
    "portfolio_expected_loss",
    "portfolio_var",
    "power_cost",
    "power_cost_per_hour",
    "rating_default_rates",
    "rating_from_pd",
    "read_deal",
    "rent_factor",
    "residual_curve",
    "residual_value",
    "run_scenario",
    "sale_terms",
    "sculpted_debt_capacity",
    "simulate_losses",
    "simulate_two_factor_losses",
    "slotting_from_pd",
    "smooth_factor",
    "successor_launches",
    "tail_dependence",
    "tranche_expected_loss",
    "two_factor_loss_distribution",
    "underwater_period",
    "used_gpu_prices",
    "vasicek_loss_cdf",
    "vasicek_tranche_expected_loss",
    "waterfall",
    "worst_case_default_rate",
]


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use (PEP 562)."""
    module = _HOME.get(name)
    if module is None:
        raise AttributeError(f"module 'addin' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return list(__all__)
