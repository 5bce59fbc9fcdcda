"""The book on the path engine: one facility is the deal, contagion measured, determinism."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from addin.book.book import book_of
from addin.book.run import simulate_book
from addin.model.deal import load_deal
from addin.sim.engine import deal_risk, run_outcomes
from tests.deals import BASE_DEAL

DEAL = {**BASE_DEAL, "tenor_years": 4, "market_absorption": 1500, "annual_decline": 0.25,
        "max_ltv": 0.9, "dsra_months": 3}  # fmt: skip


def _book(absorption: float = 1500, interaction_partners: int = 3):  # type: ignore[no-untyped-def]
    deals = [
        load_deal({**DEAL, "market_absorption": absorption}),
        load_deal({**DEAL, "gpus": 3000, "loan_amount": 7.0e7, "market_absorption": absorption}),
        load_deal({**DEAL, "annual_decline": 0.3, "market_absorption": absorption}),
        load_deal(
            {
                **DEAL,
                "gpu_model": "B200",
                "market_rate": 4.0,
                "loan_amount": 6e7,
                "market_absorption": absorption,
            }
        ),
    ]
    names = ("A", "B", "C", "D")
    return book_of([(f"F{i}", names[i], deals[i]) for i in range(interaction_partners + 1)])


def test_a_one_facility_book_is_the_single_deal_simulation() -> None:
    # Acceptance (issue 15): same seed, PD, LGD and EL identical.
    deal = load_deal(DEAL)
    book = simulate_book(book_of([("F1", "Acme", deal)]), 3072, seed=4)
    alone = run_outcomes(deal, 3072, seed=4)
    assert_array_equal(book.loss, alone.loss)
    risk = deal_risk(deal, 3072, 4)
    assert book.facility_pd[0] == risk.lifetime_pd
    assert book.expected_loss == pytest.approx(risk.expected_loss, rel=1e-12)


def test_without_the_market_interaction_each_facility_has_its_single_deal_el() -> None:
    # Each facility alone (its own offtaker draws differ from a standalone run's, the common
    # factors are the same): EL within 3 standard errors of the single-deal EL.
    result = simulate_book(_book(), 4096, seed=9)
    for i, facility in enumerate(result.book.facilities):
        single = deal_risk(facility.deal, 4096, 9)
        se = np.hypot(single.expected_loss_se, single.expected_loss_se)
        assert result.facility_el_off[i] == pytest.approx(single.expected_loss, abs=3 * se + 1.0)


def test_contagion_vanishes_as_the_market_deepens_and_grows_as_it_thins() -> None:
    # Issue 15: as V grows the add-on goes to 0; halving V raises the book's ES. The
    # temporary impact of others' cards scales as 1/sqrt(V) (the square-root law), so 667
    # times the volume leaves about 1/26 of the add-on, and 6,667 times about 1/82.
    volumes = (750, 1500, 1e6, 1e7)
    add_on = [simulate_book(_book(v), 2048, seed=2).contagion()["EL"] for v in volumes]
    assert add_on[0] > add_on[1] > add_on[2] > add_on[3] >= 0.0
    assert add_on[2] < add_on[1] / 10
    assert add_on[3] < add_on[1] / 50
    thin = simulate_book(_book(750), 2048, seed=2)
    deep = simulate_book(_book(1500), 2048, seed=2)
    assert thin.es(0.99) > deep.es(0.99)


def test_es_contributions_add_up_and_cross_default_binds_a_borrower() -> None:
    deal = load_deal(DEAL)
    safe = load_deal({**DEAL, "annual_decline": 0.0, "loan_amount": 5e6, "max_ltv": None})
    result = simulate_book(book_of([("F1", "Acme", deal), ("F2", "Acme", safe)]), 2048, seed=3)
    assert result.facility_es[0.99].sum() == pytest.approx(result.es(0.99), rel=1e-12)
    alone = simulate_book(book_of([("F2", "Other", safe)]), 2048, seed=3)
    assert alone.facility_pd[0] < 0.01  # on its own it (almost) never defaults
    assert result.facility_pd[1] == pytest.approx(result.facility_pd[0], abs=0.02)  # dragged


@pytest.mark.slow
def test_the_same_seed_gives_the_same_book_on_a_local_cluster_and_any_chunking() -> None:
    # Issue 15: a real LocalCluster(n_workers=2) against in-process, two chunk sizes.
    from distributed import Client, LocalCluster

    book = _book()
    here = simulate_book(book, 5000, seed=7, chunk_paths=1024)
    other = simulate_book(book, 5000, seed=7, chunk_paths=3072)
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        Client(cluster) as client,
    ):
        there = simulate_book(book, 5000, seed=7, client=client, chunk_paths=2048)
    for result in (other, there):
        assert_array_equal(result.loss, here.loss)
        assert_array_equal(result.loss_off, here.loss_off)
        assert_array_equal(result.facility_el, here.facility_el)
        assert_array_equal(result.facility_es[0.99], here.facility_es[0.99])
        assert_array_equal(result.tail_paths, here.tail_paths)


def test_facilities_with_the_same_offtaker_share_its_default() -> None:
    # tau = -ln U / h (addin/sim/factors.py): one U per offtaker, so with hazards h1, h2 the
    # default times of two facilities on the same offtaker satisfy tau2 = tau1 h1 / h2.
    from addin.sim.factors import simulate_factors

    first = load_deal({**DEAL, "offtaker": "Acme AI", "offtaker_pd": 0.02})
    same = first.replace(offtaker=" acme  AI", offtaker_pd=0.08)  # case and spacing ignored
    other = first.replace(offtaker="Beta Cloud", offtaker_pd=0.08)
    tau = [simulate_factors(d, 48, 0, 2048, 5, i).offtaker_default for i, d in
           enumerate((first, same, other))]  # fmt: skip
    ratio = np.log1p(-0.02) / np.log1p(-0.08)
    np.testing.assert_allclose(tau[1], tau[0] * ratio, rtol=1e-12)
    # another offtaker draws its own: its default order is unrelated (rank corr ~ 0 +- 0.02)
    assert (
        abs(np.corrcoef(np.argsort(np.argsort(tau[2])), np.argsort(np.argsort(tau[0])))[0, 1]) < 0.1
    )
    # and a one-facility book with a named offtaker is still the single-deal simulation
    book = simulate_book(book_of([("F1", "Acme", first)]), 1024, seed=4)
    assert_array_equal(book.loss, run_outcomes(first, 1024, seed=4).loss)
