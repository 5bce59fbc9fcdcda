"""Assemble a memo workbook from analytics results and save it safely.

A memo is written to a temporary file in the target folder and moved into place in
one step, so a reader never sees half a workbook and a failure leaves nothing behind;
an existing file is replaced only when ``force`` is set.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.workbook.workbook import Workbook

from addin.io.xlsx import save_workbook
from addin.memo.cash_flow import write_cash_flow
from addin.memo.charts import write_charts
from addin.memo.checks import write_checks
from addin.memo.collateral import write_collateral
from addin.memo.credit import write_credit
from addin.memo.inputs import write_inputs
from addin.memo.live import write_live
from addin.memo.results import MemoData, analyse
from addin.memo.risk import write_risk
from addin.memo.sources import write_sources
from addin.memo.stress import write_stress
from addin.memo.summary import write_summary
from addin.model.deal import Deal

SHEETS = (
    "Summary",
    "Inputs",
    "Cash flow",
    "Checks",
    "Stress",
    "Collateral",
    "Credit",
    "Risk",
    "Charts",
    "Sources and assumptions",
)


def build_workbook(data: MemoData, source: str = "a Python deal", live: bool = False) -> Workbook:
    """The memo workbook of one deal's results (sheets as in :data:`SHEETS`, then Live).

    Parameters
    ----------
    data : MemoData
        Results of :func:`addin.memo.results.analyse`.
    source : str
        Where the deal came from, shown on the Summary and Sources sheets.
    live : bool, default False
        Add a Live sheet calling the add-in's functions.

    Returns
    -------
    openpyxl.Workbook
        Not yet saved; see :func:`save_workbook`.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> build_workbook(analyse(deal), live=True).sheetnames[-2:]
    ['Sources and assumptions', 'Live']
    """
    wb = Workbook()
    write_summary(wb, data, source)
    write_inputs(wb, data.deal)
    write_cash_flow(wb, data.deal)
    write_checks(wb, data)
    write_stress(wb, data)
    write_collateral(wb, data)
    write_credit(wb, data)
    write_risk(wb, data)
    write_charts(wb, data)
    write_sources(wb, data, source)
    if live:
        write_live(wb, data)
    wb.active = 0
    return wb


def write_memo(
    deal: Deal,
    path: str | Path,
    force: bool = False,
    live: bool = False,
    source: str = "a Python deal",
) -> MemoData:
    """Analyse a deal and write its memo workbook to ``path``; return the results.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 3})
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> data = write_memo(deal, folder / "d.xlsx")
    >>> sorted(p.name for p in folder.iterdir())
    ['d.xlsx']
    """
    data = analyse(deal)
    save_workbook(build_workbook(data, source, live), path, force)
    return data
