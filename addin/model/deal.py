"""The deal model: one validated description of a GPU financing, used by every function.

A deal loads from a TOML file, a Python mapping, or an Excel two-column key/value range
(keys case-insensitive, blank rows ignored). Every key's unit, default, bounds and help
live in one place, the metadata of the :class:`Deal` fields, which also drives the
intake workbook and the memo's Inputs sheet.

Examples
--------
>>> deal = load_deal({"name": "Demo", "gpus": 1024, "market_rate": 2.0,
...                   "loan_amount": 20e6, "interest_rate": 0.09, "tenor_years": 5})
>>> deal.periods, deal.annual_decline
(60, 0.3)
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any

from addin.model.errors import InputError, MissingInputError, UnknownKeyError
from addin.model.validate import finite_number

BORROWER_TYPES = ("neocloud", "miner", "hyperscaler", "other")
AMORTIZATION_TYPES = ("annuity", "linear", "bullet", "sculpted")
PERIODS_PER_YEAR = (12, 4, 2, 1)
EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class KeySpec:
    """What a deal key holds: its kind, unit, bounds and help text."""

    kind: str  # "text", "choice", "int", "number", "date"
    unit: str
    help: str
    group: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple[Any, ...] = ()

    def allowed(self) -> str:
        """Describe the allowed values in words, for error messages and help."""
        if self.choices:
            return "one of " + ", ".join(str(c) for c in self.choices)
        if self.kind == "text":
            return "text"
        if self.kind == "date":
            return "a date (YYYY-MM-DD or an Excel date)"
        what = "a whole number" if self.kind == "int" else "a number"
        if self.low is not None and self.high is not None:
            lo = ">" if self.low_open else ">="
            hi = "<" if self.high_open else "<="
            what += f" {lo} {self.low:g} and {hi} {self.high:g}"
        elif self.low is not None:
            what += f" {'>' if self.low_open else '>='} {self.low:g}"
        return f"{what} ({self.unit})" if self.unit else what


def _key(
    default: Any = dataclasses.MISSING,
    *,
    kind: str = "number",
    unit: str = "",
    help: str,
    group: str,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
    choices: tuple[Any, ...] = (),
) -> Any:
    spec = KeySpec(kind, unit, help, group, low, high, low_open, high_open, choices)
    return field(default=default, metadata={"spec": spec})


def _share(default: float, *, help: str, group: str) -> Any:
    """A share between 0 and 1, as a decimal."""
    return _key(
        default, low=0.0, high=1.0, unit="decimal share, 0.80 = 80%", help=help, group=group
    )


@dataclass(frozen=True, kw_only=True)
class Deal:
    """A GPU financing: fleet, rents, costs, debt, covenants and collateral assumptions.

    Build one with :func:`load_deal`, which validates every key; the field metadata
    (``Deal.spec(key)``) gives each key's unit, bounds and help.
    """

    # --- Deal
    name: str = _key(kind="text", help="Deal name, shown on every memo page.", group="Deal")
    borrower: str = _key("", kind="text", help="Borrower's legal name.", group="Deal")
    borrower_type: str = _key(
        "other",
        kind="choice",
        choices=BORROWER_TYPES,
        group="Deal",
        help="Kind of borrower: neocloud, miner (crypto miner hosting AI), hyperscaler or other.",
    )
    gpu_model: str = _key(
        "H100 SXM",
        kind="text",
        group="Fleet",
        help="GPU model financed, as named in the GPU catalog (e.g. H100 SXM).",
    )
    gpus: int = _key(
        kind="int", low=1, unit="count", group="Fleet", help="Number of GPUs financed."
    )
    start_date: dt.date | None = _key(
        None,
        kind="date",
        group="Deal",
        help="First day of period 1; empty means periods are numbered only.",
    )
    periods_per_year: int = _key(
        12,
        kind="choice",
        choices=PERIODS_PER_YEAR,
        unit="periods per year",
        group="Deal",
        help="Debt service periods per year: 12 monthly, 4 quarterly, 2 semi-annual, 1 annual.",
    )
    # --- Revenue
    market_rate: float = _key(
        low=0.0,
        low_open=True,
        unit="USD per GPU-hour",
        group="Revenue",
        help="Spot market rent today for this GPU model.",
    )
    annual_decline: float = _key(
        0.30,
        low=0.0,
        high=0.99,
        unit="decimal per year, 0.30 = 30%",
        group="Revenue",
        help="Yearly fall in the market rent: rent(t) = market_rate x (1 - decline)^t.",
    )
    rent_floor: float = _key(
        0.0,
        low=0.0,
        unit="USD per GPU-hour",
        group="Revenue",
        help="Lowest market rent assumed, whatever the decline.",
    )
    utilization: float = _share(
        0.80,
        group="Revenue",
        help="Share of hours billed on GPUs not under contract.",
    )
    contracted_share: float = _share(
        0.0,
        group="Revenue",
        help="Share of GPUs under a take-or-pay contract (billed every hour).",
    )
    contract_rate: float | None = _key(
        None,
        low=0.0,
        unit="USD per GPU-hour",
        group="Revenue",
        help="Contract rent; empty means market_rate.",
    )
    contract_years: float = _key(
        0.0,
        low=0.0,
        unit="years from start",
        group="Revenue",
        help="Length of the take-or-pay contract.",
    )
    # --- Costs
    kw_per_gpu: float = _key(
        1.275,
        low=0.0,
        unit="kW",
        group="Costs",
        help="All-in IT power per GPU incl. its share of the server (DGX H100: 10.2 kW / 8).",
    )
    pue: float = _key(
        1.3,
        low=1.0,
        high=3.0,
        unit="ratio",
        group="Costs",
        help="Power usage effectiveness of the data centre.",
    )
    power_price: float = _key(
        0.08, low=0.0, unit="USD per kWh", group="Costs", help="All-in electricity price."
    )
    idle_power_share: float = _share(
        0.25,
        group="Costs",
        help="Share of full power drawn by a GPU in unbilled hours.",
    )
    opex_per_gpu_year: float = _key(
        0.0,
        low=0.0,
        unit="USD per GPU per year",
        group="Costs",
        help="Other operating cost: staff, network, insurance.",
    )
    # --- Debt
    loan_amount: float | None = _key(
        None,
        low=0.0,
        low_open=True,
        unit="USD",
        group="Debt",
        help="Loan principal at close; required unless amortization is sculpted.",
    )
    interest_rate: float = _key(
        low=0.0,
        high=1.0,
        unit="decimal per year, all-in",
        group="Debt",
        help="All-in interest rate, 0.09 = 9%.",
    )
    tenor_years: float = _key(
        low=0.0,
        low_open=True,
        high=30.0,
        unit="years",
        group="Debt",
        help="Loan tenor; tenor x periods_per_year must be a whole number.",
    )
    amortization: str = _key(
        "annuity",
        kind="choice",
        choices=AMORTIZATION_TYPES,
        group="Debt",
        help="annuity (level payment), linear, bullet, or sculpted to target_dscr.",
    )
    balloon: float = _key(
        0.0,
        low=0.0,
        high=1.0,
        high_open=True,
        unit="share of loan",
        group="Debt",
        help="Share of the loan repaid at maturity on top of the schedule (annuity, linear).",
    )
    target_dscr: float = _key(
        1.30,
        low=0.0,
        low_open=True,
        unit="x",
        group="Debt",
        help="DSCR the sculpted debt service is sized to.",
    )
    # --- Covenants (illustrative: no public source gives GPU-loan covenant levels)
    lockup_dscr: float = _key(
        1.20,
        low=0.0,
        unit="x",
        group="Covenants",
        help="Illustrative lock-up covenant: DSCR below it blocks payouts.",
    )
    default_dscr: float = _key(
        1.05,
        low=0.0,
        unit="x",
        group="Covenants",
        help="Illustrative default covenant: DSCR below it is an event of default.",
    )
    # --- Collateral
    unit_cost: float | None = _key(
        None,
        low=0.0,
        low_open=True,
        unit="USD per GPU",
        group="Collateral",
        help="Cost of one GPU; empty means the catalog launch price of gpu_model.",
    )
    gpu_age_years: float = _key(
        0.0,
        low=0.0,
        unit="years",
        group="Collateral",
        help="Age of the GPUs at the start of the loan.",
    )
    useful_life_years: float = _key(
        6.0,
        low=0.0,
        low_open=True,
        unit="years",
        group="Collateral",
        help="Book depreciation life (straight line).",
    )
    salvage_value: float = _share(
        0.0,
        group="Collateral",
        help="Book value left at the end of the useful life, share of cost.",
    )
    generation_years: float = _key(
        2.0,
        low=0.0,
        low_open=True,
        unit="years",
        group="Collateral",
        help="Years between GPU generations.",
    )
    generation_shock: float = _share(
        0.15,
        group="Collateral",
        help="Step fall in market value when a new generation ships.",
    )
    hardware_decline: float = _key(
        0.30,
        low=0.0,
        high=0.99,
        unit="decimal per year",
        group="Collateral",
        help="Yearly fall in hardware price at fixed performance (Epoch AI: about 30%).",
    )
    discount_rate: float | None = _key(
        None,
        low=0.0,
        high=1.0,
        unit="decimal per year",
        group="Collateral",
        help="Rate for economic value and liquidation; empty means interest_rate.",
    )
    # --- Liquidation (assumptions for the user to set)
    market_absorption: float | None = _key(
        None,
        low=0.0,
        low_open=True,
        unit="GPUs per month",
        group="Liquidation",
        help="GPUs the secondary market absorbs a month at the quoted price.",
    )
    carry_cost: float = _key(
        0.0,
        low=0.0,
        unit="USD per GPU per month",
        group="Liquidation",
        help="Cost of holding an unsold GPU: space, power, security.",
    )
    impact: float = _key(
        0.5,
        low=0.0,
        unit="ratio",
        group="Liquidation",
        help="Price impact: haircut = impact x sqrt(monthly sales / absorption).",
    )
    max_haircut: float = _share(0.9, group="Liquidation", help="Largest fire-sale haircut.")
    max_liquidation_months: int = _key(
        12,
        kind="int",
        low=1,
        high=120,
        unit="months",
        group="Liquidation",
        help="Longest sale period considered.",
    )
    liquid_cooling_absorption: float = _share(
        0.5,
        group="Liquidation",
        help="Factor scaling absorption for liquid-cooled GPUs (fewer buyers).",
    )
    # --- Credit: two-factor stress and Basel IRB (illustrative unless a source is named)
    pd: float = _key(
        0.02,
        low=0.0,
        high=1.0,
        low_open=True,
        high_open=True,
        unit="decimal per year",
        group="Credit",
        help="Borrower's one-year probability of default; 2% is illustrative: use the bank's "
        "rating.",
    )
    lgd: float = _share(
        0.40,
        group="Credit",
        help="Loss given default; 40% is Basel's foundation-IRB value for senior unsecured "
        "claims on non-financial corporates.",
    )
    crypto_loading: float | None = _key(
        None,
        low=-1.0,
        high=1.0,
        unit="factor loading",
        group="Credit",
        help="Loading of the borrower on the crypto (BTC) factor; empty means 0.50 for "
        "miners, 0 otherwise (illustrative).",
    )
    compute_loading: float = _key(
        0.40,
        low=-1.0,
        high=1.0,
        unit="factor loading",
        group="Credit",
        help="Loading of the borrower on the compute-rent factor (illustrative).",
    )
    factor_corr: float = _key(
        0.30,
        low=-1.0,
        high=1.0,
        unit="correlation",
        group="Credit",
        help="Correlation of the crypto and compute-rent factors (illustrative; it rises "
        "towards 0.8 in a stress).",
    )
    btc_vol: float = _key(
        0.45,
        low=0.0,
        low_open=True,
        unit="decimal per year",
        group="Credit",
        help="Annual volatility of BTC: ~45% over one year (Fidelity, May 2024).",
    )
    rent_vol: float = _key(
        0.25,
        low=0.0,
        low_open=True,
        unit="decimal per year",
        group="Credit",
        help="Annual volatility of GPU rents around their expected decline (illustrative).",
    )
    stress_horizon_years: float = _key(
        1.0,
        low=0.0,
        low_open=True,
        high=30.0,
        unit="years",
        group="Credit",
        help="Horizon of the BTC drawdown and rent decline stress scenarios.",
    )

    @property
    def periods(self) -> int:
        """Number of debt periods: tenor_years x periods_per_year."""
        return round(self.tenor_years * self.periods_per_year)

    @property
    def effective_contract_rate(self) -> float:
        """Contract rent in USD per GPU-hour (market_rate when none is given)."""
        return self.market_rate if self.contract_rate is None else self.contract_rate

    @property
    def effective_discount_rate(self) -> float:
        """Discount rate in decimal per year (interest_rate when none is given)."""
        return self.interest_rate if self.discount_rate is None else self.discount_rate

    @property
    def effective_crypto_loading(self) -> float:
        """Crypto-factor loading: crypto_loading, else 0.50 for miners and 0 otherwise."""
        if self.crypto_loading is not None:
            return self.crypto_loading
        return 0.5 if self.borrower_type == "miner" else 0.0

    @staticmethod
    def spec(key: str) -> KeySpec:
        """Return the :class:`KeySpec` of a deal key."""
        return KEY_SPECS[key]

    def replace(self, **changes: Any) -> Deal:
        """Return a validated copy with some keys changed."""
        return load_deal({**self.to_dict(), **changes})

    def to_dict(self) -> dict[str, Any]:
        """Return the deal's keys and values, as given or defaulted."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


KEY_SPECS: dict[str, KeySpec] = {f.name: f.metadata["spec"] for f in dataclasses.fields(Deal)}
REQUIRED_KEYS: tuple[str, ...] = tuple(
    f.name for f in dataclasses.fields(Deal) if f.default is dataclasses.MISSING
)
DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in dataclasses.fields(Deal) if f.default is not dataclasses.MISSING
}


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _to_date(key: str, value: Any, spec: KeySpec) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InputError(key, value, spec.allowed()) from None
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if is_number and math.isfinite(value) and 1 <= value < 2958466:  # Excel's serial range
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    raise InputError(key, value, spec.allowed())


def _to_number(key: str, value: Any, spec: KeySpec) -> float | int:
    number = finite_number(
        key, value, spec.low, spec.high, spec.allowed(), spec.low_open, spec.high_open
    )
    if spec.kind == "int":
        if not number.is_integer():
            raise InputError(key, value, spec.allowed())
        return int(number)
    return number


def _convert(key: str, value: Any) -> Any:
    spec = KEY_SPECS[key]
    if spec.kind == "text":
        if isinstance(value, str):
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f"{value:g}"
        raise InputError(key, value, spec.allowed())
    if spec.kind == "date":
        return _to_date(key, value, spec)
    if spec.kind == "choice":
        if isinstance(value, str):
            match = [c for c in spec.choices if str(c) == value.strip().lower()]
            if match:
                return match[0]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            match = [c for c in spec.choices if c == value]
            if match:
                return match[0]
        raise InputError(key, value, spec.allowed())
    return _to_number(key, value, spec)


def _check_consistency(values: dict[str, Any]) -> None:
    """Rules that involve more than one key."""
    periods = values["tenor_years"] * values["periods_per_year"]
    if abs(periods - round(periods)) > 1e-9 or round(periods) < 1:
        raise InputError(
            "tenor_years",
            values["tenor_years"],
            f"a tenor that gives a whole number (at least 1) of periods at "
            f"{values['periods_per_year']} periods per year",
        )
    if values["amortization"] != "sculpted" and values.get("loan_amount") is None:
        raise MissingInputError(
            "loan_amount", "a positive amount in USD (it may be empty only when sculpted)"
        )
    if values["balloon"] > 0 and values["amortization"] not in ("annuity", "linear"):
        raise InputError("balloon", values["balloon"], "0 unless amortization is annuity or linear")
    crypto = values.get("crypto_loading")
    if crypto is None:
        crypto = 0.5 if values["borrower_type"] == "miner" else 0.0
    compute, corr = values["compute_loading"], values["factor_corr"]
    if 1.0 - crypto**2 - compute**2 - 2.0 * crypto * compute * corr <= 0.0:
        raise InputError(
            "compute_loading",
            compute,
            f"loadings with a^2 + b^2 + 2ab x factor_corr < 1 (crypto loading {crypto:g}, "
            f"factor_corr {corr:g})",
        )


def deal_from_mapping(mapping: Mapping[str, Any], argument: str = "deal") -> Deal:
    """Validate a mapping of deal keys (case-insensitive) and build a :class:`Deal`.

    Parameters
    ----------
    mapping : Mapping[str, Any]
        Deal keys and values; ``None`` or blank text means "not given".
    argument : str
        How the source is named in error messages (a file name, "deal").

    Returns
    -------
    Deal

    Examples
    --------
    >>> deal_from_mapping({"Name": "X", "GPUs": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                    "interest_rate": 0.1, "tenor_years": 3}).gpus
    8
    """
    values: dict[str, Any] = {}
    seen: set[str] = set()
    for raw_key, value in mapping.items():
        if not isinstance(raw_key, str) or not raw_key.strip():
            raise InputError(argument, raw_key, "deal keys as text, e.g. annual_decline")
        key = raw_key.strip().lower()
        if key not in KEY_SPECS:
            raise UnknownKeyError(argument, raw_key, KEY_SPECS)
        if key in seen:
            raise InputError(key, value, "each key once; it appears twice")
        seen.add(key)
        if not _is_blank(value):
            values[key] = _convert(key, value)
    for key in REQUIRED_KEYS:
        if key not in values:
            raise MissingInputError(key, KEY_SPECS[key].allowed())
    values = {**DEFAULTS, **values}
    _check_consistency(values)
    return Deal(**values)


def deal_from_range(rows: Sequence[Sequence[Any]], argument: str = "deal") -> Deal:
    """Build a :class:`Deal` from an Excel two-column key/value range.

    Blank rows are ignored, keys are case-insensitive, a third column or more is an error
    unless it is empty (so a range may carry a units column only if it is blank).

    Examples
    --------
    >>> deal_from_range([["name", "X"], [None, None], ["GPUS", 8.0], ["market_rate", 2],
    ...                  ["loan_amount", 1e5], ["interest_rate", 0.1], ["tenor_years", 3]]).gpus
    8
    """
    mapping: dict[str, Any] = {}
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        cells = list(row)
        if (not cells or _is_blank(cells[0])) and all(_is_blank(c) for c in cells):
            continue
        if len(cells) < 2:
            raise InputError(argument, cells, "a range of two columns: key, value")
        key, value = cells[0], cells[1]
        if _is_blank(key):
            raise InputError(f"{argument} row {number}", value, "a key in the first column")
        if not isinstance(key, str):
            raise InputError(f"{argument} row {number}", key, "a deal key as text")
        if key.strip().lower() in seen:
            raise InputError(key, value, "each key once; it appears twice")
        seen.add(key.strip().lower())
        mapping[key] = value
    return deal_from_mapping(mapping, argument)


def load_deal(source: Deal | Mapping[str, Any] | Iterable[Sequence[Any]]) -> Deal:
    """Validate a deal given in memory; files are read by :func:`addin.io.deal_files.read_deal`.

    Parameters
    ----------
    source : Deal, mapping or 2-D sequence
        A :class:`Deal` (returned as is), a mapping of keys to values, or an Excel
        key/value range as rows of ``[key, value]``. Text (a file name, say) is refused:
        the model never opens a file.

    Returns
    -------
    Deal

    Raises
    ------
    AddinError
        Naming the key, the value received and what is allowed.

    Examples
    --------
    >>> load_deal([["name", "X"], ["gpus", 8.0], ["market_rate", 2.1], ["loan_amount", 1e5],
    ...            ["interest_rate", 0.1], ["tenor_years", 3]]).gpu_model
    'H100 SXM'
    """
    if isinstance(source, Deal):
        return source
    if isinstance(source, Mapping):
        return deal_from_mapping(source)
    if isinstance(source, str | bytes | PurePath):
        raise InputError(
            "deal",
            str(source),
            "a deal (keys and values); read a deal file with addin.io.read_deal",
        )
    return deal_from_range([list(row) for row in source])
