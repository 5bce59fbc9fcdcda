"""Book benchmark: per-core speed, 1 -> 2 workers, the example book at 100,000 paths, and
what a 1,000-facility x 1,000,000-path book would take on 64 cores.

Run with ``uv run python benchmarks/bench_book.py`` (about 4 minutes on a quiet 2-core
machine; ``--paths`` and ``--speedup-paths`` make it shorter). Prints one table, measured
in one run on the example book (``workbooks/examples/gpu_book.csv``):

* facility-months per second per core: :func:`addin.book.engine.simulate_block` in this
  process (one thread), a facility-month being one month of one facility's loan on one
  path (the unit the engine's work grows with);
* the speed-up from ``LocalCluster(1)`` to ``LocalCluster(2)``
  (:func:`addin.book.run.local_cluster`: one thread per worker process), the same paths in
  chunks of 2,048 (the in-process rate's block: the same work a chunk), both clusters
  started and warmed up first (worker start and imports left out), the best of three
  alternating runs each, with the share of their cores the workers got (their CPU seconds
  / wall x workers: below 100%, other work on the machine had them). Target: at least
  1.6x on 2 cores;
* the wall time of the example book at 100,000 paths on ``LocalCluster(2)`` (default
  chunks of 4,096), each worker's peak resident memory (``ru_maxrss`` read in the worker by
  ``client.run``) and the client's;
* an estimate for 1,000 facilities x 1,000,000 paths on 64 cores: the facility-months
  divided by 64 x the per-core rate measured on the cluster (the 100,000-path run's
  facility-months per second / 2 workers: scheduling and transfers included), and its
  worker memory from the measured bytes per facility-path of a chunk. It assumes a core
  does as much on 64 workers as on 2 (chunk summaries are small) and the same work per
  facility-month as the example book (more facilities per resale market can take more
  rounds of the fire-sale feedback loop).

BLAS and OpenMP threads are pinned to one (the engine is numpy element-wise work), so a
core is a core. The machine's load average is printed: on a shared machine the times are
only as good as it is quiet.
"""

from __future__ import annotations

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_name] = "1"  # before numpy loads, here and in the spawned workers

import argparse  # noqa: E402
import resource  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from pathlib import Path  # noqa: E402

from addin.book.book import Book, read_book  # noqa: E402
from addin.book.engine import simulate_block  # noqa: E402
from addin.book.run import local_cluster, simulate_book  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "workbooks" / "examples" / "gpu_book.csv"
MONTHS_PER_YEAR = 12
TARGET_SPEEDUP = 1.6
#: Paths a chunk in the speed-up runs, as many as the in-process rate's one block: the
#: engine's month loops cost the same per chunk, so smaller chunks run slower per path.
SPEEDUP_CHUNK = 2048
BIG_FACILITIES, BIG_PATHS, BIG_CORES = 1_000, 1_000_000, 64


def months_per_path(book: Book) -> int:
    """Facility-months of one path: the sum of the facilities' loan months."""
    return sum(
        f.deal.periods * (MONTHS_PER_YEAR // f.deal.periods_per_year) for f in book.facilities
    )


def per_core_rate(book: Book, paths: int) -> tuple[float, float]:
    """Facility-months per second in this process (one thread), and the seconds taken."""
    simulate_block(book, 0, 1024, seed=11)  # warm-up: imports, catalog, launch dates
    start = time.perf_counter()
    simulate_block(book, 0, paths, seed=12)
    elapsed = time.perf_counter() - start
    return months_per_path(book) * paths / elapsed, elapsed


def _worker_peak_kib() -> int:
    """This process's peak resident memory, KiB (Linux ``ru_maxrss``)."""
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def _cpu_seconds() -> float:
    """CPU seconds this process has used (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_speedup(book: Book, paths: int, repeats: int) -> dict[int, tuple[float, float]]:
    """Best-of-``repeats`` seconds for ``paths`` on LocalCluster(1) and on LocalCluster(2),
    both started and warmed up first, the runs alternating (a burst of other work on a
    shared machine then hits both alike); with each the share of their cores the workers
    got in that run (their CPU seconds / (wall x workers): below 1, other work had them)."""
    from distributed import Client

    warnings.filterwarnings("ignore", message="Port 8787 is already in use")  # two clusters
    with (
        local_cluster(1) as cluster_one,
        Client(cluster_one) as one,
        local_cluster(2) as cluster_two,
        Client(cluster_two) as two,
    ):
        two.wait_for_workers(2)
        runs: dict[int, list[tuple[float, float]]] = {1: [], 2: []}
        for client in (one, two):
            simulate_book(book, 2048, 3, client, SPEEDUP_CHUNK)  # warm-up: every worker imports
        for _ in range(repeats):
            for workers, client in ((1, one), (2, two)):
                cpu = sum(client.run(_cpu_seconds).values())
                start = time.perf_counter()
                simulate_book(book, paths, 7, client, SPEEDUP_CHUNK)
                wall = time.perf_counter() - start
                used = sum(client.run(_cpu_seconds).values()) - cpu
                runs[workers].append((wall, used / (wall * workers)))
    return {workers: min(times) for workers, times in runs.items()}


def on_cluster(book: Book, workers: int, paths: int, chunk: int) -> tuple[float, list[int], int]:
    """Seconds for ``paths`` on a warmed-up LocalCluster(workers); each worker's peak memory
    (KiB) after the run, and the largest after the warm-up (chunks of 1,024)."""
    from distributed import Client

    with local_cluster(workers) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        simulate_book(book, 1024 * workers, 3, client, 1024)  # warm-up: every worker imports
        before = max(client.run(_worker_peak_kib).values())
        start = time.perf_counter()
        simulate_book(book, paths, 7, client, chunk)
        elapsed = time.perf_counter() - start
        peaks = sorted(client.run(_worker_peak_kib).values())
    return elapsed, peaks, before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--paths", type=int, default=100_000, help="paths of the big run")
    parser.add_argument("--speedup-paths", type=int, default=8192,
                        help="paths of the 1 -> 2 worker comparison")  # fmt: skip
    parser.add_argument("--rate-paths", type=int, default=2048,
                        help="paths of the per-core rate")  # fmt: skip
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of each cluster in the speed-up; the best counts")  # fmt: skip
    args = parser.parse_args()
    book = read_book(BOOK)
    load_before = os.getloadavg()[0]

    rate, rate_seconds = per_core_rate(book, args.rate_paths)
    best = time_speedup(book, args.speedup_paths, args.repeats)
    (one, share_one), (two, share_two) = best[1], best[2]
    speedup = one / two
    in_process = months_per_path(book) * args.speedup_paths / rate  # seconds, one core
    chunk = 4096
    big, peaks, warm = on_cluster(book, 2, args.paths, chunk)
    client_peak = _worker_peak_kib()
    load_after = os.getloadavg()[0]

    fm = months_per_path(book)
    per_facility = fm / len(book)
    # memory a worker adds per facility and path of a chunk: the peak at chunks of 4,096
    # less the peak after the warm-up's chunks of 1,024
    chunk_bytes = max(peaks[-1] - warm, 0) * 1024 / (len(book) * (chunk - 1024))
    big_fm = BIG_FACILITIES * per_facility * BIG_PATHS
    per_worker = fm * args.paths / big / 2  # fm/s per core on the cluster, overheads in
    big_seconds = big_fm / (per_worker * BIG_CORES)
    big_chunk_gib = chunk_bytes * BIG_FACILITIES * 1024 / 2**30
    big_client_mib = (3 * BIG_PATHS + BIG_PATHS // 100 * BIG_FACILITIES) * 8 / 2**20

    rows = [
        ("example book", f"{len(book)} facilities", f"{fm:,} facility-months a path "
         f"({per_facility:.1f} months a facility)"),
        ("per core, in process", f"{rate:,.0f} fm/s",
         f"{args.rate_paths:,} paths in {rate_seconds:.1f} s; {rate / fm:,.0f} book paths/s"),
        ("LocalCluster(1)", f"{one:.1f} s", f"{args.speedup_paths:,} paths, chunks of "
         f"{SPEEDUP_CHUNK:,}; best of {args.repeats}; the worker had {share_one:.0%} of a core"),
        ("LocalCluster(2)", f"{two:.1f} s", f"speed-up x{speedup:.2f} vs 1 worker: target "
         f">= {TARGET_SPEEDUP}: {'met' if speedup >= TARGET_SPEEDUP else 'MISSED'}; the "
         f"workers had {share_two:.0%} of their cores"),
        ("  against in process", f"x{in_process / two:.2f}",
         f"2 workers against one core in this process ({in_process:.1f} s for the same "
         "paths): the cluster's gain net of its overheads"),
        (f"{args.paths:,} paths, 2 workers", f"{big:.1f} s",
         f"{fm * args.paths / big:,.0f} fm/s; chunks of {chunk:,}"),
        ("peak memory per worker", f"{peaks[-1] / 1024:,.0f} MiB",
         f"workers {', '.join(f'{p / 1024:,.0f}' for p in peaks)} MiB; {warm / 1024:,.0f} MiB "
         f"after warm-up; a chunk adds ~{chunk_bytes:,.0f} B per facility-path"),
        ("peak memory, client", f"{client_peak / 1024:,.0f} MiB", "this process, whole run"),
        (f"estimate {BIG_FACILITIES:,} x {BIG_PATHS:,} on {BIG_CORES}",
         f"{big_seconds / 60:,.0f} min",
         f"{big_fm:.2e} fm / ({per_worker:,.0f} fm/s a core, as on 2 workers, x {BIG_CORES}); "
         f"{big_fm / (rate * BIG_CORES) / 60:,.0f} min at the in-process rate"),
        ("  its worker memory", f"{big_chunk_gib:,.1f} GiB",
         f"a 1,024-path chunk of {BIG_FACILITIES:,} facilities, above the worker's base"),
        ("  its client memory", f"{big_client_mib:,.0f} MiB",
         "3 numbers a path + the worst 1% of paths x facilities"),
        ("load average (1 min)", f"{load_before:.1f} -> {load_after:.1f}", "2 cores: above 2 "
         "means other work shared them"),
    ]  # fmt: skip
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"{'measure':<{width}}  {'value':>{value_width}}  note")
    for label, value, note in rows:
        print(f"{label:<{width}}  {value:>{value_width}}  {note}")


if __name__ == "__main__":
    main()
