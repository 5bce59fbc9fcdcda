"""Closed forms of correlated default against published tables and numeric integration."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate, stats

from addin import (
    conditional_pd,
    default_correlation,
    irb_risk_weight,
    joint_default_probability,
    miner_stress_pd,
    tail_dependence,
    vasicek_loss_cdf,
    vasicek_tranche_expected_loss,
    worst_case_default_rate,
)
from addin.analytics.credit import BASEL2_PD_FLOOR, IRB_PD_FLOOR, crypto_factor, rent_factor
from addin.model.errors import InputError, MissingInputError

# ---- published values ----------------------------------------------------------------------

# BCBS (June 2006), "International Convergence of Capital Measurement and Capital Standards:
# A Revised Framework, Comprehensive Version", Annex 5, "Illustrative IRB Risk Weights for
# UL", corporate exposures, LGD 45%, maturity 2.5 years, turnover EUR 50 million (no SME
# adjustment). Risk weights printed to 0.01 percentage point; we allow one unit of that last
# digit (the 2.00% row is 0.006 above the formula evaluated in double precision). Basel II's
# PD floor is 0.03% (the table's first row), so the table is checked with that floor.
BASEL_ANNEX5_CORPORATE = [
    (0.0003, 14.44),
    (0.0005, 19.65),
    (0.0010, 29.65),
    (0.0025, 49.47),
    (0.0040, 62.72),
    (0.0050, 69.61),
    (0.0075, 82.78),
    (0.0100, 92.32),
    (0.0130, 100.95),
    (0.0150, 105.59),
    (0.0200, 114.86),
    (0.0250, 122.16),
    (0.0300, 128.44),
]


@pytest.mark.parametrize(("pd", "risk_weight_percent"), BASEL_ANNEX5_CORPORATE)
def test_irb_risk_weight_matches_basel_annex5(pd: float, risk_weight_percent: float) -> None:
    got = irb_risk_weight(pd, 0.45, 2.5, pd_floor=BASEL2_PD_FLOOR)
    assert got == pytest.approx(risk_weight_percent / 100, abs=1e-4)


# Hull, J. C., Risk Management and Financial Institutions, 2nd ed. (2009), Table 11.4:
# 99.9% worst-case default rate for PD (columns) and copula correlation (rows), in percent
# to one decimal.
HULL_TABLE_11_4 = {
    0.2: [2.8, 9.1, 14.6, 18.9, 22.6],
    0.4: [7.1, 21.1, 31.6, 39.0, 44.9],
    0.6: [13.5, 38.7, 54.2, 63.8, 70.5],
    0.8: [23.3, 66.3, 83.6, 90.8, 94.4],
}
HULL_PDS = [0.001, 0.005, 0.01, 0.015, 0.02]


@pytest.mark.parametrize("rho", sorted(HULL_TABLE_11_4))
def test_worst_case_default_rate_matches_hull_table(rho: float) -> None:
    got = worst_case_default_rate(np.array(HULL_PDS), rho, 0.999)
    assert_allclose(np.asarray(got) * 100, HULL_TABLE_11_4[rho], atol=0.05 + 1e-9)


def test_worst_case_default_rate_with_zero_correlation_is_the_pd() -> None:
    # Hull, RMFI Table 11.4, row rho = 0: the WCDR equals the PD.
    assert_allclose(worst_case_default_rate(np.array(HULL_PDS), 0.0, 0.999), HULL_PDS, rtol=1e-14)


# McNeil, Frey and Embrechts, Quantitative Risk Management (2005), Table 5.1: coefficient of
# tail dependence of the t copula, to two decimals.
QRM_TABLE_5_1 = [
    (2, 0.0, 0.18),
    (2, 0.5, 0.39),
    (2, 0.9, 0.72),
    (4, 0.0, 0.08),
    (4, 0.5, 0.25),
    (4, 0.9, 0.63),
    (10, 0.0, 0.01),
    (10, 0.5, 0.08),
    (10, 0.9, 0.46),
]


@pytest.mark.parametrize(("dof", "rho", "expected"), QRM_TABLE_5_1)
def test_tail_dependence_matches_qrm_table(dof: float, rho: float, expected: float) -> None:
    assert tail_dependence(rho, dof) == pytest.approx(expected, abs=0.005 + 1e-12)


def test_tail_dependence_is_the_limit_of_the_conditional_joint_default() -> None:
    # lambda = lim P(both default) / PD as PD -> 0; at PD = 1e-8 the ratio is within 0.01.
    ratio = joint_default_probability(1e-8, 1e-8, 0.5, "t", 4) / 1e-8
    assert ratio == pytest.approx(tail_dependence(0.5, 4), abs=0.01)


# ---- closed forms against numeric integration -----------------------------------------------


def factor_integral(pd1: float, pd2: float, rho: float) -> float:
    """P(both default) = integral of p1(M) p2(M) phi(M) dM, by adaptive quadrature."""
    c1, c2, s = stats.norm.ppf(pd1), stats.norm.ppf(pd2), math.sqrt(rho)

    def integrand(m: float) -> float:
        p1 = stats.norm.cdf((c1 - s * m) / math.sqrt(1 - rho))
        p2 = stats.norm.cdf((c2 - s * m) / math.sqrt(1 - rho))
        return float(p1 * p2 * stats.norm.pdf(m))

    return float(integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-15, epsrel=1e-12)[0])


@pytest.mark.parametrize(
    ("pd1", "pd2", "rho"),
    [(0.02, 0.05, 0.3), (0.001, 0.2, 0.6), (0.3, 0.3, 0.05), (0.5, 0.01, 0.9)],
)
def test_gaussian_joint_default_matches_factor_integral(pd1: float, pd2: float, rho: float) -> None:
    expected = factor_integral(pd1, pd2, rho)
    assert joint_default_probability(pd1, pd2, rho) == pytest.approx(expected, rel=1e-9, abs=1e-15)


def t_mixture_integral(pd1: float, pd2: float, rho: float, dof: float) -> float:
    """T_2(c1, c2) = integral over V = sqrt(chi2 / dof) of Phi_2(c1 V, c2 V; rho), by
    adaptive quadrature (scipy quad) of scipy's bivariate normal CDF."""
    c1, c2 = stats.t.ppf([pd1, pd2], dof)
    law = stats.multivariate_normal(mean=[0, 0], cov=[[1, rho], [rho, 1]])

    def integrand(v: float) -> float:
        density_v = stats.chi.pdf(v * math.sqrt(dof), dof) * math.sqrt(dof)
        return float(law.cdf([c1 * v, c2 * v]) * density_v)

    mode = math.sqrt(max(dof - 1, 0.5) / dof)
    pieces = [(0, mode / 4), (mode / 4, mode), (mode, 4 * mode), (4 * mode, np.inf)]
    return sum(
        integrate.quad(integrand, a, b, epsabs=1e-15, epsrel=1e-11, limit=200)[0] for a, b in pieces
    )


@pytest.mark.parametrize("dof", [1.0, 4.0, 30.0])
def test_t_joint_default_matches_mixture_integral(dof: float) -> None:
    expected = t_mixture_integral(0.02, 0.05, 0.3, dof)
    got = joint_default_probability(0.02, 0.05, 0.3, "t", dof)
    assert got == pytest.approx(expected, rel=1e-8)


def test_t_joint_default_agrees_with_scipy_multivariate_t_within_its_error() -> None:
    # scipy's multivariate_t.cdf is randomised (quasi Monte Carlo, ~1e-5): a loose check.
    law = stats.multivariate_t(loc=[0, 0], shape=[[1, 0.3], [0.3, 1]], df=4, seed=1)
    reference = law.cdf(stats.t.ppf([0.02, 0.05], 4), maxpts=2_000_000)
    assert joint_default_probability(0.02, 0.05, 0.3, "t", 4) == pytest.approx(reference, abs=2e-5)


def test_t_tends_to_gaussian_as_dof_grows() -> None:
    gaussian = joint_default_probability(0.02, 0.05, 0.3)
    gaps = [
        abs(joint_default_probability(0.02, 0.05, 0.3, "t", v) - gaussian)
        for v in (10, 100, 1e4, 1e6)
    ]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-7


def test_default_correlation_definition_and_independence() -> None:
    joint = joint_default_probability(0.02, 0.05, 0.3)
    expected = (joint - 0.02 * 0.05) / math.sqrt(0.02 * 0.98 * 0.05 * 0.95)
    assert default_correlation(0.02, 0.05, 0.3) == pytest.approx(expected, rel=1e-14)
    assert default_correlation(0.02, 0.05, 0.0) == pytest.approx(0.0, abs=1e-15)
    # the t copula's common mixing variable links defaults even at rho = 0
    assert default_correlation(0.02, 0.05, 0.0, "t", 4) > 0.02


@given(
    st.floats(0.001, 0.5),
    st.floats(0.001, 0.5),
    st.floats(0.0, 0.95),
    st.sampled_from([None, 3.0, 8.0]),
)
def test_joint_default_bounds_and_symmetry(
    pd1: float, pd2: float, rho: float, dof: float | None
) -> None:
    copula = "gaussian" if dof is None else "t"
    joint = joint_default_probability(pd1, pd2, rho, copula, dof)
    assert joint == pytest.approx(joint_default_probability(pd2, pd1, rho, copula, dof), rel=1e-9)
    assert max(0.0, pd1 + pd2 - 1) - 1e-12 <= joint <= min(pd1, pd2) + 1e-12
    if dof is None:
        assert joint >= pd1 * pd2 - 1e-15  # rho >= 0: positive dependence


def test_conditional_pd_averages_to_the_pd() -> None:
    # E[p(M)] = PD: integrate the conditional PD over the standard normal factor.
    mean = integrate.quad(
        lambda m: conditional_pd(0.03, 0.25, m) * stats.norm.pdf(m), -np.inf, np.inf, epsabs=1e-14
    )[0]
    assert mean == pytest.approx(0.03, rel=1e-10)


def test_conditional_pd_broadcasts_and_wcdr_is_conditional_pd_at_the_quantile() -> None:
    factors = np.array([-3.0, 0.0, 3.0])
    values = conditional_pd(0.02, 0.2, factors)
    assert isinstance(values, np.ndarray)
    assert values.shape == (3,)
    assert np.all(np.diff(values) < 0)  # a better state lowers the PD
    wcdr = worst_case_default_rate(0.02, 0.2, 0.999)
    assert wcdr == pytest.approx(conditional_pd(0.02, 0.2, stats.norm.ppf(0.001)), rel=1e-14)
    assert isinstance(wcdr, float)


def test_vasicek_loss_cdf_inverts_the_wcdr() -> None:
    for level in (0.9, 0.99, 0.999):
        wcdr = worst_case_default_rate(0.02, 0.2, level)
        assert vasicek_loss_cdf(0.6 * wcdr, 0.02, 0.2, 0.6) == pytest.approx(level, rel=1e-12)


def lhp_tranche_by_integration(a: float, d: float, pd: float, rho: float, lgd: float) -> float:
    def payoff(m: float) -> float:
        loss = lgd * conditional_pd(pd, rho, m)
        return float(min(max(loss - a, 0.0), d - a) * stats.norm.pdf(m))

    value = integrate.quad(
        payoff, -12, 12, epsabs=1e-15, epsrel=1e-12, limit=500, points=[-4, -2, 0]
    )
    return float(value[0] / (d - a))


@pytest.mark.parametrize(("a", "d"), [(0.0, 0.03), (0.03, 0.07), (0.07, 0.15), (0.15, 1.0)])
def test_vasicek_tranche_matches_integration(a: float, d: float) -> None:
    expected = lhp_tranche_by_integration(a, d, 0.02, 0.2, 0.6)
    assert vasicek_tranche_expected_loss(a, d, 0.02, 0.2, 0.6) == pytest.approx(expected, abs=1e-10)


def test_vasicek_full_tranche_is_the_expected_loss_and_rho_zero_is_deterministic() -> None:
    assert vasicek_tranche_expected_loss(0.0, 1.0, 0.02, 0.3, 0.6) == pytest.approx(
        0.012, rel=1e-12
    )
    # rho = 0: the loss is exactly LGD x PD = 1.2%
    assert vasicek_tranche_expected_loss(0.01, 0.02, 0.02, 0.0, 0.6) == pytest.approx(
        0.2, rel=1e-12
    )
    assert vasicek_loss_cdf(0.0119, 0.02, 0.0, 0.6) == 0.0
    assert vasicek_loss_cdf(0.0121, 0.02, 0.0, 0.6) == 1.0


# ---- IRB -----------------------------------------------------------------------------------


def test_irb_maturity_adjustment_and_lgd_scaling() -> None:
    # BCBS (2006) paragraph 272, evaluated by hand for PD 1%: b = (0.11852 + 0.05478 x 4.60517)^2
    b = (0.11852 - 0.05478 * math.log(0.01)) ** 2
    at_25 = irb_risk_weight(0.01, 0.45, 2.5)
    assert irb_risk_weight(0.01, 0.45, 5.0) == pytest.approx(at_25 * (1 + 2.5 * b), rel=1e-12)
    assert irb_risk_weight(0.01, 0.45, 1.0) == pytest.approx(at_25 * (1 - 1.5 * b), rel=1e-12)
    assert irb_risk_weight(0.01, 0.90) == pytest.approx(2 * at_25, rel=1e-12)
    weights = irb_risk_weight(np.array([0.01, 0.02]), 0.45)
    assert isinstance(weights, np.ndarray)
    assert weights.shape == (2,)


def test_irb_pd_floor() -> None:
    # The Basel Framework, CRE32.4 (version effective 1 January 2023): the PD of a corporate
    # exposure is at least 0.05%. Without a floor a PD of 1e-10 at M = 5 gave -2.3e-7: the
    # maturity adjustment divides by 1 - 1.5 b, negative below a PD of about 2.9e-6.
    assert IRB_PD_FLOOR == 0.0005
    at_floor = irb_risk_weight(0.0005, 0.45, 5.0)
    assert irb_risk_weight(1e-10, 0.45, 5.0) == at_floor
    assert irb_risk_weight(0.0, 0.45, 5.0) == at_floor
    assert at_floor > 0.3  # Annex 5's 0.05% row is 19.65% at M = 2.5; M = 5 is higher
    # Above the floor nothing changes: the 1% row of Annex 5 under either floor.
    assert irb_risk_weight(0.01, 0.45) == irb_risk_weight(0.01, 0.45, pd_floor=BASEL2_PD_FLOOR)
    # BCBS (2006) Annex 5, corporate, LGD 45%, M 2.5: PD 0.03% -> 14.44%, 0.05% -> 19.65%.
    assert irb_risk_weight(1e-10, 0.45, pd_floor=BASEL2_PD_FLOOR) == pytest.approx(0.1444, abs=1e-4)
    assert irb_risk_weight(1e-10, 0.45) == pytest.approx(0.1965, abs=1e-4)


@given(
    st.floats(0.0, 0.999999),
    st.floats(0.0, 1.0),
    st.floats(1.0, 5.0),
    st.sampled_from([BASEL2_PD_FLOOR, IRB_PD_FLOOR, 1e-5, 0.01]),
)
def test_irb_risk_weight_is_never_negative(
    pd: float, lgd: float, maturity: float, floor: float
) -> None:
    assert irb_risk_weight(pd, lgd, maturity, pd_floor=floor) >= 0.0


# ---- the two-factor scenario ----------------------------------------------------------------


def test_factor_values_from_scenarios() -> None:
    # C = ln(1 - x) / (sigma sqrt(h)); R = ln((1 - y) / (1 - d)^h) / (sigma_R sqrt(h))
    assert crypto_factor(0.5, 2.0, 0.45) == pytest.approx(math.log(0.5) / (0.45 * math.sqrt(2)))
    assert rent_factor(0.51, 2.0, 0.25, 0.3) == pytest.approx(0.0, abs=1e-12)  # 1 - 0.7^2
    assert rent_factor(0.6, 1.0, 0.25, 0.3) == pytest.approx(math.log(0.4 / 0.7) / 0.25)


def test_miner_stress_pd_formula_and_average() -> None:
    a, b, rho = 0.5, 0.3, 0.4
    s = math.sqrt(1 - a * a - b * b - 2 * a * b * rho)
    c = crypto_factor(0.5, 1.0, 0.45)
    r = rent_factor(0.6, 1.0, 0.25, 0.3)
    expected = stats.norm.cdf((stats.norm.ppf(0.03) - a * c - b * r) / s)
    got = miner_stress_pd(0.03, a, b, 0.5, 0.6, 1.0, 0.45, 0.25, 0.3, rho)
    assert got == pytest.approx(expected, rel=1e-13)
    # a deeper drawdown never lowers the stressed PD
    deeper = miner_stress_pd(0.03, a, b, 0.7, 0.6, 1.0, 0.45, 0.25, 0.3, rho)
    assert deeper > got


def test_miner_stress_pd_averages_to_the_pd_over_the_factors() -> None:
    # E over correlated (C, R) of PD(C, R) equals the PD: Gauss-Hermite in two dimensions.
    nodes, weights = np.polynomial.hermite_e.hermegauss(80)
    weights = weights / weights.sum()
    a, b, rho = 0.5, 0.3, 0.4
    s = math.sqrt(1 - a * a - b * b - 2 * a * b * rho)
    cc, ee = np.meshgrid(nodes, nodes, indexing="ij")
    rr = rho * cc + math.sqrt(1 - rho * rho) * ee
    pd_given = stats.norm.cdf((stats.norm.ppf(0.03) - a * cc - b * rr) / s)
    assert float(weights @ pd_given @ weights) == pytest.approx(0.03, rel=1e-10)


# ---- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (
            lambda: joint_default_probability(0.0, 0.1, 0.2),
            r"pd1: got 0.0; allowed: a number > 0 and < 1 \(",
        ),
        (lambda: joint_default_probability(0.1, 1.0, 0.2), "pd2: got 1.0"),
        (
            lambda: joint_default_probability(0.1, 0.1, 1.0),
            r"rho: got 1.0; allowed: a number >= 0 and <= 0.9999 \(correlation",
        ),
        (lambda: joint_default_probability(0.1, 0.1, -0.1), "rho: got -0.1"),
        (lambda: joint_default_probability(0.1, 0.1, 0.2, "clayton"), "copula: got 'clayton'"),
        (
            lambda: joint_default_probability(0.1, 0.1, 0.2, "t", 0.5),
            r"dof: got 0.5; allowed: a number >= 1 and <= 1e6 \(degrees of freedom",
        ),
        (lambda: default_correlation(0.1, "x", 0.2), "pd2: got 'x'"),
        (lambda: conditional_pd(0.1, 0.2, float("nan")), "factor: got nan"),
        (lambda: worst_case_default_rate(0.02, 0.1, 1.0), "confidence: got 1.0"),
        (lambda: worst_case_default_rate([0.02, 1.5], 0.1, 0.99), "pd item 2: got 1.5"),
        (lambda: tail_dependence(0.5, -1), "dof: got -1.0"),
        (
            lambda: irb_risk_weight(0.01, 0.45, 7.0),
            r"maturity: got 7.0; allowed: a number >= 1 and <= 5 \(years",
        ),
        (lambda: irb_risk_weight(1.0, 0.45), r"pd: got 1.0; allowed: a number >= 0 and < 1"),
        (lambda: irb_risk_weight(-0.01, 0.45), "pd: got -0.01"),
        (
            lambda: irb_risk_weight(0.01, 0.45, 2.5, pd_floor=0.0),
            r"pd_floor: got 0.0; allowed: a number >= 1e-5 and <= 0.01 \(decimal per year",
        ),
        (lambda: vasicek_tranche_expected_loss(0.1, 0.05, 0.02, 0.2), "detach: got 0.05"),
        (lambda: miner_stress_pd(0.03, 0.9, 0.9, 0.5, 0.6, 1, 0.45, 0.25, 0.3), "compute_loading"),
        (lambda: miner_stress_pd(0.03, 0.5, 0.3, 1.0, 0.6, 1, 0.45, 0.25, 0.3), "btc_drawdown"),
        (lambda: miner_stress_pd(0.03, 0.5, 0.3, 0.5, 0.6, 0, 0.45, 0.25, 0.3), "horizon_years"),
        (lambda: miner_stress_pd(0.03, 0.5, 0.3, 0.5, 0.6, 1, 0.45, 0.25, 0.3, 1.0), "factor_corr"),
    ],
)
def test_bad_inputs_name_the_argument(call: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()  # type: ignore[operator]


def test_t_copula_needs_dof() -> None:
    with pytest.raises(MissingInputError, match="dof: is required but empty"):
        joint_default_probability(0.1, 0.1, 0.2, "T")


def test_copula_name_is_case_insensitive_and_dof_ignored_for_gaussian() -> None:
    assert joint_default_probability(0.1, 0.1, 0.2, " Gaussian ", 5) == joint_default_probability(
        0.1, 0.1, 0.2
    )


_PD = st.one_of(
    st.floats(1e-300, 1e-3),
    st.floats(1e-3, 1 - 1e-3),
    st.floats(1 - 1e-3, 1 - 1e-15),
)


@given(
    pd1=_PD,
    pd2=_PD,
    rho=st.floats(0.0, 0.9999),
    dof=st.one_of(st.none(), st.floats(1.0, 1e6)),
)
def test_joint_default_within_frechet_bounds_and_correlation_in_range(
    pd1: float, pd2: float, rho: float, dof: float | None
) -> None:
    # Issue 11: DEFAULT_JOINT(1e-100, 0.5, 0.9999, "t", 1) gave 0.5 and DEFAULT_CORR 1e50.
    # A joint probability lies in the Frechet bounds [max(0, p1 + p2 - 1), min(p1, p2)].
    copula = "gaussian" if dof is None else "t"
    joint = joint_default_probability(pd1, pd2, rho, copula, dof)
    assert max(0.0, pd1 + pd2 - 1.0) <= joint <= min(pd1, pd2)
    assert -1.0 <= default_correlation(pd1, pd2, rho, copula, dof) <= 1.0


def test_extreme_pds_of_the_issue() -> None:
    joint = joint_default_probability(1e-100, 0.5, 0.9999, "t", 1)
    assert 0.0 <= joint <= 1e-100
    assert abs(default_correlation(1e-100, 0.5, 0.9999, "t", 1)) <= 1e-49
