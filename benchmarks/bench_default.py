"""Correlated default: speed and accuracy of the exact loss engines against financepy.

Run with the benchmark group (financepy is GPL and lives only there):

    uv run --group bench python benchmarks/bench_default.py

For each portfolio it prints our time for the full loss distribution (``loss_distribution``
or ``two_factor_loss_distribution``, validation and DataFrame included) and our error: the
largest absolute error in tranche expected loss (fraction of tranche notional) over the
tranches 0-3, 3-7, 7-10, 10-15, 15-30 and 30-100%, against a converged reference (the same
engine with factor steps four times finer and a finer mixing grid); one t-copula row uses
exposures without a common unit (the 2,048-point split grid). financepy's
``loss_dbn_recursion_gcd`` (the one-factor Gaussian recursion behind its CDS tranche
pricer, numba-compiled, warmed up before timing) runs on the same portfolios and loss
units with 50 integration steps (its tranche pricer's default) and 200. financepy has no
semi-analytic t-copula or two-factor engine, so those rows have no peer. Times are the
best of 51 runs (5 for 1,000 names, 3 for the slow rows) on one machine in one process,
the same count for both engines.

Targets (issue 4): faster than financepy on the 100-name portfolios at 100x its accuracy
(error ratio <= 0.01 and time ratio < 1), and a 1,000-name heterogeneous distribution in
<= 50 ms.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from addin import distribution_tranche_el, loss_distribution, two_factor_loss_distribution
from addin.analytics.portfolio.settings import DEFAULT_SETTINGS, EngineSettings
from addin.analytics.portfolio.statistics import tranche_of

TRANCHES = [(0.0, 0.03), (0.03, 0.07), (0.07, 0.10), (0.10, 0.15), (0.15, 0.30), (0.30, 1.0)]
LGD = 0.6
UNIT = 1e6  # exposures are whole USD millions, so every engine shares the loss unit
#: The converged reference: quadrature steps four times finer, a finer mixing grid.
CONVERGED = dataclasses.replace(
    DEFAULT_SETTINGS,
    step_factor=DEFAULT_SETTINGS.step_factor / 4,
    max_step=DEFAULT_SETTINGS.max_step / 4,
    chi_step=DEFAULT_SETTINGS.chi_step / 4,
    chi_per_spread=DEFAULT_SETTINGS.chi_per_spread * 4,
)


def best_ms(function: Callable[[], Any], repeat: int = 7) -> float:
    function()  # warm up (numba compilation, caches)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1e3 * min(times)


def tranche_errors(probs: np.ndarray, reference: np.ndarray, units: np.ndarray) -> float:
    """Largest tranche-EL error between two distributions on the grid of losses
    LGD x USD 1m; ``units`` are the exposures in USD millions."""
    total_units = float(units.sum()) / LGD  # total exposure in grid steps
    losses = np.arange(reference.size, dtype=float)
    worst = 0.0
    for a, d in TRANCHES:
        ours = tranche_of(losses, probs[: reference.size], a, d, total_units)
        ref = tranche_of(losses, reference, a, d, total_units)
        worst = max(worst, abs(ours - ref))
    return worst


def converged(function: Callable[..., Any]) -> Any:
    """Run with the converged reference settings."""
    return function(settings=CONVERGED)


def financepy_runner(pds: np.ndarray, units: np.ndarray, rho: np.ndarray, steps: int) -> Any:
    from financepy.models.gauss_copula_onefactor import loss_dbn_recursion_gcd

    beta = np.sqrt(rho)
    loss_units = units.astype(float)
    return lambda: loss_dbn_recursion_gcd(pds.size, pds, loss_units, beta, steps)


def portfolio(n: int, seed: int, heterogeneous: bool, exposures: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    if heterogeneous:
        pds, rho = rng.uniform(0.005, 0.05, n), rng.uniform(0.10, 0.30, n)
    else:
        pds, rho = np.full(n, 0.02), np.full(n, 0.30)
    sizes = rng.integers(1, 6, n) if exposures else np.ones(n, dtype=np.int64)
    return {"pds": pds, "rho": rho, "units": sizes.astype(np.int64)}


def main() -> None:
    rows: list[list[str]] = []
    cases: list[tuple[str, dict[str, np.ndarray], str, float | None]] = [
        ("homogeneous 100", portfolio(100, 1, False, False), "gaussian", None),
        ("heterogeneous 100 (PD, rho)", portfolio(100, 2, True, False), "gaussian", None),
        ("heterogeneous 100 (PD, rho, EAD 1-5m)", portfolio(100, 3, True, True), "gaussian", None),
        ("heterogeneous 1,000 (PD, rho)", portfolio(1000, 4, True, False), "gaussian", None),
        (
            "heterogeneous 1,000 (PD, rho, EAD 1-5m)",
            portfolio(1000, 5, True, True),
            "gaussian",
            None,
        ),
        ("t copula, 5 dof, heterogeneous 100", portfolio(100, 2, True, False), "t", 5.0),
    ]
    for name, book, kind, dof in cases:
        pds, rho, units = book["pds"], book["rho"], book["units"]
        exposures = units * UNIT

        def ours(
            pds: Any = pds,
            exposures: Any = exposures,
            rho: Any = rho,
            kind: str = kind,
            dof: Any = dof,
            settings: EngineSettings = DEFAULT_SETTINGS,
        ) -> Any:
            return loss_distribution(pds, exposures, LGD, rho, kind, dof, settings)

        ms = best_ms(ours, 5 if pds.size > 500 else 51)
        probs = ours()["probability"].to_numpy()
        reference = converged(ours)["probability"].to_numpy()
        error = tranche_errors(probs, reference, units)
        row = [name, f"{ms:8.2f}", f"{error:8.1e}"]
        if kind == "gaussian":
            for steps in (50, 200):
                run = financepy_runner(pds, units, rho, steps)
                peer_ms = best_ms(run, 5 if pds.size > 500 else 51)
                peer_error = tranche_errors(np.asarray(run()), reference, units)
                row += [
                    f"{peer_ms:8.2f}",
                    f"{peer_error:8.1e}",
                    f"{ms / peer_ms:6.2f}",
                    f"{error / peer_error:8.1e}",
                ]
        else:
            row += ["n/a"] * 8
        rows.append(row)

    # the t copula on exposures without a common unit: the 2,048-point split grid
    book = portfolio(25, 7, True, True)
    odd = book["units"] * UNIT + 0.137  # USD amounts with cents: no common loss unit

    def t_split(settings: EngineSettings = DEFAULT_SETTINGS) -> Any:
        return loss_distribution(book["pds"], odd, LGD, book["rho"], "t", 5.0, settings)

    ms = best_ms(t_split, 3)
    dist, fine = t_split(), converged(t_split)
    error = max(
        abs(distribution_tranche_el(dist, a, d) - distribution_tranche_el(fine, a, d))
        for a, d in TRANCHES
    )
    rows.append(
        ["t copula, 5 dof, 25, no common unit", f"{ms:8.2f}", f"{error:8.1e}", *["n/a"] * 8]
    )

    # the two-factor model: miners load on crypto and rent, neoclouds mostly on rent
    rng = np.random.default_rng(6)
    n = 100
    pds = rng.uniform(0.01, 0.06, n)
    miner = np.arange(n) % 2 == 0
    crypto, compute = np.where(miner, 0.5, 0.1), np.where(miner, 0.3, 0.5)

    def two_factor(settings: EngineSettings = DEFAULT_SETTINGS) -> Any:
        return two_factor_loss_distribution(
            pds, UNIT, LGD, crypto, compute, 0.2, 0.25, 0.8, settings=settings
        )

    ms = best_ms(two_factor, 3)
    probs = two_factor()["probability"].to_numpy()
    reference = converged(two_factor)["probability"].to_numpy()
    error = tranche_errors(probs, reference, np.ones(n))
    rows.append(["two-factor 100, stress p 0.25", f"{ms:8.2f}", f"{error:8.1e}", *["n/a"] * 8])

    header = [
        "portfolio",
        "ours ms",
        "ours err",
        "fp50 ms",
        "fp50 err",
        "t ratio",
        "err ratio",
        "fp200 ms",
        "fp200 err",
        "t ratio",
        "err ratio",
    ]
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print("Tranche-EL error = max |EL - reference| over 6 tranches (fraction of tranche notional);")
    print("ratios are ours / financepy (t ratio < 1: we are faster; err ratio < 1: more accurate)")
    for line in [header, *rows]:
        print("  ".join(str(c).rjust(w) for c, w in zip(line, widths, strict=True)))


if __name__ == "__main__":
    main()
