"""Excel functions of GPU Credit Desk (the only module that imports xlwings).

One module serves classic xlwings on Windows (BSD licence) and xlwings Lite (free for
commercial use); it uses no xlwings PRO code. Each function converts what Excel passes
(None for empty cells, 2-D lists for ranges, floats for numbers, Excel date serials),
validates it, calls the pure analytics and shapes the result as a 2-D list.

Rules every function here follows:

* Arguments are unannotated: xlwings reads annotations as converters, and the conversion
  here is done by hand so that every wrong input gets a clear message.
* Optional arguments default to None, and an empty cell means "use the default".
* A wrong input never shows a traceback. Under classic xlwings the cell shows one line,
  ``#VALUE! <argument>: <what is wrong>``; under xlwings Lite the function raises, so
  Excel shows #VALUE! with the same message on hover. An unexpected error is logged with
  its traceback (see :mod:`addin.log`) and the cell names the log.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xlwings as xw

from addin.analytics.cashflow import DECLINE_ALLOWED, deflated_rent
from addin.analytics.collateral import (
    METHODS,
    economic_life,
    residual_curve,
    residual_value,
)
from addin.analytics.credit import (
    CONFIDENCE_ALLOWED,
    DOF_ALLOWED,
    LGD_ALLOWED,
    PD_ALLOWED,
    RHO_ALLOWED,
    conditional_pd,
    default_correlation,
    irb_risk_weight,
    joint_default_probability,
    miner_stress_pd,
    tail_dependence,
    worst_case_default_rate,
)
from addin.analytics.debt import sculpted_debt_capacity
from addin.analytics.dscr import (
    avg_dscr,
    breakeven_decline,
    dscr_schedule,
    first_breach,
    llcr,
    min_dscr,
)
from addin.analytics.liquidation import liquidation_value
from addin.analytics.ltv import duration_mismatch, ltv_schedule, underwater_period
from addin.analytics.portfolio import (
    EXPOSURE_ALLOWED,
    PORTFOLIO_PD_ALLOWED,
    loss_distribution,
    portfolio_es,
    portfolio_expected_loss,
    portfolio_var,
    tranche_expected_loss,
)
from addin.log import log_unexpected
from addin.model.catalog import gpu_catalog, gpu_spec
from addin.model.deal import Deal, deal_from_range
from addin.model.errors import AddinError, InputError, MissingInputError
from addin.model.validate import finite_number
from addin.version import VERSION

IN_LITE = sys.platform == "emscripten" or os.environ.get("XLWINGS_ON_SERVER") == "true"
CATEGORY = "GPU Credit Desk"
ERROR_PREFIX = "#VALUE! "

Cell = Any  # whatever Excel passes for one argument


# ---- error handling -------------------------------------------------------------------


def excel_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn errors into one line in the cell (classic) or a raised error (Lite)."""

    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        args = tuple(without_jsnull(arg) for arg in args)
        try:
            return finite_result(function(*args))
        except AddinError as error:
            if IN_LITE:
                raise
            return ERROR_PREFIX + " ".join(str(error).split())
        except Exception:
            where = log_unexpected(function.__name__, args)
            if IN_LITE:
                raise RuntimeError(f"internal error in {function.__name__}; see {where}") from None
            return f"{ERROR_PREFIX}internal error in {function.__name__}; details logged in {where}"

    return wrapper


def without_jsnull(value: Cell) -> Cell:
    """An argument with Pyodide's ``jsnull`` (an empty cell in Lite) replaced by None.

    Pyodide >= 0.28 hands JavaScript ``null`` to Python as ``pyodide.ffi.jsnull``, not
    None. Recent xlwings (0.37.8) converts it, but an older one that a workbook may pin
    (0.33.20, say) passes it on; ``tests/test_pyodide.py`` calls the functions both ways.
    """
    if isinstance(value, list | tuple):
        items = [without_jsnull(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    kind = type(value)
    if kind.__name__ == "JsNull" and kind.__module__.startswith("pyodide"):
        return None
    return value


def finite_result(result: Any) -> Any:
    """A result with no infinite or NaN number in it: extreme inputs overflow, say so."""
    cells = result if isinstance(result, list) else [[result]]
    for row in cells:
        for value in row if isinstance(row, list) else [row]:
            if isinstance(value, float | np.floating) and not math.isfinite(value):
                raise InputError(
                    "result", float(value), "a finite number; an input is too large or too small"
                )
    return result


# ---- converters: Excel values to Python -----------------------------------------------


def is_blank(value: Cell) -> bool:
    """True for an empty cell, as either runtime passes it (None or empty text)."""
    return value is None or (isinstance(value, str) and not value.strip())


def rows_of(value: Cell) -> list[list[Any]]:
    """A range as a list of rows, whatever shape xlwings passed it in."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        if not value:
            return []
        if all(isinstance(row, list | tuple) for row in value):
            return [list(row) for row in value]
        return [[cell] for cell in value]  # a 1-D list: one column
    return [[value]]


def scalar_of(name: str, value: Cell) -> Cell:
    """Unwrap a 1 x 1 range; any larger range where one value is expected is an error."""
    if isinstance(value, list | tuple | np.ndarray):
        rows = rows_of(value)
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        shape = f"a range of {len(rows)} x {len(rows[0]) if rows else 0} cells"
        raise InputError(name, shape, "a single cell or value")
    return value


def number(
    name: str,
    value: Cell,
    default: float | None = None,
    low: float | None = None,
    high: float | None = None,
    allowed: str = "a number",
    low_open: bool = False,
) -> float:
    """A finite number within bounds; an empty cell gives the default (or is an error)."""
    value = scalar_of(name, value)
    if is_blank(value):
        if default is None:
            raise MissingInputError(name, allowed)
        return default
    return finite_number(name, value, low, high, allowed, low_open)


def integer(name: str, value: Cell, default: int | None, low: int, high: int, allowed: str) -> int:
    """A whole number within bounds (Excel passes whole numbers as floats)."""
    result = number(name, value, None if default is None else float(default), low, high, allowed)
    if not result.is_integer():
        raise InputError(name, value, allowed)
    return int(result)


def option(name: str, value: Cell, choices: Sequence[str], default: str) -> str:
    """One of a few option strings, case-insensitive; an empty cell gives the default."""
    value = scalar_of(name, value)
    if is_blank(value):
        return default
    if isinstance(value, str) and value.strip().lower() in choices:
        return value.strip().lower()
    raise InputError(name, value, "one of " + ", ".join(f'"{c}"' for c in choices))


def column(name: str, value: Cell, allowed: str = "a column of numbers") -> np.ndarray:
    """One row or one column of numbers as a 1-D float array (no blanks, no text)."""
    rows = rows_of(value)
    if len(rows) == 1:
        cells = rows[0]
    elif rows and all(len(row) == 1 for row in rows):
        cells = [row[0] for row in rows]
    else:
        width = max((len(row) for row in rows), default=0)
        raise InputError(name, f"a range of {len(rows)} x {width} cells", "one row or one column")
    out = np.empty(len(cells))
    for index, cell in enumerate(cells):
        out[index] = number(f"{name} item {index + 1}", cell, allowed=allowed)
    return out


@functools.lru_cache(maxsize=64)
def _deal_from_cells(cells: tuple[tuple[Any, ...], ...]) -> Deal:
    return deal_from_range(cells)


def deal_of(value: Cell) -> Deal:
    """A deal from a two-column key/value range (validated once per distinct range)."""
    rows = rows_of(value)
    if not rows or all(is_blank(cell) for row in rows for cell in row):
        raise MissingInputError("deal", "a two-column range of deal keys and values")
    try:
        cells = tuple(tuple(row) for row in rows)
        hash(cells)
    except TypeError:
        return deal_from_range(rows)
    return _deal_from_cells(cells)


def decline(value: Cell, name: str = "annual_decline") -> float | None:
    """An optional yearly decline (decimal); None keeps the deal's own."""
    if is_blank(scalar_of(name, value)):
        return None
    return number(name, value, None, 0.0, 0.99, DECLINE_ALLOWED)


def text(name: str, value: Cell, allowed: str) -> str:
    """A non-empty text cell, stripped; an empty cell or a number is an error."""
    value = scalar_of(name, value)
    if is_blank(value):
        raise MissingInputError(name, allowed)
    if not isinstance(value, str):
        raise InputError(name, value, allowed)
    return value.strip()


def deal_or_text(name: str, value: Cell, allowed: str) -> Deal | str:
    """A deal range (two columns), or one text cell such as a catalog model name."""
    rows = rows_of(value)
    if len(rows) == 1 and len(rows[0]) == 1:
        return text(name, rows[0][0], allowed)
    return deal_of(value)


def optional_number(name: str, value: Cell, allowed: str) -> float | None:
    """A number, or None for an empty cell (the analytics then apply their default)."""
    if is_blank(scalar_of(name, value)):
        return None
    return number(name, value, allowed=allowed)


# ---- shapers: Python results to Excel ---------------------------------------------------


def cell_of(value: Any) -> Any:
    """One Python value as an Excel cell: NaN and None become empty text."""
    if value is None:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def table(frame: pd.DataFrame) -> list[list[Any]]:
    """A DataFrame as a spilled table with a header row."""
    columns = []
    for name in frame.columns:
        values = frame[name].tolist()  # Python scalars, converted a column at a time
        if frame[name].dtype.kind == "f":
            columns.append([v if math.isfinite(v) else "" for v in values])
        else:
            columns.append([cell_of(v) for v in values])
    return [list(frame.columns), *map(list, zip(*columns, strict=True))]


# ---- DSCR family ------------------------------------------------------------------------

DEAL_DOC = "Two-column range of deal keys and values (the named range Deal)."
DECLINE_DOC = "Yearly fall in market rent, decimal (0.30 = 30%). Empty: the deal's annual_decline."


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC)
@xw.arg("annual_decline", doc=DECLINE_DOC)
@excel_errors
def DSCR_TABLE(deal, annual_decline=None):
    """Period schedule: rent, revenue, power, opex, CFADS, interest, principal, debt service, balance (USD) and DSCR (x), with a header row. =DSCR_TABLE(Deal, 0.30)"""
    return table(dscr_schedule(deal_of(deal), decline(annual_decline)))


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC)
@xw.arg("annual_decline", doc=DECLINE_DOC)
@excel_errors
def DSCR_MIN(deal, annual_decline=None):
    """Minimum debt service coverage (CFADS / debt service, x) over the loan's life when rents deflate. =DSCR_MIN(Deal, 0.30)"""
    return cell_of(min_dscr(deal_of(deal), decline(annual_decline)))


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC)
@xw.arg("annual_decline", doc=DECLINE_DOC)
@excel_errors
def DSCR_AVG(deal, annual_decline=None):
    """Average DSCR (x) over the periods with debt service when rents deflate. =DSCR_AVG(Deal, 0.30)"""
    return cell_of(avg_dscr(deal_of(deal), decline(annual_decline)))


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC)
@xw.arg("annual_decline", doc=DECLINE_DOC)
@excel_errors
def DSCR_LLCR(deal, annual_decline=None):
    """Loan life coverage ratio (x): CFADS over the loan's life discounted at the loan rate, divided by the loan. =DSCR_LLCR(Deal, 0.30)"""
    return cell_of(llcr(deal_of(deal), decline(annual_decline)))


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC)
@xw.arg("threshold", doc="DSCR to hold, x. Empty: 1.00.")
@excel_errors
def DSCR_BREAKEVEN_DECLINE(deal, threshold=None):
    """Largest yearly rent decline (decimal, 0 to 0.99) at which the minimum DSCR still meets the threshold; "none" if 0% already breaches. =DSCR_BREAKEVEN_DECLINE(Deal, 1)"""
    level = number("threshold", threshold, 1.0, 0.0, None, "a coverage >= 0, e.g. 1.00")
    result = breakeven_decline(deal_of(deal), level)
    return "none" if result is None else result


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC)
@xw.arg("threshold", doc="DSCR level, x. Empty: the deal's lockup_dscr.")
@xw.arg("annual_decline", doc=DECLINE_DOC)
@excel_errors
def DSCR_FIRST_BREACH(deal, threshold=None, annual_decline=None):
    """First period whose DSCR is below the threshold, and its payment date (empty without a start_date); "none" if no period breaches. =DSCR_FIRST_BREACH(Deal, 1.2, 0.30)"""
    the_deal = deal_of(deal)
    level = number("threshold", threshold, the_deal.lockup_dscr, 0.0, None, "a coverage >= 0")
    found = first_breach(the_deal, level, decline(annual_decline))
    if found is None:
        return [["none", ""]]
    return [[found[0], cell_of(found[1])]]


@xw.func(category=CATEGORY)
@xw.arg("start_rate", doc="Rent today, USD per GPU-hour.")
@xw.arg("annual_decline", doc="Yearly fall in rent, decimal (0.30 = 30%), 0 to 0.99.")
@xw.arg("years", doc="Horizon in years; years x periods_per_year must be whole.")
@xw.arg("periods_per_year", doc="12, 4, 2 or 1. Empty: 12.")
@xw.arg("floor", doc="Lowest rent, USD per GPU-hour. Empty: 0.")
@excel_errors
def DSCR_RENT_CURVE(start_rate, annual_decline, years, periods_per_year=None, floor=None):
    """Market rent per period (USD per GPU-hour) when rents deflate: max(floor, rate x (1 - decline)^t), with a header row. =DSCR_RENT_CURVE(2, 0.30, 5, 12)"""
    rate = number("start_rate", start_rate, None, 0.0, None, "a rent >= 0 in USD per GPU-hour")
    fall = number("annual_decline", annual_decline, None, 0.0, 0.99, DECLINE_ALLOWED)
    horizon = number("years", years, None, 0.0, 100.0, "years > 0 and <= 100", low_open=True)
    per_year = integer("periods_per_year", periods_per_year, 12, 1, 12, "one of 12, 4, 2, 1")
    lowest = number("floor", floor, 0.0, 0.0, None, "a rent >= 0 in USD per GPU-hour")
    rents = deflated_rent(rate, fall, horizon, per_year, lowest)
    periods = np.arange(1, rents.size + 1)
    return [["period", "year", "market_rate"]] + [
        [int(k), (k - 1) / per_year, float(r)] for k, r in zip(periods, rents, strict=True)
    ]


@xw.func(category=CATEGORY)
@xw.arg("cfads", doc="Column of cash flow available for debt service per period, USD.")
@xw.arg("rate_per_period", doc="Loan interest rate per period, decimal (0.0075 = 0.75% a month).")
@xw.arg("target_dscr", doc="Target coverage, x (e.g. 1.30).")
@excel_errors
def DSCR_DEBT_CAPACITY(cfads, rate_per_period, target_dscr):
    """Largest loan (USD) whose sculpted debt service keeps every period's DSCR at the target: sum of max(CFADS, 0) / target / (1 + i)^k. =DSCR_DEBT_CAPACITY(B2:B61, 0.0075, 1.3)"""
    flows = column("cfads", cfads, "a column of amounts in USD")
    rate = number("rate_per_period", rate_per_period, None, -0.99, 1.0, "a decimal per period")
    target = number("target_dscr", target_dscr, None, 0.0, None, "a coverage > 0", low_open=True)
    return sculpted_debt_capacity(flows, rate, target)


@xw.func(category=CATEGORY)
@xw.arg("cfads", ndim=2, doc="Range of cash flow available for debt service, USD.")
@xw.arg("debt_service", ndim=2, doc="Range of debt service, USD, the same shape as cfads.")
@excel_errors
def DSCR(cfads, debt_service):
    """Debt service coverage per period, CFADS / debt service (x), in the shape of cfads; empty where debt service is 0. =DSCR(B2:B61, C2:C61)"""
    flows, service = rows_of(cfads), rows_of(debt_service)
    shape_f = (len(flows), max((len(r) for r in flows), default=0))
    shape_s = (len(service), max((len(r) for r in service), default=0))
    if shape_f != shape_s or any(len(r) != shape_f[1] for r in flows + service):
        raise InputError(
            "debt_service",
            f"a range of {shape_s[0]} x {shape_s[1]} cells",
            f"the shape of cfads, {shape_f[0]} x {shape_f[1]}",
        )
    out = []
    for r, (row_f, row_s) in enumerate(zip(flows, service, strict=True)):
        out_row = []
        for c, (f, s) in enumerate(zip(row_f, row_s, strict=True)):
            cf = number(f"cfads row {r + 1} col {c + 1}", f, allowed="an amount in USD")
            ds = number(
                f"debt_service row {r + 1} col {c + 1}", s, allowed="an amount >= 0 in USD", low=0.0
            )
            out_row.append(cf / ds if ds > 0 else "")
        out.append(out_row)
    return out


# ---- Collateral family -------------------------------------------------------------------

MODEL_ALLOWED = 'a GPU model from the catalog, e.g. "H100 SXM" (see =GPU_MODELS())'
AGE_ALLOWED = "an age in years >= 0"
SHARE_ALLOWED = "a decimal share from 0 to 1"


@xw.func(category=CATEGORY)
@xw.arg(
    "model",
    doc='GPU model from the catalog, case-insensitive, e.g. "H100 SXM". =GPU_MODELS() lists them.',
)
@xw.arg(
    "field",
    doc="Catalog column: launch_price_usd (USD), price_basis, tdp_w (W), kw_per_gpu (kW), memory_gb, fp16_tflops, fp8_tflops (dense TFLOP/s), cooling, rack_kw, successor, release_date, vendor, sources.",
)
@excel_errors
def GPU_SPEC(model, field):
    """One figure of a GPU model from the catalog, in the field's unit (USD, W, kW, GB, dense TFLOP/s) or as text. Sources and estimates: addin/model/data/SOURCES.md. =GPU_SPEC("H100 SXM", "launch_price_usd")"""
    name = text("model", model, MODEL_ALLOWED)
    return cell_of(gpu_spec(name, text("field", field, "a catalog column, e.g. tdp_w")))


@xw.func(category=CATEGORY)
@excel_errors
def GPU_MODELS():
    """The GPU catalog with a header row: one row per model with launch price (USD), power (W, kW), memory (GB), dense TFLOP/s, cooling, rack kW, successor and sources. =GPU_MODELS()"""
    return table(gpu_catalog())


@xw.func(category=CATEGORY)
@xw.arg(
    "deal_or_model",
    ndim=2,
    doc='The named range Deal (every assumption from its keys), or a catalog model name such as "H100 SXM" (launch price, default assumptions).',
)
@xw.arg(
    "age_years",
    doc="Age of the GPU, years (>= 0). For a deal, gpu_age_years is the age at its start.",
)
@xw.arg(
    "method",
    doc='"book" (straight line), "market" (decline and generation steps) or "economic" (PV of net rent; needs a deal). Empty: "market".',
)
@excel_errors
def GPU_RESIDUAL(deal_or_model, age_years, method=None):
    """Value of one GPU at an age, USD: book (straight line), market (price decline and generation steps) or economic (PV of rent net of power). =GPU_RESIDUAL("H100 SXM", 3.5, "market")"""
    subject = deal_or_text("deal_or_model", deal_or_model, MODEL_ALLOWED + " or a deal range")
    age = number("age_years", age_years, None, 0.0, None, AGE_ALLOWED)
    return residual_value(subject, age, option("method", method, METHODS, "market"))


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC)
@xw.arg(
    "years",
    doc="Horizon from the deal's start, years (> 0, <= 30), in steps of one period. Empty: the deal's useful_life_years.",
)
@excel_errors
def GPU_RESIDUAL_CURVE(deal, years=None):
    """Book, market and economic value of one GPU (USD) by age, from the deal's gpu_age_years, one row per period, with a header row. =GPU_RESIDUAL_CURVE(Deal, 6)"""
    horizon = None
    if not is_blank(scalar_of("years", years)):
        horizon = number("years", years, None, 0.0, 30.0, "years > 0 and <= 30", low_open=True)
    return table(residual_curve(deal_of(deal), horizon))


@xw.func(category=CATEGORY)
@xw.arg("rent", doc="Market rent today, USD per GPU-hour.")
@xw.arg("annual_decline", doc="Yearly fall in rent, decimal (0.30 = 30%), 0 to 0.99.")
@xw.arg(
    "kw", doc="All-in power per GPU incl. its share of the server, kW, 0 to 1000 (DGX H100: 1.275)."
)
@xw.arg("pue", doc="Power usage effectiveness of the data centre, 1 to 3 (e.g. 1.3).")
@xw.arg("power_price", doc="Electricity price, USD per kWh.")
@xw.arg("utilization", doc="Share of hours billed, 0 to 1. Empty: 0.80.")
@excel_errors
def GPU_ECONOMIC_LIFE(rent, annual_decline, kw, pue, power_price, utilization=None):
    """Years until the deflating rent no longer covers the GPU's power: ln(c / (rent x u)) / ln(1 - decline); 0 if it does not today, at most 15. Idle hours draw 25% power. =GPU_ECONOMIC_LIFE(2, 0.30, 1.275, 1.3, 0.08)"""
    return economic_life(
        number("rent", rent, None, 0.0, None, "a rent >= 0 in USD per GPU-hour"),
        number("annual_decline", annual_decline, None, 0.0, 0.99, DECLINE_ALLOWED),
        number("kw", kw, None, 0.0, 1000.0, "power per GPU in kW, 0 to 1000"),
        number("pue", pue, None, 1.0, 3.0, "a PUE from 1 to 3, e.g. 1.3"),
        number("power_price", power_price, None, 0.0, None, "a price in USD per kWh >= 0"),
        number("utilization", utilization, 0.8, 0.0, 1.0, SHARE_ALLOWED),
    )


@xw.func(category=CATEGORY)
@xw.arg("units", doc="GPUs to sell, >= 1.")
@xw.arg(
    "unit_value",
    doc="Quoted market price per GPU today, USD (>= 0.01), e.g. =GPU_RESIDUAL(Deal, 3.5).",
)
@xw.arg(
    "market_absorption",
    doc="GPUs the secondary market absorbs a month at the quoted price (> 0). An assumption: halve it for liquid-cooled GPUs.",
)
@xw.arg(
    "hardware_decline",
    doc="Yearly fall in the price while selling, decimal (0 to 0.99). Empty: 0.30.",
)
@xw.arg(
    "impact",
    doc="Price impact: haircut = impact x sqrt(monthly sales / absorption), capped at 90%. Empty: 0.5.",
)
@xw.arg("max_months", doc="Longest sale considered, whole months (1 to 120). Empty: 12.")
@excel_errors
def GPU_LIQUIDATION(
    units, unit_value, market_absorption, hardware_decline=None, impact=None, max_months=None
):
    """Fire sale over the best whole number of months (no discounting or carry cost): net proceeds (USD), recovery (share of units x value) and months, as a row with a header. =GPU_LIQUIDATION(10000, 8196, 2000)"""
    sale = liquidation_value(
        number("units", units, None, 1.0, None, "a number of GPUs >= 1"),
        number("unit_value", unit_value, None, 0.01, None, "a price in USD >= 0.01"),
        number(
            "market_absorption",
            market_absorption,
            None,
            0.0,
            None,
            "GPUs per month > 0",
            low_open=True,
        ),
        number("hardware_decline", hardware_decline, 0.30, 0.0, 0.99, DECLINE_ALLOWED),
        number("impact", impact, 0.5, 0.0, None, "a coefficient >= 0, e.g. 0.5"),
        max_months=integer("max_months", max_months, 12, 1, 120, "whole months from 1 to 120"),
    )
    return [["net_proceeds", "recovery", "months"], [sale.net_proceeds, sale.recovery, sale.months]]


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC + " Needs market_absorption.")
@excel_errors
def LTV_TABLE(deal):
    """Per period from close: loan balance, fleet book, market, economic and fire-sale values (USD) and LTV against each (decimal; empty where a value is 0), with a header row. =LTV_TABLE(Deal)"""
    return table(ltv_schedule(deal_of(deal)))


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC + " Needs market_absorption.")
@excel_errors
def LTV_UNDERWATER(deal):
    """First period (0 = at close) whose loan balance exceeds the fleet's fire-sale value, and its date (empty without a start_date); "none" if never. =LTV_UNDERWATER(Deal)"""
    found = underwater_period(deal_of(deal))
    if found is None:
        return [["none", ""]]
    return [[found[0], cell_of(found[1])]]


@xw.func(category=CATEGORY)
@xw.arg("deal", ndim=2, doc=DEAL_DOC)
@excel_errors
def LTV_DURATION_MISMATCH(deal):
    """Loan weighted average life (years, principal-weighted) against the GPUs' half-life and economic life (years) and their ratios (x; above 1 the loan outlives the asset), as a row with a header. =LTV_DURATION_MISMATCH(Deal)"""
    m = duration_mismatch(deal_of(deal))
    header = [
        "wal_years",
        "half_life_years",
        "economic_life_years",
        "wal_to_half_life",
        "wal_to_economic_life",
    ]
    values = [
        m.wal_years,
        m.half_life_years,
        m.economic_life_years,
        m.wal_to_half_life,
        m.wal_to_economic_life,
    ]
    return [header, [cell_of(v) for v in values]]


# ---- Add-in family ------------------------------------------------------------------------


@xw.func(category=CATEGORY)
@excel_errors
def ADDIN_VERSION():
    """Version of the GPU Credit Desk add-in that computes this workbook, e.g. 0.1.0 (the same in classic xlwings and xlwings Lite). =ADDIN_VERSION()"""
    return VERSION


# ---- Correlated default family --------------------------------------------------------------

COPULA_DOC = 'Dependence model: "gaussian" or "t" (multivariate Student t), case-insensitive. Empty: "gaussian".'
DOF_DOC = (
    'Degrees of freedom of the t copula, 1 to 1e6 (e.g. 4). Needed for "t"; ignored for "gaussian".'
)
PDS_DOC = "Column of default probabilities over the horizon, one per obligor, decimals 0 to 1."
EXPOSURES_DOC = "Column of exposures at default, USD, one per obligor (or one cell for all)."
LGDS_DOC = "Column of losses given default, decimals 0 to 1, one per obligor (or one cell for all)."
RHO_DOC = "Asset correlation, decimal 0 to 0.9999: one cell for all obligors or a column, one per obligor."


def copula_args(copula: Cell, dof: Cell) -> tuple[str, float | None]:
    """The copula name ("gaussian" or "t") and the degrees of freedom (None when empty)."""
    kind = option("copula", copula, ("gaussian", "t"), "gaussian")
    return kind, optional_number("dof", dof, DOF_ALLOWED)


def obligors(
    pds: Cell, exposures: Cell, lgds: Cell, rho: Cell
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-obligor columns as arrays (a single cell applies to every obligor)."""
    return (
        column("pds", pds, PORTFOLIO_PD_ALLOWED),
        column("exposures", exposures, EXPOSURE_ALLOWED),
        column("lgds", lgds, LGD_ALLOWED),
        column("rho", rho, RHO_ALLOWED),
    )


@xw.func(category=CATEGORY)
@xw.arg("pd1", doc="Default probability of the first obligor, decimal strictly between 0 and 1.")
@xw.arg("pd2", doc="Default probability of the second obligor, decimal strictly between 0 and 1.")
@xw.arg(
    "rho",
    doc="Correlation of the two obligors' latent variables (asset correlation), 0 to 0.9999.",
)
@xw.arg("copula", doc=COPULA_DOC)
@xw.arg("dof", doc=DOF_DOC)
@excel_errors
def DEFAULT_JOINT(pd1, pd2, rho, copula=None, dof=None):
    """Probability that both obligors default (decimal) under a Gaussian or Student-t copula. =DEFAULT_JOINT(0.02, 0.05, 0.30, "t", 4)"""
    return joint_default_probability(
        number("pd1", pd1, allowed=PD_ALLOWED),
        number("pd2", pd2, allowed=PD_ALLOWED),
        number("rho", rho, allowed=RHO_ALLOWED),
        *copula_args(copula, dof),
    )


@xw.func(category=CATEGORY)
@xw.arg("pd1", doc="Default probability of the first obligor, decimal strictly between 0 and 1.")
@xw.arg("pd2", doc="Default probability of the second obligor, decimal strictly between 0 and 1.")
@xw.arg(
    "rho",
    doc="Correlation of the two obligors' latent variables (asset correlation), 0 to 0.9999.",
)
@xw.arg("copula", doc=COPULA_DOC)
@xw.arg("dof", doc=DOF_DOC)
@excel_errors
def DEFAULT_CORR(pd1, pd2, rho, copula=None, dof=None):
    """Correlation of the two default events (decimal): (P(both) - pd1 pd2) / sqrt(pd1 (1 - pd1) pd2 (1 - pd2)). =DEFAULT_CORR(0.02, 0.05, 0.30)"""
    return default_correlation(
        number("pd1", pd1, allowed=PD_ALLOWED),
        number("pd2", pd2, allowed=PD_ALLOWED),
        number("rho", rho, allowed=RHO_ALLOWED),
        *copula_args(copula, dof),
    )


@xw.func(category=CATEGORY)
@xw.arg("pd", doc="Unconditional default probability, decimal strictly between 0 and 1.")
@xw.arg("rho", doc="Asset correlation with the common factor, 0 to 0.9999.")
@xw.arg("factor", doc="Value of the standard normal common factor (e.g. -2 = a 1-in-44 bad year).")
@excel_errors
def DEFAULT_CONDITIONAL_PD(pd, rho, factor):
    """Default probability given the common factor, one-factor Gaussian: N((N^-1(pd) - sqrt(rho) factor) / sqrt(1 - rho)). =DEFAULT_CONDITIONAL_PD(0.02, 0.20, -2)"""
    return conditional_pd(
        number("pd", pd, allowed=PD_ALLOWED),
        number("rho", rho, allowed=RHO_ALLOWED),
        number("factor", factor, allowed="a number (standard normal factor value)"),
    )


@xw.func(category=CATEGORY)
@xw.arg("pd", doc="Default probability, decimal strictly between 0 and 1.")
@xw.arg("rho", doc="Asset (copula) correlation, 0 to 0.9999.")
@xw.arg("confidence", doc="Confidence level, strictly between 0 and 1. Empty: 0.999 (Basel).")
@excel_errors
def DEFAULT_WCDR(pd, rho, confidence=None):
    """Vasicek worst-case default rate (decimal): the default rate of a large portfolio not exceeded with the confidence. =DEFAULT_WCDR(0.02, 0.10, 0.999)"""
    return worst_case_default_rate(
        number("pd", pd, allowed=PD_ALLOWED),
        number("rho", rho, allowed=RHO_ALLOWED),
        number("confidence", confidence, 0.999, allowed=CONFIDENCE_ALLOWED),
    )


@xw.func(category=CATEGORY)
@xw.arg("rho", doc="Latent correlation, 0 to 0.9999.")
@xw.arg("dof", doc="Degrees of freedom of the t copula, 1 to 1e6 (e.g. 4).")
@excel_errors
def DEFAULT_TAIL_DEP(rho, dof):
    """Tail dependence of the t copula (decimal): the limit of P(one defaults | the other does) for rare defaults; 0 for the Gaussian copula. =DEFAULT_TAIL_DEP(0.5, 4)"""
    return tail_dependence(
        number("rho", rho, allowed=RHO_ALLOWED), number("dof", dof, allowed=DOF_ALLOWED)
    )


@xw.func(category=CATEGORY)
@xw.arg("pds", doc=PDS_DOC)
@xw.arg("exposures", doc=EXPOSURES_DOC)
@xw.arg("lgds", doc=LGDS_DOC)
@xw.arg("rho", doc=RHO_DOC)
@xw.arg("copula", doc=COPULA_DOC)
@xw.arg("dof", doc=DOF_DOC)
@excel_errors
def PORTFOLIO_LOSS_DIST(pds, exposures, lgds, rho, copula=None, dof=None):
    """Exact portfolio loss distribution: loss (USD), probability and cumulative, one row per grid point, with a header row. With exposures and LGDs of 1 the losses are default counts. =PORTFOLIO_LOSS_DIST(PDs, EADs, LGDs, 0.2)"""
    return table(loss_distribution(*obligors(pds, exposures, lgds, rho), *copula_args(copula, dof)))


@xw.func(category=CATEGORY)
@xw.arg("pds", doc=PDS_DOC)
@xw.arg("exposures", doc=EXPOSURES_DOC)
@xw.arg("lgds", doc=LGDS_DOC)
@excel_errors
def PORTFOLIO_EL(pds, exposures, lgds):
    """Expected portfolio loss, USD: sum of PD x exposure x LGD (the same for any correlation). =PORTFOLIO_EL(PDs, EADs, LGDs)"""
    return portfolio_expected_loss(*obligors(pds, exposures, lgds, 0.0)[:3])


@xw.func(category=CATEGORY)
@xw.arg("confidence", doc="Confidence level, strictly between 0 and 1 (0.999 = 99.9%).")
@xw.arg("pds", doc=PDS_DOC)
@xw.arg("exposures", doc=EXPOSURES_DOC)
@xw.arg("lgds", doc=LGDS_DOC)
@xw.arg("rho", doc=RHO_DOC)
@xw.arg("copula", doc=COPULA_DOC)
@xw.arg("dof", doc=DOF_DOC)
@excel_errors
def PORTFOLIO_VAR(confidence, pds, exposures, lgds, rho, copula=None, dof=None):
    """Value at risk of the portfolio loss, USD: the smallest loss not exceeded with the confidence (gross, not net of expected loss). =PORTFOLIO_VAR(0.999, PDs, EADs, LGDs, 0.2)"""
    level = number("confidence", confidence, allowed=CONFIDENCE_ALLOWED)
    return portfolio_var(level, *obligors(pds, exposures, lgds, rho), *copula_args(copula, dof))


@xw.func(category=CATEGORY)
@xw.arg("confidence", doc="Confidence level, strictly between 0 and 1 (0.999 = 99.9%).")
@xw.arg("pds", doc=PDS_DOC)
@xw.arg("exposures", doc=EXPOSURES_DOC)
@xw.arg("lgds", doc=LGDS_DOC)
@xw.arg("rho", doc=RHO_DOC)
@xw.arg("copula", doc=COPULA_DOC)
@xw.arg("dof", doc=DOF_DOC)
@excel_errors
def PORTFOLIO_ES(confidence, pds, exposures, lgds, rho, copula=None, dof=None):
    """Expected shortfall of the portfolio loss, USD: the mean loss in the worst (1 - confidence) of outcomes. =PORTFOLIO_ES(0.999, PDs, EADs, LGDs, 0.2)"""
    level = number("confidence", confidence, allowed=CONFIDENCE_ALLOWED)
    return portfolio_es(level, *obligors(pds, exposures, lgds, rho), *copula_args(copula, dof))


@xw.func(category=CATEGORY)
@xw.arg("attach", doc="Attachment point as a fraction of total exposure, 0 to below 1 (0.03 = 3%).")
@xw.arg("detach", doc="Detachment point as a fraction of total exposure, above attach, at most 1.")
@xw.arg("pds", doc=PDS_DOC)
@xw.arg("exposures", doc=EXPOSURES_DOC)
@xw.arg("lgds", doc=LGDS_DOC)
@xw.arg("rho", doc=RHO_DOC)
@xw.arg("copula", doc=COPULA_DOC)
@xw.arg("dof", doc=DOF_DOC)
@excel_errors
def TRANCHE_EL(attach, detach, pds, exposures, lgds, rho, copula=None, dof=None):
    """Expected loss of the tranche [attach, detach] as a fraction of its notional (decimal). =TRANCHE_EL(0.03, 0.07, PDs, EADs, LGDs, 0.2)"""
    bounds = (
        number("attach", attach, allowed="a fraction of total exposure, 0 to below 1"),
        number("detach", detach, allowed="a fraction of total exposure up to 1"),
    )
    return tranche_expected_loss(
        *bounds, *obligors(pds, exposures, lgds, rho), *copula_args(copula, dof)
    )


@xw.func(category=CATEGORY)
@xw.arg("pd", doc="Unconditional default probability over the horizon, strictly between 0 and 1.")
@xw.arg(
    "crypto_loading",
    doc="Loading a of the obligor on the crypto factor, -1 to 1 (e.g. 0.5 for a miner).",
)
@xw.arg(
    "compute_loading",
    doc="Loading b on the compute-rent factor, -1 to 1; a^2 + b^2 + 2ab factor_corr < 1.",
)
@xw.arg(
    "btc_drawdown", doc="Fall of the BTC price over the horizon, decimal below 1 (0.50 = -50%)."
)
@xw.arg(
    "rent_decline",
    doc="Realised fall of the GPU rent over the horizon, decimal below 1 (0.60 = -60%).",
)
@xw.arg("horizon_years", doc="Horizon of the scenario, years > 0.")
@xw.arg("btc_vol", doc="Annual volatility of BTC, decimal > 0 (0.45 = 45%).")
@xw.arg("rent_vol", doc="Annual volatility of the GPU rent, decimal > 0 (e.g. 0.25).")
@xw.arg(
    "expected_decline", doc="Expected yearly rent decline, decimal below 1 (0.30 = 30% a year)."
)
@xw.arg(
    "factor_corr",
    doc="Correlation of the crypto and compute-rent factors, -1 to 1 exclusive. Empty: 0.",
)
@excel_errors
def MINER_STRESS_PD(
    pd,
    crypto_loading,
    compute_loading,
    btc_drawdown,
    rent_decline,
    horizon_years,
    btc_vol,
    rent_vol,
    expected_decline,
    factor_corr=None,
):
    """PD of a miner or neocloud given a BTC drawdown and a GPU rent decline, two-factor model (decimal). =MINER_STRESS_PD(0.03, 0.5, 0.3, 0.5, 0.6, 1, 0.45, 0.25, 0.30)"""
    return miner_stress_pd(
        number("pd", pd, allowed=PD_ALLOWED),
        number("crypto_loading", crypto_loading, allowed="a factor loading from -1 to 1"),
        number("compute_loading", compute_loading, allowed="a factor loading from -1 to 1"),
        number("btc_drawdown", btc_drawdown, allowed="a decimal below 1 (0.50 = a 50% fall)"),
        number("rent_decline", rent_decline, allowed="a decimal below 1 (0.60 = a 60% fall)"),
        number("horizon_years", horizon_years, allowed="years > 0"),
        number("btc_vol", btc_vol, allowed="a volatility > 0 (0.45 = 45%)"),
        number("rent_vol", rent_vol, allowed="a volatility > 0 (0.25 = 25%)"),
        number("expected_decline", expected_decline, allowed="a decimal per year below 1"),
        number("factor_corr", factor_corr, 0.0, allowed="a correlation strictly between -1 and 1"),
    )


@xw.func(category=CATEGORY)
@xw.arg("pd", doc="One-year PD, strictly between 0 and 1 (the Basel 0.03% floor is not applied).")
@xw.arg("lgd", doc="Loss given default, decimal 0 to 1 (0.45 = 45%).")
@xw.arg("maturity", doc="Effective maturity, years, 1 to 5. Empty: 2.5.")
@excel_errors
def IRB_RISK_WEIGHT(pd, lgd, maturity=None):
    """Basel II IRB corporate risk weight, decimal (0.92 = 92%): 12.5 K with the Basel correlation and maturity adjustment, no 1.06 scaling, no SME adjustment. =IRB_RISK_WEIGHT(0.01, 0.45, 2.5)"""
    return irb_risk_weight(
        number("pd", pd, allowed=PD_ALLOWED),
        number("lgd", lgd, allowed=LGD_ALLOWED),
        number("maturity", maturity, 2.5, allowed="an effective maturity from 1 to 5 years"),
    )
