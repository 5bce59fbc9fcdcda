"""Memo benchmark: seconds per memo, and 100 memos with --jobs 2 against --jobs 1.

Run with ``uv run python benchmarks/bench_memo.py``. Prints one table, measured in one run:
seconds per memo in-process (analysis and workbook separately), the wall time of
``gpucredit memo`` on 100 deal files with one and with two worker processes (start-up
and imports included), and one PDF export when LibreOffice is installed.
Target: at most 1 s per memo without PDF.
"""

from __future__ import annotations

import contextlib
import io
import statistics
import tempfile
import time
from pathlib import Path

from addin.cli import main
from addin.io.deal_files import read_deal
from addin.io.office import export_pdf, find_soffice
from addin.memo import analyse, build_workbook, save_workbook

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "workbooks" / "examples").glob("*.toml"))
BATCH = 100


def per_memo(folder: Path, repeats: int = 20) -> tuple[float, float, float]:
    """Median seconds to analyse, to build and save, and in all, per memo."""
    bases = [read_deal(path) for path in EXAMPLES]
    analyse(bases[0])  # warm-up: lazy imports and the GPU catalog
    analysis, writing = [], []
    for k in range(repeats):
        # a new decline each time: the engines' caches must not flatter the timing
        deal = bases[k % len(bases)].replace(annual_decline=0.21 + 0.01 * k)
        start = time.perf_counter()
        data = analyse(deal)
        middle = time.perf_counter()
        save_workbook(build_workbook(data), folder / f"m{k}.xlsx", force=True)
        end = time.perf_counter()
        analysis.append(middle - start)
        writing.append(end - middle)
    a, w = statistics.median(analysis), statistics.median(writing)
    return a, w, a + w


def batch(folder: Path, jobs: int) -> float:
    """Wall time of ``gpucredit memo`` on BATCH deal files with ``jobs`` workers."""
    deals = folder / "deals"
    deals.mkdir(exist_ok=True)
    paths = []
    for k in range(BATCH):
        source = EXAMPLES[k % len(EXAMPLES)].read_text()
        path = deals / f"deal{k:03d}.toml"
        decline = 0.20 + 0.002 * k
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
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        analysis, writing, total = per_memo(folder)
        one = batch(folder, 1)
        two = batch(folder, 2)
        pdf = None
        if find_soffice() is not None:
            start = time.perf_counter()
            export_pdf(folder / "m0.xlsx", folder / "m0.pdf")
            pdf = time.perf_counter() - start
    rows = [
        ("analysis per memo (engines)", f"{analysis:.3f} s", ""),
        ("workbook per memo (openpyxl)", f"{writing:.3f} s", ""),
        (
            "memo without PDF",
            f"{total:.3f} s",
            f"target <= 1 s: {'met' if total <= 1 else 'MISSED'}",
        ),
        (f"{BATCH} memos, --jobs 1 (wall)", f"{one:.1f} s", f"{one / BATCH:.3f} s per memo"),
        (
            f"{BATCH} memos, --jobs 2 (wall)",
            f"{two:.1f} s",
            f"speed-up x{one / two:.2f} vs --jobs 1",
        ),
    ]
    if pdf is not None:
        rows.append(("PDF export of one memo (LibreOffice)", f"{pdf:.2f} s", "one soffice start"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'time':>9}  note")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>9}  {note}")


if __name__ == "__main__":
    main_bench()
