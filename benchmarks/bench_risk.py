"""Benchmark: the path engine (issue 13) on a 10-year monthly deal with the full waterfall.

Targets: 10,000 paths x 120 monthly periods with the full waterfall (DSRA, sweep, LTM
lock-up, LTV covenant, floating rate with Vasicek base rate, offtaker default, BTC treasury)
in <= 1 s on one core, with peak memory <= 300 MB (tracemalloc: numpy's allocations); the
default cell call (2,000 paths, nothing cached) in <= 0.5 s. It also prints paths per
second and the standard error of the lifetime PD and of EL against the number of paths:
SE x sqrt(paths) stays flat (the 1/sqrt(paths) law; antithetic pairs, no Sobol).

The engine runs on one thread (numpy without threaded BLAS in the hot loop), so the time is
one core's. Run: ``uv run python benchmarks/bench_risk.py``.
"""

from __future__ import annotations

import math
import time
import tracemalloc

from addin.model.deal import load_deal
from addin.sim import engine
from addin.sim.engine import deal_risk, fair_margin, run_outcomes

DEAL = {
    "name": "Bench", "gpus": 4096, "market_rate": 2.1, "contracted_share": 0.6,
    "contract_rate": 2.35, "contract_years": 3.0, "opex_per_gpu_year": 4000.0,
    "loan_amount": 85e6, "base_rate": 0.04, "margin": 0.06, "tenor_years": 10,
    "periods_per_year": 12, "dsra_months": 6, "sweep_share": 0.5, "max_ltv": 1.5,
    "market_absorption": 1500, "annual_decline": 0.2, "btc_holdings": 5e6,
    "mining_share": 0.1,
}  # fmt: skip


def timed(function, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    """Best wall time of a few runs, seconds."""
    best = math.inf
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    deal = load_deal(DEAL)
    run_outcomes(deal, 1024, 0)  # warm the caches of the deterministic pieces

    seconds = timed(lambda: run_outcomes(deal, 10_000, 1))
    tracemalloc.start()
    run_outcomes(deal, 10_000, 2)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    def cold_cell() -> None:
        engine._deal_risk.cache_clear()
        deal_risk(deal, engine.DEFAULT_PATHS, 0)

    cell = timed(cold_cell)
    margin = timed(lambda: (engine._fair_margin.cache_clear(), fair_margin(deal, 2000, 0)), 1)

    print(f"Deal: {deal.periods} monthly periods, full waterfall, floating rate\n")
    print(f"{'case':44} {'measured':>12} {'target':>10} {'ratio':>7}")
    rows = [
        ("10,000 paths x 120 periods (s)", seconds, 1.0),
        ("  peak memory (MB, tracemalloc)", peak, 300.0),
        ("default cell call, 2,000 paths, cold (s)", cell, 0.5),
        ("fair margin, 2,000 paths, cold (s)", margin, math.nan),
    ]
    for name, value, target in rows:
        ratio = value / target if target == target else math.nan
        shown = f"{target:>10.2f}" if target == target else f"{'-':>10}"
        print(f"{name:44} {value:>12.3f} {shown} {ratio:>7.2f}")
    print(f"\npaths per second: {10_000 / seconds:,.0f} ({10_000 * deal.periods / seconds:,.0f} "
          "path-periods per second)")  # fmt: skip

    print("\nStandard error against paths (seed 11):")
    print(f"{'paths':>8} {'PD':>8} {'SE(PD)':>9} {'SE*sqrt(n)':>11} {'EL % loan':>10} "
          f"{'SE(EL) %':>9} {'SE*sqrt(n)':>11} {'seconds':>8}")  # fmt: skip
    for n in (1_000, 4_000, 16_000, 64_000):
        start = time.perf_counter()
        risk = deal_risk(deal, n, 11)
        took = time.perf_counter() - start
        el_se = risk.expected_loss_se / risk.loan_amount
        print(f"{n:>8,} {risk.lifetime_pd:>8.4f} {risk.lifetime_pd_se:>9.5f} "
              f"{risk.lifetime_pd_se * math.sqrt(n):>11.3f} {risk.expected_loss_share:>10.4%} "
              f"{el_se:>9.4%} {el_se * math.sqrt(n):>11.3f} {took:>8.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
