"""The deal model: one validated description of a GPU financing, used by every function.

A deal loads from a TOML file, a Python mapping, or an Excel two-column key/value range
(keys case-insensitive, blank rows ignored). Every key's unit, default, bounds and help
live in the parameter catalogue (:mod:`addin.model.params`); the :class:`Deal` fields
carry them as metadata, which also drives the intake workbook and the memo's Inputs sheet.

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
from addin.model.params import EARLIEST_DATE, LATEST_DATE, MAX_TEXT, Param, param

EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 0 (serials from 61 count days from here)
FIRST_SERIAL = (EARLIEST_DATE - EXCEL_EPOCH).days  # 61: 1900-03-01


def _key(name: str) -> Any:
    """A deal field whose default, unit, bounds and help come from the catalogue."""
    spec = param(name)
    default = dataclasses.MISSING if spec.required else spec.default
    return field(default=default, metadata={"spec": spec})


@dataclass(frozen=True, kw_only=True)
class Deal:
    """A GPU financing: fleet, rents, costs, debt, covenants and collateral assumptions.

    Build one with :func:`load_deal`, which validates every key; the field metadata
    (``Deal.spec(key)``) gives each key's unit, bounds and help. :attr:`given` records
    which keys the source set (by presence, not value), so the memo can tell a value
    given in the deal file from a default; it is not part of equality or the hash.
    """

    # --- Deal
    name: str = _key("name")
    borrower: str = _key("borrower")
    borrower_type: str = _key("borrower_type")
    gpu_model: str = _key("gpu_model")
    gpus: int = _key("gpus")
    start_date: dt.date | None = _key("start_date")
    periods_per_year: int = _key("periods_per_year")
    # --- Revenue
    market_rate: float = _key("market_rate")
    annual_decline: float = _key("annual_decline")
    rent_floor: float = _key("rent_floor")
    utilization: float = _key("utilization")
    contracted_share: float = _key("contracted_share")
    contract_rate: float | None = _key("contract_rate")
    contract_years: float = _key("contract_years")
    offtaker: str = _key("offtaker")
    recontract_rate: float | None = _key("recontract_rate")
    # --- Costs
    kw_per_gpu: float = _key("kw_per_gpu")
    pue: float = _key("pue")
    power_price: float = _key("power_price")
    idle_power_share: float = _key("idle_power_share")
    opex_per_gpu_year: float = _key("opex_per_gpu_year")
    colocation_per_kw_month: float = _key("colocation_per_kw_month")
    opex_escalation: float = _key("opex_escalation")
    # --- Debt
    loan_amount: float | None = _key("loan_amount")
    interest_rate: float = _key("interest_rate")  # all-in at close: base_rate + margin if floating
    tenor_years: float = _key("tenor_years")
    amortization: str = _key("amortization")
    balloon: float = _key("balloon")
    target_dscr: float = _key("target_dscr")
    # --- Debt: floating rate, reserve and sweep
    base_rate: float | None = _key("base_rate")
    margin: float = _key("margin")
    rate_shock: float = _key("rate_shock")
    rate_shock_year: float = _key("rate_shock_year")
    dsra_months: float = _key("dsra_months")
    sweep_share: float = _key("sweep_share")
    # --- Covenants (illustrative: no public source gives GPU-loan covenant levels)
    lockup_dscr: float = _key("lockup_dscr")
    default_dscr: float = _key("default_dscr")
    covenant_basis: str = _key("covenant_basis")
    test_frequency: int = _key("test_frequency")
    max_ltv: float | None = _key("max_ltv")
    cure_periods: int = _key("cure_periods")
    # --- Collateral
    unit_cost: float | None = _key("unit_cost")
    gpu_age_years: float = _key("gpu_age_years")
    useful_life_years: float = _key("useful_life_years")
    salvage_value: float = _key("salvage_value")
    generation_years: float = _key("generation_years")
    generation_shock: float = _key("generation_shock")
    hardware_decline: float = _key("hardware_decline")
    discount_rate: float | None = _key("discount_rate")
    # --- Liquidation (assumptions for the user to set; illustrative)
    market_absorption: float | None = _key("market_absorption")
    carry_cost: float = _key("carry_cost")
    impact: float = _key("impact")
    max_haircut: float = _key("max_haircut")
    max_liquidation_months: int = _key("max_liquidation_months")
    liquid_cooling_absorption: float = _key("liquid_cooling_absorption")
    price_vol: float = _key("price_vol")
    permanent_impact: float = _key("permanent_impact")
    repossession_months: int = _key("repossession_months")
    remarketing_cost: float = _key("remarketing_cost")
    # --- Credit: two-factor stress and Basel IRB (illustrative unless a source is named)
    pd: float = _key("pd")
    lgd: float = _key("lgd")
    crypto_loading: float | None = _key("crypto_loading")
    compute_loading: float = _key("compute_loading")
    factor_corr: float = _key("factor_corr")
    btc_vol: float = _key("btc_vol")
    rent_vol: float = _key("rent_vol")
    stress_horizon_years: float = _key("stress_horizon_years")
    # --- Simulation (addin.sim; illustrative unless a source is named)
    rent_reversion: float = _key("rent_reversion")
    model_rent_corr: float = _key("model_rent_corr")
    launch_rent_shock: float = _key("launch_rent_shock")
    launch_shock_vol: float = _key("launch_shock_vol")
    mining_share: float = _key("mining_share")
    btc_holdings: float = _key("btc_holdings")
    rate_vol: float = _key("rate_vol")
    rate_reversion: float = _key("rate_reversion")
    stress_corr: float = _key("stress_corr")
    stress_entry: float = _key("stress_entry")
    stress_exit: float = _key("stress_exit")
    offtaker_pd: float = _key("offtaker_pd")
    # --- Not a key: the keys the source gave (a value, not blank), for "where from" labels.
    # Left out of equality, hashing and repr: two deals with the same values are the same.
    given: frozenset[str] = field(default=frozenset(), compare=False, repr=False)

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
    def spec(key: str) -> Param:
        """Return the :class:`Param` of a deal key."""
        return KEY_SPECS[key]

    def replace(self, **changes: Any) -> Deal:
        """Return a validated copy with some keys changed.

        A floating-rate deal's interest_rate is derived (base_rate + margin), so it is
        derived again from the changed keys; a new ``gpu_model`` without a ``kw_per_gpu``
        takes the catalog figure of the new model (the deal's kW was for the old one).
        :attr:`given` keeps the keys the deal was given and adds the changed ones.

        Examples
        --------
        >>> deal = load_deal({"name": "D", "gpus": 8, "market_rate": 2.0, "loan_amount": 1e5,
        ...                   "interest_rate": 0.1, "tenor_years": 3})
        >>> sorted(deal.replace(pue=1.2).given - deal.given)
        ['pue']
        """
        values = self.to_dict()
        if self.base_rate is not None:
            values["interest_rate"] = None
        if "gpu_model" in changes:
            changes.setdefault("kw_per_gpu", None)
        changed = load_deal({**values, **changes})
        named = {key for key, value in changes.items() if not _is_blank(value)}
        return dataclasses.replace(changed, given=self.given | named)

    def to_dict(self) -> dict[str, Any]:
        """Return the deal's keys and values, as given or defaulted (not :attr:`given`)."""
        return {f.name: getattr(self, f.name) for f in _KEY_FIELDS}


_KEY_FIELDS = tuple(f for f in dataclasses.fields(Deal) if "spec" in f.metadata)
KEY_SPECS: dict[str, Param] = {f.name: f.metadata["spec"] for f in _KEY_FIELDS}
REQUIRED_KEYS: tuple[str, ...] = tuple(
    f.name for f in _KEY_FIELDS if f.default is dataclasses.MISSING
)
DEFAULTS: dict[str, Any] = {
    f.name: f.default for f in _KEY_FIELDS if f.default is not dataclasses.MISSING
}


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _to_date(key: str, value: Any, spec: Param) -> dt.date:
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip())
        except ValueError:
            raise InputError(key, value, spec.allowed()) from None
    elif isinstance(value, int | float) and not isinstance(value, bool):
        # Excel serials count from 1900-01-01 = 1 and include the phantom 1900-02-29 (60):
        # from 61 on they are days since 1899-12-30; 1 to 60 are refused, not guessed.
        if not (math.isfinite(value) and value >= FIRST_SERIAL and float(value).is_integer()):
            raise InputError(key, value, spec.allowed())
        days = int(value)
        if days > (LATEST_DATE - EXCEL_EPOCH).days:
            raise InputError(key, value, spec.allowed())
        value = EXCEL_EPOCH + dt.timedelta(days=days)
    if not isinstance(value, dt.date):
        raise InputError(key, value, spec.allowed())
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise InputError(key, value.isoformat(), spec.allowed())
    return value


def _convert(key: str, value: Any) -> Any:
    spec = KEY_SPECS[key]
    if spec.kind == "text":
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            value = f"{value:g}"  # a number typed as a name: 2026 is the text "2026"
        if not isinstance(value, str) or len(value.strip()) > MAX_TEXT:
            raise InputError(key, value, spec.allowed())  # NaN, a list, or text too long
        return value.strip()
    if spec.kind == "date":
        return _to_date(key, value, spec)
    if spec.kind == "choice":
        return spec.choose(value, key)
    number = spec.check(value, key)
    return int(number) if spec.kind == "int" else number


def _all_in_rate(values: dict[str, Any]) -> None:
    """Set interest_rate to base_rate + margin for a floating-rate deal; check the rate keys.

    A fixed rate needs interest_rate; a floating one needs base_rate (interest_rate, if also
    given, must equal base_rate + margin, as a deal written back from a memo holds both).
    """
    base, given = values["base_rate"], values["interest_rate"]
    if base is None:
        if given is None:
            raise MissingInputError(
                "interest_rate", "a fixed rate in decimal per year, or base_rate + margin"
            )
        for key in ("margin", "rate_shock"):
            if values[key] != 0:
                raise InputError(key, values[key], "0 unless base_rate (a floating rate) is given")
        return
    all_in = base + values["margin"]
    if given is not None and abs(given - all_in) > 1e-12:
        raise InputError(
            "interest_rate", given, f"empty, or base_rate + margin = {all_in:g}, with base_rate"
        )
    if not 0.0 <= all_in <= 1.0 or not 0.0 <= all_in + values["rate_shock"] <= 1.0:
        raise InputError(
            "rate_shock",
            values["rate_shock"],
            "a shock keeping base_rate + margin + rate_shock between 0 and 1",
        )
    values["interest_rate"] = all_in


def catalog_kw_per_gpu(gpu_model: str) -> float:
    """The GPU catalog's all-in kW per GPU of ``gpu_model``: the default of ``kw_per_gpu``.

    Raises
    ------
    InputError
        Naming ``gpu_model`` when it is not in the catalog (with a did-you-mean, and that
        ``kw_per_gpu`` may be given instead).

    Examples
    --------
    >>> catalog_kw_per_gpu("B200")  # DGX B200: 14.3 kW / 8 GPUs
    1.7875
    """
    from addin.model.catalog import catalog_row  # lazily: the catalog loads pandas

    try:
        row = catalog_row(gpu_model, "gpu_model")
    except InputError as error:
        raise InputError(
            "gpu_model",
            gpu_model,
            f"{error.allowed}; or give kw_per_gpu for a model outside the GPU catalog",
        ) from None
    return float(row["kw_per_gpu"])


def _check_consistency(values: dict[str, Any]) -> None:
    """Rules that involve more than one key."""
    _all_in_rate(values)
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
        Its :attr:`Deal.given` holds the keys given a value (blank ones are not given).

    Examples
    --------
    >>> deal = deal_from_mapping({"Name": "X", "GPUs": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                           "interest_rate": 0.1, "tenor_years": 3, "pue": None})
    >>> deal.gpus, sorted(deal.given)[:3], "pue" in deal.given
    (8, ['gpus', 'interest_rate', 'loan_amount'], False)
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
    given = frozenset(values)
    values = {**DEFAULTS, **values}
    if values["kw_per_gpu"] is None:
        values["kw_per_gpu"] = catalog_kw_per_gpu(values["gpu_model"])
    _check_consistency(values)
    return Deal(**values, given=given)


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
        extra = [c for c in cells[2:] if not _is_blank(c)]
        if extra:
            raise InputError(
                f"{argument} row {number}", extra[0], "two columns: key, value (a third is empty)"
            )
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
