"""No cell can freeze Excel (issue 11 item 8): trimmed ranges, caps, a bounded deal cache.

Every Excel function is called at its caps (inputs just at a cap succeed with the Python
API's result; just past it, the one-line error names the cap and the Python API), and
each attack of the issue is rebuilt here. Nothing is timed: ``benchmarks/bench_caps.py``
times the same calls against the 2 s target.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from addin import (
    deal_risk,
    fair_margin,
    load_deal,
    min_dscr,
    portfolio_expected_loss,
    sculpted_debt_capacity,
)
from addin.analytics.portfolio import (
    DEFAULT_SETTINGS,
    loss_distribution,
    portfolio_es,
    portfolio_var,
    portfolio_work,
    tranche_expected_loss,
)
from addin.excel import caps, udfs
from addin.excel.caps import (
    CELLS,
    DEAL_CELLS,
    FAIR_MARGIN_WORK,
    MAX_WORK,
    NAMES,
    PERIODS,
    SIMULATION_WORK,
)
from addin.excel.convert import DEAL_CACHE, DealCache, extent, table
from addin.excel.udf import ERROR_PREFIX, udf_args
from tests.deals import BASE_DEAL, as_range

WHOLE_COLUMN = 1_048_576  # rows of an Excel sheet
WHOLE_ROW = 16_384  # columns of an Excel sheet
PYTHON_API = "for more, use the Python API ("
#: A deal with the longest schedule the catalogue allows: 30 years of monthly periods.
LONG = {**BASE_DEAL, "tenor_years": 30, "start_date": 46023.0, "market_absorption": 1500.0}
DEAL = as_range(LONG)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    DEAL_CACHE.clear()
    yield
    DEAL_CACHE.clear()


def column(values: Any) -> list[list[float]]:
    return [[float(v)] for v in values]


def padded(rows: list[list[Any]], count: int) -> list[list[Any]]:
    """The rows below each other with blank rows, the last one on row ``count``."""
    return [*rows[:-1], *([None] * len(rows[0]) for _ in range(count - len(rows))), rows[-1]]


def whole_column(rows: list[list[Any]]) -> list[list[Any]]:
    """Rows as a whole-column reference passes them: 1,048,576 rows, the rest None."""
    return rows + [[None] * len(rows[0]) for _ in range(WHOLE_COLUMN - len(rows))]


def error(result: Any, starts: str) -> bool:
    """A one-line cell error starting with ``starts`` that names the Python API."""
    return (
        isinstance(result, str)
        and result.startswith(ERROR_PREFIX + starts)
        and PYTHON_API in result
        and "\n" not in result
    )


# ---- trimming ------------------------------------------------------------------------------


def test_extent_cuts_trailing_blank_rows_and_columns_only() -> None:
    rows = [[1.0, None, None], [None, None, None], [None, 2.0, None], [None, "", " "]]
    assert extent(rows) == (3, 2)
    assert extent([[None, None]] * 5) == (0, 0)
    assert extent([]) == (0, 0)


def test_dscr_on_two_whole_columns_is_dscr_on_their_filled_rows() -> None:
    """Attack: =DSCR(A:A, B:B) with 120 rows filled converted 2 million cells (7.8 s)."""
    flows = [[1.2e6 + 1e3 * k] for k in range(120)]
    service = [[1.0e6] if k % 7 else [0.0] for k in range(120)]
    result = udfs.DSCR(whole_column(flows), whole_column(service))
    assert result == udfs.DSCR(flows, service)
    assert len(result) == 120
    assert result[1] == [pytest.approx(1.201)]  # 1.201e6 / 1e6


def test_two_blank_ranges_still_say_the_first_cell_is_empty() -> None:
    result = udfs.DSCR(whole_column([[None]]), whole_column([[None]]))
    assert result.startswith("#VALUE! cfads row 1 col 1: is required but empty")


def test_dscr_min_on_a_whole_column_deal_range_is_dscr_min_of_the_deal() -> None:
    """Attack: =DSCR_MIN(A:B) converted and cached 1,048,576 rows (2.2 s)."""
    assert udfs.DSCR_MIN(whole_column(DEAL)) == udfs.DSCR_MIN(DEAL)
    assert udfs.DSCR_MIN(DEAL) == pytest.approx(min_dscr(load_deal(LONG)), rel=1e-15)


def test_columns_lose_trailing_blanks_whatever_shape_xlwings_passes() -> None:
    pds = [0.01, 0.02, 0.05]
    expected = portfolio_expected_loss(pds, 1.0, 0.5)
    assert udfs.PORTFOLIO_EL(whole_column(column(pds)), 1.0, 0.5) == expected
    assert udfs.PORTFOLIO_EL(pds + [None] * (WHOLE_COLUMN - 3), 1.0, 0.5) == expected  # 1-D
    assert udfs.PORTFOLIO_EL([pds + [None] * (WHOLE_ROW - 3)], 1.0, 0.5) == expected  # a row
    assert udfs.PORTFOLIO_EL([[p, None] for p in pds], 1.0, 0.5) == expected  # blank column


def test_an_empty_whole_column_is_a_missing_argument() -> None:
    result = udfs.PORTFOLIO_EL(whole_column([[None]]), 1.0, 0.5)
    assert result.startswith("#VALUE! pds: is required but empty")


# ---- the deal cache ------------------------------------------------------------------------


def test_edits_of_a_whole_column_deal_range_keep_the_cache_small() -> None:
    """Attack: 20 edits of a whole-column Deal range left 1.6 GB in the deal cache."""
    deal = whole_column([list(row) for row in DEAL])
    for k in range(20):
        deal[2][1] = 2.0 + k / 100  # market_rate, edited as a user types
        assert isinstance(udfs.DSCR_MIN(deal), float)
    compact = [list(row) for row in DEAL]
    compact[2][1] = 2.19
    key = tuple(tuple((type(cell), cell) for cell in row) for row in compact)
    assert len(DEAL_CACHE.deals) == 20
    assert all(len(key) == len(DEAL) for key in DEAL_CACHE.deals)  # keyed on the cut range
    assert DEAL_CACHE.bytes == sum(size for _, size in DEAL_CACHE.deals.values())
    assert DEAL_CACHE.bytes <= 20 * DealCache.size(key) * 1.01  # about 20 x 10 KB


def test_the_cache_drops_the_least_recently_used_beyond_its_bytes() -> None:
    key_of = [(((str, "name"), (str, f"deal {k:03}")),) for k in range(10)]  # one row each
    size = DealCache.size(key_of[0])
    cache = DealCache(max_bytes=3 * size, max_entries=64)
    deal = load_deal(BASE_DEAL)
    for key in key_of[:3]:
        cache.put(key, deal)
    assert cache.get(key_of[0]) is deal  # now the most recently used
    cache.put(key_of[3], deal)
    assert list(cache.deals) == [key_of[2], key_of[0], key_of[3]]
    assert cache.bytes == 3 * size
    large = tuple(row for key in key_of for row in key)  # ten rows: larger than the cache
    cache.put(large, deal)
    assert large not in cache.deals
    assert cache.bytes == 3 * size


def test_the_deal_cache_bounds_hold_at_the_deal_cells_cap() -> None:
    for k in range(caps.DEAL_CACHE_ENTRIES + 5):
        rows = padded([*DEAL, ["name", f"deal {k}"]][1:], DEAL_CELLS.limit // 2)
        assert isinstance(udfs.DSCR_MIN(rows), float)
    assert DEAL_CACHE.bytes <= caps.DEAL_CACHE_BYTES
    assert len(DEAL_CACHE.deals) <= caps.DEAL_CACHE_ENTRIES


# ---- every function at its caps ------------------------------------------------------------

AT_CAP_DEAL = padded(DEAL, DEAL_CELLS.limit // 2)  # last key on row 1,000: 2,000 cells
PAST_CAP_DEAL = padded(DEAL, DEAL_CELLS.limit // 2 + 1)
DEAL_PAST = "deal: got 2,002 cells; allowed: at most 2,000 cells (the deal cells cap of a cell)"
DEAL_FUNCTIONS: dict[str, tuple[Any, ...]] = {
    "DSCR_TABLE": (0.3,),
    "DSCR_MIN": (0.3,),
    "DSCR_AVG": (0.3,),
    "DSCR_LLCR": (0.3,),
    "DSCR_BREAKEVEN_DECLINE": (1.0,),
    "DSCR_FIRST_BREACH": (5.0, 0.3),
    "DSCR_COVENANTS": (0.3,),
    "GPU_RESIDUAL_CURVE": (30,),
    "GPU_RESIDUAL": (3.5, "economic"),
    "LTV_TABLE": (),
    "LTV_UNDERWATER": (),
    "LTV_DURATION_MISMATCH": (),
    "DEAL_SCENARIO": (),  # every named scenario: one path each
    # the path engine on few paths here; at its work cap below
    "DEAL_PD": (None, 64.0),
    "DEAL_LGD": (64.0,),
    "DEAL_EL": (64.0,),
    "DEAL_RATING": (64.0,),
    "DEAL_FAIR_MARGIN": (64.0,),
    "DEAL_RISK_TABLE": (64.0,),
    "DSCR_FAN": (64.0,),
    "LTV_FAN": (64.0,),
    "DEAL_BREACH_PROB": ("lock-up", 64.0),
}


@pytest.mark.parametrize("name", sorted(DEAL_FUNCTIONS))
def test_deal_functions_at_the_deal_cells_cap(name: str) -> None:
    function, args = getattr(udfs, name), DEAL_FUNCTIONS[name]
    result = function(AT_CAP_DEAL, *args)
    assert not (isinstance(result, str) and result.startswith(ERROR_PREFIX)), result
    DEAL_CACHE.clear()
    assert result == function(DEAL, *args)  # blank rows change nothing
    assert error(function(PAST_CAP_DEAL, *args), DEAL_PAST)


#: Functions of cells only: their work is bounded by the catalogue (the largest horizon,
#: months, correlation and the t copula's smallest degrees of freedom), with no cap here.
SCALAR_CALLS: dict[str, tuple[Any, ...]] = {
    "DSCR_RENT_CURVE": (2.0, 0.3, 100.0, 12.0),
    "GPU_LIQUIDATION": (1e6, 8e3, 10.0, 0.3, 0.5, 120.0),
    "GPU_SPEC": ("H100 SXM", "launch_price_usd"),
    "GPU_MODELS": (),
    "GPU_ECONOMIC_LIFE": (2.0, 0.3, 1.275, 1.3, 0.08),
    "ADDIN_VERSION": (),
    "DEFAULT_JOINT": (1e-10, 0.5, 0.9999, "t", 1.0),
    "DEFAULT_CORR": (1e-10, 0.5, 0.9999, "t", 1.0),
    "DEFAULT_CONDITIONAL_PD": (0.02, 0.9999, -8.0),
    "DEFAULT_WCDR": (1e-10, 0.9999, 0.999999),
    "DEFAULT_TAIL_DEP": (0.9999, 1.0),
    "MINER_STRESS_PD": (0.03, 0.5, 0.3, 0.5, 0.6, 30.0, 0.45, 0.25, 0.3),
    "IRB_RISK_WEIGHT": (0.01, 0.45, 5.0),
}


@pytest.mark.parametrize("name", sorted(SCALAR_CALLS))
def test_functions_of_cells_answer_at_the_catalogue_bounds(name: str) -> None:
    result = getattr(udfs, name)(*SCALAR_CALLS[name])
    assert not (isinstance(result, str) and result.startswith(ERROR_PREFIX)), result


#: The path engine's functions (paths, seed last) and what each shows of the Python API's risk.
SIMULATED: dict[str, tuple[tuple[Any, ...], Callable[[Any], Any]]] = {
    "DEAL_PD": ((None,), lambda risk: risk.lifetime_pd),
    "DEAL_LGD": ((), lambda risk: risk.lgd_mean),
    "DEAL_EL": ((), lambda risk: risk.expected_loss),
    "DEAL_RATING": ((), lambda risk: risk.rating),
    "DEAL_RISK_TABLE": ((), lambda risk: len(risk.years) + 1),
    "DSCR_FAN": ((), lambda risk: risk.dscr_fan.shape[1] + 1),
    "LTV_FAN": ((), lambda risk: risk.ltv_fan.shape[1] + 1),
    "DEAL_BREACH_PROB": (("lock-up",), lambda risk: risk.lockup_prob),
}


def _shown(result: Any) -> Any:
    return len(result) if isinstance(result, list) else result


@pytest.mark.parametrize("name", sorted(SIMULATED))
def test_simulation_functions_at_the_simulation_work_cap(name: str) -> None:
    """The longest schedule (360 periods): as many paths as the cap allows run, one more not."""
    paths = SIMULATION_WORK.limit // 360
    before, expected = SIMULATED[name]
    function = getattr(udfs, name)
    at_cap = function(DEAL, *before, float(paths), 7.0)
    assert _shown(at_cap) == pytest.approx(expected(deal_risk(load_deal(LONG), paths, 7)))
    past = function(DEAL, *before, float(paths + 1), 7.0)
    assert error(
        past,
        f"paths: got {(paths + 1) * 360:,} path-periods ({paths + 1:,} paths x 360 periods); "
        "allowed: at most 1,500,000 path-periods (the simulation work cap of a cell)",
    )
    assert "gpucredit risk" in past


def test_fair_margin_at_its_work_cap() -> None:
    paths = FAIR_MARGIN_WORK.limit // 360
    at_cap = udfs.DEAL_FAIR_MARGIN(DEAL, float(paths))
    assert at_cap == fair_margin(load_deal(LONG), paths).fair
    past = udfs.DEAL_FAIR_MARGIN(DEAL, float(paths + 1))
    assert error(past, f"paths: got {(paths + 1) * 360:,} path-periods")
    assert "(the fair margin work cap of a cell)" in past


def test_default_paths_answer_for_a_ten_year_monthly_deal() -> None:
    """2,000 paths (the default) of 120 periods, a usual GPU loan: no cap error."""
    deal = as_range({**LONG, "tenor_years": 10})
    assert isinstance(udfs.DEAL_PD(deal), float)
    margin = udfs.DEAL_FAIR_MARGIN(deal)
    assert isinstance(margin, float) or not margin.startswith(ERROR_PREFIX), margin


def test_debt_capacity_at_the_periods_cap() -> None:
    flows = np.random.default_rng(1).uniform(-1e5, 1e6, PERIODS.limit + 1)
    at_cap = udfs.DSCR_DEBT_CAPACITY(column(flows[:-1]), 0.01, 1.3)
    assert at_cap == sculpted_debt_capacity(flows[:-1], 0.01, 1.3)
    past = udfs.DSCR_DEBT_CAPACITY(column(flows), 0.01, 1.3)
    assert error(past, "cfads: got 10,001 periods; allowed: at most 10,000 periods")


def test_dscr_at_the_cells_cap() -> None:
    rng = np.random.default_rng(2)
    cfads, service = rng.uniform(1e5, 1e6, (2, CELLS.limit // 2, 2))
    at_cap = udfs.DSCR(cfads.tolist(), service.tolist())
    assert at_cap == (cfads / service).tolist()
    past = udfs.DSCR([*cfads.tolist(), [1.0, None]], [*service.tolist(), [1.0, None]])
    assert error(past, "cfads: got 20,002 cells; allowed: at most 20,000 cells (the cells cap")


PDS = np.random.default_rng(3).uniform(0.005, 0.05, NAMES.limit + 1)
#: (Excel function, its Python function, arguments before the obligors).
PORTFOLIO: list[tuple[str, Callable[..., Any], tuple[float, ...]]] = [
    ("PORTFOLIO_LOSS_DIST", loss_distribution, ()),
    ("PORTFOLIO_VAR", portfolio_var, (0.999,)),
    ("PORTFOLIO_ES", portfolio_es, (0.999,)),
    ("TRANCHE_EL", tranche_expected_loss, (0.03, 0.07)),
]


def excel(value: Any) -> Any:
    """A Python result as the Excel function shows it."""
    return table(value) if hasattr(value, "columns") else value


@pytest.mark.parametrize(("name", "python", "first"), PORTFOLIO)
def test_portfolio_functions_at_the_names_cap(
    name: str, python: Callable[..., Any], first: tuple[float, ...]
) -> None:
    """Independent obligors (rho 0) need one quadrature node: only the names cap binds."""
    function, pds = getattr(udfs, name), PDS[:-1]
    at_cap = function(*first, column(pds), 1e6, 0.4, 0.0)
    assert at_cap == excel(python(*first, pds, 1e6, 0.4, 0.0))
    past = function(*first, column(PDS), 1e6, 0.4, 0.0)
    assert error(past, "pds: got 5,001 names; allowed: at most 5,000 names (the names cap")
    exposures = function(*first, column(pds), column(np.ones(NAMES.limit + 1)), 0.4, 0.0)
    assert error(exposures, "exposures: got 5,001 names")


def test_expected_loss_at_the_names_cap() -> None:
    pds = PDS[:-1]
    assert udfs.PORTFOLIO_EL(column(pds), 1e6, 0.4) == portfolio_expected_loss(pds, 1e6, 0.4)
    assert error(udfs.PORTFOLIO_EL(column(PDS), 1e6, 0.4), "pds: got 5,001 names")


def names_at_work_cap(detach: float | None) -> int:
    """Most names of PD 2%, rho 0.2, within the work cap (the work grows with the names)."""
    low, high = 1, NAMES.limit
    while high - low > 1:
        mid = (low + high) // 2
        fits = portfolio_work([0.02] * mid, 1.0, 1.0, 0.2, detach=detach) <= MAX_WORK
        low, high = (mid, high) if fits else (low, mid)
    return low


@pytest.mark.parametrize(("name", "python", "first"), PORTFOLIO)
def test_portfolio_functions_at_the_work_cap(
    name: str, python: Callable[..., Any], first: tuple[float, ...]
) -> None:
    detach = first[1] if len(first) == 2 else None
    n = names_at_work_cap(detach)
    assert portfolio_work([0.02] * n, 1.0, 1.0, 0.2, detach=detach) > 0.9 * MAX_WORK  # near
    function = getattr(udfs, name)
    at_cap = function(*first, column([0.02] * n), 1.0, 1.0, 0.2)
    assert at_cap == excel(python(*first, [0.02] * n, 1.0, 1.0, 0.2))  # the same engine
    past = function(*first, column([0.02] * (n + 1)), 1.0, 1.0, 0.2)
    assert error(past, "portfolio: got ")
    assert "allowed: at most 1,000,000 (the work cap, settings.max_work)" in past


def test_every_excel_function_has_a_case_at_its_caps() -> None:
    functions = {name for name in dir(udfs) if hasattr(getattr(udfs, name), "udf_args")}
    covered = {*DEAL_FUNCTIONS, *SCALAR_CALLS, *(name for name, _, _ in PORTFOLIO)}
    covered |= {"DSCR", "DSCR_DEBT_CAPACITY", "PORTFOLIO_EL", "DEAL_FAIR_MARGIN", *SIMULATED}
    assert covered == functions
    for name in functions:  # every column argument has a cap
        for arg in udf_args(getattr(udfs, name)):
            assert arg.shape != "column" or arg.cap is caps.COLUMN_CAPS[arg.name]


# ---- the attacks on the portfolio functions ------------------------------------------------


def test_a_thousand_names_t_copula_per_name_rho_is_refused() -> None:
    """Attack: 1,000 names, a rho per name, t copula with 1 degree of freedom took 36 s."""
    rng = np.random.default_rng(4)
    pds, rho = column(rng.uniform(0.005, 0.05, 1000)), column(rng.uniform(0.05, 0.5, 1000))
    result = udfs.PORTFOLIO_ES(0.999, pds, 1.0, 1.0, rho, "t", 1)
    assert error(result, "portfolio: got 3,712,000 quadrature nodes x names; allowed: at most")


def test_tranche_at_rho_0_9999_is_refused() -> None:
    """Attack: TRANCHE_EL at rho 0.9999 took 7 s (100 names, t copula, 1 degree of freedom)."""
    pds = column(np.random.default_rng(5).uniform(0.005, 0.05, 100))
    result = udfs.TRANCHE_EL(0.03, 0.07, pds, 1.0, 1.0, 0.9999, "t", 1)
    assert error(result, "portfolio: got ")
    assert "the work cap" in result


@pytest.mark.parametrize("count", [10_000, 100_000])
def test_ten_and_a_hundred_thousand_names_are_refused(count: int) -> None:
    """Attack: 10,000 names took 39-54 s and 100,000 never finished."""
    result = udfs.PORTFOLIO_ES(0.999, column([0.02] * count), 1.0, 1.0, 0.2)
    assert error(result, f"pds: got {count:,} names; allowed: at most 5,000 names")


def test_python_api_has_no_cap() -> None:
    assert DEFAULT_SETTINGS.max_work is None
    assert caps.EXCEL_SETTINGS.max_work == MAX_WORK
