"""Fit the H100 rent trend and the rent volatility to the project's rent history.

Run (a second; no extra dependencies)::

    uv run python tools/calibrate_rent.py

**Data.** ``addin/model/data/rent_history.csv`` (:func:`addin.model.catalog.rent_history`),
the H100 SXM rows marked ``calibrate = yes``: USD 4.70 when cloud H100s appeared (early
2023), over USD 8 at the 2023 peak, USD 1-2 by Aug-Oct 2024 (entered at its geometric
midpoint, 1.41), then SemiAnalysis' 1-year contract index at 1.70 (Oct 2025), 2.35 (Mar
2026) and about 2.65 (Jun 2026). Sources and their authority: ``addin/model/data/SOURCES.md``.

**The model it calibrates** (:mod:`addin.sim.factors`): log market rent = log of the deal's
trend rent (``annual_decline``) + :math:`x_t`, with :math:`x` an Ornstein-Uhlenbeck process
of volatility ``rent_vol`` and reversion ``rent_reversion``; with the default reversion 0,
:math:`x` is a random walk.

**Fit.**

1. *Trend*: ordinary least squares of :math:`\\ln r_i = a + b t_i` (:math:`t` in years),
   every observation weighted equally: the sources are too few and too uneven to weight
   by authority, and a band's width says little about the error of its midpoint. The
   implied annual decline is :math:`1 - e^b`.
2. *Volatility*, two estimators, both printed:

   * **random walk** (the one used): the maximum-likelihood volatility of a Brownian motion
     with drift observed at unequal times,
     :math:`\\hat\\sigma^2 = \\frac{1}{n-1}\\sum_i (\\Delta x_i - \\hat\\mu \\Delta t_i)^2 /
     \\Delta t_i`, :math:`\\hat\\mu = \\sum \\Delta x_i / \\sum \\Delta t_i`, over the
     :math:`n` consecutive pairs (divided by :math:`n - 1` for the estimated drift). With
     equal spacing it is the sd of :math:`\\Delta \\ln r / \\sqrt{\\Delta t}`. A 95%
     interval comes from :math:`(n-1)\\hat\\sigma^2/\\sigma^2 \\sim \\chi^2_{n-1}`.
   * **residual**: the sd of the trend fit's residuals (2 degrees of freedom used)
     divided by :math:`\\sqrt{\\overline{\\Delta t}}`, as if each residual were an independent
     shock accumulated over the mean spacing.

   The random walk is the one used because it is the engine's default model (reversion 0),
   it uses each pair's own spacing, and the residual sd of a random walk grows with the
   span of the sample, so the residual estimator has no stable meaning under that model.
   The reversion speed cannot be told from six points: the OU profile likelihood printed
   below moves by little more than one log point from 0 to 4 a year, and the volatility it
   fits rises with the reversion (from the random walk's, without the n - 1 correction).

**Caveats** (printed with the results): six points; one episode, the fall from the 2023
scarcity peak to the 2024 glut, carries most of the variance; the points mix tiers (2023
on-demand, 2024 spot and resold capacity, 2025-2026 one-year contracts), whose spread at a
given date (USD 1-2 spot against USD 2.99 on-demand in Oct 2024) is of the size of the
moves; three dates are known only to the year or the quarter; no point is a transaction a
bank could audit.

**What it found** (November 2026 data): trend decline 26% a year (the deal default
``annual_decline`` is 30%); random-walk volatility 0.96 a year (95% interval 0.58 to 2.76;
0.97 around the fitted trend or the default 30% trend), residual estimator 0.68. Every
variant that keeps the 2023-2024 points gives 0.83 to 1.12; the three contract-index points
alone give 0.84 around the default trend, and less (0.12) only with their own rising drift.
The deal default ``rent_vol`` and what its help says follow from this: see
docs/simulation.md, *The rent volatility*. ``tests/model/test_rent_history.py`` checks that
the figure quoted in the key's help and in the docs is the one this fit gives on the shipped
data, so a change of the data without a new calibration fails.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2

from addin.model.catalog import rent_history
from addin.model.params import param

MODEL = "H100 SXM"
#: Time origin of the fit (any date gives the same slope and volatility).
ORIGIN = dt.date(2023, 1, 1)
DAYS_PER_YEAR = 365.25
#: The deal default's trend decline, decimal per year.
DEFAULT_DECLINE = float(param("annual_decline").default)
#: A calibrated default is rounded to this step (the estimate's standard error is ~0.3).
ROUNDING = 0.05
#: Reversion speeds of the profile likelihood, per year.
KAPPAS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0)
#: How far the sensitivity run moves a date known only to its year or quarter, years.
DATE_SHIFT = {"year": 0.25, "quarter": 1 / 12}


@dataclass(frozen=True)
class Calibration:
    """Trend and volatility of log rent from one set of observations.

    Attributes
    ----------
    points : int
        Observations used.
    slope : float
        b of ln r = a + b t, per year.
    slope_se : float
        Its OLS standard error, per year.
    decline : float
        Implied annual decline 1 - exp(b), decimal per year.
    residual_sd : float
        Sd of the trend fit's residuals, log points (n - 2 degrees of freedom).
    residual_vol : float
        residual_sd / sqrt(mean spacing), decimal per year.
    rw_vol : float
        Random-walk maximum-likelihood volatility (own drift), decimal per year.
    rw_vol_trend : float
        The same with the fitted trend b as the drift, decimal per year.
    rw_vol_default : float
        The same with the deal default's trend ln(1 - annual_decline) as the drift: the
        volatility around the trend the engine uses by default, decimal per year.
    rw_interval : tuple of float
        95% chi-square interval of rw_vol, decimal per year.
    """

    points: int
    slope: float
    slope_se: float
    decline: float
    residual_sd: float
    residual_vol: float
    rw_vol: float
    rw_vol_trend: float
    rw_vol_default: float
    rw_interval: tuple[float, float]


def years(dates: Iterable[str]) -> np.ndarray:
    """ISO dates as years since :data:`ORIGIN` (actual days / 365.25).

    Examples
    --------
    >>> years(["2023-01-01", "2024-01-01"]).round(4).tolist()
    [0.0, 0.9993]
    """
    return np.array([(dt.date.fromisoformat(d) - ORIGIN).days / DAYS_PER_YEAR for d in dates])


def calibration_rows(table: pd.DataFrame | None = None, model: str = MODEL) -> pd.DataFrame:
    """The rows the fit uses: ``model``, ``calibrate = yes``, oldest first."""
    table = rent_history() if table is None else table
    rows = table[(table["gpu_model"] == model) & (table["calibrate"] == "yes")]
    return rows.sort_values("date").reset_index(drop=True)


def random_walk_vol(t: np.ndarray, x: np.ndarray, drift: float | None = None) -> float:
    """Volatility of a Brownian motion with drift from observations at unequal times.

    :math:`\\hat\\sigma^2 = \\frac{1}{n-1}\\sum (\\Delta x - \\mu\\Delta t)^2/\\Delta t` over the
    n consecutive pairs, :math:`\\mu = \\sum\\Delta x / \\sum\\Delta t` unless ``drift`` is
    given (then divided by n - 1 all the same: the drift was fitted to the same data).

    Examples
    --------
    >>> round(random_walk_vol(np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.5, 0.0])), 6)
    0.707107
    """
    dt_, dx = np.diff(t), np.diff(x)
    mu = dx.sum() / dt_.sum() if drift is None else drift
    return math.sqrt(float(np.sum((dx - mu * dt_) ** 2 / dt_)) / (dx.size - 1))


def ou_profile(
    t: np.ndarray, e: np.ndarray, kappas: Iterable[float] = KAPPAS
) -> list[tuple[float, float, float]]:
    """Maximum-likelihood sigma and log-likelihood of an OU process for each reversion speed.

    The residuals ``e`` of the trend are taken as an Ornstein-Uhlenbeck process observed at
    times ``t``; conditional on the first, each is normal with mean
    :math:`\\phi e_{i-1}`, :math:`\\phi = e^{-\\kappa\\Delta t}`, and variance
    :math:`\\sigma^2 (1 - \\phi^2)/(2\\kappa)` (:math:`\\sigma^2\\Delta t` at
    :math:`\\kappa = 0`), the exact step of :mod:`addin.sim.factors`.

    Returns
    -------
    list of (kappa, sigma, log-likelihood)
    """
    dt_ = np.diff(t)
    result = []
    for kappa in kappas:
        phi = np.exp(-kappa * dt_)
        var = (1.0 - phi**2) / (2.0 * kappa) if kappa > 0 else dt_
        r = e[1:] - phi * e[:-1]
        s2 = float(np.mean(r**2 / var))
        loglik = -0.5 * float(np.sum(np.log(2 * np.pi * s2 * var) + r**2 / (s2 * var)))
        result.append((kappa, math.sqrt(s2), loglik))
    return result


def fit(t: np.ndarray, x: np.ndarray) -> Calibration:
    """Trend and volatilities of log rents ``x`` observed at times ``t`` (years).

    Examples
    --------
    >>> t = np.array([0.0, 1.0, 2.0, 3.0])
    >>> round(fit(t, np.log(8.0 * 0.7**t)).decline, 12)  # an exact 30% a year
    0.3
    """
    design = np.column_stack([np.ones_like(t), t])
    coef, *_ = np.linalg.lstsq(design, x, rcond=None)
    residuals = x - design @ coef
    dof = x.size - 2
    residual_sd = math.sqrt(float(residuals @ residuals) / dof) if dof > 0 else math.nan
    slope_se = residual_sd / math.sqrt(float(np.sum((t - t.mean()) ** 2)))
    n = x.size - 1  # consecutive pairs
    rw = random_walk_vol(t, x)
    interval = (
        rw * math.sqrt((n - 1) / chi2.ppf(0.975, n - 1)),
        rw * math.sqrt((n - 1) / chi2.ppf(0.025, n - 1)),
    )
    return Calibration(
        points=int(x.size),
        slope=float(coef[1]),
        slope_se=slope_se,
        decline=1.0 - math.exp(coef[1]),
        residual_sd=residual_sd,
        residual_vol=residual_sd / math.sqrt(float(np.mean(np.diff(t)))),
        rw_vol=rw,
        rw_vol_trend=random_walk_vol(t, x, drift=float(coef[1])),
        rw_vol_default=random_walk_vol(t, x, drift=math.log1p(-DEFAULT_DECLINE)),
        rw_interval=interval,
    )


def calibrate(table: pd.DataFrame | None = None) -> Calibration:
    """The fit on the calibration rows of ``table`` (default: the shipped history).

    Examples
    --------
    >>> round(calibrate().decline, 2), round(calibrate().rw_vol, 2)
    (0.26, 0.96)
    """
    rows = calibration_rows(table)
    return fit(years(rows["date"]), np.log(rows["usd_per_gpu_hour"].to_numpy()))


def rounded(value: float, step: float = ROUNDING) -> float:
    """``value`` to the nearest multiple of ``step``.

    Examples
    --------
    >>> rounded(0.959)
    0.95
    """
    return round(round(value / step) * step, 10)


def _subsets(rows: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The sensitivity runs: named subsets and variants of the calibration rows."""
    issue_four = rows[rows["date"].isin(["2023-07-01", "2024-09-15", "2025-10-15", "2026-03-15"])]
    band = rows["low_usd"].notna()
    low, high = rows.copy(), rows.copy()
    low.loc[band, "usd_per_gpu_hour"] = low.loc[band, "low_usd"]
    high.loc[band, "usd_per_gpu_hour"] = high.loc[band, "high_usd"]
    return [
        ("all calibration rows", rows),
        ("the issue's four points", issue_four),
        ("without the 2023 launch figure", rows[rows["date"] != "2023-03-15"]),
        ("without the low-authority row", rows[rows["authority"] != "low"]),
        ("2024 onwards (no 2023 scarcity)", rows[rows["date"] >= "2024"]),
        ("contract index only (2025-2026)", rows[rows["series"] == "1-year contract"]),
        ("2024 band at its low end (USD 1)", low),
        ("2024 band at its high end (USD 2)", high),
    ]


def _row(name: str, c: Calibration) -> str:
    return (
        f"{name:<36} {c.points:>2} {c.decline:>8.1%} {c.residual_sd:>7.2f} "
        f"{c.residual_vol:>7.2f} {c.rw_vol:>7.2f} {c.rw_vol_trend:>7.2f} {c.rw_vol_default:>7.2f}"
    )


def main() -> None:
    """Print the data, the fit, the sensitivities and what the default is."""
    rows = calibration_rows()
    t = years(rows["date"])
    x = np.log(rows["usd_per_gpu_hour"].to_numpy())
    c = fit(t, x)
    trend = x - (x.mean() - c.slope * t.mean()) - c.slope * t

    print(f"H100 rent history: {len(rows)} calibration rows of {len(rent_history())}")
    print(f"{'date':<11} {'series':<16} {'USD/h':>6} {'ln r':>6} {'resid':>6}  authority  source")
    for (_, row), e in zip(rows.iterrows(), trend, strict=True):
        mark = "~" if row["date_precision"] in DATE_SHIFT else " "
        print(
            f"{row['date']}{mark} {row['series']:<16} {row['usd_per_gpu_hour']:>6.2f} "
            f"{math.log(row['usd_per_gpu_hour']):>6.3f} {e:>6.3f}  {row['authority']:<9}  "
            f"{row['source']}"
        )
    print("(~ the source gives only the year or the quarter)\n")

    print("Trend (OLS of ln r on t, equal weights)")
    print(f"  slope b          {c.slope:+.3f} a year (se {c.slope_se:.3f})")
    print(f"  annual decline   1 - exp(b) = {c.decline:.1%}")
    print("Volatility of log rent, decimal per year")
    print(f"  random walk (used)        {c.rw_vol:.3f}  95% interval "
          f"{c.rw_interval[0]:.2f} to {c.rw_interval[1]:.2f}")  # fmt: skip
    print(f"  random walk, trend drift  {c.rw_vol_trend:.3f}")
    print(f"  random walk, {DEFAULT_DECLINE:.0%} drift    {c.rw_vol_default:.3f}"
          "  (around the deal default's trend)")  # fmt: skip
    print(f"  residual sd / sqrt(mean spacing)  {c.residual_sd:.3f} / "
          f"sqrt({np.mean(np.diff(t)):.2f}) = {c.residual_vol:.3f}\n")  # fmt: skip

    print("Sensitivity")
    print(f"{'':<36} {'n':>2} {'decline':>8} {'res sd':>7} {'res vol':>7} {'rw':>7} "
          f"{'rw trd':>7} {'rw 30%':>7}")  # fmt: skip
    for name, subset in _subsets(rows):
        print(_row(name, fit(years(subset["date"]), np.log(subset["usd_per_gpu_hour"]))))
    shift = rows["date_precision"].map(DATE_SHIFT).fillna(0.0).to_numpy()
    for sign, when in ((-1, "earlier"), (1, "later")):
        print(_row(f"coarse dates {when}", fit(t + sign * shift, x)))
    print()

    print("Reversion cannot be told apart (OU profile likelihood on the trend residuals)")
    print(f"  {'kappa /yr':>9} {'sigma':>7} {'loglik':>8} {'stationary sd':>14}")
    for kappa, sigma, loglik in ou_profile(t, trend):
        stationary = f"{sigma / math.sqrt(2 * kappa):14.2f}" if kappa > 0 else f"{'none':>14}"
        print(f"  {kappa:>9.2f} {sigma:>7.3f} {loglik:>8.2f} {stationary}")
    print()

    default = param("rent_vol").default
    print("Caveats: 6 points; the 2023 peak to 2024 glut carries most of the variance; the")
    print("points mix on-demand (2023), spot (2024) and 1-year contract (2025-26) prices, whose")
    print("spread at one date is as large as the moves; three dates are approximate.\n")
    print(f"Calibrated rent_vol (random walk, rounded to {ROUNDING}): {rounded(c.rw_vol):.2f}")
    print(f"Shipped default rent_vol: {default}  ({param('rent_vol').help})")


if __name__ == "__main__":
    main()
