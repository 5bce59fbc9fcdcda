"""Caps on the work of one Excel cell, so that no cell can freeze Excel.

Excel recalculates a cell on its main thread: a call that runs for a minute freezes the
workbook for that minute, and a cell that refers to a whole column (``A:A``) hands the add-in
1,048,576 rows. Trailing blank rows and columns of every range are cut first
(:func:`addin.excel.convert.extent`); what is left is checked against a cap before any
cell is converted, and the portfolio engine checks its own work
(:attr:`~addin.analytics.portfolio.settings.EngineSettings.max_work`) before it computes.
Each cap answers in at most 2 s at its limit on a 2-core machine
(``benchmarks/bench_caps.py``); past it, the cell shows one line naming the cap and how to
run larger jobs (the Python API, which has no cap).

The path engine's work grows with paths x periods: :data:`SIMULATION_WORK` and
:data:`FAIR_MARGIN_WORK` cap that product, and the error names ``paths``.

Arguments whose size the parameter catalogue bounds already (a deal's periods: tenor_years
<= 30 at 12 a year; years <= 100; max_months <= 120) need no cap here.

Examples
--------
>>> NAMES.check("pds", 5_000)
>>> NAMES.check("pds", 5_001)
Traceback (most recent call last):
...
addin.model.errors.CapError: pds: got 5,001 names; allowed: at most 5,000 names (the names cap of a cell); for more, use the Python API (addin.portfolio_es, addin.loss_distribution and the other portfolio functions)
"""  # noqa: E501

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from addin.analytics.portfolio import DEFAULT_SETTINGS
from addin.model.errors import CapError

_PORTFOLIO_API = (
    "use the Python API (addin.portfolio_es, addin.loss_distribution and the other "
    "portfolio functions)"
)


@dataclass(frozen=True)
class Cap:
    """The largest size of one kind of input a cell accepts.

    Attributes
    ----------
    name : str
        The cap's name, as the error shows it ("names").
    limit : int
        Largest count allowed.
    unit : str
        What is counted ("names", "cells").
    bigger : str
        How to run larger jobs, shown after the error.
    """

    name: str
    limit: int
    unit: str
    bigger: str

    def check(self, argument: str, count: int, detail: str = "") -> None:
        """Raise :class:`~addin.model.errors.CapError` when ``count`` exceeds the limit.

        ``detail`` says how the count was made ("25,000 paths x 120 periods"), after it.
        """
        if count > self.limit:
            raise CapError(
                argument,
                f"{count:,} {self.unit}" + (f" ({detail})" if detail else ""),
                f"at most {self.limit:,} {self.unit} (the {self.name} cap of a cell)",
                self.bigger,
            )


#: Obligors of a portfolio function: converting them, the engine's preparation and its
#: per-name work grow with them. Most portfolios this large meet the work cap first.
NAMES = Cap("names", 5_000, "names", _PORTFOLIO_API)
#: Cash flows of one column (DSCR_DEBT_CAPACITY).
PERIODS = Cap("periods", 10_000, "periods", "use the Python API (addin.sculpted_debt_capacity)")
#: Cells of each range of DSCR (every cell is converted and checked one by one).
CELLS = Cap(
    "cells",
    20_000,
    "cells",
    "use the Python API (addin.dscr_schedule for a deal, or numpy on the two arrays)",
)
#: Cells of a deal range (up to its last non-blank row and column): a deal has about 45
#: keys, so this leaves room for blank rows and notes, and bounds the deal cache's keys.
DEAL_CELLS = Cap(
    "deal cells",
    2_000,
    "cells",
    "use the Python API (addin.load_deal with a mapping); a deal has about 45 keys, one a row",
)
_SIMULATION_API = (
    "use the Python API (addin.deal_risk, addin.fair_margin) or `gpucredit risk DEAL.toml "
    "--paths N`, which have no cap, or fewer paths"
)
#: Work of the path engine in one cell (DEAL_PD, DEAL_RISK_TABLE, DSCR_FAN, ...): paths x
#: the deal's periods. 10,000 paths of a 10-year monthly deal (1.2 million) take about
#: 0.6-0.9 s on one core of the 2-core machine; 2,000 paths (the default) of the longest
#: schedule the catalogue allows (360 periods) are 720,000 (``benchmarks/bench_caps.py``).
SIMULATION_WORK = Cap("simulation work", 1_500_000, "path-periods", _SIMULATION_API)
#: The same for DEAL_FAIR_MARGIN, which reruns the waterfall on the same paths at each
#: trial margin (9 to about 19 runs): 2,000 paths (the default) of a deal of up to 125
#: periods, e.g. 10 years monthly.
FAIR_MARGIN_WORK = Cap("fair margin work", 250_000, "path-periods", _SIMULATION_API)
#: Work of the portfolio engine: quadrature nodes x names (or loss-grid points).
MAX_WORK = 1_000_000
#: The portfolio engine's settings in a cell: the defaults with the work cap.
EXCEL_SETTINGS = dataclasses.replace(DEFAULT_SETTINGS, max_work=MAX_WORK)
#: Total size of the keys the deal cache holds, bytes (``sys.getsizeof`` of the cells).
DEAL_CACHE_BYTES = 8_000_000
#: Most deals the cache holds.
DEAL_CACHE_ENTRIES = 64

#: The cap of each argument read as one row or one column of numbers.
COLUMN_CAPS: dict[str, Cap] = {
    "pds": NAMES,
    "exposures": NAMES,
    "lgds": NAMES,
    "rho": NAMES,
    "cfads": PERIODS,
}
