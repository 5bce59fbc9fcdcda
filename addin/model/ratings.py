"""Published cumulative default rates by rating and horizon: S&P's 1981–2024 averages.

The data live in ``addin/model/data/cumulative_default_rates.csv``: S&P Global Ratings,
"Default, Transition, and Recovery: 2024 Annual Global Corporate Default And Rating
Transition Study" (2025-03-27), table 24 (by rating category) and table 26 (by rating
level, i.e. notch), global corporates, horizons of 1 to 15 years, in percent as printed.
``addin/model/data/SOURCES.md`` says how the figures were obtained and which are not
verified against the study's PDF. The file is read once, through :mod:`importlib.resources`
(:func:`addin.model.catalog.data_rows`), so it works from a wheel and under Pyodide.

Two scales: ``"notch"`` (AAA, AA+, AA, ..., B-, CCC/C: 17 ratings) and ``"category"`` (AAA,
AA, A, BBB, BB, B, CCC/C). ``CCC/C`` is one row in the study ('CCC+' to 'C'). Rates are
returned as decimals (0.0034 = 0.34%), horizons in years; the table is kept as printed,
including the few places where a better rating shows more defaults than a worse one (the
rating functions of :mod:`addin.analytics.rating` deal with those).

Examples
--------
>>> table = default_rate_table("category")
>>> table.ratings
('AAA', 'AA', 'A', 'BBB', 'BB', 'B', 'CCC/C')
>>> round(float(table.rates[3, 4]), 6)  # BBB after 5 years: 1.36%
0.0136
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from addin.model.catalog import data_rows
from addin.model.errors import InputError
from addin.model.params import RATING_SCALES as SCALES  # "notch", "category"
from addin.model.params import param
from addin.model.types import FloatArray

RATES_FILE = "cumulative_default_rates.csv"
#: The reference key of the study in ``addin/model/data/SOURCES.md``.
SOURCE = "sp-2024-default-study"
#: Ratings that are not rows of the table but that users write: they read the CCC/C row.
CCC_NAMES = ("CCC+", "CCC", "CCC-", "CC", "C")


@dataclass(frozen=True)
class DefaultRateTable:
    """Average cumulative default rates of one rating scale, as published.

    Attributes
    ----------
    scale : str
        ``"notch"`` or ``"category"``.
    ratings : tuple of str
        Ratings, best first.
    horizons : ndarray
        Horizons in years, 1, 2, ..., 15.
    rates : ndarray
        Cumulative default rate (decimal) of each rating (rows) after each horizon
        (columns). Read-only.
    table : str
        Number of the study's table the rows come from.
    source : str
        Reference key in ``addin/model/data/SOURCES.md``.
    """

    scale: str
    ratings: tuple[str, ...]
    horizons: FloatArray
    rates: FloatArray
    table: str
    source: str


def check_scale(scale: Any) -> str:
    """The scale named by ``scale`` (case-insensitive): ``"notch"`` or ``"category"``.

    Examples
    --------
    >>> check_scale(" Category ")
    'category'
    """
    return str(param("scale").choose(scale))


@functools.lru_cache(maxsize=len(SCALES))
def _table(scale: str) -> DefaultRateTable:
    rows = [row for row in data_rows(RATES_FILE) if row["scale"] == scale]
    columns = sorted(
        (int(key[1:]) for key in rows[0] if key.startswith("y") and key[1:].isdigit()),
    )
    # Percent as printed to the nearest decimal: "1.36" is read as float("1.36e-2").
    rates = np.array([[float(row[f"y{h}"] + "e-2") for h in columns] for row in rows])
    horizons = np.array(columns, dtype=float)
    rates.setflags(write=False)
    horizons.setflags(write=False)
    ratings = tuple(row["rating"] for row in rows)
    return DefaultRateTable(scale, ratings, horizons, rates, rows[0]["table"], rows[0]["source"])


def default_rate_table(scale: str = "notch") -> DefaultRateTable:
    """The published average cumulative default rates of one rating scale.

    Parameters
    ----------
    scale : {"notch", "category"}, optional
        ``"notch"`` (default): AAA, AA+, ..., B-, CCC/C, the study's table 26;
        ``"category"``: AAA, AA, A, BBB, BB, B, CCC/C, table 24. Case-insensitive.

    Returns
    -------
    DefaultRateTable
        Ratings best first, horizons 1..15 years, rates as decimals (read-only arrays).

    References
    ----------
    S&P Global Ratings, "Default, Transition, and Recovery: 2024 Annual Global Corporate
    Default And Rating Transition Study" (2025-03-27), tables 24 and 26.

    Examples
    --------
    >>> table = default_rate_table()
    >>> table.ratings[:4], table.horizons[-1]
    (('AAA', 'AA+', 'AA', 'AA-'), np.float64(15.0))
    >>> round(float(table.rates[table.ratings.index("BB-"), 0]), 6)  # BB- after 1 year
    0.0087
    """
    return _table(check_scale(scale))


def rating_names(scale: str = "notch") -> tuple[str, ...]:
    """The ratings of one scale, best first.

    Examples
    --------
    >>> rating_names("category")
    ('AAA', 'AA', 'A', 'BBB', 'BB', 'B', 'CCC/C')
    """
    return default_rate_table(scale).ratings


def check_rating(rating: Any, name: str = "rating") -> str:
    """The S&P rating named by ``rating``, in the table's spelling (case-insensitive).

    Accepts the notches of the table (AAA to B-, CCC/C), the names CCC+, CCC, CCC-, CC and
    C (returned as they are: the table's CCC/C row covers them) and D (in default).

    Examples
    --------
    >>> check_rating(" bb- ")
    'BB-'
    >>> check_rating("ccc+")
    'CCC+'
    """
    known = (*rating_names("notch"), *CCC_NAMES, "D")
    if isinstance(rating, str):
        typed = rating.strip().upper()
        if typed in known:
            return typed
    raise InputError(name, rating, "an S&P rating: " + ", ".join(known))
