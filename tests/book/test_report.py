"""The book report's tables: they add up to the run's totals and retell its worst paths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from addin.book.book import Book, book_of
from addin.book.report import (
    CONCENTRATION_KEYS,
    NO_OFFTAKER,
    PathStory,
    concentration,
    default_times,
    defaults_per_path,
    explain_path,
    facility_table,
    loss_histogram,
    measures,
    monte_carlo_errors,
)
from addin.book.run import LEVELS, WORST_PATHS, BookResult, simulate_book
from addin.model.deal import load_deal
from addin.model.errors import InputError
from addin.sim.engine import pair_se
from addin.sim.factors import simulate_factors
from tests.book.conftest import EXAMPLE_PATHS


def test_the_example_book_simulates_with_a_contagion_add_on(example_result: BookResult) -> None:
    # Issue 15: the add-on is positive on the example book (same random numbers, the shared
    # market on and off); EL is the mean of the per-path losses.
    result = example_result
    assert result.loss.shape == (EXAMPLE_PATHS,)
    assert result.contagion()["EL"] > 0
    assert result.es(0.99) > result.es(0.99, interaction=False)
    assert result.facility_el.sum() == pytest.approx(result.expected_loss, rel=1e-12)


def test_measures_are_the_runs(example_result: BookResult) -> None:
    table = measures(example_result)
    assert table.loc["EL", "interaction"] == example_result.expected_loss
    assert table.loc["EL", "no_interaction"] == float(example_result.loss_off.mean())
    for level in LEVELS:
        name = f"{level * 100:g}%"
        assert table.loc[f"VaR {name}", "interaction"] == example_result.var(level)
        assert table.loc[f"ES {name}", "no_interaction"] == example_result.es(level, False)
        add_on = example_result.contagion()[f"ES {level:.1%}"]
        assert table.loc[f"ES {name}", "add_on"] == pytest.approx(add_on, rel=1e-15)


@pytest.mark.parametrize("by", CONCENTRATION_KEYS)
def test_each_concentration_adds_up_to_the_book(example_result: BookResult, by: str) -> None:
    # Euler allocation: ES contributions sum to ES (run.py), EL contributions to EL; grouping
    # only adds them, so each table sums to the book (rounding 1e-12 of the total).
    table = concentration(example_result, by)
    facilities = facility_table(example_result)
    assert table["facilities"].sum() == len(example_result.book)
    assert table["loan_amount"].sum() == pytest.approx(facilities["loan_amount"].sum(), rel=1e-12)
    assert table["el"].sum() == pytest.approx(example_result.expected_loss, rel=1e-12)
    assert table["el_off"].sum() == pytest.approx(float(example_result.loss_off.mean()), rel=1e-12)
    for level in LEVELS:
        column = f"es_{level * 100:g}"
        assert table[column].sum() == pytest.approx(example_result.es(level), rel=1e-12)
        assert table[f"{column}_share"].sum() == pytest.approx(1.0, abs=1e-12)
        assert (np.diff(table[f"es_{min(LEVELS) * 100:g}"].to_numpy()) <= 0).all()  # largest first
    assert len(set(table["group"])) == len(table)


def test_facilities_without_an_offtaker_are_grouped_as_spot(example_result: BookResult) -> None:
    table = concentration(example_result, "offtaker")
    spot = [f for f in example_result.book.facilities if not f.deal.offtaker]
    row = table[table["group"] == NO_OFFTAKER]
    assert int(row["facilities"].iloc[0]) == len(spot) == 11  # workbooks/examples/README.md


def test_concentration_refuses_an_unknown_grouping(example_result: BookResult) -> None:
    with pytest.raises(InputError, match=r"by: got 'country'; allowed: one of obligor"):
        concentration(example_result, "country")


def test_the_histogram_counts_every_path_in_its_bin(example_result: BookResult) -> None:
    table = loss_histogram(example_result, 25)
    loss = example_result.loss
    assert table["probability"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table["probability_off"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table.loc[0, "paths"] == int((loss == 0).sum())
    for row in table.iloc[1:].itertuples():
        inside = int(((loss > row.low) & (loss <= row.high)).sum())
        if row.Index == 1:
            inside += int(((loss > 0) & (loss <= row.low)).sum())  # none: low is 0
        assert row.paths == inside, row


def test_the_default_tables_agree_with_the_run(example_result: BookResult) -> None:
    counts = defaults_per_path(example_result)
    assert counts["probability"].sum() == pytest.approx(1.0, abs=1e-12)
    mean = float((counts["defaults"] * counts["probability"]).sum())
    assert mean == pytest.approx(float(example_result.defaults.mean()), rel=1e-12)
    times = default_times(example_result)
    # every facility default has a month: their count is the paths times the sum of PDs
    total = example_result.facility_pd.sum() * example_result.paths
    assert times["defaults"].sum() == pytest.approx(total, abs=1e-6)
    assert times["cumulative_per_path"].iloc[-1] == pytest.approx(total / EXAMPLE_PATHS, rel=1e-12)


def test_monte_carlo_errors(example_result: BookResult) -> None:
    el_se, add_on_se, tails = monte_carlo_errors(example_result)
    assert el_se == pair_se(example_result.loss)
    assert add_on_se == pair_se(example_result.loss - example_result.loss_off)
    for tail in tails:
        var = example_result.var(tail.level)
        assert tail.var_low <= var <= tail.var_high
        assert 0 < tail.es_se < example_result.es(tail.level)
    # k = 21 paths beyond VaR 99% of 2,048: an ES error of a few percent to tens of percent
    assert tails[0].es_se / example_result.es(0.99) < 0.5
    assert math.isfinite(tails[1].es_se)


def test_the_worst_paths_re_simulated_are_the_runs(
    example_result: BookResult, example_stories: list[PathStory]
) -> None:
    # Issue 15: a path re-simulated alone gives exactly its numbers in the run (the random
    # numbers of a path do not depend on the chunking).
    result = example_result
    assert [s.path for s in example_stories] == [int(p) for p in result.tail_paths]
    assert len(example_stories) == WORST_PATHS
    order = np.sort(result.loss)[::-1]
    for rank, story in enumerate(example_stories):
        assert story.loss == result.loss[story.path] == order[rank]
        assert story.loss_off == result.loss_off[story.path]
        assert len(story.defaults(result.book)) == result.defaults[story.path]
        assert story.facility_loss.sum() == story.loss


def test_a_story_gathers_each_models_rent_and_the_markets_sales(
    example_book: Book, example_result: BookResult, example_stories: list[PathStory]
) -> None:
    story = example_stories[0]
    assert set(story.rent_index) == {"H100 SXM", "H200", "B200", "GB200", "A100 SXM"}
    # the rent index is the model's, not the facility's: the second H100 facility (NW-1)
    # draws the same index as the first (NEO-1), its offtaker apart
    ids = [f.facility_id for f in example_book.facilities]
    second = ids.index("NW-1")
    months = story.base_rate.size
    own = simulate_factors(example_book.facilities[second].deal, months, story.path, 1,
                           example_result.seed, second)  # fmt: skip
    assert_array_equal(own.rent_index[0], story.rent_index["H100 SXM"])
    assert story.btc is not None  # miners hold BTC
    assert story.base_rate_of == "ATL-1"  # the first floating-rate facility
    # cards sold: each defaulted fleet is sold in full into its model's market
    defaulted = story.default_month >= 0
    by_model: dict[str, float] = {}
    for f, hit in zip(example_book.facilities, defaulted, strict=True):
        if hit:
            by_model[f.deal.gpu_model] = by_model.get(f.deal.gpu_model, 0.0) + f.deal.gpus
    for model, sold in story.sold.items():
        assert sold.sum() == pytest.approx(by_model.get(model, 0.0), rel=1e-12)
    frame = story.by_month(example_book)
    assert frame["defaults"].sum() == int(defaulted.sum())
    assert len(frame) == next(iter(story.sold.values())).size


def test_explain_path_refuses_a_negative_path() -> None:
    deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
                      "interest_rate": 0.1, "tenor_years": 1, "market_absorption": 100})  # fmt: skip
    with pytest.raises(InputError, match=r"path: got -1; allowed: a path number >= 0"):
        explain_path(book_of([("F", "O", deal)]), -1, seed=0)


def test_a_sculpted_loan_is_reported_at_its_sized_amount() -> None:
    from addin.analytics.debt import debt_schedule

    deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "interest_rate": 0.1,
                      "tenor_years": 2, "amortization": "sculpted", "market_absorption": 500})  # fmt: skip
    result = simulate_book(book_of([("F", "O", deal)]), 1024, seed=0)
    sized = debt_schedule(deal).loan_amount
    assert sized > 0
    assert facility_table(result).loc[0, "loan_amount"] == sized
