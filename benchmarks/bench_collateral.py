"""Benchmark: GPU_RESIDUAL and GPU_LIQUIDATION per call, LTV_TABLE per table, against targets.

Classic xlwings spends roughly 1 ms per cell call on the COM round-trip, so the Python side
should stay well under it: target <= 50 us per scalar call (GPU_RESIDUAL, GPU_LIQUIDATION)
and <= 2 ms for LTV_TABLE on a 10-year monthly deal (121 rows x 15 columns, the Excel
shaping included). Everything is called through the Excel functions in ``addin.excel.udfs``,
with the arguments Excel passes. Run: ``uv run python benchmarks/bench_collateral.py``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from addin.analytics.debt import debt_schedule
from addin.excel.udfs import GPU_LIQUIDATION, GPU_RESIDUAL, LTV_TABLE, _deal_from_cells
from addin.model.deal import load_deal

COM_ROUND_TRIP_S = 1e-3
DEAL: list[list[Any]] = [
    ["name", "Bench"], ["gpus", 10000.0], ["gpu_model", "H100 SXM"], ["market_rate", 2.0],
    ["loan_amount", 200e6], ["interest_rate", 0.10], ["tenor_years", 10.0],
    ["periods_per_year", 12.0], ["start_date", 46327.0], ["market_absorption", 2000.0],
    ["carry_cost", 25.0],
]  # fmt: skip


def best_of(function: Callable[[], object], repeat: int = 7, number: int = 200) -> float:
    """Best mean seconds per call over several batches."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            function()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def parsed(function: Callable[[], object]) -> Callable[[], object]:
    """The call with the deal range parsed and its debt schedule built every time (no cache)."""

    def call() -> object:
        _deal_from_cells.cache_clear()
        debt_schedule.cache_clear()
        return function()

    return call


def main() -> None:
    deal = load_deal(DEAL)
    model = [["H100 SXM"]]  # one cell, as xlwings passes an ndim=2 argument
    cases: list[tuple[str, Callable[[], object], float]] = [
        ("GPU_RESIDUAL, model, market", lambda: GPU_RESIDUAL(model, 3.5, "market"), 50e-6),
        ("GPU_RESIDUAL, model, book", lambda: GPU_RESIDUAL(model, 3.5, None), 50e-6),
        ("GPU_RESIDUAL, deal, economic", lambda: GPU_RESIDUAL(DEAL, 3.5, "economic"), 50e-6),
        (
            "GPU_RESIDUAL, deal parsed, economic",
            parsed(lambda: GPU_RESIDUAL(DEAL, 3.5, "economic")),
            50e-6,
        ),
        ("GPU_LIQUIDATION, defaults", lambda: GPU_LIQUIDATION(10000.0, 8196.0, 2000.0), 50e-6),
        (
            "GPU_LIQUIDATION, all arguments",
            lambda: GPU_LIQUIDATION(10000.0, 8196.0, 2000.0, 0.3, 0.5, 24.0),
            50e-6,
        ),
        ("LTV_TABLE, 10-year monthly", lambda: LTV_TABLE(DEAL), 2e-3),
        ("LTV_TABLE, deal parsed", parsed(lambda: LTV_TABLE(DEAL)), 2e-3),
    ]
    for name, function, _ in cases:  # every case must return a result, not an error text
        result = function()
        assert not (isinstance(result, str) and result.startswith("#VALUE!")), (name, result)
    print(f"10-year monthly deal ({deal.periods} periods, {deal.gpus} GPUs)\n")
    print(f"{'case':38} {'time':>12} {'target':>10} {'time/target':>12} {'vs COM 1 ms':>12}")
    for name, function, target in cases:
        seconds = best_of(function, number=50 if "LTV" in name else 500)
        print(f"{name:38} {seconds * 1e6:>9.1f} us {target * 1e6:>7.0f} us "
              f"{seconds / target:>12.3f} {seconds / COM_ROUND_TRIP_S:>12.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
