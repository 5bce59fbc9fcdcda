r"""The risk factors of a deal, simulated month by month: rent, BTC, base rate, regime, offtaker.

One path is one joint draw of every factor over the loan's months. All processes step
monthly (:math:`\Delta = 1/12` year).

* **Compute rent index** :math:`M_m = e^{x_m}`, the market rent relative to the deal's
  deterministic trend (``annual_decline``). The log deviation is an Ornstein-Uhlenbeck
  process with reversion :math:`\kappa` (``rent_reversion``) and volatility
  :math:`\sigma_R` (``rent_vol``), stepped exactly:
  :math:`x_m = \phi x_{m-1} + \sigma_R s\,z_m + J_m`, :math:`\phi = e^{-\kappa\Delta}`,
  with :math:`z_m = \rho_G c_m + \sqrt{1-\rho_G^2}\,g_m`: :math:`c` the compute-rent shock
  every GPU shares and :math:`g` its model's own (``model_rent_corr`` :math:`\rho_G`; in a
  book, H100 and B200 rents are then correlated :math:`\rho_G^2`, not perfectly),
  :math:`s = \sqrt{(1-\phi^2)/(2\kappa)}` (:math:`\sqrt{\Delta}` when :math:`\kappa = 0`).
  :math:`J_m` is the jump at a successor launch of the deal's GPU line in month
  :math:`m` (the catalog's dates, then every ``generation_years``):
  :math:`J \sim N(-\text{launch\_rent\_shock}, \text{launch\_shock\_vol}^2)`. The trend
  already contains the launches (issue 12), so the default mean jump is 0: a launch is a
  moment of uncertainty, not a second decline. With no volatility and no jumps,
  :math:`M = 1` and the path is the deterministic one; otherwise the median of :math:`x`
  is 0 (the median rent follows the plan).
* **BTC** :math:`B_m / B_0 = e^{y_m}`, :math:`y_m = y_{m-1} + \sigma_B\sqrt{\Delta}\,w_m`
  (``btc_vol``; no drift in the log: the median BTC stays flat, no view on its trend).
* **Correlation convergence.** :math:`w_m = \rho_m z_m + \sqrt{1-\rho_m^2}\,u_m`, with
  :math:`\rho_m` = ``factor_corr`` in the normal regime and ``stress_corr`` in stress. The
  regime is a two-state Markov chain switching into stress with intensity ``stress_entry``
  and out with ``stress_exit`` (probabilities :math:`1 - e^{-\lambda\Delta}` a month);
  every path starts in the normal regime.
* **Base rate** :math:`b_m = \bar b_m + v_m`: Vasicek deviations :math:`v` (``rate_vol``,
  ``rate_reversion``, stepped exactly like :math:`x`) around the deal's base-rate path
  :math:`\bar b` (``base_rate``, plus ``rate_shock`` from ``rate_shock_year``), so the
  long-run level is base_rate + rate_shock. Fixed-rate deals without a ``base_rate`` use
  :data:`REFERENCE_RATE` for discounting and pricing only.
* **Offtaker default** time :math:`\tau = -\ln U / h`, :math:`h = -\ln(1 - \text{offtaker\_pd})`;
  facilities naming the same ``offtaker`` share :math:`U` (:func:`offtaker_key`).

**Random numbers.** Paths come in blocks of :data:`BLOCK_PATHS`; block :math:`b` draws from
``SeedSequence(seed, spawn_key=(b,))``, so path :math:`j` gets the same numbers whatever
the chunking or the number of workers. Within a block the second half is antithetic to
the first (every normal negated, every uniform :math:`U \to 1 - U`), so path
:math:`j` and :math:`j + B/2` form a pair and standard errors are computed over pairs.
Each factor has its own stream (:data:`STREAMS`), so a sensitivity run that changes one
input sees the same shocks (common random numbers), and a factor a deal does not need
(BTC without mining or a treasury) is not drawn.
Sobol points were not used: with 3 x 120 dimensions and indicator payoffs (a default)
they gain little over antithetic pairs and cost the block independence.

Examples
--------
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
...                   "interest_rate": 0.1, "tenor_years": 2})
>>> f = simulate_factors(deal, 24, 0, 1024, seed=1)
>>> f.rent_index.shape  # paths 0 and 512 are an antithetic pair: log deviations opposite
(1024, 24)
>>> bool(np.allclose(np.log(f.rent_index[0]), -np.log(f.rent_index[512]), atol=1e-12))
True
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from addin.analytics.collateral import deal_launches_by
from addin.model.deal import Deal
from addin.model.types import FloatArray

MONTHS_PER_YEAR = 12
#: Paths per block of random numbers (even: the second half is antithetic to the first).
BLOCK_PATHS = 1024
#: Base rate for discounting and pricing a fixed-rate deal without a ``base_rate``, decimal
#: per year. Illustrative: near 3-month SOFR through 2025; set ``base_rate`` for your deal.
REFERENCE_RATE = 0.04


@dataclass(frozen=True)
class Factors:
    """Simulated factors of some paths, each array (paths, months) unless stated.

    Attributes
    ----------
    rent_index : numpy.ndarray
        Market rent / the deal's trend rent at each month's end, ratio.
    btc : numpy.ndarray
        BTC price / today's, at each month's end, ratio.
    base_rate : numpy.ndarray
        Base rate through each month, decimal per year.
    base_deviation : numpy.ndarray
        ``base_rate`` less the deal's deterministic base-rate path, decimal per year.
    stress : numpy.ndarray of bool
        True in the stress regime.
    offtaker_default : numpy.ndarray, shape (paths,)
        Offtaker default time, years from the start (inf: none).
    """

    rent_index: FloatArray
    btc: FloatArray
    base_rate: FloatArray
    base_deviation: FloatArray
    stress: np.ndarray
    offtaker_default: FloatArray


def base_rate_path(deal: Deal, months: int) -> FloatArray:
    """The deal's deterministic base rate through each month, decimal per year.

    ``base_rate`` (or :data:`REFERENCE_RATE` for a fixed-rate deal without one), plus
    ``rate_shock`` from ``rate_shock_year`` (the rule of
    :func:`~addin.analytics.debt.period_rates`).

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "base_rate": 0.04, "margin": 0.05, "tenor_years": 1,
    ...                   "rate_shock": 0.03, "rate_shock_year": 0.5})
    >>> base_rate_path(deal, 12)[[0, 5, 6]].round(4).tolist()
    [0.04, 0.04, 0.07]
    """
    base = REFERENCE_RATE if deal.base_rate is None else deal.base_rate
    t = np.arange(months) / MONTHS_PER_YEAR
    shocked = t >= deal.rate_shock_year - 1e-9
    result: FloatArray = np.where(shocked, base + deal.rate_shock, base)
    return result


def _ou_step(reversion: float) -> tuple[float, float]:
    """Exact monthly OU coefficients: phi and the sd of one step per unit volatility."""
    dt = 1.0 / MONTHS_PER_YEAR
    if reversion <= 0.0:
        return 1.0, math.sqrt(dt)
    phi = math.exp(-reversion * dt)
    return phi, math.sqrt(-math.expm1(-2.0 * reversion * dt) / (2.0 * reversion))


def _ou(innovations: FloatArray, phi: float) -> FloatArray:
    """x_m = phi x_{m-1} + innovation_m along the months, x_0 = 0 (a linear filter)."""
    if phi == 1.0:
        return np.cumsum(innovations, axis=1)
    result: FloatArray = lfilter([1.0], [1.0, -phi], innovations, axis=1)
    return result


#: The streams of random numbers, each from its own seed (common random numbers: one
#: stream is the same whether or not another is drawn). "rent" is the common compute-rent
#: shock; "model" a GPU model's own rent shock; "launch" the jumps of a model's launches;
#: "offtaker" is keyed by the offtaker's name (:func:`offtaker_key`).
STREAMS = ("rent", "regime", "offtaker", "btc", "rate", "launch", "model")
#: Launch jumps drawn per model and block (the k-th launch in the loan takes the k-th).
MAX_LAUNCHES = 64


def normal_name(name: str | None) -> str:
    """A name as the engine compares it: lower case, spacing collapsed ("" for none).

    Examples
    --------
    >>> normal_name(" Acme   AI "), normal_name(None)
    ('acme ai', '')
    """
    return " ".join((name or "").split()).lower()


def model_key(model: str) -> int:
    """A stable number for a GPU model's own streams (CRC-32 of its :func:`normal_name`).

    Examples
    --------
    >>> model_key("H100 SXM") == model_key(" h100  sxm ")
    True
    """
    return zlib.crc32(normal_name(model).encode())


def offtaker_key(deal: Deal, facility: int) -> tuple[int]:
    """The key of a facility's offtaker stream: its offtaker's name, or its place in a book.

    Facilities naming the same offtaker (case and spacing ignored) draw the same uniform,
    so the offtaker's default ends all their contracts together (each at its own
    ``offtaker_pd``: the facility with the higher PD sees it first). A facility without a
    named offtaker has its own stream, keyed by its place. Names take keys from
    :math:`2^{32}` up, places below, so the two never meet.

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 2, "offtaker": "Acme AI"})
    >>> offtaker_key(deal, 0) == offtaker_key(deal.replace(offtaker=" acme  ai"), 7)
    True
    >>> offtaker_key(deal.replace(offtaker=""), 7)
    (7,)
    """
    if normal_name(deal.offtaker):
        return (2**32 + model_key(deal.offtaker),)
    return (facility,)


def _draw(
    seed: int, block: int, stream: str, months: int, kind: str, key: tuple[int, ...] = ()
) -> FloatArray:
    """One stream of one block, (paths, months), antithetic halves: normals negated,
    uniforms 1 - U. Drawn month by month, so the first months are the same whatever the
    horizon (facilities of different tenors share them)."""
    sequence = np.random.SeedSequence(seed, spawn_key=(block, STREAMS.index(stream), *key))
    rng = np.random.Generator(np.random.PCG64(sequence))
    shape = (months, BLOCK_PATHS // 2)
    if kind == "normal":
        z = rng.standard_normal(shape).T
        return np.concatenate((z, -z))
    u = rng.random(shape).T
    return np.concatenate((u, 1.0 - u))


def _block(deal: Deal, months: int, seed: int, block: int, facility: int) -> Factors:
    """Every path of one block of :data:`BLOCK_PATHS` (antithetic halves)."""
    dt = 1.0 / MONTHS_PER_YEAR
    paths = BLOCK_PATHS
    model = (model_key(deal.gpu_model),)

    # regime: a two-state Markov chain, normal at the start
    stress = np.zeros((paths, months), dtype=bool)
    if deal.stress_entry > 0 and deal.stress_corr != deal.factor_corr:
        u = _draw(seed, block, "regime", months, "uniform")
        enter = -math.expm1(-deal.stress_entry * dt)
        leave = -math.expm1(-deal.stress_exit * dt)
        state = np.zeros(paths, dtype=bool)
        for m in range(months):
            state = np.where(state, u[:, m] >= leave, u[:, m] < enter)
            stress[:, m] = state

    # rent: the common shock and the model's own, OU log deviation from trend, launch jumps
    z_common = _draw(seed, block, "rent", months, "normal")
    rho = deal.model_rent_corr
    z_rent = z_common
    if rho < 1.0:
        z_own = _draw(seed, block, "model", months, "normal", model)
        z_rent = rho * z_common + math.sqrt(1.0 - rho * rho) * z_own
    phi, step = _ou_step(deal.rent_reversion)
    innovations = deal.rent_vol * step * z_rent
    t_end = np.arange(1, months + 1) / MONTHS_PER_YEAR
    launches = deal_launches_by(deal, t_end)
    count = np.diff(launches, prepend=0.0)
    jump_months = np.flatnonzero(count > 0)
    if jump_months.size and (deal.launch_shock_vol > 0 or deal.launch_rent_shock > 0):
        z_jump = _draw(seed, block, "launch", MAX_LAUNCHES, "normal", model)
        first = np.minimum(launches[jump_months] - count[jump_months], MAX_LAUNCHES - 1)
        jump_z = z_jump[:, first.astype(int)]  # the k-th launch since the start
        c = count[jump_months]
        innovations[:, jump_months] += c * -deal.launch_rent_shock + (
            deal.launch_shock_vol * np.sqrt(c) * jump_z
        )
    rent_index = np.exp(_ou(innovations, phi))

    # BTC: correlated with the common rent shock, more so in stress
    if deal.mining_share > 0 or deal.btc_holdings > 0:
        corr = np.where(stress, deal.stress_corr, deal.factor_corr)
        w = corr * z_common + np.sqrt(1.0 - corr * corr) * _draw(
            seed, block, "btc", months, "normal"
        )
        btc = np.exp(np.cumsum(deal.btc_vol * math.sqrt(dt) * w, axis=1))
    else:  # no BTC exposure: the price path is not needed
        btc = np.ones((paths, months))

    # base rate: Vasicek deviations around the deal's path
    if deal.rate_vol > 0:
        phi_r, step_r = _ou_step(deal.rate_reversion)
        z_rate = _draw(seed, block, "rate", months, "normal")
        deviation = _ou(deal.rate_vol * step_r * z_rate, phi_r)
    else:
        deviation = np.zeros((paths, months))
    base = base_rate_path(deal, months)[None, :] + deviation

    hazard = -math.log1p(-deal.offtaker_pd)
    tau = np.full(paths, np.inf)
    if hazard > 0:
        u_off = _draw(seed, block, "offtaker", 1, "uniform", offtaker_key(deal, facility))[:, 0]
        with np.errstate(divide="ignore"):
            tau = -np.log(u_off) / hazard
    return Factors(rent_index, btc, base, deviation, stress, tau)


def simulate_factors(
    deal: Deal, months: int, first_path: int, paths: int, seed: int, facility: int = 0
) -> Factors:
    """The factors of paths ``first_path .. first_path + paths - 1``, the same whatever the split.

    Parameters
    ----------
    deal : Deal
        Its Simulation keys set the processes (module notes).
    months : int
        Months to simulate (>= 1).
    first_path, paths : int
        The global index of the first path and the number of paths.
    seed : int
        Seed of the :class:`numpy.random.SeedSequence`.
    facility : int, default 0
        The facility's place in a book: the offtaker stream of a facility without a named
        offtaker is keyed by it (:func:`offtaker_key`). A deal on its own is facility 0,
        so a one-facility book is the deal.

    Returns
    -------
    Factors

    Examples
    --------
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 10, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 2})
    >>> whole = simulate_factors(deal, 24, 0, 2000, seed=7)
    >>> part = simulate_factors(deal, 24, 1500, 10, seed=7)
    >>> bool(np.array_equal(whole.rent_index[1500:1510], part.rent_index))
    True
    """
    first_block = first_path // BLOCK_PATHS
    last_block = (first_path + paths - 1) // BLOCK_PATHS
    blocks = [_block(deal, months, seed, b, facility) for b in range(first_block, last_block + 1)]
    start = first_path - first_block * BLOCK_PATHS
    rows = slice(start, start + paths)

    def join(name: str) -> np.ndarray:
        return np.concatenate([getattr(b, name) for b in blocks])[rows]

    return Factors(*(join(name) for name in Factors.__dataclass_fields__))
