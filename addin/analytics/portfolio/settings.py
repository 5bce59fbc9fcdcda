"""Accuracy settings of the portfolio engines (see :mod:`addin.analytics.portfolio`)."""

from __future__ import annotations

#: Half-width of the factor quadrature range (standard deviations).
FACTOR_RANGE = 8.5
#: Largest quadrature step over a factor (keeps small pools' probabilities near 1e-13);
#: grids over two variables, whose other quadrature is anyway at 1e-13, allow
#: GRID_2D_STEP_RATIO times more.
MAX_STEP = 0.35
GRID_2D_STEP_RATIO = 1.5
#: Step = STEP_FACTOR x (feature width of the conditional loss distribution).
STEP_FACTOR = 1.0
#: A pool of n alike obligors has features 1 / sqrt(1 + POOLING (n - 1)) as wide as one.
POOLING = 0.45
#: Error the factor quadrature aims at (sets how much coarser it may be in the tails).
QUAD_TOL = 1e-10
#: Largest exact loss grid (points); above it the grid has GRID_POINTS points.
EXACT_GRID_LIMIT = 2**14
#: Points of the loss grid when losses have no common unit.
GRID_POINTS = 2048
#: Total quadrature weight of the lightest nodes left out: expectations of quantities in
#: [0, 1] (probabilities, tranche losses per notional) move by at most this. Grids over two
#: variables (t copula, two-factor model) leave out up to GRID_2D_DROPPED (the t copula's
#: mixing grid already leaves out 2e-13 of the chi-square mass).
DROPPED_WEIGHT = 1e-16
GRID_2D_DROPPED = 1e-13
#: Polynomials with at most this many terms are multiplied term by term, longer ones by FFT.
DIRECT_TERMS = 12
#: Largest number of numbers (latent draws, grid points x nodes) in one array at once.
CHUNK_CELLS = 2_000_000
#: Product trees stop when what is left costs at most this many transform values per node.
FOURIER_WORK = 4000
#: Polynomials of at most this many terms per bit of the transform size are evaluated at
#: the roots of unity by a matrix product rather than an FFT (a measured trade-off).
TABLE_TERMS_PER_BIT = 4
#: Largest table of roots kept in the cache (numbers; 32 tables at most, 16 MB in all).
CACHED_TABLE_CELLS = 2**16
#: Largest number of obligors on a grid without a common unit for the sequential recursion.
SEQUENTIAL_OBLIGORS = 64
