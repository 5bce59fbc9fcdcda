"""Portfolio losses under correlated default: exact engines and Monte Carlo.

Models (definitions in :mod:`addin.analytics.credit`): the one-factor Gaussian copula, the
Student-t copula (the standard multivariate t, not Hull and White's double-t) and the
two-factor crypto / compute-rent model with a stressed factor-correlation regime.

**Exact engine.** Given the common factor(s), defaults are independent, and the
conditional loss distribution is the product of one polynomial per obligor,
``(1 - p) + p x^loss``, on a loss grid; the unconditional distribution is a quadrature over
the factor(s). :func:`recursion` is the plain Andersen-Sidenius-Basu recursion (one obligor
at a time, vectorised over the quadrature nodes): the reference, and the engine for up to
``settings.sequential_obligors`` obligors on a grid without a common unit. Otherwise
(:func:`loss_mixture`) obligors with the same loss are counted together (binomially when
their conditional PDs are equal), the polynomials are multiplied in a product tree (term by
term while short, by FFT when long) and the last ones are evaluated at roots of unity (one
matrix product with a table of the roots when they are short, else by FFT), where products
are pointwise and the average over the nodes is taken before transforming back once.
Rounding is then absolute, about 1e-16 per probability (probabilities below about 1e-15 are
noise, clipped at 0).

* Factor quadrature: the trapezoid rule for a standard normal factor on [-8.5, 8.5], with a
  step set by an accuracy target (:func:`factor_step`): the conditional PD of an obligor
  with loading b and idiosyncratic weight s changes over w = s / b, a pool of n such
  obligors over w / sqrt(1 + 0.45 (n - 1)), wider where the PDs are near 0 or 1, and where
  the factor's density is small the step may be coarser. The rule was fitted to reach
  about 1e-10 (``benchmarks/fit_quadrature.py`` re-derives ``settings.step_factor`` and
  ``settings.pooling``) and checked on 500 random pools (1 to 400 obligors, PDs to 50%, correlations
  to 0.97, steep minorities, concentrated exposures): tranche expected losses within 2e-9
  of a run on steps five times finer (typically 1e-11 to 1e-14); the tests check 1e-8. The
  nodes of least weight, 1e-16 in all (1e-13 on grids over two variables), are dropped.
  The t copula adds the mixing variable (:func:`addin.analytics.credit.chi_scale_nodes`), with a
  grid over M for each of its nodes; the two-factor model a grid over C and, for each C,
  one over E, in each regime.
* Loss grid: when every loss ``exposure x lgd`` is a whole multiple of a common unit
  (found by a gcd over rational approximations) and the grid has at most
  ``settings.exact_grid_limit`` points, losses sit on the grid exactly. Otherwise the unit is
  (total loss) / ``settings.grid_points`` and each obligor's loss is split between the two grid
  points around it with the weights that keep its mean: expected loss stays exact, and
  the tranche loss, E[(L - K)^+] and expected shortfall x (1 - confidence) move by at most
  ``B = sqrt(sum_i PD_i (l_i - lo_i)(hi_i - l_i))`` (USD), reported as
  ``attrs["discretisation_bound"]`` of the distribution (0 when exact).
* Grid truncation: grid points up to K need only grid points up to K, so tranche losses
  stop every product at the detachment point. Nodes are taken in chunks so that arrays
  hold about ``settings.chunk_cells`` numbers.

**Monte Carlo.** :func:`simulate_losses` and :func:`simulate_two_factor_losses` draw
seeded paths in chunks of bounded memory, for validation and for what has no
semi-analytic form.

Every public function takes an optional ``settings`` (:class:`.settings.EngineSettings`,
default ``DEFAULT_SETTINGS``): the engine's accuracy and speed knobs, one frozen object.

The modules follow the engine's steps: :mod:`.settings` (accuracy knobs), :mod:`.inputs`,
:mod:`.grid` (the loss grid), :mod:`.quadrature`, :mod:`.conditional` (conditional loss
distributions), :mod:`.models` (copulas as conditional PDs at nodes), :mod:`.statistics`,
:mod:`.api` (the public functions, re-exported here) and :mod:`.monte_carlo`.

Results: loss distributions as DataFrames (``loss`` in USD, ``probability``,
``cumulative``); VaR (the ``confidence`` quantile of the loss, USD, not net of expected
loss) and expected shortfall (the mean loss in the worst 1 - confidence of outcomes,
Acerbi and Tasche 2002) at any confidence; tranche expected loss as a fraction of the
tranche notional.

References
----------
Andersen, L., Sidenius, J. and Basu, S. (2003), "All your hedges in one basket", Risk,
November. Acerbi, C. and Tasche, D. (2002), "On the coherence of expected shortfall",
Journal of Banking and Finance 26(7).
"""

from __future__ import annotations

from addin.analytics.portfolio.api import (
    default_count_distribution,
    distribution_es,
    distribution_tranche_el,
    distribution_var,
    loss_distribution,
    portfolio_es,
    portfolio_expected_loss,
    portfolio_var,
    portfolio_work,
    tranche_expected_loss,
    two_factor_loss_distribution,
)
from addin.analytics.portfolio.monte_carlo import (
    simulate_losses,
    simulate_two_factor_losses,
)
from addin.analytics.portfolio.settings import DEFAULT_SETTINGS, EngineSettings

__all__ = [
    "DEFAULT_SETTINGS",
    "EngineSettings",
    "default_count_distribution",
    "distribution_es",
    "distribution_tranche_el",
    "distribution_var",
    "loss_distribution",
    "portfolio_es",
    "portfolio_expected_loss",
    "portfolio_var",
    "portfolio_work",
    "simulate_losses",
    "simulate_two_factor_losses",
    "tranche_expected_loss",
    "two_factor_loss_distribution",
]
