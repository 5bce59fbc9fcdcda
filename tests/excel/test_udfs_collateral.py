"""The collateral family called the way Excel calls it: 2-D lists, None, text, wrong shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addin import (
    duration_mismatch,
    economic_life,
    gpu_catalog,
    liquidation_value,
    load_deal,
    ltv_schedule,
    residual_curve,
    residual_value,
    underwater_period,
)
from addin.excel.udfs import (
    GPU_ECONOMIC_LIFE,
    GPU_LIQUIDATION,
    GPU_MODELS,
    GPU_RESIDUAL,
    GPU_RESIDUAL_CURVE,
    GPU_SPEC,
    LTV_DURATION_MISMATCH,
    LTV_TABLE,
    LTV_UNDERWATER,
)
from tests.deals import BASE_DEAL, as_range

COLLATERAL = {**BASE_DEAL, "market_absorption": 500}
DEAL = as_range(COLLATERAL)
DATED = [*DEAL, ["start_date", 46327.0]]  # Excel serial of 2026-11-01


def is_error(result: Any, starts: str) -> bool:
    """A one-line '#VALUE! ...' message that starts as expected."""
    return (
        isinstance(result, str)
        and result.startswith("#VALUE! " + starts)
        and "\n" not in result
        and "Traceback" not in result
    )


# ---- GPU_SPEC, GPU_MODELS --------------------------------------------------------------------------


def test_spec_values_and_shapes() -> None:
    assert GPU_SPEC("H100 SXM", "launch_price_usd") == 33_600.0
    assert GPU_SPEC([["h100 sxm"]], [["TDP_W"]]) == 700.0  # 1 x 1 ranges
    assert GPU_SPEC("GB200", "cooling") == "liquid"


@pytest.mark.parametrize(
    ("model", "field", "starts"),
    [
        ("H100", "tdp_w", "model: got 'H100'; allowed: did you mean 'H100 SXM'"),
        ("H100 SXM", "tdp", "field: got 'tdp'; allowed: did you mean 'tdp_w'"),
        (None, "tdp_w", "model: is required"),
        ("", "tdp_w", "model: is required"),
        ("H100 SXM", None, "field: is required"),
        (100.0, "tdp_w", "model: got 100.0"),
        ([["H100 SXM", "B200"]], "tdp_w", "model: got 'a range of 1 x 2 cells'"),
    ],
)
def test_spec_errors(model: Any, field: Any, starts: str) -> None:
    assert is_error(GPU_SPEC(model, field), starts)


def test_models_is_the_catalog_with_a_header() -> None:
    rows = GPU_MODELS()
    table = gpu_catalog()
    assert rows[0] == list(table.columns)
    assert [r[0] for r in rows[1:]] == table["name"].tolist()
    assert all(len(r) == len(rows[0]) for r in rows)


# ---- GPU_RESIDUAL, GPU_RESIDUAL_CURVE ---------------------------------------------------------------


def test_residual_by_model_and_by_deal() -> None:
    assert GPU_RESIDUAL([["H100 SXM"]], 3.5, "book") == pytest.approx(14_000.0, rel=1e-14)
    assert GPU_RESIDUAL("H100 SXM", 3.5, None) == residual_value("H100 SXM", 3.5, "market")
    assert GPU_RESIDUAL("H100 SXM", 3.5, "") == residual_value("H100 SXM", 3.5, "market")
    assert GPU_RESIDUAL("H100 SXM", [[3.5]], " MARKET ") == residual_value("H100 SXM", 3.5)
    deal = load_deal(COLLATERAL)
    assert GPU_RESIDUAL(DEAL, 1.0, "economic") == pytest.approx(
        residual_value(deal, 1.0, "economic"), rel=1e-15
    )


@pytest.mark.parametrize(
    ("subject", "age", "method", "starts"),
    [
        ("H100 SXM", "three", None, "age_years: got 'three'"),
        ("H100 SXM", None, None, "age_years: is required"),
        ("H100 SXM", -1.0, None, "age_years: got -1.0"),
        ("H100 SXM", 1.0, "resale", "method: got 'resale'"),
        ("H100 SXM", 1.0, "economic", "method: got 'economic'"),
        ("H200X", 1.0, None, "deal_or_model: got 'H200X'"),
        (None, 1.0, None, "deal_or_model: is required"),
        (5.0, 1.0, None, "deal_or_model: got 5.0"),
        ([["gpus", "many"], ["name", "x"]], 1.0, None, "gpus: got 'many'"),
        (DEAL, [[1.0, 2.0]], None, "age_years: got 'a range of 1 x 2 cells'"),
    ],
)
def test_residual_errors(subject: Any, age: Any, method: Any, starts: str) -> None:
    assert is_error(GPU_RESIDUAL(subject, age, method), starts)


def test_residual_curve_table() -> None:
    rows = GPU_RESIDUAL_CURVE(DEAL, None)
    assert rows[0] == ["age_years", "book_value", "market_value", "economic_value"]
    expected = residual_curve(load_deal(COLLATERAL))
    assert len(rows) == len(expected) + 1 == 6 * 12 + 2
    assert rows[13][2] == pytest.approx(expected["market_value"].iloc[12], rel=1e-15)
    assert len(GPU_RESIDUAL_CURVE(DEAL, 2.0)) == 2 * 12 + 2
    assert is_error(GPU_RESIDUAL_CURVE(DEAL, "two"), "years: got 'two'")
    assert is_error(GPU_RESIDUAL_CURVE(DEAL, 31.0), "years: got 31.0")
    assert is_error(GPU_RESIDUAL_CURVE(None, None), "deal: is required")


# ---- GPU_ECONOMIC_LIFE, GPU_LIQUIDATION --------------------------------------------------------------


def test_economic_life_udf() -> None:
    assert GPU_ECONOMIC_LIFE(2.0, 0.3, 1.275, 1.3, 0.08, None) == pytest.approx(
        economic_life(2.0, 0.3, 1.275, 1.3, 0.08), rel=1e-15
    )
    assert GPU_ECONOMIC_LIFE(2.0, 0.3, 1.275, 1.3, 0.08, 0.5) == pytest.approx(
        economic_life(2.0, 0.3, 1.275, 1.3, 0.08, 0.5), rel=1e-15
    )
    assert is_error(GPU_ECONOMIC_LIFE(2.0, 1.5, 1.275, 1.3, 0.08), "annual_decline: got 1.5")
    assert is_error(GPU_ECONOMIC_LIFE(2.0, 0.3, "1.3kW", 1.3, 0.08), "kw: got '1.3kW'")
    assert is_error(GPU_ECONOMIC_LIFE(2.0, 0.3, 1.275, 0.9, 0.08), "pue: got 0.9")
    assert is_error(GPU_ECONOMIC_LIFE(None, 0.3, 1.275, 1.3, 0.08), "rent: is required")
    assert is_error(GPU_ECONOMIC_LIFE(2.0, 0.3, 1.275, 1.3, 0.08, 1.2), "utilization: got 1.2")


def test_liquidation_udf_row_with_header() -> None:
    rows = GPU_LIQUIDATION(10_000.0, 8_196.0, 2_000.0, None, None, None)
    sale = liquidation_value(10_000, 8_196, 2_000)
    assert rows == [["net_proceeds", "recovery", "months"], [*sale]]
    assert isinstance(rows[1][2], int)
    custom = GPU_LIQUIDATION(100.0, 1_000.0, 50.0, 0.0, 0.0, 6.0, None, None, 0.0, 0.0)
    assert custom[1] == [pytest.approx(100_000.0, rel=1e-14), pytest.approx(1.0, rel=1e-14), 1]
    assert is_error(GPU_LIQUIDATION(0.0, 1_000.0, 50.0), "units: got 0.0")
    assert is_error(GPU_LIQUIDATION(10.0, 1_000.0, None), "market_absorption: is required")
    assert is_error(GPU_LIQUIDATION(10.0, 1_000.0, 50.0, None, None, 2.5), "max_months: got 2.5")
    assert is_error(GPU_LIQUIDATION(10.0, "n/a", 50.0), "unit_value: got 'n/a'")
    assert is_error(GPU_LIQUIDATION(10.0, 1_000.0, 50.0, None, -1.0), "impact: got -1.0")


@given(
    units=st.one_of(st.none(), st.text(max_size=5), st.floats(allow_nan=True)),
    value=st.one_of(st.none(), st.floats(-1e6, 1e6), st.just([[1.0, 2.0]])),
)
def test_liquidation_never_raises(units: Any, value: Any) -> None:
    result = GPU_LIQUIDATION(units, value, 100.0)
    assert isinstance(result, list) or is_error(result, "")


# ---- LTV_TABLE, LTV_UNDERWATER, LTV_DURATION_MISMATCH -------------------------------------------------


def test_ltv_table_matches_python_with_dates() -> None:
    rows = LTV_TABLE(DATED)
    expected = ltv_schedule(load_deal({**COLLATERAL, "start_date": "2026-11-01"}))
    assert rows[0] == list(expected.columns)
    assert len(rows) == 62
    assert rows[1][1] == dt.datetime(2026, 11, 1)  # period 0 at close
    assert rows[2][1] == dt.datetime(2026, 12, 1)
    col = rows[0].index("ltv_liquidation")
    assert rows[10][col] == pytest.approx(expected["ltv_liquidation"].iloc[9], rel=1e-15)
    assert isinstance(rows[5][rows[0].index("liquidation_months")], int)


def test_ltv_table_infinite_and_undefined_ltv_are_empty_cells() -> None:
    deal = [row for row in DEAL if row[0] != "tenor_years"]
    deal += [["tenor_years", 7.0], ["periods_per_year", 1.0], ["amortization", "linear"]]
    rows = LTV_TABLE(deal)
    col = rows[0].index("ltv_book")
    assert rows[7][col] == ""  # year 6: book value 0, balance owed (inf in Python)
    assert rows[8][col] == ""  # year 7: 0 / 0


@pytest.mark.parametrize(
    ("deal", "starts"),
    [
        (as_range(BASE_DEAL), "market_absorption: is required"),
        ([*DEAL, ["market_absorbtion", 5.0]], "deal: unknown key 'market_absorbtion'"),
        ([["name", "x"]], "gpus: is required"),
        (None, "deal: is required"),
        ([[None, None], [None, None]], "deal: is required"),
        ([*as_range(BASE_DEAL), ["market_absorption", "lots"]], "market_absorption: got 'lots'"),
        ([*DEAL, ["gpu_model", "H100"]], "gpu_model: got 'H100'"),
    ],
)
def test_ltv_errors(deal: Any, starts: str) -> None:
    assert is_error(LTV_TABLE(deal), starts)
    assert is_error(LTV_UNDERWATER(deal), starts)


def test_underwater_row() -> None:
    # A bullet: the annuity of COLLATERAL is never under water on the calibrated values.
    deal = load_deal({**COLLATERAL, "amortization": "bullet", "start_date": "2026-11-01"})
    found = underwater_period(deal)
    assert found is not None
    period, date = found
    assert date is not None
    bullet = [*DEAL, ["amortization", "bullet"]]
    dated = [*DATED, ["amortization", "bullet"]]
    assert LTV_UNDERWATER(dated) == [[period, dt.datetime(date.year, date.month, date.day)]]
    assert LTV_UNDERWATER(bullet)[0] == [period, ""]
    small = [row for row in DEAL if row[0] != "loan_amount"] + [["loan_amount", 1e6]]
    assert LTV_UNDERWATER(small) == [["none", ""]]


def test_duration_mismatch_row() -> None:
    rows = LTV_DURATION_MISMATCH(DEAL)
    m = duration_mismatch(load_deal(COLLATERAL))
    assert rows[0] == ["wal_years", "half_life_years", "economic_life_years", "wal_to_half_life",
                       "wal_to_economic_life"]  # fmt: skip
    assert rows[1] == [m.wal_years, m.half_life_years, m.economic_life_years,
                       m.wal_to_half_life, m.wal_to_economic_life]  # fmt: skip
    no_decline = [*DEAL, ["hardware_decline", 0.0], ["generation_shock", 0.0]]
    assert LTV_DURATION_MISMATCH(no_decline)[1][1] == ""  # never halves: inf, an empty cell
    assert LTV_DURATION_MISMATCH(as_range(BASE_DEAL))[0][0] == "wal_years"  # no absorption needed
