"""The GPU catalog: launch price, power, memory, throughput, cooling and successor per model.

The data live in ``addin/model/data/gpu_catalog.csv``; ``addin/model/data/SOURCES.md``
says where every figure comes from and which are estimates (Epoch AI's machine-learning
hardware data, CC BY 4.0, vendor datasheets, analyst estimates). The file is read once, through
:mod:`importlib.resources`, so it works from a wheel and under Pyodide (xlwings Lite).

Units: ``launch_price_usd`` USD per GPU, ``tdp_w`` W, ``kw_per_gpu`` and ``rack_kw`` kW,
``memory_gb`` GB, ``fp16_tflops`` and ``fp8_tflops`` dense TFLOP/s (0 = not supported).

Examples
--------
>>> gpu_spec("h100 sxm", "launch_price_usd")
33600.0
>>> gpu_spec("GB200", "cooling")
'liquid'
"""

from __future__ import annotations

import csv
import datetime as dt
import difflib
import functools
import io
from importlib import resources
from typing import Any

import pandas as pd

from addin.model.errors import InputError, MissingInputError

CATALOG_FILE = "gpu_catalog.csv"
#: Announced launches not yet shipping (no price or power is public): only their dates.
ANNOUNCED_FILE = "gpu_announced.csv"
#: Observed used-card prices, the bands the market-value curve is calibrated to.
USED_PRICES_FILE = "used_gpu_prices.csv"
#: Observed GPU rents over time, the history the rent volatility is calibrated to.
RENT_HISTORY_FILE = "rent_history.csv"
NUMERIC_FIELDS = (
    "launch_price_usd",
    "tdp_w",
    "kw_per_gpu",
    "memory_gb",
    "fp16_tflops",
    "fp8_tflops",
    "rack_kw",
)
FIELDS = (
    "name",
    "vendor",
    "release_date",
    "launch_price_usd",
    "price_basis",
    "tdp_w",
    "kw_per_gpu",
    "memory_gb",
    "fp16_tflops",
    "fp8_tflops",
    "cooling",
    "rack_kw",
    "successor",
    "sources",
)
FIELD_UNITS = {
    "name": "text",
    "vendor": "text",
    "release_date": "ISO date (YYYY-MM-DD, or YYYY-MM where only the month is public)",
    "launch_price_usd": "USD per GPU",
    "price_basis": "list or estimate",
    "tdp_w": "W",
    "kw_per_gpu": "kW, all-in per GPU in its reference server",
    "memory_gb": "GB",
    "fp16_tflops": "dense FP16/BF16 TFLOP/s",
    "fp8_tflops": "dense FP8 TFLOP/s (0 = no FP8 support)",
    "cooling": "air or liquid",
    "rack_kw": "kW per rack as typically deployed (estimate)",
    "successor": "catalog model name, or none",
    "sources": "reference keys, see addin/model/data/SOURCES.md",
}


def data_rows(file: str) -> list[dict[str, str]]:
    """The rows of one CSV file of ``addin/model/data``, as text, stripped.

    Read through :mod:`importlib.resources`, so the file is found in a wheel and under
    Pyodide as well as in a checkout.

    Examples
    --------
    >>> data_rows("gpu_catalog.csv")[0]["name"]
    'A100 SXM'
    """
    text = resources.files("addin.model").joinpath("data", file).read_text(encoding="utf-8")
    return [
        {k: (v or "").strip() for k, v in raw.items()} for raw in csv.DictReader(io.StringIO(text))
    ]


@functools.lru_cache(maxsize=1)
def _rows() -> dict[str, dict[str, Any]]:
    """Catalog rows keyed by lower-case model name (read once)."""
    rows: dict[str, dict[str, Any]] = {}
    for raw in data_rows(CATALOG_FILE):
        row: dict[str, Any] = dict(raw)
        for name in NUMERIC_FIELDS:
            row[name] = float(row[name])
        rows[row["name"].lower()] = row
    return rows


@functools.lru_cache(maxsize=1)
def _frame() -> pd.DataFrame:
    return pd.DataFrame(list(_rows().values()), columns=list(FIELDS))


def gpu_catalog() -> pd.DataFrame:
    """The GPU catalog, one row per model.

    Returns
    -------
    pandas.DataFrame
        Columns ``name``, ``vendor``, ``release_date`` (ISO text), ``launch_price_usd``
        (USD per GPU), ``price_basis`` (``list`` or ``estimate``), ``tdp_w`` (W),
        ``kw_per_gpu`` (kW all-in per GPU in its reference server), ``memory_gb`` (GB),
        ``fp16_tflops`` and ``fp8_tflops`` (dense TFLOP/s; 0 means not supported),
        ``cooling`` (``air`` or ``liquid``), ``rack_kw`` (kW, estimate), ``successor``
        (a catalog name or ``none``) and ``sources`` (keys into ``addin/model/data/SOURCES.md``).
        A fresh copy each call: changing it does not change the catalog.

    References
    ----------
    Epoch AI, "Data on Machine Learning Hardware", CC BY 4.0,
    https://epoch.ai/data/machine-learning-hardware; vendor datasheets and the analyst
    estimates listed in ``addin/model/data/SOURCES.md``.

    Examples
    --------
    >>> table = gpu_catalog()
    >>> "H100 SXM" in set(table["name"]), table.loc[table["name"] == "B200", "tdp_w"].item()
    (True, 1000.0)

    In Excel: ``=GPU_MODELS()``.
    """
    return _frame().copy()


def gpu_models() -> list[str]:
    """Names of the catalog's models, in catalog order.

    Examples
    --------
    >>> gpu_models()[:2]
    ['A100 SXM', 'H100 SXM']
    """
    return [row["name"] for row in _rows().values()]


def _hint(value: str, known: list[str]) -> str:
    """'did you mean' text: names containing what was typed, else the closest spelling."""
    typed = " ".join(value.split()).lower()
    lower = {k.lower(): k for k in known}
    matches = [k for k in known if typed and typed in k.lower()]
    if not matches:
        matches = [lower[c] for c in difflib.get_close_matches(typed, list(lower), 2, 0.5)]
    if matches:
        return (
            "did you mean "
            + " or ".join(f"'{m}'" for m in matches)
            + "? Known: "
            + (", ".join(known))
        )
    return "one of " + ", ".join(known)


def catalog_row(model: str, argument: str = "model") -> dict[str, Any]:
    """The catalog row of a model (case-insensitive), or an error with a did-you-mean.

    Parameters
    ----------
    model : str
        Model name, e.g. ``"H100 SXM"``.
    argument : str
        How the model is named in error messages (``model``, ``gpu_model``).

    Returns
    -------
    dict
        Field name to value (numbers as float, text as str); see :func:`gpu_catalog`.

    Examples
    --------
    >>> catalog_row("mi300x")["memory_gb"]
    192.0
    """
    if model is None or (isinstance(model, str) and not model.strip()):
        raise MissingInputError(argument, "a GPU model in the catalog, e.g. H100 SXM")
    if not isinstance(model, str):
        raise InputError(argument, model, "a GPU model name as text, e.g. H100 SXM")
    row = _rows().get(" ".join(model.split()).lower())
    if row is None:
        raise InputError(argument, model, _hint(model, gpu_models()))
    return row


def parse_release(text: str) -> dt.date:
    """A catalog date: ``YYYY-MM-DD``, or ``YYYY-MM`` read as the first of the month.

    Examples
    --------
    >>> parse_release("2026-07"), parse_release("2022-09-20")
    (datetime.date(2026, 7, 1), datetime.date(2022, 9, 20))
    """
    return dt.date.fromisoformat(text if len(text) == 10 else text + "-01")


@functools.lru_cache(maxsize=1)
def announced_launches() -> tuple[dict[str, str], ...]:
    """Launches announced by a vendor but not yet shipping, from ``gpu_announced.csv``.

    Returns
    -------
    tuple of dict
        ``name``, ``vendor``, ``release_date`` (the first month of the announced half-year,
        ``YYYY-MM``), ``status`` (``announced``), ``follows`` (the model it succeeds) and
        ``sources`` (keys into ``SOURCES.md``). They are not catalog rows: no price or
        power is public, so :func:`catalog_row` does not know them.

    Examples
    --------
    >>> [(r["name"], r["release_date"]) for r in announced_launches()]
    [('Vera Rubin', '2026-07'), ('Rubin Ultra', '2027-07')]
    """
    return tuple(data_rows(ANNOUNCED_FILE))


@functools.lru_cache(maxsize=64)
def successor_launches(model: str) -> tuple[tuple[str, dt.date], ...]:
    """The model's release and every later launch in its line, oldest first.

    Follows the catalog's ``successor`` column, then the announced launches
    (:func:`announced_launches`) that follow the last one. Past the last entry, the market
    model falls back to a cadence (deal key ``generation_years``).

    Parameters
    ----------
    model : str
        Catalog model name, case-insensitive.

    Returns
    -------
    tuple of (str, datetime.date)
        ``(name, release date)`` pairs, the model itself first.

    Examples
    --------
    >>> [name for name, _ in successor_launches("H100 SXM")]
    ['H100 SXM', 'H200', 'B200', 'B300', 'Vera Rubin', 'Rubin Ultra']
    >>> successor_launches("MI355X")[-1][0]
    'MI355X'
    """
    row = catalog_row(model)
    chain = [(str(row["name"]), parse_release(row["release_date"]))]
    while row["successor"] != "none":
        row = _rows()[row["successor"].lower()]
        chain.append((str(row["name"]), parse_release(row["release_date"])))
    following = {r["follows"]: r for r in announced_launches()}
    while chain[-1][0] in following:
        nxt = following[chain[-1][0]]
        chain.append((nxt["name"], parse_release(nxt["release_date"])))
    return tuple(chain)


def used_gpu_prices() -> pd.DataFrame:
    """Observed used-card prices: the bands the market-value curve is calibrated to.

    Returns
    -------
    pandas.DataFrame
        ``model``, ``date_from`` and ``date_to`` (ISO dates), ``low_usd`` and ``high_usd``
        (USD per GPU), ``authority`` (``low``: listings or secondary reports, indicative
        only), ``calibrate`` (``yes`` if the default curve must fall inside the band;
        ``no`` with the reason in ``note``), ``source`` (a key into ``SOURCES.md``) and
        ``note``. A fresh copy each call.

    Examples
    --------
    >>> table = used_gpu_prices()
    >>> row = table.iloc[1]
    >>> row["model"], float(row["low_usd"]), float(row["high_usd"])
    ('H100 SXM', 15000.0, 28000.0)
    """
    table = pd.DataFrame(data_rows(USED_PRICES_FILE))
    return table.astype({"low_usd": float, "high_usd": float})


def rent_history() -> pd.DataFrame:
    """Observed GPU rents over time: the history ``tools/calibrate_rent.py`` fits.

    Returns
    -------
    pandas.DataFrame
        One row per observation, oldest first: ``date`` (ISO date), ``date_precision``
        (``day``, ``month``, ``quarter`` or ``year``: what the source gives; a coarser date
        is placed in its period as ``note`` says), ``gpu_model`` (a catalog name),
        ``series`` (``on-demand``, ``spot``, ``1-year contract``, or a hyperscaler's price),
        ``usd_per_gpu_hour`` (USD per GPU-hour; the geometric midpoint of a band),
        ``low_usd`` and ``high_usd`` (the band's ends, NaN for a single figure),
        ``authority`` (``high``: a vendor's price list; ``medium``: an analyst's survey or a
        practitioner's account; ``low``: a secondary report), ``calibrate`` (``yes`` for the
        rows the fit uses; ``no`` with the reason in ``note``), ``source`` (a key into
        ``addin/model/data/SOURCES.md``) and ``note``. A fresh copy each call.

    References
    ----------
    The sources listed under *Rent history* in ``addin/model/data/SOURCES.md``: Latent
    Space (2024), SemiAnalysis' 1-year H100 contract index (2025-2026), AWS price lists.

    Examples
    --------
    >>> table = rent_history()
    >>> peak = table.loc[table["usd_per_gpu_hour"].idxmax()]
    >>> peak["series"], float(peak["usd_per_gpu_hour"])
    ('hyperscaler on-demand', 12.29)
    >>> h100 = table.query("calibrate == 'yes'")
    >>> len(h100), float(h100["usd_per_gpu_hour"].min())
    (6, 1.41)
    """
    table = pd.DataFrame(data_rows(RENT_HISTORY_FILE))
    bands = {"low_usd": {"": "nan"}, "high_usd": {"": "nan"}}  # a single figure: no band
    return table.replace(bands).astype(
        {"usd_per_gpu_hour": float, "low_usd": float, "high_usd": float}
    )


def gpu_spec(model: str, field: str) -> float | str:
    """One field of one GPU model from the catalog.

    Parameters
    ----------
    model : str
        Model name, case-insensitive (``"H100 SXM"``, ``"h100 sxm"``).
    field : str
        Column name, case-insensitive: name, vendor, release_date, launch_price_usd (USD
        per GPU), price_basis, tdp_w (W), kw_per_gpu (kW), memory_gb (GB), fp16_tflops,
        fp8_tflops (dense TFLOP/s), cooling, rack_kw (kW), successor, sources.

    Returns
    -------
    float or str
        Numbers as float in the unit of the field, text as str.

    Raises
    ------
    InputError
        Unknown model or field, with the closest match ("did you mean ...").

    Examples
    --------
    >>> gpu_spec("H100 SXM", "kw_per_gpu"), gpu_spec("h100 sxm", "Successor")
    (1.275, 'H200')

    In Excel: ``=GPU_SPEC("H100 SXM", "launch_price_usd")``.
    """
    row = catalog_row(model)
    if field is None or (isinstance(field, str) and not field.strip()):
        raise MissingInputError("field", "one of " + ", ".join(FIELDS))
    if not isinstance(field, str):
        raise InputError("field", field, "one of " + ", ".join(FIELDS))
    key = field.strip().lower()
    if key not in row:
        raise InputError("field", field, _hint(field, list(FIELDS)))
    value: float | str = row[key]
    return value
