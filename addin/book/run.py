r"""Simulate a whole book over many paths: in process, or on a Dask cluster.

Paths are cut into chunks of whole blocks (:data:`~addin.sim.factors.BLOCK_PATHS` paths);
each chunk runs :func:`~addin.book.engine.simulate_block` where it is sent and returns a
small summary (:class:`ChunkSummary`). The client keeps one number a path (the book loss,
with and without the market interaction, and the number of defaults) and only the tail
paths' per-facility losses.

**Determinism.** The random numbers come from blocks spawned from one ``SeedSequence``
(:mod:`addin.sim.factors`), independent of the chunking; per-facility sums are kept per
block and added in block order on the client. The same seed therefore gives bit-identical
results whatever the chunk size, the number of workers, in process or on a cluster.

**Memory.** A worker holds one chunk: about (facilities x periods x chunk paths x 8
floats) x 8 bytes, ~3 MB per facility for a 1,024-path chunk of 5-year monthly loans. Each
chunk sends back its worst :math:`k = \lceil (1 - 0.99) N \rceil` paths (at most the
chunk), each with its per-facility losses; the client merges them into the book's worst
:math:`k` as chunks arrive, so it holds 3 numbers a path, (blocks x facilities) sums and
:math:`k` x facilities tail losses (plus one chunk's tail while merging). Client memory
grows as paths x (3 + facilities / 100) numbers; worker memory as facilities x chunk size.

**Measures** (book loss :math:`L` per path, USD at the default dates, not discounted):
EL = mean :math:`L`; VaR\ :sub:`α` = the :math:`k`-th largest loss with
:math:`k = \lceil (1-\alpha) N \rceil`; ES\ :sub:`α` = the mean of the :math:`k` largest
(ties broken by path number); each facility's ES contribution is its mean loss on those
paths (Euler allocation, :math:`E[L_i \mid L \ge VaR]`), and they add up to ES.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from addin.book.book import Book
from addin.book.engine import simulate_block
from addin.model.params import param
from addin.model.types import FloatArray
from addin.sim.factors import BLOCK_PATHS

#: Confidence levels of VaR and ES.
LEVELS = (0.99, 0.999)
#: Paths per chunk sent to a worker by default (whole blocks).
CHUNK_PATHS = 4 * BLOCK_PATHS
#: Worst paths explained in the report.
WORST_PATHS = 5


@dataclass(frozen=True)
class ChunkSummary:
    """What the client keeps of one chunk.

    Attributes
    ----------
    first_path : int
    loss, loss_off : numpy.ndarray, (paths,)
        Book loss per path with and without the market interaction, USD.
    defaults : numpy.ndarray of int, (paths,)
        Facilities defaulted on each path (interaction on).
    block_loss, block_loss_off : numpy.ndarray, (blocks, facilities)
        Each facility's loss summed over each block's paths, USD.
    block_defaults : numpy.ndarray of int, (blocks, facilities)
        Paths of each block on which each facility defaults.
    default_months : numpy.ndarray of int, (months,)
        Facility defaults by month (interaction on).
    tail_paths : numpy.ndarray of int
        Global numbers of the chunk's worst paths, worst first.
    tail_losses : numpy.ndarray, (tail, facilities)
        Their per-facility losses, USD.
    """

    first_path: int
    loss: FloatArray
    loss_off: FloatArray
    defaults: np.ndarray
    block_loss: FloatArray
    block_loss_off: FloatArray
    block_defaults: np.ndarray
    default_months: np.ndarray
    tail_paths: np.ndarray
    tail_losses: FloatArray


def _worst(loss: FloatArray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest losses, ties broken by the lower path number."""
    order = np.lexsort((np.arange(loss.size), -loss))
    return order[: min(count, loss.size)]


def simulate_chunk(book: Book, first_path: int, paths: int, seed: int, tail: int) -> ChunkSummary:
    """Run one chunk of whole blocks and summarise it (the task a Dask worker runs).

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> chunk = simulate_chunk(book_of([("A", "X", deal)]), 0, 1024, seed=1, tail=11)
    >>> chunk.loss.shape, chunk.tail_losses.shape
    ((1024,), (11, 1))
    """
    result = simulate_block(book, first_path, paths, seed)
    loss = result.loss.sum(axis=1)
    blocks = math.ceil(paths / BLOCK_PATHS)

    def by_block(values: np.ndarray) -> np.ndarray:
        return np.stack(
            [values[b * BLOCK_PATHS : (b + 1) * BLOCK_PATHS].sum(axis=0) for b in range(blocks)]
        )

    defaulted = result.default_month >= 0
    worst = _worst(loss, tail)
    months = result.default_month[defaulted]
    return ChunkSummary(
        first_path,
        loss,
        result.loss_off.sum(axis=1),
        defaulted.sum(axis=1),
        by_block(result.loss),
        by_block(result.loss_off),
        by_block(defaulted.astype(np.int64)),
        np.bincount(months, minlength=1),
        first_path + worst,
        result.loss[worst],
    )


@dataclass(frozen=True)
class BookResult:
    """The book's loss distribution and where it comes from (module notes for definitions).

    Attributes
    ----------
    book : Book
    paths, seed : int
    loss, loss_off : numpy.ndarray
        Book loss per path, with and without the market interaction, USD.
    defaults : numpy.ndarray of int
        Facilities defaulted per path.
    facility_el, facility_el_off : numpy.ndarray
        Each facility's expected loss, USD.
    facility_pd : numpy.ndarray
        Each facility's probability of default over its life.
    facility_es : dict of float to numpy.ndarray
        Each facility's ES contribution at each level of :data:`LEVELS`, USD.
    default_months : numpy.ndarray of int
        Facility defaults by month from today.
    tail_paths : numpy.ndarray of int
        The worst paths, worst first.
    """

    book: Book
    paths: int
    seed: int
    loss: FloatArray
    loss_off: FloatArray
    defaults: np.ndarray
    facility_el: FloatArray
    facility_el_off: FloatArray
    facility_pd: FloatArray
    facility_es: dict[float, FloatArray]
    default_months: np.ndarray
    tail_paths: np.ndarray

    @property
    def expected_loss(self) -> float:
        """EL of the book, USD."""
        return float(self.loss.mean())

    def var(self, level: float, interaction: bool = True) -> float:
        """VaR at ``level``: the k-th largest book loss, k = ceil((1 - level) paths), USD."""
        loss = self.loss if interaction else self.loss_off
        return float(np.sort(loss)[::-1][_tail_count(level, self.paths) - 1])

    def es(self, level: float, interaction: bool = True) -> float:
        """ES at ``level``: the mean of the k largest book losses, USD."""
        loss = self.loss if interaction else self.loss_off
        return float(np.sort(loss)[::-1][: _tail_count(level, self.paths)].mean())

    def contagion(self) -> dict[str, float]:
        """The fire-sale contagion add-on: interaction on minus off, USD."""
        add_on = {"EL": self.expected_loss - float(self.loss_off.mean())}
        for level in LEVELS:
            add_on[f"VaR {level:.1%}"] = self.var(level) - self.var(level, False)
            add_on[f"ES {level:.1%}"] = self.es(level) - self.es(level, False)
        return add_on


def _tail_count(level: float, paths: int) -> int:
    return max(1, math.ceil((1.0 - level) * paths - 1e-9))


def _chunks(paths: int, chunk_paths: int) -> list[tuple[int, int]]:
    size = max(BLOCK_PATHS, chunk_paths // BLOCK_PATHS * BLOCK_PATHS)
    return [(start, min(size, paths - start)) for start in range(0, paths, size)]


def simulate_book(
    book: Book,
    paths: int,
    seed: int = 0,
    client: Any | None = None,
    chunk_paths: int = CHUNK_PATHS,
    progress: Callable[[int, int], None] | None = None,
) -> BookResult:
    """Simulate the whole book on ``paths`` paths (module notes).

    Parameters
    ----------
    book : Book
    paths : int
        Paths (2 to 10,000,000).
    seed : int, default 0
    client : distributed.Client, optional
        Run the chunks on this Dask cluster; None runs them here, one after another.
    chunk_paths : int, default 4,096
        Paths per chunk, rounded down to whole blocks of 1,024 (at least one block).
    progress : callable, optional
        Called with (chunks done, chunks) as chunks finish.

    Returns
    -------
    BookResult

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500,
    ...                   "annual_decline": 0.5})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> round(result.expected_loss, 2) == round(float(result.facility_el.sum()), 2)
    True
    """
    paths = int(param("book_paths").check(paths))
    seed = int(param("seed").check(seed))
    tail = _tail_count(min(LEVELS), paths)
    tail = max(tail, WORST_PATHS)
    jobs = _chunks(paths, chunk_paths)
    worst = _Tail(tail)
    summaries: list[ChunkSummary] = []
    if client is None:
        for done, (start, size) in enumerate(jobs, start=1):
            summaries.append(worst.merge(simulate_chunk(book, start, size, seed, tail)))
            if progress:
                progress(done, len(jobs))
    else:
        summaries = _on_cluster(client, book, jobs, seed, tail, progress, worst)
    chunks = sorted(summaries, key=lambda s: s.first_path)
    return _combine(book, paths, seed, chunks, worst)


class _Tail:
    """The book's worst paths so far, with their per-facility losses (memory: ``count`` x
    facilities). Ordered by loss, then path number: a total order, so the result is the
    same whatever order the chunks arrive in."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.paths = np.zeros(0, dtype=np.int64)
        self.losses: FloatArray = np.zeros((0, 0))

    def merge(self, chunk: ChunkSummary) -> ChunkSummary:
        """Keep the worst of the tail and the chunk's; return the chunk without its tail."""
        if self.losses.size == 0:
            paths, losses = chunk.tail_paths, chunk.tail_losses
        else:
            paths = np.concatenate((self.paths, chunk.tail_paths))
            losses = np.concatenate((self.losses, chunk.tail_losses))
        order = np.lexsort((paths, -losses.sum(axis=1)))[: self.count]
        self.paths, self.losses = paths[order], losses[order]
        return replace(  # new empty arrays: a view would keep the chunk's tail alive
            chunk,
            tail_paths=np.zeros(0, dtype=np.int64),
            tail_losses=np.zeros((0, chunk.tail_losses.shape[1])),
        )


#: The Dask setting that makes a nanny set ``MALLOC_TRIM_THRESHOLD_`` in its worker's
#: environment; :func:`local_cluster` unsets it (docs/book.md for remote workers).
TRIM_SETTING = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"


def local_cluster(workers: int) -> Any:
    """A ``distributed.LocalCluster`` for the book: ``workers`` processes of one thread each.

    No dashboard, only critical log lines, and glibc's dynamic memory thresholds kept in
    the workers: distributed sets ``MALLOC_TRIM_THRESHOLD_=65536`` in the environment of
    the workers it spawns, which fixes glibc's mmap threshold at 128 KiB, so every array
    the engine allocates is mapped and zero-filled anew (measured: 25 times the page
    faults, about 1.5 times the time of a chunk). The setting is unset while the workers
    start.

    Parameters
    ----------
    workers : int
        Worker processes (>= 1).

    Returns
    -------
    distributed.LocalCluster
        Close it (or use it in a ``with`` block) when done.

    Examples
    --------
    >>> TRIM_SETTING.rsplit(".", 1)[1]  # what the workers' environment goes without
    'MALLOC_TRIM_THRESHOLD_'
    >>> with local_cluster(1) as cluster:  # doctest: +SKIP
    ...     len(cluster.workers)
    1
    """
    import logging

    import dask
    from distributed import LocalCluster  # the cluster only: the Excel layer never gets here

    with dask.config.set({TRIM_SETTING: None}):
        return LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=int(workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.CRITICAL,
        )


def _on_cluster(
    client: Any,
    book: Book,
    jobs: Sequence[tuple[int, int]],
    seed: int,
    tail: int,
    progress: Callable[[int, int], None] | None,
    worst: _Tail,
) -> list[ChunkSummary]:
    from distributed import as_completed  # the cluster only: the Excel layer never gets here

    shared = client.scatter(book, broadcast=True, hash=False)  # a key of its own: see below
    futures = [
        client.submit(simulate_chunk, shared, start, size, seed, tail, pure=False)
        for start, size in jobs
    ]
    summaries = []
    for done, future in enumerate(as_completed(futures), start=1):  # type: ignore[no-untyped-call]
        summaries.append(worst.merge(future.result()))
        future.release()  # the chunk's tail is merged: let the cluster forget it
        if progress:
            progress(done, len(jobs))
    return summaries


def _combine(
    book: Book, paths: int, seed: int, chunks: list[ChunkSummary], worst: _Tail
) -> BookResult:
    loss = np.concatenate([c.loss for c in chunks])
    block_loss = np.concatenate([c.block_loss for c in chunks]).sum(axis=0)
    block_loss_off = np.concatenate([c.block_loss_off for c in chunks]).sum(axis=0)
    block_defaults = np.concatenate([c.block_defaults for c in chunks]).sum(axis=0)
    months = np.zeros(max(c.default_months.size for c in chunks), dtype=np.int64)
    for c in chunks:
        months[: c.default_months.size] += c.default_months
    tail_paths, tail_losses = worst.paths, worst.losses
    es = {level: tail_losses[: _tail_count(level, paths)].mean(axis=0) for level in LEVELS}
    return BookResult(
        book,
        paths,
        seed,
        loss,
        np.concatenate([c.loss_off for c in chunks]),
        np.concatenate([c.defaults for c in chunks]),
        block_loss / paths,
        block_loss_off / paths,
        block_defaults / paths,
        es,
        months,
        tail_paths[:WORST_PATHS],
    )
