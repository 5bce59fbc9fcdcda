"""The rent history: loaded, sourced, plausible; and the rent calibration it feeds.

Data: ``addin/model/data/rent_history.csv``; sources: ``addin/model/data/SOURCES.md``;
the fit: ``tools/calibrate_rent.py``. The last tests tie the figures quoted for
``rent_vol`` (its help text and docs/simulation.md) to what the fit gives on the shipped
data, so a change of the data without a new calibration fails here.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import math
import re
import sys
from importlib import resources
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from addin.model.catalog import catalog_row, gpu_models, parse_release, rent_history
from addin.model.params import param

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = ["date", "gpu_model", "series", "usd_per_gpu_hour", "low_usd", "high_usd",
           "date_precision", "authority", "calibrate", "source", "note"]  # fmt: skip


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "calibrate_rent", ROOT / "tools" / "calibrate_rent.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclass looks its module up while being built
    spec.loader.exec_module(module)
    return module


TOOL = _tool()


def sources_text() -> str:
    return resources.files("addin.model").joinpath("data", "SOURCES.md").read_text(encoding="utf-8")


def test_the_history_loads_with_its_columns_and_types() -> None:
    table = rent_history()
    assert list(table.columns) == COLUMNS
    assert len(table) >= 6
    for column in ("usd_per_gpu_hour", "low_usd", "high_usd"):
        assert table[column].dtype == np.float64, column
    assert list(table["date"]) == sorted(table["date"])  # oldest first
    table.loc[0, "usd_per_gpu_hour"] = -1.0
    assert rent_history().loc[0, "usd_per_gpu_hour"] > 0  # a fresh copy each call


def test_every_row_is_well_formed_and_sourced() -> None:
    text = sources_text()
    assert "## Rent history (`rent_history.csv`)" in text
    for row in rent_history().to_dict("records"):
        day = dt.date.fromisoformat(row["date"])  # an ISO date
        assert row["gpu_model"] in gpu_models(), row
        # no rent before the card shipped, none after the data were checked (November 2026)
        assert parse_release(catalog_row(row["gpu_model"])["release_date"]) <= day
        assert day <= dt.date(2026, 11, 30), row
        assert row["date_precision"] in {"day", "month", "quarter", "year"}, row
        assert row["authority"] in {"high", "medium", "low"}, row
        assert row["calibrate"] in {"yes", "no"}, row
        assert row["series"], row
        assert row["note"], row
        assert f"`{row['source']}`:" in text, row["source"]  # a documented reference
        assert f"`{row['source']}` |" in text, row["source"]  # and in the table of rows


def test_rents_are_in_a_plausible_range_and_bands_are_consistent() -> None:
    table = rent_history()
    # H100 rents quoted 2023-2026 run from about USD 1 (resold spot, late 2024) to about
    # USD 12 (AWS on demand, 2023): anything outside 0.5-20 is a typing error.
    assert table["usd_per_gpu_hour"].between(0.5, 20.0).all()
    band = table["low_usd"].notna()
    assert (band == table["high_usd"].notna()).all()  # a band has both ends
    rows = table[band]
    assert (rows["low_usd"] < rows["high_usd"]).all()
    # a band enters at its geometric midpoint, to the cent
    midpoint = np.sqrt(rows["low_usd"] * rows["high_usd"])
    np.testing.assert_allclose(rows["usd_per_gpu_hour"], midpoint, atol=0.005)


def test_the_calibration_rows_are_the_issues_h100_path() -> None:
    # Issue 13: about USD 8 at the 2023 peak, USD 1-2 by late 2024, USD 1.70 in Oct 2025,
    # about USD 2.35 in Mar 2026 (DOMAIN.md, with the sources in SOURCES.md).
    rows = TOOL.calibration_rows()
    by_date = dict(zip(rows["date"], rows["usd_per_gpu_hour"], strict=True))
    assert by_date["2023-07-01"] == 8.00
    assert 1.0 <= by_date["2024-09-15"] <= 2.0
    assert by_date["2025-10-15"] == 1.70
    assert by_date["2026-03-15"] == 2.35
    assert set(rows["gpu_model"]) == {"H100 SXM"}
    # the hyperscaler tiers are shown, never fitted
    assert not rows["series"].str.startswith("hyperscaler").any()


def test_the_fit_recovers_an_exact_exponential_decline() -> None:
    # ln r = ln 8 + t ln 0.7 exactly: decline 30% a year, no residual, no volatility.
    t = np.array([0.0, 0.3, 1.7, 2.8, 3.2, 3.45])
    fit = TOOL.fit(t, np.log(8.0 * 0.7**t))
    assert fit.decline == pytest.approx(0.30, abs=1e-12)
    assert fit.residual_sd == pytest.approx(0.0, abs=1e-12)
    assert fit.rw_vol == pytest.approx(0.0, abs=1e-12)
    assert fit.rw_vol_default == pytest.approx(0.0, abs=1e-12)  # 30% is the deal default


def test_the_random_walk_estimator_is_unbiased_at_unequal_spacing() -> None:
    # Brownian motion with drift -0.3 and sigma 0.6, 12 observations at random times:
    # E[sigma_hat^2] = sigma^2 exactly (n - 1 for the fitted drift). 4,000 samples put the
    # mean within about 0.7% (sd of sigma_hat^2 / sigma^2 = sqrt(2 / 10) / sqrt(4000));
    # allow 4%.
    rng = np.random.default_rng(7)
    sigma, estimates = 0.6, []
    for _ in range(4000):
        t = np.sort(rng.uniform(0.0, 3.0, 12))
        dx = -0.3 * np.diff(t) + sigma * np.sqrt(np.diff(t)) * rng.standard_normal(11)
        x = np.concatenate(([0.0], np.cumsum(dx)))
        estimates.append(TOOL.random_walk_vol(t, x) ** 2)
    assert np.mean(estimates) == pytest.approx(sigma**2, rel=0.04)


def test_the_ou_profile_at_no_reversion_is_the_random_walk_around_the_trend() -> None:
    rows = TOOL.calibration_rows()
    t, x = TOOL.years(rows["date"]), np.log(rows["usd_per_gpu_hour"].to_numpy())
    fit = TOOL.fit(t, x)
    trend = x - (x.mean() - fit.slope * t.mean()) - fit.slope * t
    _, sigma, _ = TOOL.ou_profile(t, trend, [0.0])[0]
    # Same increments, drift b; the profile divides by n, the estimator by n - 1.
    n = len(rows) - 1
    assert sigma == pytest.approx(fit.rw_vol_trend * math.sqrt((n - 1) / n), rel=1e-12)


def test_the_quoted_rent_vol_is_what_the_shipped_data_give() -> None:
    # A change of rent_history.csv without a new calibration fails here: the figure quoted
    # in rent_vol's help and in docs/simulation.md is the fit's, to two decimals, and the
    # default is either that fit rounded (then the help says calibrated) or marked
    # illustrative.
    fit = TOOL.calibrate()
    spec = param("rent_vol")
    quoted = f"{fit.rw_vol:.2f}"
    assert quoted in spec.help
    docs = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    assert f"random walk {quoted}" in docs
    assert f"{fit.decline:.0%} a year" in docs
    if "calibrated" in spec.help:
        assert spec.default == pytest.approx(TOOL.rounded(fit.rw_vol), abs=1e-12)
        assert "calibrated to H100 rents 2023-2026 (tools/calibrate_rent.py)" in spec.help
    else:
        assert "illustrative" in spec.help


def test_the_tool_prints_its_table_and_result(capsys: pytest.CaptureFixture[str]) -> None:
    TOOL.main()
    out = capsys.readouterr().out
    fit = TOOL.calibrate()
    assert re.search(r"annual decline\s+1 - exp\(b\) = " + re.escape(f"{fit.decline:.1%}"), out)
    assert f"random walk (used)        {fit.rw_vol:.3f}" in out
    assert "Sensitivity" in out
    assert "profile likelihood" in out
    assert (
        f"Calibrated rent_vol (random walk, rounded to 0.05): {TOOL.rounded(fit.rw_vol):.2f}" in out
    )
