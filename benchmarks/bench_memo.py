"""Memo benchmark: seconds per deal (analysis, simulation, workbook) and batch --jobs 1 vs 2.

Run with ``uv run python benchmarks/bench_memo.py``. Prints one table, measured in one run,
for each example deal (``workbooks/examples``), the median over a few runs, each on the
deal with a new rent decline so that no engine cache flatters the timing:

* **simulate**: the path engine at the memo's paths (``deal_risk`` at 2,000 paths, the
  fair margin on the same paths, the five named scenarios);
* **analyse**: everything else :func:`addin.memo.analyse` runs (the deterministic schedule,
  stress grids and their breakevens, the BTC grid, collateral, base case, flags, verdict);
* **workbook**: build the workbook and save it (openpyxl).

Wall time and CPU time of this process are both shown: on a machine shared with other
work the wall time grows, the CPU time much less. Then the wall time of ``gpucredit memo``
on BATCH deal files (the two examples, alternately, each with its own decline, new in each
batch so that no cache carries over) with one and with two worker processes (start-up and
imports included), and one PDF export when LibreOffice is installed (not part of the
target).

Target (issue 14): at most 2 s per deal, simulation included, without the PDF.
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from addin.cli import main
from addin.io.deal_files import read_deal
from addin.io.office import export_pdf, find_soffice
from addin.memo import analyse, build_workbook, save_workbook
from addin.memo.results import MEMO_PATHS, MEMO_SEED
from addin.model.deal import Deal
from addin.sim.engine import deal_risk, fair_margin
from addin.sim.scenarios import SCENARIOS, run_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "workbooks" / "examples").glob("*.toml"))
REPEATS = 5
BATCH = 20
TARGET_S = 2.0


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """The result of ``work()``, its wall time and this process's CPU time (seconds)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def simulate(deal: Deal) -> None:
    """The path engine's share of a memo (its results are cached for analyse)."""
    deal_risk(deal, MEMO_PATHS, MEMO_SEED)
    fair_margin(deal, MEMO_PATHS, MEMO_SEED)
    for name in SCENARIOS:
        run_scenario(deal, name)


def per_deal(base: Deal, folder: Path) -> dict[str, tuple[float, float]]:
    """Median (wall, CPU) seconds of each stage for one deal, over REPEATS new declines."""
    stages: dict[str, list[tuple[float, float]]] = {
        "simulate": [],
        "analyse": [],
        "workbook": [],
        "total": [],
    }
    for k in range(REPEATS):
        deal = base.replace(annual_decline=0.21 + 0.013 * k)
        _, sim_wall, sim_cpu = timed(lambda deal=deal: simulate(deal))
        data, an_wall, an_cpu = timed(lambda deal=deal: analyse(deal))
        target = folder / f"m{k}.xlsx"
        _, wb_wall, wb_cpu = timed(
            lambda data=data, target=target: save_workbook(build_workbook(data), target, True)
        )
        stages["simulate"].append((sim_wall, sim_cpu))
        stages["analyse"].append((an_wall, an_cpu))
        stages["workbook"].append((wb_wall, wb_cpu))
        stages["total"].append((sim_wall + an_wall + wb_wall, sim_cpu + an_cpu + wb_cpu))
    return {
        stage: (
            statistics.median(w for w, _ in runs),
            statistics.median(c for _, c in runs),
        )
        for stage, runs in stages.items()
    }


def batch(folder: Path, jobs: int) -> float:
    """Wall time of ``gpucredit memo`` on BATCH deal files with ``jobs`` workers."""
    deals = folder / "deals"
    deals.mkdir(exist_ok=True)
    paths = []
    for k in range(BATCH):
        source = EXAMPLES[k % len(EXAMPLES)].read_text()
        path = deals / f"deal{k:03d}.toml"
        # each batch its own declines: forked workers inherit this process's engine caches
        decline = 0.20 + 0.004 * k + 0.0005 * jobs
        path.write_text(source.replace("annual_decline = 0.30", f"annual_decline = {decline}"))
        paths.append(str(path))
    out = folder / f"out{jobs}"
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["memo", *paths, "-o", str(out), "--jobs", str(jobs)])
    elapsed = time.perf_counter() - start
    assert code == 0
    assert len(list(out.glob("*_memo.xlsx"))) == BATCH
    return elapsed


def main_bench() -> None:
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        warm = read_deal(EXAMPLES[0])
        save_workbook(build_workbook(analyse(warm)), folder / "warm.xlsx")  # imports, catalog
        for path in EXAMPLES:
            result = per_deal(read_deal(path), folder)
            for stage in ("simulate", "analyse", "workbook", "total"):
                wall, cpu = result[stage]
                note = ""
                if stage == "total":
                    met = "met" if wall <= TARGET_S else "MISSED"
                    note = f"target <= {TARGET_S:g} s (wall): {met}"
                rows.append((f"{path.stem}: {stage}", f"{wall:.3f} / {cpu:.3f} s", note))
        one = batch(folder, 1)
        two = batch(folder, 2)
        rows.append(
            (f"{BATCH} memos, --jobs 1 (wall)", f"{one:.1f} s", f"{one / BATCH:.2f} s per memo")
        )
        rows.append(
            (
                f"{BATCH} memos, --jobs 2 (wall)",
                f"{two:.1f} s",
                f"speed-up x{one / two:.2f} vs --jobs 1 ({os.cpu_count()} CPUs)",
            )
        )
        if find_soffice() is not None:
            start = time.perf_counter()
            export_pdf(folder / "m0.xlsx", folder / "m0.pdf")
            rows.append(
                (
                    "PDF export of one memo (LibreOffice)",
                    f"{time.perf_counter() - start:.2f} s",
                    "one soffice start; not in the target",
                )
            )
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'wall / CPU':>17}  note")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>17}  {note}")


if __name__ == "__main__":
    main_bench()
