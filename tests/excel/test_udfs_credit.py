"""The correlated-default family called the way Excel calls it: 2-D lists, None, text, shapes."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from addin import (
    default_correlation,
    irb_risk_weight,
    joint_default_probability,
    loss_distribution,
    miner_stress_pd,
    portfolio_es,
    portfolio_var,
    tail_dependence,
    tranche_expected_loss,
    worst_case_default_rate,
)
from addin.excel.udfs import (
    DEFAULT_CONDITIONAL_PD,
    DEFAULT_CORR,
    DEFAULT_JOINT,
    DEFAULT_TAIL_DEP,
    DEFAULT_WCDR,
    IRB_RISK_WEIGHT,
    MINER_STRESS_PD,
    PORTFOLIO_EL,
    PORTFOLIO_ES,
    PORTFOLIO_LOSS_DIST,
    PORTFOLIO_VAR,
    TRANCHE_EL,
)

PDS = [[0.01], [0.02], [0.05], [0.03]]  # a column range, as xlwings passes it
EXPOSURES = [[100.0], [200.0], [300.0], [100.0]]
LGDS = [[0.5], [0.5], [0.4], [0.6]]
FLAT = ([0.01, 0.02, 0.05, 0.03], [100.0, 200.0, 300.0, 100.0], [0.5, 0.5, 0.4, 0.6])


def is_error(result: Any, starts: str) -> bool:
    """A one-line '#VALUE! ...' message that starts as expected."""
    return (
        isinstance(result, str)
        and result.startswith("#VALUE! " + starts)
        and "\n" not in result
        and "Traceback" not in result
    )


# ---- the same numbers as Python ----------------------------------------------------------------


def test_pair_functions_match_python() -> None:
    assert DEFAULT_JOINT(0.02, 0.05, 0.3) == joint_default_probability(0.02, 0.05, 0.3)
    assert DEFAULT_JOINT([[0.02]], [[0.05]], [[0.3]], " T ", 4.0) == joint_default_probability(
        0.02, 0.05, 0.3, "t", 4
    )
    assert DEFAULT_CORR(0.02, 0.05, 0.3, None, None) == default_correlation(0.02, 0.05, 0.3)
    assert DEFAULT_CORR(0.02, 0.05, 0.3, "gaussian", "") == default_correlation(0.02, 0.05, 0.3)
    assert DEFAULT_WCDR(0.02, 0.1, None) == worst_case_default_rate(0.02, 0.1, 0.999)
    assert DEFAULT_TAIL_DEP(0.5, 4.0) == tail_dependence(0.5, 4)
    assert DEFAULT_CONDITIONAL_PD(0.02, 0.2, -2.0) == pytest.approx(0.0974599965, rel=1e-9)
    assert IRB_RISK_WEIGHT(0.01, 0.45, None) == irb_risk_weight(0.01, 0.45, 2.5)
    assert IRB_RISK_WEIGHT(0.01, 0.45, "") == irb_risk_weight(0.01, 0.45, 2.5)
    stressed = MINER_STRESS_PD(0.03, 0.5, 0.3, 0.5, 0.6, 1.0, 0.45, 0.25, 0.3, None)
    assert stressed == miner_stress_pd(0.03, 0.5, 0.3, 0.5, 0.6, 1.0, 0.45, 0.25, 0.3)


def test_portfolio_functions_match_python() -> None:
    assert PORTFOLIO_EL(PDS, EXPOSURES, LGDS) == pytest.approx(0.5 + 2.0 + 6.0 + 1.8)
    assert PORTFOLIO_VAR(0.99, PDS, EXPOSURES, LGDS, 0.2) == portfolio_var(0.99, *FLAT, 0.2)
    assert PORTFOLIO_ES(0.99, PDS, EXPOSURES, LGDS, [[0.2]], "t", 5.0) == portfolio_es(
        0.99, *FLAT, 0.2, "t", 5
    )
    assert TRANCHE_EL(0.03, 0.5, PDS, EXPOSURES, LGDS, 0.2) == tranche_expected_loss(
        0.03, 0.5, *FLAT, 0.2
    )


def test_loss_table_has_a_header_and_matches_python() -> None:
    table = PORTFOLIO_LOSS_DIST(PDS, EXPOSURES, LGDS, 0.2)
    frame = loss_distribution(*FLAT, 0.2)
    assert table[0] == ["loss", "probability", "cumulative"]
    assert len(table) == len(frame) + 1
    assert [row[1] for row in table[1:]] == frame["probability"].tolist()
    assert table[-1][2] == pytest.approx(1.0, abs=1e-12)


def test_rows_as_well_as_columns_and_single_cells_for_all() -> None:
    row = [[0.01, 0.02, 0.05, 0.03]]
    assert PORTFOLIO_VAR(0.99, row, 100.0, [[0.5]], 0.2) == portfolio_var(
        0.99, row[0], 100, 0.5, 0.2
    )
    # one correlation per obligor, as a column
    per_obligor = [[0.1], [0.2], [0.3], [0.2]]
    assert TRANCHE_EL(0.0, 0.1, PDS, EXPOSURES, LGDS, per_obligor) == tranche_expected_loss(
        0.0, 0.1, *FLAT, [0.1, 0.2, 0.3, 0.2]
    )


def test_default_counts_with_unit_exposures() -> None:
    table = PORTFOLIO_LOSS_DIST(PDS, 1.0, 1.0, 0.0)
    assert [row[0] for row in table[1:]] == [0.0, 1.0, 2.0, 3.0, 4.0]


# ---- errors: one line, naming the argument -----------------------------------------------------


@pytest.mark.parametrize(
    ("call", "starts"),
    [
        (lambda: DEFAULT_JOINT(None, 0.05, 0.3), "pd1: is required but empty"),
        (lambda: DEFAULT_JOINT("2%", 0.05, 0.3), "pd1: got '2%'"),
        (lambda: DEFAULT_JOINT(0.02, 0.05, 0.3, "clayton"), "copula: got 'clayton'"),
        (lambda: DEFAULT_JOINT(0.02, 0.05, 0.3, "t"), "dof: is required but empty"),
        (lambda: DEFAULT_JOINT(0.02, 0.05, 0.3, "t", "four"), "dof: got 'four'"),
        (lambda: DEFAULT_JOINT(0.02, 0.05, [[0.3, 0.2]]), "rho: got 'a range of 1 x 2 cells'"),
        (lambda: DEFAULT_CORR(0.02, 1.0, 0.3), "pd2: got 1.0"),
        (lambda: DEFAULT_WCDR(0.02, 0.1, 1.0), "confidence: got 1.0"),
        (lambda: DEFAULT_TAIL_DEP(0.5, None), "dof: is required but empty"),
        (lambda: DEFAULT_CONDITIONAL_PD(0.02, True, 1.0), "rho: got True"),
        (  # an empty cell inside the range (a trailing one is cut: issue 11 item 8)
            lambda: PORTFOLIO_LOSS_DIST([[0.01], [None], [0.02]], 1.0, 1.0, 0.2),
            "pds item 2: is required",
        ),
        (lambda: PORTFOLIO_LOSS_DIST([[0.01], ["x"]], 1.0, 1.0, 0.2), "pds item 2: got 'x'"),
        (lambda: PORTFOLIO_LOSS_DIST([[0.01, 0.2], [0.02, 0.1]], 1.0, 1.0, 0.2), "pds: got"),
        (lambda: PORTFOLIO_LOSS_DIST(PDS, [[1.0], [2.0]], 1.0, 0.2), "exposures: got '2 values'"),
        (lambda: PORTFOLIO_LOSS_DIST(PDS, EXPOSURES, LGDS, 1.0), "rho: got 1.0"),
        (lambda: PORTFOLIO_EL(PDS, EXPOSURES, [[1.5]]), "lgds: got 1.5"),
        (lambda: PORTFOLIO_VAR(None, PDS, EXPOSURES, LGDS, 0.2), "confidence: is required"),
        (lambda: PORTFOLIO_ES(0.99, PDS, EXPOSURES, LGDS, 0.2, "t", 0.5), "dof: got 0.5"),
        (lambda: TRANCHE_EL(0.1, 0.05, PDS, EXPOSURES, LGDS, 0.2), "detach: got 0.05"),
        (lambda: IRB_RISK_WEIGHT(0.01, 0.45, 10.0), "maturity: got 10.0"),
        (lambda: MINER_STRESS_PD(0.03, 0.9, 0.9, 0.5, 0.6, 1, 0.45, 0.25, 0.3), "compute_loading"),
        (lambda: MINER_STRESS_PD(0.03, 0.5, 0.3, 0.5, 0.6, None, 0.45, 0.25, 0.3), "horizon_years"),
    ],
)
def test_wrong_inputs_give_one_line(call: Any, starts: str) -> None:
    assert is_error(call(), starts), call()


@settings(max_examples=40)
@given(
    st.lists(
        st.one_of(st.none(), st.floats(allow_nan=True), st.text(max_size=3), st.booleans()),
        min_size=1,
        max_size=6,
    ),
    st.one_of(st.none(), st.floats(), st.text(max_size=2)),
)
def test_anything_in_the_cells_gives_a_number_or_one_line(cells: list[Any], rho: Any) -> None:
    for result in (
        PORTFOLIO_VAR(0.99, [[c] for c in cells], 1.0, 0.5, rho),
        TRANCHE_EL(0.0, 0.1, [[c] for c in cells], 1.0, 0.5, rho, "t", 4.0),
        DEFAULT_JOINT(cells[0], 0.05, rho),
    ):
        assert isinstance(result, float) or is_error(result, ""), result
        assert "internal error" not in str(result)
