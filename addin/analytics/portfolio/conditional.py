"""Conditional loss distributions given the factor(s): recursion, product trees, transforms."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
from scipy.fft import next_fast_len
from scipy.special import gammaln

from addin.analytics.portfolio import settings
from addin.analytics.portfolio.grid import (
    LossGrid,
)
from addin.analytics.portfolio.inputs import (
    IntArray,
)
from addin.model.types import FloatArray


def recursion(cond_pd: FloatArray, grid: LossGrid, cap: int) -> FloatArray:
    """Andersen-Sidenius-Basu recursion: P(L = k units | node) for k = 0..cap.

    ``cond_pd`` is (obligors x nodes); the result is (cap + 1) x nodes. One obligor at a
    time, smallest loss first, the distribution so far is moved by the obligor's loss with
    its conditional PD (split losses: ``low`` steps with weight 1 - w, ``low + 1`` with w).
    Entries up to ``cap`` need no entry beyond, so they are exact. This is the plain
    reference for :func:`loss_mixture`, which also uses it where it is the faster way (few
    obligors on a grid without a common unit).
    """
    dist = np.zeros((cap + 1, cond_pd.shape[1]))
    dist[0] = 1.0
    top = 0  # highest grid point reached so far
    for i in grid.order:
        p, low, w = cond_pd[i], int(grid.low[i]), float(grid.weight_high[i])
        new_top = min(top + low + (w > 0), cap)
        moved = [(low, p * (1 - w)), (low + 1, p * w)] if w > 0 else [(low, p)]
        adds = [(s, dist[: new_top + 1 - s] * q) for s, q in moved if 0 < s <= new_top]
        dist[: top + 1] *= (1 - p) + sum(q for s, q in moved if s == 0)
        for s, add in adds:
            dist[s : new_top + 1] += add
        top = new_top
    return dist


def binomial_pmf(count: IntArray, n: int, p: FloatArray) -> FloatArray:
    """Binomial probabilities P(k defaults of n) for each k (rows) and PD p (columns).

    exp(ln C(n, k) + k ln p + (n - k) ln(1 - p)), with scipy's gammaln and the logarithms
    taken once per PD (p = 0 and 1 handled); relative accuracy about 1e-13.
    """
    log_choose = gammaln(n + 1) - gammaln(count + 1) - gammaln(n - count + 1)
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(p), np.log1p(-p)
    k = count[:, None].astype(float)
    with np.errstate(invalid="ignore"):
        log_pmf = log_choose[:, None] + k * log_p + (n - k) * log_q
    # 0 x ln 0 = 0: only k = 0 at p = 0 and k = n at p = 1, where ln C(n, k) = 0
    log_pmf[np.isnan(log_pmf)] = 0.0
    return np.asarray(np.exp(log_pmf), dtype=float)


def padded(polys: FloatArray, length: int) -> FloatArray:
    """The first ``length`` coefficients (axis 0) of ``polys``, padded with zeros."""
    out = np.zeros((length, *polys.shape[1:]))
    kept = min(length, polys.shape[0])
    out[:kept] = polys[:kept]
    return out


def convolve(a: FloatArray, b: FloatArray, length: int) -> FloatArray:
    """Coefficients 0..length - 1 of the product of polynomials ``a`` and ``b``.

    Coefficients run along axis 0; the other axes (polynomials, nodes) broadcast. A short
    factor (at most ``DIRECT_TERMS`` terms) is multiplied in term by term, exactly up to
    rounding in each coefficient (a sum of positive products); longer products go through
    numpy's real FFT, whose rounding error is absolute, about 1e-16 of the largest
    coefficient.
    """
    a, b = a[:length], b[:length]
    if a.shape[0] < b.shape[0]:
        a, b = b, a
    full = a.shape[0] + b.shape[0] - 1
    kept = min(full, length)
    rows, cols, rest = b.shape[0], a.shape[0], a.shape[1:]
    if rest != b.shape[1:]:
        rest = np.broadcast_shapes(rest, b.shape[1:])
    if (
        rows <= settings.DIRECT_TERMS
        and rows * (rows + cols) * math.prod(rest) <= settings.CHUNK_CELLS
    ):
        table = np.zeros((rows, rows + cols, *rest))  # every product b_i a_j at once
        np.multiply(b[:, None], a[None], out=table[:, :cols])
        # row i of the table, read with a row length one shorter, starts i places later,
        # so the columns of the skewed table are the coefficients of the product
        skewed = table.reshape(rows * (rows + cols), *rest)[: rows * full]
        return np.asarray(skewed.reshape(rows, full, *rest)[:, :kept].sum(axis=0))
    if rows <= settings.DIRECT_TERMS:  # the same, one term of b at a time
        out = np.zeros((kept, *rest))
        for i in range(min(rows, kept)):
            out[i : i + cols] += a[: kept - i] * b[i]
        return out
    size = next_fast_len(full, real=True)
    spectrum = np.fft.rfft(padded(a, size), axis=0) * np.fft.rfft(padded(b, size), axis=0)
    return np.asarray(np.fft.irfft(spectrum, size, axis=0)[:kept], dtype=float)


def halve(polys: FloatArray, degrees: IntArray, length: int) -> tuple[FloatArray, IntArray]:
    """One level of the product tree: polynomials (terms x k x ...) of the given degrees
    (k x ...) multiplied in pairs (the first half by the second), an odd one carried."""
    count = polys.shape[1]
    half = count // 2
    product = convolve(polys[:, :half], polys[:, half : 2 * half], length)
    merged = degrees[:half] + degrees[half : 2 * half]
    if count % 2:
        product = np.concatenate([product, padded(polys[:, 2 * half :], product.shape[0])], 1)
        merged = np.concatenate([merged, degrees[2 * half :]])
    return product, merged


def reduced(
    polys: FloatArray, degrees: IntArray, length: int, final: int
) -> tuple[FloatArray, IntArray]:
    """Multiply a stack of polynomials in pairs while they are short (a level costs a few
    numpy calls) or while transforming what is left at the end, ``final`` values per
    polynomial of the stack, would cost more than ``FOURIER_WORK`` values per node (a
    measured trade-off)."""
    while polys.shape[1] > 1 and (
        polys.shape[0] <= settings.DIRECT_TERMS // 2
        or polys.shape[1] * final > settings.FOURIER_WORK
    ):
        polys, degrees = halve(polys, degrees, length)
    return polys, degrees


#: A stack of polynomials in x^stride: coefficients (terms x k x nodes), degrees (k), stride.
Stack = tuple[FloatArray, IntArray, int]


def obligor_stacks(cond_pd: FloatArray, grid: LossGrid, cap: int) -> list[Stack]:
    """Polynomials whose product, up to x^cap, is the conditional loss distribution.

    Obligors whose loss is the same whole number s of grid units are counted together (a
    polynomial in x^s): the number of defaults is binomial when their conditional PDs are
    equal, otherwise it comes from a product tree of (1 - p) + p x, run at once for the
    groups of similar size. Split losses give (1 - p) + p (1 - w) x^low + p w x^(low + 1),
    multiplied in a tree per power-of-two class of ``low`` (padding at most doubles them).
    """
    length, final = cap + 1, min(grid.size, cap) + 1
    low, split = grid.low, grid.weight_high > 0
    stacks: list[Stack] = []
    groups = []
    for step in np.unique(low[~split & (low > 0)]).tolist():
        members = np.flatnonzero(~split & (low == step))
        p = cond_pd[members]
        counts = min(members.size, cap // step) + 1
        if members.size > 1 and bool((p == p[0]).all()):
            pmf = binomial_pmf(np.arange(counts), members.size, p[0])
            stacks.append((pmf[:, None], np.array([members.size]), step))
        else:
            groups.append((members.size, step, p))
    groups.sort(key=lambda g: g[0], reverse=True)
    while groups:  # groups within a factor 2 in size share one tree (padded with p = 0)
        batch = [g for g in groups if 2 * g[0] >= groups[0][0]]
        groups = groups[len(batch) :]
        size, step = batch[0][0], min(g[1] for g in batch)
        stack = np.zeros((2, size, len(batch), cond_pd.shape[1]))  # (1 - p) + p x
        degrees = np.zeros((size, len(batch)), dtype=np.int64)
        for j, (count, _, rows) in enumerate(batch):
            stack[1, :count, j], degrees[:count, j] = rows, 1
        np.subtract(1.0, stack[1], out=stack[0])
        polys, degrees = reduced(stack, degrees, cap // step + 1, final * len(batch))
        for j, (_, s, _) in enumerate(batch):
            stacks.append((polys[: cap // s + 1, :, j], degrees[:, j], s))
    classes = np.frexp(low + 1.0)[1]
    kinds = np.unique(classes[split]).tolist() if split.any() else []
    for cls in kinds:
        members = np.flatnonzero(split & (classes == cls))
        p, w = cond_pd[members], grid.weight_high[members, None]
        terms = min(int(low[members].max()) + 2, length)
        polys = np.zeros((terms + 1, members.size, p.shape[1]))  # row `terms`: cut off
        column = np.arange(members.size)
        polys[0] = 1 - p
        polys[np.minimum(low[members], terms), column] += p * (1 - w)
        polys[np.minimum(low[members] + 1, terms), column] += p * w
        stacks.append((*reduced(polys[:terms], low[members] + 1, length, final * len(kinds)), 1))
    return stacks


def spread(polys: FloatArray, stride: int, length: int) -> FloatArray:
    """Polynomials in x^stride (coefficients along axis 0) as polynomials in x."""
    terms = min(polys.shape[0], (length - 1) // stride + 1)
    out = np.zeros(((terms - 1) * stride + 1, *polys.shape[1:]))
    out[::stride] = polys[:terms]
    return out


@lru_cache(maxsize=32)
def roots_table(terms: int, stride: int, size: int) -> FloatArray:
    """cos and -sin of 2 pi t stride f / size for t < terms and f <= size // 2, interleaved
    (terms x 2 (size // 2 + 1)): coefficients @ table, read as complex numbers, are the
    values of a polynomial in x^stride at the roots of unity exp(-2 pi i f / size).

    Cached; callers take ``roots_table.__wrapped__`` for tables larger than
    ``CACHED_TABLE_CELLS`` numbers, so that the cache stays small."""
    f = np.arange(size // 2 + 1)
    phase = (np.outer(np.arange(terms) * stride % size, f) % size) * (2 * math.pi / size)
    table = np.empty((terms, 2 * f.size))
    table[:, 0::2], table[:, 1::2] = np.cos(phase), -np.sin(phase)
    table.flags.writeable = False  # shared by the cache
    return table


def spectra(polys: FloatArray, stride: int, size: int) -> npt.NDArray[np.complex128]:
    """Values (k x nodes x size // 2 + 1) of polynomials in x^stride (coefficients along
    axis 0) at the roots of unity exp(-2 pi i f / size).

    Short polynomials (at most ``TABLE_TERMS_PER_BIT`` x log2(size) terms) go through one
    matrix product with :func:`roots_table` (BLAS, far quicker than many short FFTs),
    longer ones through numpy's real FFT; either way rounding is about 1e-16 per value.
    """
    terms, count, nodes = polys.shape
    if terms <= settings.TABLE_TERMS_PER_BIT * math.log2(size):
        small = terms * (size + 2) <= settings.CACHED_TABLE_CELLS
        table = (roots_table if small else roots_table.__wrapped__)(terms, stride, size)
        pairs = polys.reshape(terms, count * nodes).T @ table
        return pairs.view(np.complex128).reshape(count, nodes, size // 2 + 1)
    dense = np.zeros((count, nodes, size))
    dense[:, :, : (terms - 1) * stride + 1 : stride] = np.moveaxis(polys, 0, -1)
    return np.fft.rfft(dense, axis=-1)


def product_mixture(stacks: list[Stack], length: int, weights: FloatArray) -> FloatArray:
    """sum_j weights_j prod (every polynomial of every stack)[:, j], terms 0..length - 1.

    The polynomials are evaluated at more roots of unity than the degree of their product
    (each degree capped at length - 1, as terms beyond do not reach the result), the
    values multiplied and averaged over the nodes with the weights (the transform is
    linear), and the average transformed back once: rounding errors are absolute, about
    1e-16. A single polynomial or a short product is multiplied out directly.
    """
    degree = sum(int(np.minimum(d * s, length - 1).sum()) for _, d, s in stacks)
    if sum(d.size for _, d, _ in stacks) == 1 or degree <= 4 * settings.DIRECT_TERMS:
        product = np.ones((1, weights.size))
        for polys, _, stride in stacks:
            for j in range(polys.shape[1]):
                product = convolve(product, spread(polys[:, j], stride, length), length)
        return np.asarray(product @ weights, dtype=float)
    size = next_fast_len(degree + 1, real=True)
    values = math.prod(spectra(polys, stride, size).prod(axis=0) for polys, _, stride in stacks)
    # complex matrix products can be very slow in some BLAS builds: real and imaginary
    # parts (interleaved in memory) go through one real product
    average = (weights @ values.view(np.float64)).view(np.complex128)
    return np.asarray(np.fft.irfft(average, size)[:length], dtype=float)
