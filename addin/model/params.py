"""The parameter catalogue: every input of the add-in, defined once.

Each :class:`Param` gives an input's name, kind, unit, bounds (each end open or closed),
default, one-line help and choices. The deal keys (:mod:`addin.model.deal`), the checks in
:mod:`addin.analytics` and the Excel arguments (:mod:`addin.excel.udf`) all read it, so a
bound, a default or a help text changes in one place. A ``Param`` describes what is
allowed (:meth:`Param.allowed`, for errors and help) and checks a value through
:mod:`addin.model.validate` (:meth:`Param.check`, :meth:`Param.check_array`,
:meth:`Param.choose`).

Examples
--------
>>> param("pue").allowed()
'a number >= 1 and <= 3 (ratio)'
>>> param("pue").check(1.3)
1.3
>>> param("pd1").check(1.0)
Traceback (most recent call last):
...
addin.model.errors.InputError: pd1: got 1.0; allowed: a number > 0 and < 1 (decimal per year)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from addin.model.errors import InputError
from addin.model.types import FloatArray
from addin.model.validate import finite_array, finite_number


class _Required:
    """The default of an input that must be given."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Final = _Required()

BORROWER_TYPES = ("neocloud", "miner", "hyperscaler", "other")
AMORTIZATION_TYPES = ("annuity", "linear", "bullet", "sculpted")
PERIODS_PER_YEAR = (12, 4, 2, 1)
COVENANT_BASES = ("ltm", "period")
METHODS = ("book", "market", "economic")
COPULAS = ("gaussian", "t")
#: Scales of the published default-rate table: by notch (AA+, AA, AA-) or letter category.
RATING_SCALES = ("notch", "category")
#: Largest asset correlation accepted (a correlation of 1 makes the models degenerate).
MAX_RHO = 0.9999
#: Largest yearly decline of a rent or a hardware price.
MAX_DECLINE = 0.99
#: Longest text a deal key holds (a name, a borrower, a model), in characters.
MAX_TEXT = 200
#: Dates a deal may start on: from the day after Excel's phantom 1900-02-29 (serial 61),
#: and early enough that every schedule date (30 years of tenor, a 15-year economic
#: horizon) is representable.
EARLIEST_DATE = dt.date(1900, 3, 1)
LATEST_DATE = dt.date(2199, 12, 31)

NUMBER_KINDS = ("number", "int")


def _show(bound: float) -> str:
    """A bound as a user reads it: 0.99, 120, 1e6 (not 1e+06)."""
    return f"{bound:g}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


@dataclass(frozen=True)
class Param:
    """One input: what it is, its unit, its bounds, its default and its help.

    Attributes
    ----------
    name : str
        The argument or deal key as the user types it.
    kind : str
        "number", "int" (a whole number), "choice", "text", "date" or "deal" (a range of
        deal keys and values).
    unit : str
        Unit in words ("USD per GPU-hour", "decimal per year, 0.30 = 30%"); required for
        numbers.
    help : str
        One line of help, at most 255 characters.
    low, high : float or None
        Bounds; None means unbounded on that side.
    low_open, high_open : bool
        True excludes the bound itself.
    default : Any
        Value used when the input is empty; :data:`REQUIRED` if it must be given; None
        if empty is allowed and means "decided elsewhere" (help says by what).
    choices : tuple
        The allowed values of a "choice" input.
    group : str
        For deal keys, the section of the intake workbook and Inputs sheet; else "".
    """

    name: str
    kind: str
    help: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    default: Any = REQUIRED
    choices: tuple[Any, ...] = ()
    group: str = ""

    @property
    def required(self) -> bool:
        """True if the input has no default."""
        return self.default is REQUIRED

    def named(self, name: str) -> Param:
        """The same input under another name (``pd1`` is a ``pd``)."""
        return dataclasses.replace(self, name=name)

    def defaulting(self, default: Any) -> Param:
        """The same input with another default (one function's own convention)."""
        return dataclasses.replace(self, default=default)

    def bounds(self) -> str:
        """The bounds in symbols, e.g. ``>= 0 and <= 0.99``; "" if unbounded."""
        parts = []
        if self.low is not None:
            parts.append(f"{'>' if self.low_open else '>='} {_show(self.low)}")
        if self.high is not None:
            parts.append(f"{'<' if self.high_open else '<='} {_show(self.high)}")
        return " and ".join(parts)

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and help.

        Examples
        --------
        >>> param("annual_decline").allowed()
        'a number >= 0 and <= 0.99 (decimal per year, 0.30 = 30%)'
        >>> param("copula").allowed()
        'one of gaussian, t'
        """
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.kind == "text":
            return f"text of at most {MAX_TEXT} characters"
        if self.kind == "date":
            return (
                f"a date from {EARLIEST_DATE} to {LATEST_DATE} (YYYY-MM-DD, or an Excel date "
                "serial from 61)"
            )
        if self.kind == "deal":
            return "a two-column range of deal keys and values"
        what = "a whole number" if self.kind == "int" else "a number"
        if self.bounds():
            what += " " + self.bounds()
        return f"{what} ({self.unit})" if self.unit else what

    def check(self, value: Any, name: str | None = None) -> float:
        """Return ``value`` as a float if it is a finite number within the bounds.

        A whole number is required for an "int" input. ``name`` replaces the input's name
        in the error (an item of a list, say).

        Examples
        --------
        >>> param("max_months").check(12.0)
        12.0
        """
        where = self.name if name is None else name
        result = finite_number(
            where, value, self.low, self.high, self.allowed(), self.low_open, self.high_open
        )
        if self.kind == "int" and not result.is_integer():
            raise InputError(where, value, self.allowed())
        return result

    def check_array(self, value: Any, name: str | None = None) -> FloatArray:
        """Return ``value`` as a float array if every element is finite and within bounds.

        Examples
        --------
        >>> param("rho").check_array([0.1, 0.2]).tolist()
        [0.1, 0.2]
        """
        where = self.name if name is None else name
        array = finite_array(
            where, value, self.low, self.high, self.allowed(), self.low_open, self.high_open
        )
        if self.kind == "int" and not all(float(x).is_integer() for x in array.ravel()):
            raise InputError(where, value, self.allowed())
        return array

    def choose(self, value: Any, name: str | None = None) -> Any:
        """Return the choice ``value`` names (text case-insensitive, numbers by value).

        Examples
        --------
        >>> param("copula").choose(" T ")
        't'
        >>> param("periods_per_year").choose(4.0)
        4
        """
        if isinstance(value, str):
            match = [c for c in self.choices if str(c) == value.strip().lower()]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            match = [c for c in self.choices if not isinstance(c, str) and c == value]
        else:
            match = []
        if not match:
            raise InputError(self.name if name is None else name, value, self.allowed())
        return match[0]


def _number(
    name: str,
    unit: str,
    help: str,
    low: float | None = None,
    high: float | None = None,
    *,
    default: Any = REQUIRED,
    low_open: bool = False,
    high_open: bool = False,
    group: str = "",
    kind: str = "number",
) -> Param:
    return Param(name, kind, help, unit, low, high, low_open, high_open, default, (), group)


def _share(name: str, help: str, default: Any = REQUIRED, group: str = "") -> Param:
    """A share between 0 and 1, as a decimal."""
    return _number(name, "decimal share, 0.80 = 80%", help, 0.0, 1.0, default=default, group=group)


def _choice(
    name: str, choices: tuple[Any, ...], help: str, default: Any, group: str = "", unit: str = ""
) -> Param:
    return Param(name, "choice", help, unit, default=default, choices=choices, group=group)


def _text(name: str, help: str, default: Any = REQUIRED, group: str = "") -> Param:
    return Param(name, "text", help, default=default, group=group)


_RENT = "USD per GPU-hour"

#: The deal keys, in the order of the intake workbook and the Inputs sheet.
DEAL_KEYS: tuple[Param, ...] = (
    # --- Deal
    _text("name", "Deal name, shown on every memo page.", group="Deal"),
    _text("borrower", "Borrower's legal name.", "", "Deal"),
    _choice(
        "borrower_type",
        BORROWER_TYPES,
        "Kind of borrower: neocloud, miner (crypto miner hosting AI), hyperscaler or other.",
        "other",
        "Deal",
    ),
    _text(
        "gpu_model",
        "GPU model financed, as named in the GPU catalog (e.g. H100 SXM).",
        "H100 SXM",
        "Fleet",
    ),
    _number("gpus", "count", "Number of GPUs financed.", 1, 10_000_000, group="Fleet", kind="int"),
    Param(
        "start_date",
        "date",
        "First day of period 1; empty means periods are numbered only.",
        default=None,
        group="Deal",
    ),
    _choice(
        "periods_per_year",
        PERIODS_PER_YEAR,
        "Debt service periods per year: 12 monthly, 4 quarterly, 2 semi-annual, 1 annual.",
        12,
        "Deal",
        "periods per year",
    ),
    # --- Revenue
    _number(
        "market_rate",
        _RENT,
        "Spot market rent today for this GPU model.",
        0.0,
        1_000.0,
        low_open=True,
        group="Revenue",
    ),
    _number(
        "annual_decline",
        "decimal per year, 0.30 = 30%",
        "Yearly fall in the market rent: rent(t) = market_rate x (1 - decline)^t.",
        0.0,
        MAX_DECLINE,
        default=0.30,
        group="Revenue",
    ),
    _number(
        "rent_floor",
        _RENT,
        "Lowest market rent assumed, whatever the decline.",
        0.0,
        1_000.0,
        default=0.0,
        group="Revenue",
    ),
    _share("utilization", "Share of hours billed on GPUs not under contract.", 0.80, "Revenue"),
    _share(
        "contracted_share",
        "Share of GPUs under a take-or-pay contract (billed every hour).",
        0.0,
        "Revenue",
    ),
    _number(
        "contract_rate",
        _RENT,
        "Contract rent; empty means market_rate.",
        0.0,
        1_000.0,
        default=None,
        group="Revenue",
    ),
    _number(
        "contract_years",
        "years from start",
        "Length of the take-or-pay contract.",
        0.0,
        30.0,
        default=0.0,
        group="Revenue",
    ),
    _text(
        "offtaker",
        "Name of the take-or-pay offtaker; in a book, facilities naming it share its default. Empty means none (spot).",
        "",
        "Revenue",
    ),
    # --- Revenue after the contract (issue 12: cash flows)
    _number(
        "recontract_rate",
        "share of the market rent, 0.90 = 90%",
        "After contract_years the contracted GPUs are re-let at this share of each period's "
        "market rent, billed on utilization of their hours; empty means spot (a share of 1).",
        0.0,
        2.0,
        default=None,
        group="Revenue",
    ),
    # --- Costs
    _number(
        "kw_per_gpu",
        "kW",
        "All-in IT power per GPU incl. its share of the server; empty means the GPU "
        "catalog figure of gpu_model (H100 SXM: DGX H100 10.2 kW / 8 = 1.275 kW).",
        0.0,
        100.0,
        default=None,
        group="Costs",
    ),
    _number(
        "pue",
        "ratio",
        "Power usage effectiveness of the data centre.",
        1.0,
        3.0,
        default=1.3,
        group="Costs",
    ),
    _number(
        "power_price",
        "USD per kWh",
        "All-in electricity price.",
        0.0,
        10.0,
        default=0.08,
        group="Costs",
    ),
    _share(
        "idle_power_share", "Share of full power drawn by a GPU in unbilled hours.", 0.25, "Costs"
    ),
    _number(
        "opex_per_gpu_year",
        "USD per GPU per year",
        "Other operating cost: staff, network, insurance.",
        0.0,
        1_000_000.0,
        default=0.0,
        group="Costs",
    ),
    # --- Costs (issue 12: costs as desks see them)
    _number(
        "colocation_per_kw_month",
        "USD per contracted kW per month",
        "Colocation fee per contracted IT kW (gpus x kw_per_gpu, no PUE), paid whether or "
        "not the GPUs are busy; power is costed apart. 0 if owned or included in opex.",
        0.0,
        2_000.0,
        default=0.0,
        group="Costs",
    ),
    _number(
        "opex_escalation",
        "decimal per year, 0.03 = 3%",
        "Yearly rise of opex_per_gpu_year, stepped on each anniversary of the start: year y "
        "(from 0) pays opex x (1 + escalation)^y.",
        -0.1,
        0.5,
        default=0.0,
        group="Costs",
    ),
    # --- Debt
    _number(
        "loan_amount",
        "USD",
        "Loan principal at close; required unless amortization is sculpted.",
        0.0,
        1e12,
        low_open=True,
        default=None,
        group="Debt",
    ),
    _number(
        "interest_rate",
        "decimal per year, all-in",
        "All-in fixed interest rate, 0.09 = 9%; empty when base_rate + margin is given.",
        0.0,
        1.0,
        default=None,
        group="Debt",
    ),
    _number(
        "tenor_years",
        "years",
        "Loan tenor; tenor x periods_per_year must be a whole number.",
        0.0,
        30.0,
        low_open=True,
        group="Debt",
    ),
    _choice(
        "amortization",
        AMORTIZATION_TYPES,
        "annuity (level payment), linear, bullet, or sculpted to target_dscr.",
        "annuity",
        "Debt",
    ),
    _number(
        "balloon",
        "share of loan",
        "Share of the loan repaid at maturity on top of the schedule (annuity, linear).",
        0.0,
        1.0,
        high_open=True,
        default=0.0,
        group="Debt",
    ),
    _number(
        "target_dscr",
        "x",
        "DSCR the sculpted debt service is sized to.",
        0.1,
        100.0,
        default=1.30,
        group="Debt",
    ),
    # --- Debt: floating rate, reserve and sweep (issue 12)
    _number(
        "base_rate",
        "decimal per year",
        "Floating base rate (e.g. 3M Term SOFR); all-in rate = base_rate + margin. Empty: fixed.",
        0.0,
        1.0,
        default=None,
        group="Debt",
    ),
    _number(
        "margin",
        "decimal per year",
        "Credit margin over base_rate, 0.05 = 500 bp; only with base_rate.",
        0.0,
        1.0,
        default=0.0,
        group="Debt",
    ),
    _number(
        "rate_shock",
        "decimal per year",
        "Added to base_rate in every period starting at or after rate_shock_year (a stress).",
        -1.0,
        1.0,
        default=0.0,
        group="Debt",
    ),
    _number(
        "rate_shock_year",
        "years from start",
        "When rate_shock starts; annuities re-amortise at the new rate over the remaining term.",
        0.0,
        30.0,
        default=0.0,
        group="Debt",
    ),
    _number(
        "dsra_months",
        "months of debt service",
        "Debt service reserve: months of scheduled debt service, funded by the sponsor at close.",
        0.0,
        24.0,
        default=0.0,
        group="Debt",
    ),
    _share(
        "sweep_share",
        "Share of the cash left after debt service and DSRA top-up that prepays principal.",
        0.0,
        "Debt",
    ),
    # --- Covenants (illustrative: no public source gives GPU-loan covenant levels)
    _number(
        "lockup_dscr",
        "x",
        "Illustrative lock-up covenant: DSCR below it blocks payouts.",
        0.0,
        100.0,
        default=1.20,
        group="Covenants",
    ),
    _number(
        "default_dscr",
        "x",
        "Illustrative default covenant: DSCR below it is an event of default.",
        0.0,
        100.0,
        default=1.05,
        group="Covenants",
    ),
    # --- Covenants: tests and LTV (issue 12; levels illustrative)
    _choice(
        "covenant_basis",
        COVENANT_BASES,
        "Covenant DSCR: ltm (trailing twelve months' CFADS / debt service) or period.",
        "ltm",
        "Covenants",
    ),
    _choice(
        "test_frequency",
        PERIODS_PER_YEAR,
        "Covenant test dates a year (every period if the periods are longer).",
        4,
        "Covenants",
        "test dates per year",
    ),
    _number(
        "max_ltv",
        "decimal, balance / fleet market value",
        "Illustrative LTV covenant tested at test dates; empty means none.",
        0.0,
        10.0,
        low_open=True,
        default=None,
        group="Covenants",
    ),
    _number(
        "cure_periods",
        "periods",
        "Periods after an LTV breach to cure it from trapped cash (illustrative 3).",
        0,
        120,
        default=3,
        group="Covenants",
        kind="int",
    ),
    # --- Collateral
    _number(
        "unit_cost",
        "USD per GPU",
        "Cost of one GPU; empty means the catalog launch price of gpu_model.",
        0.0,
        10_000_000.0,
        low_open=True,
        default=None,
        group="Collateral",
    ),
    _number(
        "gpu_age_years",
        "years",
        "Age of the GPUs at the start of the loan.",
        0.0,
        30.0,
        default=0.0,
        group="Collateral",
    ),
    _number(
        "useful_life_years",
        "years",
        "Book depreciation life (straight line).",
        0.0,
        30.0,
        low_open=True,
        default=6.0,
        group="Collateral",
    ),
    _share(
        "salvage_value",
        "Book value left at the end of the useful life, share of cost.",
        0.0,
        "Collateral",
    ),
    _number(
        "generation_years",
        "years",
        "Cadence of new generations past the catalog's known and announced launches (Nvidia: yearly).",
        0.25,
        30.0,
        default=1.0,
        group="Collateral",
    ),
    _share(
        "generation_shock",
        "Step fall in market value at each successor launch (calibrated to used-card prices).",
        0.10,
        "Collateral",
    ),
    _number(
        "hardware_decline",
        "decimal per year",
        "Trend fall in the used-market price, launch steps included (calibrated to used-card prices).",
        0.0,
        MAX_DECLINE,
        default=0.15,
        group="Collateral",
    ),
    _number(
        "discount_rate",
        "decimal per year",
        "Rate for economic value and liquidation; empty means interest_rate.",
        0.0,
        1.0,
        default=None,
        group="Collateral",
    ),
    # --- Liquidation (assumptions for the user to set; illustrative)
    _number(
        "market_absorption",
        "GPUs per month",
        "Normal monthly traded volume V of this model on the secondary market (square-root law).",
        0.0,
        10_000_000.0,
        low_open=True,
        default=None,
        group="Liquidation",
    ),
    _number(
        "carry_cost",
        "USD per GPU per month",
        "Cost of holding an unsold GPU: space, power, security.",
        0.0,
        100_000.0,
        default=0.0,
        group="Liquidation",
    ),
    _number(
        "impact",
        "ratio",
        "Y of the square-root law (illustrative): haircut = Y x monthly vol x sqrt(monthly sales / V).",
        0.0,
        100.0,
        default=1.0,
        group="Liquidation",
    ),
    _share("max_haircut", "Largest fire-sale haircut.", 0.9, "Liquidation"),
    _number(
        "max_liquidation_months",
        "months",
        "Longest sale period considered.",
        1,
        120,
        default=12,
        group="Liquidation",
        kind="int",
    ),
    _share(
        "liquid_cooling_absorption",
        "Factor scaling absorption for liquid-cooled GPUs (fewer buyers).",
        0.5,
        "Liquidation",
    ),
    _number(
        "price_vol",
        "decimal per year",
        "Volatility of the used-GPU price (illustrative); monthly sigma = price_vol / sqrt(12).",
        0.0,
        5.0,
        default=0.25,
        group="Liquidation",
    ),
    _number(
        "permanent_impact",
        "ratio",
        "Permanent impact (illustrative): later sales lose permanent_impact x monthly vol per V sold.",
        0.0,
        100.0,
        default=0.3,
        group="Liquidation",
    ),
    _number(
        "repossession_months",
        "months",
        "Months from default until sales can start (illustrative): value falls, carry accrues.",
        0,
        60,
        default=3,
        group="Liquidation",
        kind="int",
    ),
    _share(
        "remarketing_cost",
        "Share of sale proceeds lost to de-installation, brokers, refurbishment (illustrative).",
        0.10,
        "Liquidation",
    ),
    # --- Credit: two-factor stress and Basel IRB (illustrative unless a source is named)
    _number(
        "pd",
        "decimal per year",
        "Borrower's one-year probability of default; 2% is illustrative: use the bank's rating.",
        0.0,
        1.0,
        low_open=True,
        high_open=True,
        default=0.02,
        group="Credit",
    ),
    _share(
        "lgd",
        "Loss given default; 40% is Basel's foundation-IRB value for senior unsecured claims on non-financial corporates.",
        0.40,
        "Credit",
    ),
    _number(
        "crypto_loading",
        "factor loading",
        "Loading of the borrower on the crypto (BTC) factor; empty means 0.50 for miners, 0 otherwise (illustrative).",
        -1.0,
        1.0,
        default=None,
        group="Credit",
    ),
    _number(
        "compute_loading",
        "factor loading",
        "Loading of the borrower on the compute-rent factor (illustrative).",
        -1.0,
        1.0,
        default=0.40,
        group="Credit",
    ),
    _number(
        "factor_corr",
        "correlation",
        "Correlation of the crypto and compute-rent factors (illustrative; it rises towards 0.8 in a stress).",
        -1.0,
        1.0,
        low_open=True,
        high_open=True,
        default=0.30,
        group="Credit",
    ),
    _number(
        "btc_vol",
        "decimal per year",
        "Annual volatility of BTC: ~45% over one year (Fidelity, May 2024).",
        0.0,
        5.0,
        default=0.45,
        group="Credit",
    ),
    _number(
        "rent_vol",
        "decimal per year",
        "Annual volatility of log GPU rent around its trend. 0.25 is illustrative and low: H100 rents 2023-2026 give 0.96 as a random walk (tools/calibrate_rent.py); run 0.95 too.",
        0.0,
        5.0,
        default=0.25,
        group="Credit",
    ),
    _number(
        "stress_horizon_years",
        "years",
        "Horizon of the BTC drawdown and rent decline stress scenarios.",
        0.0,
        30.0,
        low_open=True,
        default=1.0,
        group="Credit",
    ),
    # --- Simulation: the risk factors of the path engine (addin.sim); see docs/simulation.md
    _number(
        "rent_reversion",
        "per year",
        "Speed at which log rent returns to its trend (mean reversion); 0 = a random walk around the trend (illustrative).",
        0.0,
        20.0,
        default=0.0,
        group="Simulation",
    ),
    _number(
        "model_rent_corr",
        "correlation",
        "Correlation of this GPU model's rent shocks with the compute-rent shock all models share (illustrative 0.9).",
        0.0,
        1.0,
        default=0.90,
        group="Simulation",
    ),
    _number(
        "launch_rent_shock",
        "decimal",
        "Mean extra fall in rent at each successor launch, beyond the trend that already contains launches (0: none extra).",
        0.0,
        0.9,
        default=0.0,
        group="Simulation",
    ),
    _number(
        "launch_shock_vol",
        "decimal (log-rent sd)",
        "Dispersion of the rent jump at each successor launch, sd of log rent (illustrative 0.10).",
        0.0,
        2.0,
        default=0.10,
        group="Simulation",
    ),
    _share(
        "mining_share",
        "Share of revenue that is hashprice-driven, moving with BTC (miners); 0 for a pure GPU host.",
        0.0,
        "Simulation",
    ),
    _number(
        "btc_holdings",
        "USD",
        "Borrower's BTC treasury today, USD: sold to meet debt service before the DSRA; falls with BTC.",
        0.0,
        1e12,
        default=0.0,
        group="Simulation",
    ),
    _number(
        "rate_vol",
        "decimal per year (absolute)",
        "Volatility of the base rate (Vasicek), 0.01 = 100 bp a year (illustrative).",
        0.0,
        0.2,
        default=0.01,
        group="Simulation",
    ),
    _number(
        "rate_reversion",
        "per year",
        "Speed at which the base rate returns to its path (Vasicek; illustrative 0.2).",
        0.0,
        20.0,
        default=0.2,
        group="Simulation",
    ),
    _number(
        "stress_corr",
        "correlation",
        "Correlation of rent and BTC shocks in the stress regime (correlation convergence; illustrative 0.80).",
        -1.0,
        1.0,
        low_open=True,
        high_open=True,
        default=0.80,
        group="Simulation",
    ),
    _number(
        "stress_entry",
        "per year",
        "Intensity of switching from the normal into the stress regime (illustrative 0.10: a stress every ~10 years).",
        0.0,
        50.0,
        default=0.10,
        group="Simulation",
    ),
    _number(
        "stress_exit",
        "per year",
        "Intensity of leaving the stress regime (illustrative 1.0: stresses last ~1 year).",
        0.0,
        50.0,
        default=1.0,
        group="Simulation",
    ),
    _number(
        "offtaker_pd",
        "decimal per year",
        "Yearly default probability of the take-or-pay offtaker; the contract ends at its default (illustrative 1%).",
        0.0,
        1.0,
        high_open=True,
        default=0.01,
        group="Simulation",
    ),
)

_PROBABILITY = "probability, 0.02 = 2%"
_FRACTION = "fraction of total exposure, 0.03 = 3%"

#: Inputs of the analytics and the Excel functions that are not deal keys.
ARGUMENTS: tuple[Param, ...] = (
    Param("deal", "deal", "Two-column range of deal keys and values (the named range Deal)."),
    Param(
        "deal_or_model",
        "deal",
        'The named range Deal, or a catalog model name such as "H100 SXM" (launch price, default assumptions).',
    ),
    _text(
        "model",
        'GPU model from the catalog, case-insensitive, e.g. "H100 SXM"; =GPU_MODELS() lists them.',
    ),
    _text(
        "field",
        "Catalog column: launch_price_usd (USD), price_basis, tdp_w (W), kw_per_gpu (kW), memory_gb, fp16_tflops, fp8_tflops (dense TFLOP/s), cooling, rack_kw, successor, release_date, vendor, sources.",
    ),
    # DSCR
    _number("start_rate", _RENT, "Market rent today.", 0.0),
    _number("rent", _RENT, "Market rent today.", 0.0),
    _number(
        "years",
        "years",
        "Horizon; years x periods_per_year must be whole.",
        0.0,
        100.0,
        low_open=True,
    ),
    _number("floor", _RENT, "Lowest rent, whatever the decline.", 0.0, default=0.0),
    _number("threshold", "x", "DSCR level to hold.", 0.0, default=1.0),
    _number("cfads", "USD", "Cash flow available for debt service per period."),
    _number("debt_service", "USD", "Debt service per period.", 0.0),
    _number(
        "rate_per_period",
        "decimal per period, 0.0075 = 0.75% a month",
        "Loan interest rate per period.",
        -1.0,
        1.0,
        low_open=True,
    ),
    # Collateral
    _number("age_years", "years", "Age of the GPU.", 0.0),
    _number("cost", "USD per GPU", "Cost of one new GPU.", 0.0),
    _choice(
        "method",
        METHODS,
        "book (straight line), market (decline and generation steps) or economic (PV of net rent; needs a deal).",
        "market",
    ),
    _number(
        "kw",
        "kW",
        "All-in power per GPU incl. its share of the server (DGX H100: 1.275).",
        0.0,
        1000.0,
    ),
    _number("units", "GPUs", "GPUs to sell.", 1.0),
    _number(
        "unit_value",
        "USD per GPU",
        "Quoted market price per GPU today, e.g. =GPU_RESIDUAL(Deal, 3.5).",
        0.0,
        low_open=True,
    ),
    _number("max_months", "months", "Longest sale considered.", 1, 120, default=12, kind="int"),
    # Credit and portfolio
    _number("rho", "correlation, 0.20 = 20%", "Asset (latent) correlation.", 0.0, MAX_RHO),
    _choice(
        "copula",
        COPULAS,
        "Dependence model: gaussian or t (multivariate Student t), case-insensitive.",
        "gaussian",
    ),
    _number(
        "dof",
        "degrees of freedom",
        'Degrees of freedom of the t copula (e.g. 4); needed for "t", ignored for "gaussian".',
        1.0,
        1e6,
        default=None,
    ),
    _number(
        "factor",
        "standard deviations",
        "Value of the standard normal common factor (-2 = a 1-in-44 bad year).",
    ),
    _number(
        "confidence",
        "probability, 0.999 = 99.9%",
        "Confidence level.",
        0.0,
        1.0,
        low_open=True,
        high_open=True,
        default=0.999,
    ),
    _number(
        "pds",
        "probability over the horizon",
        "Default probability of each obligor (0 never defaults, 1 always defaults).",
        0.0,
        1.0,
    ),
    _number(
        "exposures", "USD", "Exposure at default of each obligor (or one value for all).", 0.0, 1e15
    ),
    _share("lgds", "Loss given default of each obligor (or one value for all)."),
    _number("attach", _FRACTION, "Attachment point of the tranche.", 0.0, 1.0, high_open=True),
    _number("detach", _FRACTION, "Detachment point of the tranche, above attach.", 0.0, 1.0),
    _number("loss", "fraction of exposure", "Portfolio loss as a fraction of exposure.", 0.0, 1.0),
    _number(
        "btc_drawdown",
        "decimal, 0.50 = a 50% fall",
        "Fall of the BTC price over the horizon.",
        high=1.0,
        high_open=True,
    ),
    _number(
        "rent_decline",
        "decimal, 0.60 = a 60% fall",
        "Realised fall of the GPU rent over the horizon.",
        high=1.0,
        high_open=True,
    ),
    _number(
        "expected_decline",
        "decimal per year, 0.30 = 30%",
        "Expected yearly rent decline.",
        high=1.0,
        high_open=True,
    ),
    _number("horizon_years", "years", "Horizon of the scenario.", 0.0, low_open=True),
    _number("maturity", "years", "Effective maturity.", 1.0, 5.0, default=2.5),
    _number(
        "stress_prob", _PROBABILITY, "Probability of the stressed factor correlation.", 0.0, 1.0
    ),
    # Ratings and Basel capital from a derived PD
    _number(
        "pd_cumulative",
        "probability over the horizon, 0.05 = 5%",
        "Probability of default from today to the horizon, e.g. the lifetime PD of the deal's simulated paths (0 never defaults, 1 always).",
        0.0,
        1.0,
    ),
    _choice(
        "scale",
        RATING_SCALES,
        "Rating scale: notch (AAA, AA+, ..., B-, CCC/C) or category (AAA, AA, A, BBB, BB, B, CCC/C).",
        "notch",
    ),
    _number(
        "remaining_years",
        "years",
        "Remaining maturity of the exposure; below 2.5 years a supervisor may allow the preferential slotting weights.",
        0.0,
        100.0,
        default=None,
    ),
    _number(
        "pd_floor",
        "decimal per year",
        "Floor of the one-year PD in the IRB formula: 0.0005 for corporates (Basel III, CRE32.4); 0.0003 under Basel II.",
        1e-5,
        0.01,
        default=0.0005,
    ),
    _number(
        "paths",
        "paths",
        "Simulated paths of the deal's risk factors; standard errors fall as 1/sqrt(paths).",
        2,
        200_000,
        default=2_000,
        kind="int",
    ),
    _number(
        "book_paths",
        "paths",
        "Simulated paths of the whole book (gpucredit book --paths).",
        2,
        10_000_000,
        kind="int",
    ),
    _number(
        "pd_years",
        "years",
        "Horizon of the cumulative PD, from the start; empty means the loan's tenor (lifetime).",
        0.0,
        30.0,
        low_open=True,
        default=None,
    ),
    _choice(
        "event",
        ("default", "payment default", "covenant default", "ltv breach", "lock-up"),
        "Event whose probability over the loan's life is wanted; default: any default.",
        "default",
    ),
    _text(
        "scenario", 'Named scenario, e.g. "2024 rent collapse"; empty lists every scenario.', None
    ),
    _number("n_paths", "paths", "Monte Carlo paths.", 1.0, 1e9, kind="int"),
    _number("seed", "seed", "Seed of the random numbers.", 0.0, 2.0**63, kind="int"),
)

#: Inputs that share another's rule under their own name (``pd1`` is a ``pd``).
ALIASES: dict[str, str] = {
    "pd1": "pd",
    "pd2": "pd",
    "crypto_loadings": "crypto_loading",
    "compute_loadings": "compute_loading",
}

#: Inputs whose name means something narrower in one function than in the catalogue
#: entry of that name (key: catalogue key; the Param keeps the user-facing name).
VARIANTS: dict[str, Param] = {
    # residual_curve: the horizon of a GPU's value curve, bounded like a loan's tenor
    "curve_years": _number(
        "years",
        "years",
        "Horizon from the deal's start, in steps of one period.",
        0.0,
        30.0,
        low_open=True,
        default=None,
    ),
    # irb_risk_weight: a PD of 0 is allowed, as the PD floor applies to it
    "irb_pd": _number(
        "pd",
        "decimal per year",
        "One-year probability of default; raised to pd_floor if below it.",
        0.0,
        1.0,
        high_open=True,
    ),
    # Rating from a cumulative PD: the horizon of the PD, years (the table has 1 to 15)
    "pd_horizon": _number(
        "horizon_years",
        "years",
        "Horizon of the cumulative PD, e.g. the loan's tenor; the default-rate table has 1 to 15 years and is extended beyond.",
        0.0,
        100.0,
        low_open=True,
    ),
    # Vasicek large-pool formulas divide by the LGD
    "pool_lgd": _number(
        "lgd",
        "decimal share, 0.45 = 45%",
        "Loss given default of the pool.",
        0.0,
        1.0,
        low_open=True,
        default=1.0,
    ),
}

PARAMS: dict[str, Param] = {p.name: p for p in (*DEAL_KEYS, *ARGUMENTS)}
PARAMS.update({alias: PARAMS[target].named(alias) for alias, target in ALIASES.items()})
PARAMS.update(VARIANTS)
# The stress factors divide by a volatility: above 0, where the deal keys (and the path
# engine, whose exact limit is a volatility of 0) allow 0.
PARAMS.update(
    {
        f"stress_{key}": dataclasses.replace(PARAMS[key], low_open=True)
        for key in ("btc_vol", "rent_vol")
    }
)


def param(key: str) -> Param:
    """Return the catalogue entry of an input (a deal key, an argument or a variant).

    Examples
    --------
    >>> param("rho").high, param("pd2").name
    (0.9999, 'pd2')
    """
    return PARAMS[key]
