"""The DSCR family called the way Excel calls it: 2-D lists, None for empty cells, text."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pytest

from addin import dscr_schedule, load_deal, min_dscr
from addin.excel.udfs import (
    DSCR,
    DSCR_AVG,
    DSCR_BREAKEVEN_DECLINE,
    DSCR_DEBT_CAPACITY,
    DSCR_FIRST_BREACH,
    DSCR_LLCR,
    DSCR_MIN,
    DSCR_RENT_CURVE,
    DSCR_TABLE,
)
from tests.deals import BASE_DEAL, as_range

DEAL = as_range(BASE_DEAL)


def test_min_matches_python_and_empty_means_default() -> None:
    deal = load_deal(BASE_DEAL)
    assert DSCR_MIN(DEAL, 0.30) == pytest.approx(min_dscr(deal, 0.30), rel=1e-15)
    assert DSCR_MIN(DEAL, None) == pytest.approx(min_dscr(deal), rel=1e-15)
    assert DSCR_MIN(DEAL, "") == pytest.approx(min_dscr(deal), rel=1e-15)
    assert DSCR_MIN(DEAL, [[0.3]]) == pytest.approx(min_dscr(deal, 0.3), rel=1e-15)  # 1x1 range


def test_table_has_header_and_one_row_per_period() -> None:
    rows = DSCR_TABLE([*DEAL, ["start_date", 46023.0]], None)  # Excel serial of 2026-01-01
    header, body = rows[0], rows[1:]
    assert header[:3] == ["period", "date", "year"]
    assert header[-1] == "dscr"
    assert len(body) == 60
    assert body[0][1] == dt.datetime(2026, 2, 1)
    expected = dscr_schedule(load_deal(BASE_DEAL))["cfads"].iloc[0]
    assert body[0][header.index("cfads")] == pytest.approx(expected, rel=1e-15)


def test_avg_llcr_breakeven() -> None:
    assert DSCR_AVG(DEAL, 0.0) == pytest.approx(DSCR_MIN(DEAL, 0.0), rel=1e-12)  # flat annuity
    assert DSCR_LLCR(DEAL, None) > 0
    d = DSCR_BREAKEVEN_DECLINE(DEAL, None)
    assert DSCR_MIN(DEAL, d) == pytest.approx(1.0, abs=1e-6)
    assert DSCR_BREAKEVEN_DECLINE(DEAL, 5.0) == "none"


def test_first_breach_row() -> None:
    period, date = DSCR_FIRST_BREACH(DEAL, None, None)[0]
    assert isinstance(period, int)
    assert date == ""  # no start date
    with_date = DSCR_FIRST_BREACH([*DEAL, ["start_date", "2026-01-01"]], 1.2, 0.3)[0]
    assert with_date[0] == period
    assert isinstance(with_date[1], dt.datetime)
    assert DSCR_FIRST_BREACH(DEAL, 0.0, None) == [["none", ""]]


def test_rent_curve_and_debt_capacity_and_dscr() -> None:
    curve = DSCR_RENT_CURVE(8.0, 0.3, 1.0, 4.0, None)
    assert curve[0] == ["period", "year", "market_rate"]
    assert [row[2] for row in curve[1:]] == pytest.approx([8.0 * 0.7 ** (k / 4) for k in range(4)],
                                                          rel=1e-14)  # fmt: skip
    # Level 130 a period, 1.30x, 0%: capacity 100 a period.
    assert DSCR_DEBT_CAPACITY([[130.0], [130.0], [130.0]], 0.0, 1.3) == pytest.approx(
        300.0, rel=1e-14
    )
    assert DSCR([[130.0], [50.0]], [[100.0], [0.0]]) == [[1.3], [""]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: DSCR_MIN(DEAL, "thirty"),
            "#VALUE! annual_decline: got 'thirty'; allowed: a number >= 0 and <= 0.99 (decimal per year",
        ),
        (lambda: DSCR_MIN(DEAL, 1.5), "#VALUE! annual_decline: got 1.5"),
        (lambda: DSCR_MIN(DEAL, True), "#VALUE! annual_decline: got True"),
        (
            lambda: DSCR_MIN(DEAL, [[0.1, 0.2]]),
            "#VALUE! annual_decline: got 'a range of 1 x 2 cells'",
        ),
        (lambda: DSCR_MIN(None, None), "#VALUE! deal: is required but empty"),
        (lambda: DSCR_MIN([["name", "x"]], None), "#VALUE! gpus: is required but empty"),
        (
            lambda: DSCR_MIN([*DEAL, ["anual_decline", 0.2]], None),
            "#VALUE! deal: unknown key 'anual_decline'; did you mean 'annual_decline'?",
        ),
        (
            lambda: DSCR_MIN([["gpus"]], None),
            "#VALUE! deal: got ['gpus']; allowed: a range of two columns",
        ),
        (
            lambda: DSCR_MIN([[k, "text"] if k == "gpus" else [k, v] for k, v in DEAL], None),
            "#VALUE! gpus: got 'text'",
        ),
        (
            lambda: DSCR_MIN([[k, math.nan] if k == "gpus" else [k, v] for k, v in DEAL], None),
            "#VALUE! gpus: got nan",
        ),
        (
            lambda: DSCR_RENT_CURVE(2.0, 0.3, 1.0, 5.0, None),
            "#VALUE! periods_per_year: got 5.0; allowed: one of 12, 4, 2, 1",
        ),
        (
            lambda: DSCR_RENT_CURVE(None, 0.3, 1.0, None, None),
            "#VALUE! start_rate: is required but empty",
        ),
        (
            lambda: DSCR_DEBT_CAPACITY([[1.0, 2.0], [3.0, 4.0]], 0.01, 1.3),
            "#VALUE! cfads: got 'a range of 2 x 2 cells'; allowed: one row or one column",
        ),
        (
            lambda: DSCR_DEBT_CAPACITY([[1.0], [None], [2.0]], 0.01, 1.3),
            "#VALUE! cfads item 2: is required but empty",
        ),
        (
            lambda: DSCR([[1.0], [2.0]], [[1.0]]),
            "#VALUE! debt_service: got 'a range of 1 x 1 cells'; allowed: the shape of cfads, 2 x 1",
        ),
        (lambda: DSCR([[1.0]], [[-1.0]]), "#VALUE! debt_service row 1 col 1: got -1.0"),
    ],
)
def test_bad_input_gives_one_line(call: object, message: str) -> None:
    result = call()  # type: ignore[operator]
    assert isinstance(result, str)
    assert result.startswith(message)
    assert "\n" not in result


def test_unexpected_error_is_logged_not_shown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import addin.excel.udfs
    import addin.log

    monkeypatch.setenv("GPUCREDIT_LOG_DIR", str(tmp_path))
    for handler in list(addin.log._logger().handlers):
        addin.log._logger().removeHandler(handler)

    def broken(deal: object, annual_decline: object = None) -> float:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(addin.excel.udfs, "min_dscr", broken)
    result = DSCR_MIN(DEAL, 0.3)
    assert result.startswith("#VALUE! internal error in DSCR_MIN; details logged in")
    assert str(tmp_path) in result
    logged = (tmp_path / "gpucredit.log").read_text(encoding="utf-8")
    assert "ZeroDivisionError" in logged
    assert "DSCR_MIN(range 6x2, float)" in logged
    assert "Test deal" not in logged  # no deal data in the log
    for handler in list(addin.log._logger().handlers):
        addin.log._logger().removeHandler(handler)


def test_lite_raises_instead_of_text(monkeypatch: pytest.MonkeyPatch) -> None:
    import addin.excel.udf
    from addin.model.errors import InputError

    monkeypatch.setattr(addin.excel.udf, "IN_LITE", True)
    with pytest.raises(InputError, match=r"annual_decline: got 1.5"):
        DSCR_MIN(DEAL, 1.5)


def test_deal_cache_tells_true_from_one() -> None:
    """Issue 11 item 9: True == 1 and hash(True) == hash(1), so the cache keys by type too."""
    with_one = [[k, 1.0 if k == "gpus" else v] for k, v in DEAL]
    with_true = [[k, True if k == "gpus" else v] for k, v in DEAL]  # Excel's TRUE
    assert isinstance(DSCR_MIN(with_one), float)  # cached
    assert (
        DSCR_MIN(with_true)
        == "#VALUE! gpus: got True; allowed: a whole number >= 1 and <= 1e7 (count)"
    )


def test_deal_range_with_a_filled_third_column_is_an_error() -> None:
    rows = [[*row, ""] for row in DEAL] + [["rent_floor", 0.5, "USD per GPU-hour"]]
    assert DSCR_MIN(rows).startswith(f"#VALUE! deal row {len(rows)}: got 'USD per GPU-hour'")
    assert DSCR_MIN([[*row, ""] for row in DEAL]) == DSCR_MIN(DEAL)
