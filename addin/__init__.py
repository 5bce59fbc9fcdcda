"""GPU Credit Desk: credit analytics for loans against AI compute, from Python and Excel.

Every name below is importable from ``addin`` directly. Rates and declines are decimals
per year (0.30 = 30%), money is USD, power kW, time years unless a name says otherwise.
"""

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
    "InputError",
    "__version__",
    "avg_dscr",
    "breakeven_decline",
    "deflated_rent",
    "dscr_schedule",
    "dscr_summary",
    "first_breach",
    "llcr",
    "load_deal",
    "min_dscr",
    "sculpted_debt_capacity",
]
