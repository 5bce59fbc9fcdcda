"""The published default-rate table: shipped, sourced, consistent with itself."""

from __future__ import annotations

from importlib import resources

import numpy as np
import pytest

from addin.model.catalog import data_rows
from addin.model.errors import InputError
from addin.model.ratings import (
    RATES_FILE,
    SCALES,
    SOURCE,
    check_rating,
    check_scale,
    default_rate_table,
    rating_names,
)

#: The notches of each letter category on S&P's scale.
NOTCHES = {
    "AA": ("AA+", "AA", "AA-"),
    "A": ("A+", "A", "A-"),
    "BBB": ("BBB+", "BBB", "BBB-"),
    "BB": ("BB+", "BB", "BB-"),
    "B": ("B+", "B", "B-"),
}


def sources_text() -> str:
    return resources.files("addin.model").joinpath("data", "SOURCES.md").read_text(encoding="utf-8")


def rate(scale: str, rating: str, years: int) -> float:
    table = default_rate_table(scale)
    return float(table.rates[table.ratings.index(rating), years - 1])


def test_the_table_ships_inside_the_package_and_is_sourced() -> None:
    # Read through importlib.resources, so a wheel or Pyodide install finds it.
    assert resources.files("addin.model").joinpath("data", RATES_FILE).is_file()
    rows = data_rows(RATES_FILE)
    assert {row["scale"] for row in rows} == set(SCALES)
    assert {row["source"] for row in rows} == {SOURCE}
    assert f"`{SOURCE}`:" in sources_text()
    assert f"(`{RATES_FILE}`)" in sources_text()
    for scale, table in (("notch", "26"), ("category", "24")):
        assert {row["table"] for row in rows if row["scale"] == scale} == {table}
        assert default_rate_table(scale).table == table


def test_scales_and_shapes() -> None:
    notch = default_rate_table("notch")
    assert notch.ratings == (
        "AAA", "AA+", "AA", "AA-", "A+", "A", "A-", "BBB+", "BBB", "BBB-",
        "BB+", "BB", "BB-", "B+", "B", "B-", "CCC/C",
    )  # fmt: skip
    assert rating_names("category") == ("AAA", "AA", "A", "BBB", "BB", "B", "CCC/C")
    for scale in SCALES:
        table = default_rate_table(scale)
        assert table.horizons.tolist() == list(range(1, 16))
        assert table.rates.shape == (len(table.ratings), 15)
        assert ((table.rates >= 0) & (table.rates < 1)).all()
        assert not table.rates.flags.writeable
        assert default_rate_table(scale.upper()) is table  # read once


# S&P Global Ratings, 2024 Annual Global Corporate Default And Rating Transition Study
# (2025-03-27), as transcribed (addin/model/data/SOURCES.md): table 24 (category) and
# table 26 (notch), percent to two decimals; the file must give back the printed figures.
PUBLISHED = [
    ("category", "AAA", 5, 0.34),
    ("category", "BBB", 1, 0.14),
    ("category", "BBB", 5, 1.36),
    ("category", "BB", 5, 5.75),
    ("category", "B", 1, 2.93),
    ("category", "B", 5, 15.60),
    ("category", "CCC/C", 1, 26.12),
    ("category", "CCC/C", 15, 52.30),
    ("notch", "BBB-", 5, 2.40),
    ("notch", "BB+", 5, 2.90),
    ("notch", "BB-", 1, 0.87),
    ("notch", "B+", 10, 19.62),
    ("notch", "B-", 15, 30.99),
]


@pytest.mark.parametrize(("scale", "rating", "years", "percent"), PUBLISHED)
def test_published_figures(scale: str, rating: str, years: int, percent: float) -> None:
    # Read as the decimal nearest the printed percent: exactly float("1.36e-2").
    assert rate(scale, rating, years) == float(f"{percent}e-2")


def test_rates_rise_with_the_horizon() -> None:
    # Cumulative rates never fall with the horizon (they are cumulative).
    for scale in SCALES:
        assert (np.diff(default_rate_table(scale).rates, axis=1) >= 0).all(), scale


def test_category_rows_agree_with_their_notches() -> None:
    # The checks SOURCES.md describes: AAA and CCC/C have no notches, so tables 24 and 26
    # print the same rows; a category's rate is an issuer-weighted average over its three
    # notches, so it lies between their lowest and highest at every horizon.
    for rating in ("AAA", "CCC/C"):
        for years in range(1, 16):
            assert rate("category", rating, years) == rate("notch", rating, years)
    for category, notches in NOTCHES.items():
        for years in range(1, 16):
            values = [rate("notch", n, years) for n in notches]
            assert min(values) <= rate("category", category, years) <= max(values), (
                category,
                years,
            )


def inversions(scale: str) -> set[tuple[str, str, int]]:
    """(better, worse, years) where the better rating shows the higher published rate."""
    table = default_rate_table(scale)
    found = set()
    for i in range(len(table.ratings) - 1):
        for j in range(15):
            if table.rates[i, j] > table.rates[i + 1, j]:
                found.add((table.ratings[i], table.ratings[i + 1], j + 1))
    return found


def test_published_non_monotonicities_are_the_ones_documented() -> None:
    # SOURCES.md, "Published non-monotonicities": AAA above AA at 3-10 years (category);
    # by notch AAA above AA+ (3-15), AA+ above AA (2), AA above AA- (5-15), A above A- (10-15).
    assert inversions("category") == {("AAA", "AA", y) for y in range(3, 11)}
    assert inversions("notch") == (
        {("AAA", "AA+", y) for y in range(3, 16)}
        | {("AA+", "AA", 2)}
        | {("AA", "AA-", y) for y in range(5, 16)}
        | {("A", "A-", y) for y in range(10, 16)}
    )


def test_ratings_are_read_case_insensitively() -> None:
    assert check_rating(" bbb- ") == "BBB-"
    assert check_rating("CCC/C") == "CCC/C"
    assert check_rating("cc") == "CC"
    assert check_rating("d") == "D"
    assert check_scale(" CATEGORY ") == "category"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: check_rating("BBB+-"), r"rating: got 'BBB\+-'; allowed: an S&P rating: AAA, AA\+"),
        (lambda: check_rating(3), "rating: got 3; allowed: an S&P rating"),
        (lambda: check_rating("Baa2", "my_rating"), "my_rating: got 'Baa2'"),
        (
            lambda: default_rate_table("moodys"),
            "scale: got 'moodys'; allowed: one of notch, category",
        ),
        (lambda: rating_names(None), "scale: got None; allowed: one of notch, category"),
    ],
)
def test_bad_inputs_name_the_argument(call: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call()  # type: ignore[operator]
