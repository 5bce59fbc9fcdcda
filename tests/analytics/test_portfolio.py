"""Portfolio loss engines: independent checks, Monte Carlo, limits and invariants."""

from __future__ import annotations

import dataclasses
import itertools
import math
import tracemalloc
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate, stats

from addin import (
    default_count_distribution,
    distribution_es,
    distribution_tranche_el,
    distribution_var,
    loss_distribution,
    portfolio_es,
    portfolio_expected_loss,
    portfolio_var,
    simulate_losses,
    simulate_two_factor_losses,
    tranche_expected_loss,
    two_factor_loss_distribution,
    vasicek_tranche_expected_loss,
)
from addin.analytics import portfolio as copula
from addin.analytics.credit import chi_scale_nodes
from addin.analytics.portfolio.settings import DEFAULT_SETTINGS, EngineSettings
from addin.model.errors import CapError, InputError, MissingInputError

RNG = np.random.default_rng(20240601)
HET_PDS = RNG.uniform(0.005, 0.06, 40)
HET_EXPOSURES = RNG.integers(1, 6, 40) * 1e6  # whole USD millions: an exact grid
HET_LGDS = RNG.choice([0.4, 0.6], 40)
HET_RHO = RNG.uniform(0.05, 0.35, 40)
TRANCHES = [(0.0, 0.03), (0.03, 0.07), (0.07, 0.15), (0.15, 1.0)]


def brute_force_independent(pds: list[float], losses: list[int]) -> np.ndarray:
    """P(L = k) with independent defaults, by enumerating every default set."""
    out = np.zeros(sum(losses) + 1)
    for flags in itertools.product([0, 1], repeat=len(pds)):
        prob = math.prod(p if f else 1 - p for p, f in zip(pds, flags, strict=True))
        out[sum(loss for loss, f in zip(losses, flags, strict=True) if f)] += prob
    return out


def tranche_payoffs(losses: np.ndarray, attach: float, detach: float, total: float) -> np.ndarray:
    return np.clip(losses - attach * total, 0, (detach - attach) * total) / (
        (detach - attach) * total
    )


# ---- independent checks ----------------------------------------------------------------------


def test_zero_correlation_is_independence_brute_force() -> None:
    pds = [0.01, 0.2, 0.05, 0.5, 0.3, 0.07, 0.9, 0.15]
    units = [1, 3, 2, 1, 4, 2, 1, 5]
    dist = loss_distribution(pds, [u * 250_000.0 for u in units], 0.4, 0.0)
    assert dist.attrs["loss_unit"] == pytest.approx(100_000.0)
    assert_allclose(dist["probability"], brute_force_independent(pds, units), atol=1e-16)


@given(
    st.lists(st.floats(0.0, 1.0), min_size=1, max_size=9),
    st.lists(st.integers(0, 4), min_size=9, max_size=9),
)
def test_zero_correlation_poisson_binomial_property(pds: list[float], units: list[int]) -> None:
    units = units[: len(pds)]
    if not any(units):
        units[0] = 1
    dist = loss_distribution(pds, units, 1.0, 0.0)
    expected = brute_force_independent(pds, units)
    got = np.zeros(expected.size)
    got[np.rint(dist["loss"].to_numpy()).astype(int)] = dist["probability"].to_numpy()
    assert_allclose(got, expected, atol=1e-15)


def test_default_counts_match_a_direct_factor_integral() -> None:
    # P(k defaults) = integral of Binomial(k; n, p(M)) phi(M) dM by adaptive quadrature,
    # an independent route (scipy's binomial, scipy's quad).
    n, pd_, rho = 30, 0.03, 0.2
    c, s = stats.norm.ppf(pd_), math.sqrt(rho)

    def term(k: int) -> float:
        def integrand(m: float) -> float:
            p = stats.norm.cdf((c - s * m) / math.sqrt(1 - rho))
            return float(stats.binom.pmf(k, n, p) * stats.norm.pdf(m))

        return float(
            integrate.quad(integrand, -np.inf, np.inf, epsabs=1e-16, epsrel=1e-12, limit=200)[0]
        )

    expected = [term(k) for k in range(n + 1)]
    dist = default_count_distribution([pd_] * n, rho)
    assert dist["defaults"].tolist() == list(range(n + 1))
    assert_allclose(dist["probability"], expected, atol=1e-13)


def test_heterogeneous_recursion_matches_binomial_when_names_are_alike() -> None:
    # the same portfolio through the binomial shortcut and through the recursion
    # (a tiny PD difference forces the recursion)
    alike = loss_distribution([0.02] * 50, 1e6, 0.6, 0.25)
    nudged = loss_distribution([0.02] * 49 + [0.02 * (1 + 1e-12)], 1e6, 0.6, 0.25)
    assert_allclose(alike["probability"], nudged["probability"], atol=1e-13)


def test_var_and_es_by_hand_for_two_independent_names() -> None:
    # Losses 0 (0.72), 1 (0.18), 2 (0.08), 3 (0.02) for PDs 0.1 (loss 1) and 0.2 (loss 2).
    pds, exposures = [0.1, 0.2], [1.0, 2.0]
    assert portfolio_var(0.95, pds, exposures, 1.0, 0.0) == 2.0
    assert portfolio_var(0.99, pds, exposures, 1.0, 0.0) == 3.0
    # ES 95%: worst 5% = 0.02 at 3 and 0.03 at 2 -> (0.06 + 0.06) / 0.05 = 2.4
    assert portfolio_es(0.95, pds, exposures, 1.0, 0.0) == pytest.approx(2.4, rel=1e-12)
    assert portfolio_es(0.90, pds, exposures, 1.0, 0.0) == pytest.approx((0.06 + 0.16) / 0.1)


def test_tranche_cap_path_equals_full_distribution_path() -> None:
    dist = loss_distribution(HET_PDS, HET_EXPOSURES, HET_LGDS, HET_RHO)
    for a, d in TRANCHES:
        direct = tranche_expected_loss(a, d, HET_PDS, HET_EXPOSURES, HET_LGDS, HET_RHO)
        assert direct == pytest.approx(distribution_tranche_el(dist, a, d), abs=1e-14)
    assert distribution_var(dist, 0.99) == portfolio_var(
        0.99, HET_PDS, HET_EXPOSURES, HET_LGDS, HET_RHO
    )
    assert distribution_es(dist, 0.99) == pytest.approx(
        portfolio_es(0.99, HET_PDS, HET_EXPOSURES, HET_LGDS, HET_RHO), rel=1e-14
    )


# ---- accuracy against a converged reference ------------------------------------------------


FINER = dataclasses.replace(
    DEFAULT_SETTINGS,
    step_factor=DEFAULT_SETTINGS.step_factor / 4,
    max_step=DEFAULT_SETTINGS.max_step / 4,
)


@pytest.fixture
def converged() -> Any:
    """Run a callable with quadrature steps four times finer than the default."""

    def run(function: Any, *args: Any, **kwargs: Any) -> Any:
        return function(*args, settings=FINER, **kwargs)

    return run


@pytest.mark.parametrize(
    ("rho", "copula_name", "dof"),
    [
        (0.3, "gaussian", None),
        (HET_RHO, "gaussian", None),
        (0.3, "t", 5.0),
        (0.6, "gaussian", None),
    ],
)
def test_tranche_losses_within_1e8_of_converged_reference(
    converged: Any, rho: Any, copula_name: str, dof: float | None
) -> None:
    for a, d in TRANCHES:
        args = (a, d, HET_PDS, HET_EXPOSURES, HET_LGDS, rho, copula_name, dof)
        assert tranche_expected_loss(*args) == pytest.approx(
            converged(tranche_expected_loss, *args), abs=1e-8
        )


def test_hundred_name_tranches_within_1e8_of_converged_reference(converged: Any) -> None:
    pds, rho = RNG.uniform(0.005, 0.05, 100), RNG.uniform(0.1, 0.3, 100)
    for a, d in TRANCHES:
        args = (a, d, pds, 1e6, 0.6, rho)
        assert tranche_expected_loss(*args) == pytest.approx(
            converged(tranche_expected_loss, *args), abs=1e-8
        )


def test_two_factor_within_1e8_of_converged_reference(converged: Any) -> None:
    args = (HET_PDS[:20], HET_EXPOSURES[:20], 0.6, 0.5, 0.3, 0.3, 0.2, 0.8)
    fine = converged(two_factor_loss_distribution, *args)
    dist = two_factor_loss_distribution(*args)
    for a, d in TRANCHES:
        assert distribution_tranche_el(dist, a, d) == pytest.approx(
            distribution_tranche_el(fine, a, d), abs=1e-8
        )


@pytest.mark.parametrize(
    ("pds", "exposures", "rho"),
    [
        # one loan of 100 units among 99 of 1: the narrow features come from the many small
        # loans (quadrature steps set by exposure-weighted counts missed them by 2e-4)
        (np.linspace(0.19, 0.21, 100), [100.0] + [1.0] * 99, 0.5),
        # five steep names (rho 0.9, PD 40%) among 60 flat ones (rho <= 0.1)
        ([0.4] * 5 + [0.02] * 60, [2.0] * 5 + [1.0] * 60, [0.9] * 5 + [0.1] * 60),
        # a small pool with heavy PDs and high correlation (PD ~ 1/2 near the factor's mode)
        ([0.3, 0.45, 0.5], 1.0, 0.9),
    ],
)
def test_hard_pools_within_1e8_of_converged_reference(
    converged: Any, pds: Any, exposures: Any, rho: Any
) -> None:
    for a, d in [*TRANCHES, (0.0, 0.5), (0.5, 1.0)]:
        args = (a, d, pds, exposures, 1.0, rho)
        assert tranche_expected_loss(*args) == pytest.approx(
            converged(tranche_expected_loss, *args), abs=1e-8
        )


def test_t_copula_on_a_grid_without_common_unit_within_1e8_of_converged_reference(
    converged: Any,
) -> None:
    exposures = HET_EXPOSURES[:25] + 0.137  # no common unit: the 2,048-point split grid
    for a, d in TRANCHES:
        args = (a, d, HET_PDS[:25], exposures, 0.6, 0.3, "t", 4.0)
        assert tranche_expected_loss(*args) == pytest.approx(
            converged(tranche_expected_loss, *args), abs=1e-8
        )


# ---- the fast engine against the plain recursion ----------------------------------------


def tabulated(weights: np.ndarray, cond: np.ndarray) -> copula.models.Model:
    """A model whose conditional PDs (obligors x nodes) are given."""
    return copula.models.Model(weights, lambda start, stop: cond[:, start:stop])


def exact_grid(steps: Any) -> copula.grid.LossGrid:
    steps = np.asarray(steps, dtype=np.int64)
    return copula.grid.LossGrid(1.0, steps, np.zeros(steps.size), 0.0)


def recursion_cases() -> list[tuple[str, np.ndarray, copula.grid.LossGrid, int]]:
    rng = np.random.default_rng(11)
    unit = rng.random((100, 9)) ** 3
    unit[3], unit[7] = 0.0, 1.0  # a node-independent PD 0 and PD 1
    steps = np.repeat([1, 2, 3, 5, 4], [40, 25, 12, 3, 20])  # groups of unequal size
    mixed = rng.random((100, 9)) ** 2
    mixed[80:] = mixed[80]  # the 20 obligors of step 4 are alike: binomial
    lows = rng.integers(0, 120, 90)
    lows[:5] = [0, 1, 2, 300, 700]
    fractions = rng.random(90)
    fractions[10:20] = 0.0  # some losses on the grid, most split
    split = copula.grid.LossGrid(1.0, lows, fractions, 0.0)
    splits = rng.random((90, 9)) ** 4
    return [
        ("unit losses", unit, exact_grid(np.ones(100)), 100),
        ("mixed steps", mixed, exact_grid(steps), 221),
        ("mixed steps, capped", mixed, exact_grid(steps), 88),
        ("split losses, 90 obligors", splits, split, split.size),
        ("split losses, capped", splits, split, split.size // 3),
        ("three obligors", rng.random((3, 9)), exact_grid([1, 2, 2]), 5),
    ]


@pytest.mark.parametrize("table_terms", [DEFAULT_SETTINGS.table_terms_per_bit, 0, 10_000])
@pytest.mark.parametrize(("name", "cond", "grid", "cap"), recursion_cases())
def test_product_tree_matches_plain_recursion(
    name: str,
    cond: np.ndarray,
    grid: copula.grid.LossGrid,
    cap: int,
    table_terms: int,
) -> None:
    # The accelerated engine (counts, binomials, product trees, values at the roots of
    # unity by FFT or by the table product, as the engine chooses or all one way) against
    # the plain Andersen-Sidenius-Basu recursion on the same conditional PDs: rounding is
    # absolute, about 1e-16 (seen: 7e-17).
    chosen = dataclasses.replace(DEFAULT_SETTINGS, table_terms_per_bit=table_terms)
    weights = np.random.default_rng(3).random(9)
    weights /= weights.sum()
    fast = copula.models.loss_mixture(tabulated(weights, cond), grid, cap, chosen)
    assert fast.shape == (cap + 1,)
    assert_allclose(
        fast, copula.conditional.recursion(cond, grid, cap) @ weights, rtol=0, atol=1e-15
    )


def test_node_chunks_and_memory_fallbacks_give_the_same_distribution() -> None:
    _, cond, grid, cap = recursion_cases()[1]
    weights = np.full(9, 1 / 9)
    whole = copula.models.loss_mixture(tabulated(weights, cond), grid, cap, DEFAULT_SETTINGS)
    small = dataclasses.replace(DEFAULT_SETTINGS, chunk_cells=2000)  # 4 nodes a chunk, no table
    chunked = copula.models.loss_mixture(tabulated(weights, cond), grid, cap, small)
    assert_allclose(chunked, whole, rtol=0, atol=1e-15)


def test_memory_stays_bounded_at_the_correlation_cap() -> None:
    # 1,000 names at rho = 0.9999 need about 10,000 factor nodes: all their conditional
    # PDs at once would be 80 MB (and 240 MB at the peak, as it was); taken a chunk of
    # nodes at a time, arrays hold about CHUNK_CELLS (2 million) numbers, 16 MB, each.
    pds = np.random.default_rng(4).uniform(0.005, 0.05, 1000)
    tracemalloc.start()
    try:
        dist = loss_distribution(pds, 1e6, 0.6, 0.9999)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 50e6, f"peak {peak / 1e6:.0f} MB"  # seen: 16 MB
    assert float(dist["probability"].sum()) == pytest.approx(1.0, abs=1e-12)


# ---- Monte Carlo -----------------------------------------------------------------------------


def assert_within_3_se(exact: float, samples: np.ndarray) -> None:
    se = samples.std(ddof=1) / math.sqrt(samples.size)
    assert abs(exact - samples.mean()) <= 3 * se + 1e-12, (exact, samples.mean(), se)


@pytest.mark.parametrize(("copula_name", "dof"), [("gaussian", None), ("t", 4.0)])
def test_exact_engine_agrees_with_monte_carlo(copula_name: str, dof: float | None) -> None:
    args = (HET_PDS, HET_EXPOSURES, HET_LGDS, HET_RHO, copula_name, dof)
    paths = simulate_losses(*args, n_paths=200_000, seed=7)
    dist = loss_distribution(*args)
    total = float(HET_EXPOSURES.sum())
    for a, d in TRANCHES:
        assert_within_3_se(distribution_tranche_el(dist, a, d), tranche_payoffs(paths, a, d, total))
    level = float(np.quantile(paths, 0.95))
    cdf = float(dist.loc[dist["loss"] <= level + 1e-6, "probability"].sum())
    assert_within_3_se(cdf, (paths <= level + 1e-6).astype(float))


def test_two_factor_engine_agrees_with_monte_carlo() -> None:
    pds, exposures = HET_PDS[:25], HET_EXPOSURES[:25]
    crypto = np.where(np.arange(25) % 2 == 0, 0.6, 0.1)  # miners and neoclouds
    compute = np.where(np.arange(25) % 2 == 0, 0.3, 0.55)
    args = (pds, exposures, 0.6, crypto, compute, 0.2, 0.25, 0.8)
    paths = simulate_two_factor_losses(*args, n_paths=200_000, seed=11)
    dist = two_factor_loss_distribution(*args)
    total = float(exposures.sum())
    for a, d in TRANCHES:
        assert_within_3_se(distribution_tranche_el(dist, a, d), tranche_payoffs(paths, a, d, total))


def test_monte_carlo_is_seeded_and_chunked() -> None:
    one = simulate_losses(HET_PDS, HET_EXPOSURES, 0.6, 0.2, n_paths=5000, seed=3)
    assert_allclose(one, simulate_losses(HET_PDS, HET_EXPOSURES, 0.6, 0.2, n_paths=5000, seed=3))
    chunks = dataclasses.replace(DEFAULT_SETTINGS, chunk_cells=400)  # 10 paths per chunk
    small = simulate_losses(HET_PDS, HET_EXPOSURES, 0.6, 0.2, n_paths=5000, seed=3, settings=chunks)
    assert small.shape == (5000,)
    assert abs(small.mean() - one.mean()) < 6 * one.std() / math.sqrt(5000)


# ---- limits --------------------------------------------------------------------------------


def test_t_copula_tends_to_gaussian() -> None:
    gaussian = tranche_expected_loss(0.03, 0.07, HET_PDS, HET_EXPOSURES, HET_LGDS, 0.2)
    gaps = [
        abs(
            tranche_expected_loss(0.03, 0.07, HET_PDS, HET_EXPOSURES, HET_LGDS, 0.2, "t", v)
            - gaussian
        )
        for v in (5, 50, 500, 5e4)
    ]
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 1e-4


def test_exact_gaussian_tends_to_vasicek_limit() -> None:
    gaps = []
    for n in (50, 200, 1000):
        exact = tranche_expected_loss(0.03, 0.07, [0.02] * n, 1e6, 0.6, 0.2)
        gaps.append(abs(exact - vasicek_tranche_expected_loss(0.03, 0.07, 0.02, 0.2, 0.6)))
    assert gaps == sorted(gaps, reverse=True)
    assert gaps[-1] < 2e-3
    assert gaps[0] / gaps[-1] > 10  # granularity error shrinks roughly like 1/n


# ---- invariants (hypothesis) ---------------------------------------------------------------

portfolios = st.integers(1, 25).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(0.0, 0.3), min_size=n, max_size=n),
        st.lists(st.floats(0.1, 10.0), min_size=n, max_size=n),
        st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n),
    )
)
copulas = st.sampled_from([("gaussian", None), ("t", 3.0), ("t", 12.0)])


@settings(max_examples=25)
@given(portfolios, st.floats(0.0, 0.9), copulas)
def test_distribution_sums_to_one_and_el_is_exact(book: Any, rho: float, model: Any) -> None:
    pds, exposures, lgds = book
    dist = loss_distribution(pds, exposures, lgds, rho, *model)
    assert float(dist["probability"].sum()) == pytest.approx(1.0, abs=1e-12)
    assert (dist["probability"] >= 0).all()
    expected = portfolio_expected_loss(pds, exposures, lgds)
    got = float(dist["loss"] @ dist["probability"])
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-9 * sum(exposures))


@settings(max_examples=20)
@given(portfolios, st.floats(0.0, 0.85), st.floats(0.01, 0.1), st.floats(0.1, 0.9))
def test_correlation_moves_senior_up_and_equity_down(
    book: Any, rho: float, step: float, cut: float
) -> None:
    pds, exposures, lgds = book
    low = tranche_expected_loss(cut, 1.0, pds, exposures, lgds, rho)
    high = tranche_expected_loss(cut, 1.0, pds, exposures, lgds, rho + step)
    assert high >= low - 1e-9
    equity_low = tranche_expected_loss(0.0, cut, pds, exposures, lgds, rho)
    equity_high = tranche_expected_loss(0.0, cut, pds, exposures, lgds, rho + step)
    assert equity_high <= equity_low + 1e-9


# ---- the loss grid -----------------------------------------------------------------------------


def test_common_unit_detection() -> None:
    # gcd(450,000, 900,000, 750,000) = 150,000 despite the floating-point products
    losses = np.array([1e6 * 0.45, 2e6 * 0.45, 1.5e6 * 0.5])
    assert copula.grid.common_unit(losses) == pytest.approx(150_000.0, rel=1e-12)
    assert copula.grid.common_unit(np.array([1.0, math.pi])) is None  # no common unit
    assert copula.grid.common_unit(np.array([1.0, 1e-4 * 3]), limit=1000) is None  # grid too long
    # whole multiples of the smallest loss (the quick path): the smallest, 0.6 x USD 1m
    assert copula.grid.common_unit(np.array([0.6e6, 1.8e6, 0.0, 3.0e6])) == 0.6e6
    assert copula.grid.common_unit(np.array([1e-300, 1e300])) is None  # 1e600 grid points


def test_discretisation_bound_holds_against_exact_grid() -> None:
    # Irregular losses (no common unit) on a coarse grid of 64 points versus a 2**16-point grid
    # (itself checked against the exact USD grid below). Tranche losses in USD move by at most
    # the stated bound; the expected loss does not move.
    rng = np.random.default_rng(5)
    pds, exposures = rng.uniform(0.01, 0.1, 30), rng.uniform(1.0, 9.0, 30) * 1e6 + 0.137
    book = copula.inputs.portfolio(pds, exposures, 0.55)
    model = copula.models.one_factor_model(book, np.full(30, 0.25), None, DEFAULT_SETTINGS)
    coarse_settings = dataclasses.replace(DEFAULT_SETTINGS, grid_points=64)
    fine_settings = dataclasses.replace(DEFAULT_SETTINGS, grid_points=2**16)
    coarse_losses, coarse, grid = copula.models.distribution_arrays(
        book, model, settings=coarse_settings
    )
    fine_losses, fine, fine_grid = copula.models.distribution_arrays(
        book, model, settings=fine_settings
    )
    assert grid.bound > 0
    assert fine_grid.bound < grid.bound / 100
    total = book.total_exposure
    for a, d in TRANCHES:
        width = (d - a) * total
        gap = abs(
            copula.statistics.tranche_of(coarse_losses, coarse, a, d, total)
            - copula.statistics.tranche_of(fine_losses, fine, a, d, total)
        )
        assert gap * width <= grid.bound + fine_grid.bound
    el = float(book.pds @ book.losses)
    assert float(coarse_losses @ coarse) == pytest.approx(el, rel=1e-10)
    assert float(fine_losses @ fine) == pytest.approx(el, rel=1e-10)


def test_exact_grid_reports_zero_bound_and_mixed_input_types() -> None:
    as_list = loss_distribution(list(HET_PDS), list(HET_EXPOSURES), list(HET_LGDS), list(HET_RHO))
    as_series = loss_distribution(
        pd.Series(HET_PDS), pd.Series(HET_EXPOSURES), pd.Series(HET_LGDS), pd.Series(HET_RHO)
    )
    pds = HET_PDS.copy()
    as_array = loss_distribution(pds, HET_EXPOSURES, HET_LGDS, HET_RHO)
    assert as_array.attrs["discretisation_bound"] == 0.0
    assert_allclose(as_list["probability"], as_array["probability"], rtol=0, atol=0)
    assert_allclose(as_series["probability"], as_array["probability"], rtol=0, atol=0)
    assert_allclose(pds, HET_PDS, rtol=0, atol=0)  # inputs are not mutated


def test_certain_default_and_no_default() -> None:
    dist = loss_distribution([0.0, 1.0, 0.1], [5.0, 3.0, 2.0], 1.0, 0.3)
    probs = dict(zip(dist["loss"], dist["probability"], strict=True))
    assert probs[3.0] == pytest.approx(0.9, abs=1e-15)
    assert probs[5.0] == pytest.approx(0.1, abs=1e-15)
    assert sum(v for k, v in probs.items() if k not in (3.0, 5.0)) == pytest.approx(0, abs=1e-15)


def test_two_factor_reduces_to_one_factor() -> None:
    # b = 0 and no stress: X = a C + s Z, the one-factor Gaussian copula with rho = a^2.
    args = (HET_PDS, HET_EXPOSURES, HET_LGDS)
    two = two_factor_loss_distribution(*args, 0.5, 0.0, 0.3)
    one = loss_distribution(*args, 0.25)
    assert_allclose(two["probability"], one["probability"], atol=1e-10)
    # a regime that always happens is the same as normal times with that correlation
    stressed = two_factor_loss_distribution(*args, 0.4, 0.4, 0.2, stress_prob=1.0, stress_corr=0.7)
    normal = two_factor_loss_distribution(*args, 0.4, 0.4, 0.7)
    assert_allclose(stressed["probability"], normal["probability"], atol=1e-14)


def test_correlation_convergence_fattens_the_tail() -> None:
    args = (HET_PDS, HET_EXPOSURES, HET_LGDS, 0.45, 0.45, 0.2)
    calm = two_factor_loss_distribution(*args)
    stressed = two_factor_loss_distribution(*args, stress_prob=0.3, stress_corr=0.9)
    assert distribution_var(stressed, 0.999) > distribution_var(calm, 0.999)
    assert float(stressed["loss"] @ stressed["probability"]) == pytest.approx(
        float(calm["loss"] @ calm["probability"]), rel=1e-9
    )


# ---- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: loss_distribution([0.1, 1.2], 1.0, 1.0, 0.2), InputError, r"pds item 2: got 1\.2"),
        (lambda: loss_distribution([], 1.0, 1.0, 0.2), InputError, "pds: got"),
        (
            lambda: loss_distribution([0.1, 0.2], [1.0, 2.0, 3.0], 1.0, 0.2),
            InputError,
            "exposures: got '3 values'",
        ),
        (
            lambda: loss_distribution([0.1], [-1.0], 1.0, 0.2),
            InputError,
            r"exposures: got -1\.0",
        ),
        (
            lambda: loss_distribution([0.1], [0.0], 1.0, 0.2),
            InputError,
            "exposures: got 'all zero'",
        ),
        (lambda: loss_distribution([0.1], 1.0, [1.5], 0.2), InputError, r"lgds: got 1\.5"),
        (lambda: loss_distribution([0.1], 1.0, 1.0, 1.0), InputError, r"rho: got 1\.0"),
        (
            lambda: loss_distribution([0.1], 1.0, 1.0, 0.2, "frank"),
            InputError,
            "copula: got 'frank'",
        ),
        (
            lambda: loss_distribution([0.1], 1.0, 1.0, 0.2, "t"),
            MissingInputError,
            "dof: is required",
        ),
        (lambda: portfolio_var(1.5, [0.1], 1.0, 1.0, 0.2), InputError, r"confidence: got 1\.5"),
        (
            lambda: tranche_expected_loss(0.2, 0.1, [0.1], 1.0, 1.0, 0.2),
            InputError,
            r"detach: got 0\.1",
        ),
        (
            lambda: tranche_expected_loss(-0.1, 0.1, [0.1], 1.0, 1.0, 0.2),
            InputError,
            "attach: got -0.1",
        ),
        (
            lambda: two_factor_loss_distribution([0.1], 1.0, 1.0, 0.8, 0.7, 0.5),
            InputError,
            "compute_loadings",
        ),
        (
            lambda: two_factor_loss_distribution([0.1], 1.0, 1.0, 0.3, 0.3, 1.0),
            InputError,
            "factor_corr",
        ),
        (lambda: simulate_losses([0.1], 1.0, 1.0, 0.2, n_paths=10.5), InputError, "n_paths"),
    ],
)
def test_bad_inputs(call: Any, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        call()


# ---- building blocks and engine settings ---------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 40, 1000])
def test_binomial_pmf_matches_scipy(n: int) -> None:
    # Reference: scipy.stats.binom.pmf (Boost's binomial density). Extreme PDs included;
    # 0 and 1 must give exact zeros and ones where scipy does.
    pds = np.concatenate([[0.0, 1.0, 1e-300, 1e-12, 0.5, 1 - 1e-12], RNG.random(20)])
    count = np.arange(n + 1)
    ours = copula.conditional.binomial_pmf(count, n, pds)
    reference = stats.binom.pmf(count[:, None], n, pds[None, :])
    sizable = reference > 1e-290  # below, both are subnormal or zero
    assert_allclose(ours[sizable], reference[sizable], rtol=1e-11, atol=0)
    assert_allclose(ours, reference, rtol=0, atol=1e-12)
    assert_allclose(ours[:, :2], reference[:, :2], rtol=0, atol=0)  # PD 0 and 1 exactly


def test_settings_reach_the_engine() -> None:
    # A quadrature far too coarse must change the result, or the settings were not passed.
    coarse = dataclasses.replace(DEFAULT_SETTINGS, step_factor=20.0, max_step=5.0)
    args = (0.0, 0.03, HET_PDS, HET_EXPOSURES, HET_LGDS, 0.3)
    assert abs(tranche_expected_loss(*args, settings=coarse) - tranche_expected_loss(*args)) > 1e-6
    assert tranche_expected_loss(*args, settings=DEFAULT_SETTINGS) == tranche_expected_loss(*args)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pooling": 1.5}, r"settings\.pooling: got 1\.5; allowed: a number >= 0 and <= 1"),
        ({"step_factor": 0.0}, r"settings\.step_factor: got 0\.0; allowed: a number > 0"),
        ({"grid_points": 2.5}, r"settings\.grid_points: got 2\.5; allowed: a whole number >= 1"),
        ({"quad_tol": math.nan}, r"settings\.quad_tol: got nan; allowed: a number > 0"),
        ({"chunk_cells": True}, r"settings\.chunk_cells: got True; allowed: a whole number"),
    ],
)
def test_bad_settings_are_rejected(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=message):
        dataclasses.replace(DEFAULT_SETTINGS, **change)


def test_settings_are_frozen_and_checked_when_passed() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError, match="pooling"):
        DEFAULT_SETTINGS.pooling = 0.5  # type: ignore[misc]
    with pytest.raises(InputError, match=r"settings: got \{'pooling': 0\.5\}; allowed: an Engine"):
        loss_distribution([0.1], 1.0, 1.0, 0.2, settings={"pooling": 0.5})  # type: ignore[arg-type]
    assert EngineSettings(grid_points=2048.0) == DEFAULT_SETTINGS  # whole floats become ints


# ---- the work cap (issue 11 item 8) -------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, r"settings\.max_work: got 0; allowed: a whole number >= 1, or None \(no limit\)"),
        (1.5, r"settings\.max_work: got 1\.5; allowed: a whole number >= 1, or None"),
    ],
)
def test_bad_work_caps_are_rejected(value: Any, message: str) -> None:
    with pytest.raises(InputError, match=message):
        EngineSettings(max_work=value)


@pytest.mark.parametrize("detach", [None, 0.07])
def test_work_just_at_the_cap_runs_and_just_past_it_is_refused(detach: float | None) -> None:
    pds = np.random.default_rng(7).uniform(0.005, 0.05, 300)
    work = copula.portfolio_work(pds, 1e6, 0.4, 0.3, "t", 4, detach=detach)
    # 300 names on a grid of 301 points (22 up to the detachment): nodes x 301 (x 300)
    assert work % (301 if detach is None else 300) == 0
    at_cap = EngineSettings(max_work=work)
    if detach is None:
        assert_frame_equal_exactly(
            loss_distribution(pds, 1e6, 0.4, 0.3, "t", 4, at_cap),
            loss_distribution(pds, 1e6, 0.4, 0.3, "t", 4),
        )
    else:
        assert tranche_expected_loss(0.03, detach, pds, 1e6, 0.4, 0.3, "t", 4, at_cap) == (
            tranche_expected_loss(0.03, detach, pds, 1e6, 0.4, 0.3, "t", 4)
        )
    past = EngineSettings(max_work=work - 1)
    with pytest.raises(CapError, match=rf"portfolio: got {work:,} quadrature nodes x names; al"):
        portfolio_es(0.999, pds, 1e6, 0.4, 0.3, "t", 4, past) if detach is None else (
            tranche_expected_loss(0.03, detach, pds, 1e6, 0.4, 0.3, "t", 4, past)
        )


def test_the_factor_step_search_is_capped_before_it_runs() -> None:
    """At rho 0.9999 the search for the quadrature step looks at 2,717 factor values per
    obligor kind and mixing node: capped before it runs (issue 11: 7 s for TRANCHE_EL)."""
    pds = np.random.default_rng(8).uniform(0.005, 0.05, 100)
    mixing = int(np.count_nonzero(chi_scale_nodes(1.0)[1] > 0))
    # 2 ceil(sqrt(2 ln 1e10) / (0.5 / sqrt(0.9999 / 0.0001))) + 1 = 2 x 1,358 + 1 = 2,717
    # search points x 100 obligor kinds x the mixing nodes of 1 degree of freedom
    searches = 2717 * 100 * mixing
    with pytest.raises(CapError, match=rf"got {searches:,} quadrature nodes x names; allowed"):
        tranche_expected_loss(
            0.03, 0.07, pds, 1.0, 1.0, 0.9999, "t", 1, EngineSettings(max_work=10**6)
        )
    assert copula.portfolio_work(pds, 1.0, 1.0, 0.9999, "t", 1, detach=0.07) >= searches


def assert_frame_equal_exactly(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
