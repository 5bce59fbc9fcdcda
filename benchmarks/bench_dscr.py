"""Benchmark: DSCR_MIN per call, a 21 x 21 stress grid and the waterfall on many paths.

Classic xlwings spends roughly 1 ms per cell call on the COM round-trip, so the Python
side should stay well under it: target <= 50 us per DSCR_MIN call and <= 25 ms for a
21 x 21 grid (annual_decline x utilization). With the full waterfall (DSRA, sweep, LTM
lock-up, LTV covenant; issue 12): <= 100 us per DSCR_MIN call with a parsed deal, and the
waterfall on 10,000 paths x 120 periods is reported (the next issue's target: <= 1 s).

"parsed" rows parse and validate the deal range on every call. A workbook asks many cells
about the same deal, so each deal's run is kept (``deal_run``); the "cold" rows also forget
every run, so they time the model itself: cash flows, schedule and the one-path waterfall
loop (``waterfall_path``, plain floats) from nothing.
Run: ``uv run python benchmarks/bench_dscr.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from addin.analytics import dscr, waterfall
from addin.analytics.dscr import min_dscr_grid
from addin.analytics.waterfall import deal_waterfall
from addin.excel.convert import DEAL_CACHE
from addin.excel.udfs import DSCR_MIN
from addin.model.deal import load_deal

COM_ROUND_TRIP_S = 1e-3
DEAL = [
    ["name", "Bench"], ["gpus", 4096.0], ["market_rate", 2.1], ["contracted_share", 0.6],
    ["contract_rate", 2.35], ["contract_years", 3.0], ["opex_per_gpu_year", 4000.0],
    ["loan_amount", 85e6], ["interest_rate", 0.11], ["tenor_years", 10.0],
    ["periods_per_year", 12.0],
]  # fmt: skip


FULL = [*DEAL, ["dsra_months", 6.0], ["sweep_share", 0.5], ["max_ltv", 1.5]]


def best_of(function: Callable[[], object], repeat: int = 7, number: int = 200) -> float:
    """Best mean seconds per call over several batches."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def parsed_call() -> object:
    DEAL_CACHE.clear()  # parse and validate the deal range every time
    return DSCR_MIN(DEAL, 0.3)


def parsed_full_call() -> object:
    DEAL_CACHE.clear()
    return DSCR_MIN(FULL, 0.3)


def cold_full_call() -> object:
    DEAL_CACHE.clear()
    for cached in (waterfall.deal_run, waterfall.fleet_market_value, dscr._waterfall_min_dscr):
        cached.cache_clear()
    return DSCR_MIN(FULL, 0.3)


def grid_of_udf_calls() -> None:
    for d in np.linspace(0.0, 0.6, 21):
        for u in np.linspace(0.5, 1.0, 21):
            rows = [*DEAL, ["utilization", float(u)]]
            DSCR_MIN(rows, float(d))


def main() -> None:
    deal = load_deal(DEAL)
    declines, utils = np.linspace(0.0, 0.6, 21)[:, None], np.linspace(0.5, 1.0, 21)
    full = load_deal(FULL)
    rng = np.random.default_rng(12)
    paths = rng.lognormal(0, 0.3, (10_000, full.periods)) * (
        deal_waterfall(full)["debt_service"][0] * 1.2
    )
    rows = [
        ("DSCR_MIN, deal range cached", best_of(lambda: DSCR_MIN(DEAL, 0.3)), 50e-6),
        ("DSCR_MIN, deal range parsed", best_of(parsed_call), 50e-6),
        ("21x21 grid, 441 DSCR_MIN calls", best_of(grid_of_udf_calls, 3, 3), 25e-3),
        ("21x21 grid, vectorised", best_of(lambda: min_dscr_grid(deal, declines, utils)), 25e-3),
        ("DSCR_MIN, full waterfall, parsed", best_of(parsed_full_call), 100e-6),
        ("DSCR_MIN, full waterfall, cold", best_of(cold_full_call, 3, 20), 100e-6),
        ("waterfall, 1 path (float loop)", best_of(lambda: deal_waterfall(full), 3, 20), 100e-6),
        ("waterfall, 10,000 x 120 paths", best_of(lambda: deal_waterfall(full, paths), 3, 1), 1.0),
    ]
    print(f"10-year monthly deal ({deal.periods} periods)\n")
    print(f"{'case':34} {'time':>12} {'target':>10} {'time/target':>12} {'vs COM 1 ms':>12}")
    for name, seconds, target in rows:
        per_cell = seconds / 441 if "grid" in name else seconds
        print(f"{name:34} {seconds * 1e6:>9.1f} us {target * 1e6:>7.0f} us "
              f"{seconds / target:>12.3f} {per_cell / COM_ROUND_TRIP_S:>12.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
