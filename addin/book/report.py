r"""What a book run says, as tables: measures, facilities, concentration, tails, worst paths.

Everything here reads a :class:`~addin.book.run.BookResult` (and, for the worst paths,
re-simulates single paths); nothing writes a file. :mod:`addin.book.workbook` lays the
tables out in the book report.

**Measures** (:mod:`addin.book.run`): book loss :math:`L` per path, USD at the default
dates; EL = mean :math:`L`; VaR\ :sub:`α` the :math:`k`-th largest loss,
:math:`k = \lceil (1-α) N \rceil`; ES\ :sub:`α` the mean of the :math:`k` largest. A
facility's ES contribution is its mean loss on those :math:`k` paths (Euler allocation,
:math:`E[L_i \mid L \ge VaR_α]`): the contributions add up to ES, as the EL of the
facilities adds up to the book's EL. The contagion add-on is each measure with the market
interaction on less the same measure with it off, on the same random numbers.

**Monte Carlo error** (:func:`monte_carlo_errors`). EL and its add-on: the standard error
over antithetic pairs (:func:`~addin.sim.engine.pair_se`). ES: the asymptotic standard
error of the tail mean, :math:`\sqrt{(Var(L \mid L \ge VaR) + α (ES - VaR)^2) / k}`
(Manistre and Hancock, *North American Actuarial Journal* 9(2), 2005), treating paths as
independent. VaR: the distribution-free 95% interval of the order statistics around rank
:math:`k`, ranks :math:`k \mp 1.96 \sqrt{N α (1-α)}` (Serfling, *Approximation Theorems of
Mathematical Statistics*, 1980, 2.6).

**Concentration** (:func:`concentration`) sums each facility's loan, EL and ES
contribution by borrower, borrower type, GPU model or offtaker; the groups add up to the
book. **Worst paths** (:func:`explain_path`): a path re-simulated on its own gives exactly
the numbers it had in the run (the random numbers of path :math:`j` do not depend on the
chunking), with the factors behind it from :func:`~addin.sim.factors.simulate_factors`.

Examples
--------
>>> from addin.book.book import book_of
>>> from addin.book.run import simulate_book
>>> from addin.model.deal import load_deal
>>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
...                   "interest_rate": 0.09, "tenor_years": 3, "market_absorption": 1500,
...                   "annual_decline": 0.4})
>>> result = simulate_book(book_of([("A", "X", deal), ("B", "Y", deal)]), 1024, seed=1)
>>> table = concentration(result, "obligor")
>>> bool(abs(table["el"].sum() - result.expected_loss) < 1e-6 * result.expected_loss)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from addin.analytics.debt import debt_schedule
from addin.book.book import Book
from addin.book.engine import simulate_block
from addin.book.run import LEVELS, BookResult
from addin.model.deal import Deal
from addin.model.errors import InputError
from addin.model.types import FloatArray
from addin.sim.engine import pair_se
from addin.sim.factors import MONTHS_PER_YEAR, model_key, normal_name, simulate_factors

if TYPE_CHECKING:
    import pandas as pd

#: What a concentration table can group by: a facility's borrower or one of its deal keys.
CONCENTRATION_KEYS = ("obligor", "borrower_type", "gpu_model", "offtaker")
#: The group of facilities without an offtaker (spot rents).
NO_OFFTAKER = "(none: spot)"
#: z of the two-sided 95% interval of VaR.
Z_95 = 1.959963984540054


def _level_name(level: float) -> str:
    """'99%' for 0.99, '99.9%' for 0.999."""
    return f"{level * 100:g}%"


def measures(result: BookResult) -> pd.DataFrame:
    """EL, VaR and ES at each level of :data:`~addin.book.run.LEVELS`, with the market
    interaction on and off, and the contagion add-on, USD.

    Returns
    -------
    pandas.DataFrame
        Index: ``EL``, ``VaR 99%``, ``ES 99%``, ``VaR 99.9%``, ``ES 99.9%``. Columns:
        ``interaction`` (the book as simulated), ``no_interaction`` (each fleet sold alone),
        ``add_on`` (the first less the second).

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> list(measures(simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)).index)
    ['EL', 'VaR 99%', 'ES 99%', 'VaR 99.9%', 'ES 99.9%']
    """
    import pandas as pd

    rows: dict[str, tuple[float, float]] = {
        "EL": (result.expected_loss, float(result.loss_off.mean()))
    }
    for level in LEVELS:
        name = _level_name(level)
        rows[f"VaR {name}"] = (result.var(level), result.var(level, False))
        rows[f"ES {name}"] = (result.es(level), result.es(level, False))
    frame = pd.DataFrame.from_dict(rows, orient="index", columns=["interaction", "no_interaction"])
    frame["add_on"] = frame["interaction"] - frame["no_interaction"]
    return frame


@dataclass(frozen=True)
class TailError:
    """Monte Carlo uncertainty of one confidence level's VaR and ES.

    Attributes
    ----------
    level : float
    var_low, var_high : float
        95% interval of VaR from the order statistics, USD.
    es_se : float
        Standard error of ES, USD.
    """

    level: float
    var_low: float
    var_high: float
    es_se: float


def monte_carlo_errors(result: BookResult) -> tuple[float, float, list[TailError]]:
    """Standard errors of EL and of its contagion add-on, and each level's tail errors.

    Returns
    -------
    tuple
        (EL standard error USD, EL add-on standard error USD, one :class:`TailError` per
        level of :data:`~addin.book.run.LEVELS`); module notes for the formulas.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 3e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500,
    ...                   "annual_decline": 0.5})
    >>> el_se, _, tails = monte_carlo_errors(simulate_book(book_of([("A", "X", deal)]),
    ...                                                    2048, seed=1))
    >>> el_se > 0, tails[0].var_low <= tails[0].var_high
    (True, True)
    """
    loss = result.loss
    ordered = np.sort(loss)[::-1]
    n = loss.size
    tails = []
    for level in LEVELS:
        k = max(1, math.ceil((1.0 - level) * n - 1e-9))
        d = Z_95 * math.sqrt(n * level * (1.0 - level))
        low_rank = min(n, math.ceil(k + d))  # a higher rank is a smaller loss
        high_rank = max(1, math.floor(k - d))
        tail = ordered[:k]
        var = ordered[k - 1]
        spread = float(tail.var(ddof=1)) if k > 1 else 0.0
        es_se = math.sqrt((spread + level * (float(tail.mean()) - var) ** 2) / k)
        tails.append(
            TailError(level, float(ordered[low_rank - 1]), float(ordered[high_rank - 1]), es_se)
        )
    return pair_se(loss), pair_se(loss - result.loss_off), tails


def offtaker_names(names: Sequence[str | None]) -> list[str]:
    """Each facility's offtaker as the book first wrote it, one name per offtaker.

    Names that differ only in case and spacing are one offtaker (they share its default,
    :func:`~addin.sim.factors.offtaker_key`); an empty name is :data:`NO_OFFTAKER`.

    Examples
    --------
    >>> offtaker_names(["Acme AI", " acme  ai", "", "Beta"])
    ['Acme AI', 'Acme AI', '(none: spot)', 'Beta']
    """
    first: dict[str, str] = {}
    result = []
    for name in names:
        key = normal_name(name)
        shown = " ".join((name or "").split())  # as written, spacing tidied
        result.append(first.setdefault(key, shown) if key else NO_OFFTAKER)
    return result


def facility_table(result: BookResult) -> pd.DataFrame:
    """One row per facility: who, what, how much, and its share of the book's risk.

    Returns
    -------
    pandas.DataFrame
        Columns ``facility_id``, ``obligor``, ``borrower_type``, ``gpu_model``,
        ``offtaker`` (:data:`NO_OFFTAKER` when none), ``gpus``, ``loan_amount`` (USD),
        ``pd`` (probability of default over its life, interaction on), ``el``, ``el_off``
        (USD, interaction on and off), then ``es_99``, ``es_99.9`` (ES contributions, USD).

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> facility_table(simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)).loc[0, "offtaker"]
    '(none: spot)'
    """
    import pandas as pd

    facilities = result.book.facilities
    frame = pd.DataFrame(
        {
            "facility_id": [f.facility_id for f in facilities],
            "obligor": [f.obligor for f in facilities],
            "borrower_type": [f.deal.borrower_type for f in facilities],
            "gpu_model": [f.deal.gpu_model for f in facilities],
            "offtaker": offtaker_names([f.deal.offtaker for f in facilities]),
            "gpus": [f.deal.gpus for f in facilities],
            "loan_amount": [_loan(f.deal) for f in facilities],
            "pd": result.facility_pd,
            "el": result.facility_el,
            "el_off": result.facility_el_off,
        }
    )
    for level in LEVELS:
        frame[f"es_{level * 100:g}"] = result.facility_es[level]
    return frame


def _loan(deal: Deal) -> float:
    """The loan amount at close, USD, as the debt schedule has it (a sculpted loan sized)."""
    return float(debt_schedule(deal).loan_amount)


def concentration(result: BookResult, by: str) -> pd.DataFrame:
    """The book's loans, EL and ES contributions summed by group, largest ES first.

    Parameters
    ----------
    result : BookResult
    by : str
        One of :data:`CONCENTRATION_KEYS`.

    Returns
    -------
    pandas.DataFrame
        Columns ``group``, ``facilities``, ``loan_amount``, ``el``, ``el_off``, ``es_99``,
        ``es_99.9`` (USD), and each measure's share of the book's total (``loan_share``,
        ``el_share``, ``es_99_share``, ``es_99.9_share``; NaN when the total is 0). Each
        money column adds up to the book's (the EL to :attr:`BookResult.expected_loss`
        within rounding, the ES contributions to :meth:`BookResult.es`).

    Raises
    ------
    InputError
        ``by`` is not one of :data:`CONCENTRATION_KEYS`.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> result = simulate_book(book_of([("A", "X", deal), ("B", "X", deal)]), 1024, seed=1)
    >>> concentration(result, "obligor")[["group", "facilities", "loan_amount"]].values.tolist()
    [['X', 2, 4000000.0]]
    """
    if by not in CONCENTRATION_KEYS:
        raise InputError("by", by, "one of " + ", ".join(CONCENTRATION_KEYS))
    table = facility_table(result)
    money = ["loan_amount", "el", "el_off", *(f"es_{level * 100:g}" for level in LEVELS)]
    grouped = table.groupby(by, sort=False)
    frame = grouped[money].sum()
    frame.insert(0, "facilities", grouped.size())
    for column in ("loan_amount", "el", *(f"es_{level * 100:g}" for level in LEVELS)):
        total = float(table[column].sum())
        share = "loan_share" if column == "loan_amount" else f"{column}_share"
        frame[share] = frame[column] / total if total > 0 else math.nan
    frame = frame.reset_index().rename(columns={by: "group"})
    key = f"es_{min(LEVELS) * 100:g}"
    order = np.lexsort((-frame["loan_amount"].to_numpy(), -frame[key].to_numpy()))
    return frame.iloc[order].reset_index(drop=True)


def loss_histogram(result: BookResult, bins: int = 40) -> pd.DataFrame:
    """The book loss distribution on equal bins, with and without the market interaction.

    The first row counts the paths without a loss; the others split (0, largest loss] into
    ``bins`` equal bins, closed on the right.

    Parameters
    ----------
    result : BookResult
    bins : int, default 40
        Bins above zero (1 to 1,000).

    Returns
    -------
    pandas.DataFrame
        Columns ``low``, ``high`` (USD; 0 and 0 for the no-loss row), ``paths``,
        ``probability``, ``paths_off``, ``probability_off``; each probability column
        sums to 1.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500,
    ...                   "annual_decline": 0.5})
    >>> table = loss_histogram(simulate_book(book_of([("A", "X", deal)]), 1024, seed=1), 10)
    >>> len(table), round(float(table["probability"].sum()), 12)
    (11, 1.0)
    """
    import pandas as pd

    if not 1 <= int(bins) <= 1000 or int(bins) != bins:
        raise InputError("bins", bins, "a whole number from 1 to 1,000")
    bins = int(bins)
    top = float(max(result.loss.max(), result.loss_off.max()))
    edges = np.linspace(0.0, top if top > 0 else 1.0, bins + 1)

    def counts(loss: FloatArray) -> np.ndarray:
        positive = loss[loss > 0]
        # right-closed bins: (edge_j, edge_j+1]; the largest loss is in the last bin
        index = np.clip(np.searchsorted(edges, positive, side="left") - 1, 0, bins - 1)
        return np.concatenate(([np.sum(loss <= 0)], np.bincount(index, minlength=bins)))

    on, off = counts(result.loss), counts(result.loss_off)
    return pd.DataFrame(
        {
            "low": np.concatenate(([0.0], edges[:-1])),
            "high": np.concatenate(([0.0], edges[1:])),
            "paths": on,
            "probability": on / result.paths,
            "paths_off": off,
            "probability_off": off / result.paths,
        }
    )


def defaults_per_path(result: BookResult) -> pd.DataFrame:
    """The distribution of the number of facilities that default on a path.

    Returns
    -------
    pandas.DataFrame
        Columns ``defaults`` (0 to the number of facilities), ``paths``, ``probability``,
        ``cumulative`` (P(defaults <= k)).

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500})
    >>> table = defaults_per_path(simulate_book(book_of([("A", "X", deal)]), 1024, seed=1))
    >>> table["defaults"].tolist(), float(table["cumulative"].iloc[-1])
    ([0, 1], 1.0)
    """
    import pandas as pd

    count = np.bincount(result.defaults, minlength=len(result.book) + 1)
    probability = count / result.paths
    return pd.DataFrame(
        {
            "defaults": np.arange(count.size),
            "paths": count,
            "probability": probability,
            "cumulative": np.cumsum(probability),
        }
    )


def default_times(result: BookResult) -> pd.DataFrame:
    """When facilities default: facility defaults by month from the book's start.

    A facility defaults at the end of the period holding its first default event (or its
    borrower's, by cross-default); month 1 is the first month.

    Returns
    -------
    pandas.DataFrame
        Columns ``month`` (1, 2, ...), ``year`` (months / 12 at the month's end),
        ``defaults`` (facility defaults in that month over all paths), ``per_path``
        (defaults / paths: the expected number in that month), ``cumulative_per_path``.

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500,
    ...                   "annual_decline": 0.5})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> table = default_times(result)
    >>> bool(abs(table["cumulative_per_path"].iloc[-1] - result.facility_pd[0]) < 1e-12)
    True
    """
    import pandas as pd

    count = result.default_months
    month = np.arange(1, count.size + 1)
    per_path = count / result.paths
    return pd.DataFrame(
        {
            "month": month,
            "year": month / MONTHS_PER_YEAR,
            "defaults": count,
            "per_path": per_path,
            "cumulative_per_path": np.cumsum(per_path),
        }
    )


@dataclass(frozen=True)
class PathStory:
    """One path of the book, explained.

    Attributes
    ----------
    path : int
        The path's global number.
    loss, loss_off : float
        Book loss on the path with and without the market interaction, USD.
    facility_loss : numpy.ndarray, (facilities,)
        Each facility's loss on the path, USD (interaction on).
    default_month : numpy.ndarray of int, (facilities,)
        Month index (0 = the first month) of each facility's default; -1 none.
    rent_index : dict of str to numpy.ndarray
        By GPU model: market rent / the trend rent of the model's first facility, at
        each month's end, ratio (the factor months).
    btc : numpy.ndarray or None
        BTC / today at each month's end (None when no facility is exposed to BTC).
    base_rate : numpy.ndarray
        The base rate through each month, decimal per year.
    base_rate_of : str
        The facility whose base-rate path is shown (the first floating-rate one, else the
        first; fixed-rate deals are priced on :data:`~addin.sim.factors.REFERENCE_RATE`).
    stress : numpy.ndarray of bool
        True in the stress regime, each month.
    sold : dict of str to numpy.ndarray
        By GPU model: cards sold into its resale market each month (the sale months run
        past the factor months: repossession and sales follow the last defaults).
    """

    path: int
    loss: float
    loss_off: float
    facility_loss: FloatArray
    default_month: np.ndarray
    rent_index: dict[str, FloatArray]
    btc: FloatArray | None
    base_rate: FloatArray
    base_rate_of: str
    stress: np.ndarray
    sold: dict[str, FloatArray]

    def defaults(self, book: Book) -> list[tuple[str, int]]:
        """(facility id, month 1, 2, ...) of each default on the path, by month then book order."""
        order = sorted((int(m), i) for i, m in enumerate(self.default_month) if m >= 0)
        return [(book.facilities[i].facility_id, m + 1) for m, i in order]

    def by_month(self, book: Book) -> pd.DataFrame:
        """The path month by month: factors, cards sold per market, who defaulted.

        Columns ``month`` (1, 2, ...), ``rent_index <model>`` per model, ``btc`` (when
        exposed), ``base_rate``, ``stress``, ``sold <model>`` per model, ``defaults``
        (facilities defaulting that month) and ``facilities`` (their ids, comma
        separated). Factor columns are NaN past the factor months.
        """
        import pandas as pd

        months = max(next(iter(self.sold.values())).size, self.base_rate.size)
        factor_months = self.base_rate.size

        def padded(values: np.ndarray) -> FloatArray:
            out = np.full(months, np.nan)
            out[: min(months, values.size)] = values[:months]
            return out

        frame = pd.DataFrame({"month": np.arange(1, months + 1)})
        for model, index in self.rent_index.items():
            frame[f"rent_index {model}"] = padded(index)
        if self.btc is not None:
            frame["btc"] = padded(self.btc)
        frame["base_rate"] = padded(self.base_rate)
        stress = np.full(months, np.nan)
        stress[:factor_months] = self.stress[:months]
        frame["stress"] = stress
        for model, sold in self.sold.items():
            frame[f"sold {model}"] = padded(sold)
        who: list[list[str]] = [[] for _ in range(months)]
        for facility_id, month in self.defaults(book):
            if month <= months:
                who[month - 1].append(facility_id)
        frame["defaults"] = [len(w) for w in who]
        frame["facilities"] = [", ".join(w) for w in who]
        return frame


def _market_names(book: Book) -> dict[int, str]:
    """Each resale market's key and its GPU model's name as the book first spells it."""
    names: dict[int, str] = {}
    for f in book.facilities:
        names.setdefault(model_key(f.deal.gpu_model), f.deal.gpu_model)
    return names


def explain_path(book: Book, path: int, seed: int) -> PathStory:
    """Re-simulate one path of the book and gather the factors behind it.

    The path gets the same random numbers as in any run with ``seed`` (module notes), so
    its losses and defaults are the run's.

    Parameters
    ----------
    book : Book
    path : int
        Global path number (0-based).
    seed : int

    Returns
    -------
    PathStory

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 1000, "market_rate": 2.0, "loan_amount": 2e7,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 1500})
    >>> story = explain_path(book_of([("A", "X", deal)]), 7, seed=1)
    >>> list(story.rent_index), story.base_rate.shape
    (['H100 SXM'], (24,))
    """
    if int(path) != path or path < 0:
        raise InputError("path", path, "a path number >= 0")
    path = int(path)
    block = simulate_block(book, path, 1, seed)
    facilities = book.facilities
    months = max(f.deal.periods * (MONTHS_PER_YEAR // f.deal.periods_per_year) for f in facilities)

    def factors_of(i: int) -> Any:
        return simulate_factors(facilities[i].deal, months, path, 1, seed, i)

    rent: dict[str, FloatArray] = {}
    seen: set[int] = set()
    for i, f in enumerate(facilities):
        key = model_key(f.deal.gpu_model)
        if key not in seen:
            seen.add(key)
            rent[f.deal.gpu_model] = factors_of(i).rent_index[0]
    exposed = [
        i for i, f in enumerate(facilities) if f.deal.mining_share > 0 or f.deal.btc_holdings > 0
    ]
    floating = [i for i, f in enumerate(facilities) if f.deal.base_rate is not None]
    rate_of = floating[0] if floating else 0
    rates = factors_of(rate_of)
    names = _market_names(book)
    return PathStory(
        path,
        float(block.loss[0].sum()),
        float(block.loss_off[0].sum()),
        block.loss[0],
        block.default_month[0],
        rent,
        factors_of(exposed[0]).btc[0] if exposed else None,
        rates.base_rate[0],
        facilities[rate_of].facility_id,
        rates.stress[0],
        {names[m]: block.sold[0, j] for j, m in enumerate(block.markets)},
    )


def worst_paths(
    result: BookResult,
    client: Any | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[PathStory]:
    """The run's worst paths (:attr:`BookResult.tail_paths`), each explained, worst first.

    Parameters
    ----------
    result : BookResult
    client : distributed.Client, optional
        Re-simulate the paths on this cluster (one task a path); None here.
    progress : callable, optional
        Called with (paths done, paths).

    Returns
    -------
    list of PathStory

    Examples
    --------
    >>> from addin.book.book import book_of
    >>> from addin.book.run import simulate_book
    >>> from addin.model.deal import load_deal
    >>> deal = load_deal({"name": "D", "gpus": 100, "market_rate": 2.0, "loan_amount": 2e6,
    ...                   "interest_rate": 0.09, "tenor_years": 2, "market_absorption": 500,
    ...                   "annual_decline": 0.5})
    >>> result = simulate_book(book_of([("A", "X", deal)]), 1024, seed=1)
    >>> stories = worst_paths(result)
    >>> bool(stories[0].loss == result.loss[stories[0].path])
    True
    """
    paths: Sequence[int] = [int(p) for p in result.tail_paths]
    if client is None:
        stories = []
        for done, path in enumerate(paths, start=1):
            stories.append(explain_path(result.book, path, result.seed))
            if progress:
                progress(done, len(paths))
        return stories
    shared = client.scatter(result.book, broadcast=True, hash=False)  # a key of its own
    futures = [client.submit(explain_path, shared, p, result.seed, pure=False) for p in paths]
    stories = []
    for done, future in enumerate(futures, start=1):
        stories.append(future.result())
        if progress:
            progress(done, len(paths))
    return stories


__all__ = [
    "CONCENTRATION_KEYS",
    "NO_OFFTAKER",
    "PathStory",
    "TailError",
    "concentration",
    "default_times",
    "defaults_per_path",
    "explain_path",
    "facility_table",
    "loss_histogram",
    "measures",
    "monte_carlo_errors",
    "worst_paths",
]
