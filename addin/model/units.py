"""Units shared by every layer: the hours in a period of the deal model.

The allowed periods per year are ``PERIODS_PER_YEAR`` in :mod:`addin.model.params`; a period
of a deal with :math:`p` periods a year lasts ``HOURS_PER_YEAR / p`` hours.

Examples
--------
>>> HOURS_PER_YEAR / 12  # hours in a monthly period
730.0
"""

from __future__ import annotations

#: Hours in a year of the deal model (365 days x 24 hours; leap days are ignored).
HOURS_PER_YEAR = 8760.0

__all__ = ["HOURS_PER_YEAR"]
