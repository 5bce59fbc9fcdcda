"""GPU Credit Desk: credit analytics for loans against AI compute, from Python and Excel.

Every name below is importable from ``addin`` directly. Rates and declines are decimals
per year (0.30 = 30%), money is USD, power kW, time years unless a name says otherwise.
"""

from addin.catalog import gpu_catalog, gpu_spec
from addin.collateral import (
    DurationMismatch,
    Liquidation,
    book_value,
    duration_mismatch,
    economic_life,
    economic_value,
    half_life,
    liquidation_value,
    ltv_schedule,
    market_value,
    residual_curve,
    residual_value,
    underwater_period,
)
from addin.deal import Deal, load_deal
from addin.dscr import (
    avg_dscr,
    breakeven_decline,
    deflated_rent,
    dscr_schedule,
    dscr_summary,
    first_breach,
    llcr,
    min_dscr,
    sculpted_debt_capacity,
)
from addin.errors import AddinError, DealFileError, InputError

__version__ = "0.1.0"

__all__ = [
    "AddinError",
    "Deal",
    "DealFileError",
    "DurationMismatch",
    "InputError",
    "Liquidation",
    "__version__",
    "avg_dscr",
    "book_value",
    "breakeven_decline",
    "deflated_rent",
    "dscr_schedule",
    "dscr_summary",
    "duration_mismatch",
    "economic_life",
    "economic_value",
    "first_breach",
    "gpu_catalog",
    "gpu_spec",
    "half_life",
    "liquidation_value",
    "llcr",
    "load_deal",
    "ltv_schedule",
    "market_value",
    "min_dscr",
    "residual_curve",
    "residual_value",
    "sculpted_debt_capacity",
    "underwater_period",
]
