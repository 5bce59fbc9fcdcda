"""The default market-value curve against observed used-card prices (issue 12, section 4).

Bands: ``addin/model/data/used_gpu_prices.csv``; sources: ``addin/model/data/SOURCES.md``,
"Used GPU prices". Every band is low-authority (listings and secondary reports): the test
checks that the default curve lies inside them, not that it fits a point.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from addin import market_value
from addin.analytics.collateral import launch_ages
from addin.model.catalog import catalog_row, parse_release, used_gpu_prices

#: The bands the default curve must fall inside: (model, from, to, low USD, high USD, source).
CALIBRATION_BANDS = [
    ("H100 SXM", "2026-01-01", "2026-12-31", 15_000.0, 28_000.0, "computeforecast-2026"),
    ("A100 SXM", "2026-01-01", "2026-12-31", 4_000.0, 18_000.0, "computeforecast-2026"),
]


def default_curve(model: str, day: dt.date) -> float:
    """Market value (USD) on a day of a card bought new at its model's release and price."""
    row = catalog_row(model)
    release = parse_release(row["release_date"])
    age = (day - release).days / 365.25
    return market_value(row["launch_price_usd"], age, launch_ages=launch_ages(model))


def test_the_bands_are_the_data_file() -> None:
    table = used_gpu_prices()
    used = table[table["calibrate"] == "yes"]
    rows = [tuple(r) for r in used[["model", "date_from", "date_to", "low_usd", "high_usd",
                                    "source"]].itertuples(index=False)]  # fmt: skip
    assert rows == CALIBRATION_BANDS
    assert set(table["authority"]) <= {"low", "medium", "high"}
    assert (table["low_usd"] < table["high_usd"]).all()


@pytest.mark.parametrize(
    ("model", "start", "end", "low", "high", "source"),
    CALIBRATION_BANDS,
    ids=[f"{b[0]} {b[1][:4]} USD {b[3]:,.0f}-{b[4]:,.0f} ({b[5]})" for b in CALIBRATION_BANDS],
)
def test_default_curve_inside_the_observed_band(
    model: str, start: str, end: str, low: float, high: float, source: str
) -> None:
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    days = [first + dt.timedelta(days=int(d)) for d in np.linspace(0, (last - first).days, 25)]
    values = np.array([default_curve(model, day) for day in days])
    assert values.min() >= low, (model, source, values.min())
    assert values.max() <= high, (model, source, values.max())


def test_the_2023_peak_is_a_scarcity_premium_outside_the_model() -> None:
    # eBay H100 listings at USD 40-46k in 2023 (DOMAIN.md; low authority) exceed the USD
    # 33,600 launch price: a shortage premium, flagged calibrate = no with its reason.
    table = used_gpu_prices()
    peak = table[(table["model"] == "H100 SXM") & (table["date_from"] == "2023-01-01")].iloc[0]
    assert peak["calibrate"] == "no"
    assert float(peak["low_usd"]) > catalog_row("H100 SXM")["launch_price_usd"]
    assert "scarcity" in peak["note"]
