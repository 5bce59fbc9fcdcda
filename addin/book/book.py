"""A book of GPU loans: facilities, their borrowers and their deals.

A book file (:func:`addin.io.book_files.read_book_rows`) has one row per facility:

* ``facility_id`` (required, unique): the facility's name;
* ``obligor`` (required): the borrower; a borrower's facilities cross-default;
* ``deal`` (optional): a deal file (``.toml`` or intake ``.xlsx``), relative to the book
  file's folder;
* any deal key as a column: the deal inline, or an override of the deal file's value.

Every value is validated by the deal model; an error names the book, the row and the
column. Every facility starts on the book's date (``start_date`` the same in every row
that gives one): a book is a snapshot of outstanding loans; and the facilities on one GPU
model give the same resale-market keys (:data:`MARKET_KEYS`), those naming one offtaker
the same ``offtaker_pd``. Nothing is simulated or written from a book with an error.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "book.csv").write_text(
...     "facility_id,obligor,name,gpus,market_rate,loan_amount,interest_rate,tenor_years\\n"
...     "F1,Acme,Acme H100,512,2.0,5000000,0.1,3\\n")
>>> book = read_book(folder / "book.csv")
>>> book.facilities[0].facility_id, book.facilities[0].deal.gpus
('F1', 512)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.io.book_files import read_book_rows
from addin.io.deal_files import read_deal
from addin.model.deal import Deal, load_deal
from addin.model.errors import (
    AddinError,
    DealFileError,
    InputError,
    MissingInputError,
    UnknownKeyError,
    show_value,
)
from addin.sim.factors import model_key, normal_name

#: Keys of the resale market every facility on one GPU model shares (the square-root law
#: of :func:`addin.analytics.liquidation.liquidation_value` with the sales summed).
MARKET_KEYS = (
    "market_absorption",
    "liquid_cooling_absorption",
    "price_vol",
    "impact",
    "permanent_impact",
    "max_haircut",
)


def shared_conflict(
    deal: Deal, where: str, shared: dict[tuple[str, object], tuple[Any, str]]
) -> tuple[str, Any, str] | None:
    """What a facility gives against the values the book's facilities must share, if any.

    Every facility starts on the book's date (a book is a snapshot; an undated deal takes
    the book's); the facilities on one GPU model share its resale market
    (:data:`MARKET_KEYS`); the facilities naming one offtaker (case and spacing ignored)
    share its default, so its ``offtaker_pd``. ``shared`` holds the first value of each
    and where it was given (``where``), and is filled as facilities come.

    Returns
    -------
    tuple of (key, value, allowed) or None
        The conflict, worded for an :class:`~addin.model.errors.InputError`.

    Examples
    --------
    >>> shared = {}
    >>> deal = load_deal({"name": "D", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 2, "market_absorption": 800})
    >>> shared_conflict(deal, "row 2", shared) is None
    True
    >>> shared_conflict(deal.replace(market_absorption=400), "row 3", shared)[2]
    '800 as in row 2: the facilities on one GPU model (H100 SXM) share its resale market'
    """
    market = model_key(deal.gpu_model)
    offtaker = normal_name(deal.offtaker)
    book = "every facility starts on the book's date: a book is a snapshot, so give each its "
    book += "outstanding balance and remaining term"
    resale = f"the facilities on one GPU model ({deal.gpu_model}) share its resale market"
    wanted: list[tuple[str, object, Any, str]] = [("start_date", None, deal.start_date, book)]
    wanted += [(key, market, getattr(deal, key), resale) for key in MARKET_KEYS]
    if offtaker:
        name = " ".join(deal.offtaker.split())
        why = f"the facilities naming one offtaker ({name}) share its default"
        wanted.append(("offtaker_pd", offtaker, deal.offtaker_pd, why))
    for key, group, value, why in wanted:
        if value is None:
            continue
        first = shared.setdefault((key, group), (value, where))
        if first[0] != value:
            return (
                key,
                _as_typed(value),
                f"{show_value(_as_typed(first[0]))} as in {first[1]}: {why}",
            )
    return None


def _as_typed(value: Any) -> Any:
    """A value as a user would type it: a date as ISO text, 900 rather than 900.0."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: Columns of a book that are not deal keys.
BOOK_COLUMNS = ("facility_id", "obligor", "deal")


@dataclass(frozen=True)
class Facility:
    """One loan of the book.

    Attributes
    ----------
    facility_id : str
    obligor : str
        The borrower; its facilities cross-default.
    deal : Deal
    """

    facility_id: str
    obligor: str
    deal: Deal


@dataclass(frozen=True)
class Book:
    """The facilities of a book, in the file's order (which keys their random streams)."""

    facilities: tuple[Facility, ...]
    source: str = "a Python book"

    @property
    def obligors(self) -> tuple[str, ...]:
        """The borrowers, each once, in order of first appearance."""
        return tuple(dict.fromkeys(f.obligor for f in self.facilities))

    def __len__(self) -> int:
        return len(self.facilities)


def book_of(facilities: list[tuple[str, str, Deal]], source: str = "a Python book") -> Book:
    """A book from (facility id, obligor, deal) triples; ids must be unique.

    Examples
    --------
    >>> deal = load_deal({"name": "D", "gpus": 8, "market_rate": 2, "loan_amount": 1e5,
    ...                   "interest_rate": 0.1, "tenor_years": 2})
    >>> len(book_of([("F1", "Acme", deal), ("F2", "Acme", deal)]))
    2
    """
    seen: set[str] = set()
    shared: dict[tuple[str, object], tuple[Any, str]] = {}
    for facility_id, _, deal in facilities:
        conflict = shared_conflict(deal, f"facility {facility_id}", shared)
        if conflict is not None:
            raise InputError(*conflict)
    for facility_id, obligor, _ in facilities:
        if facility_id in seen:
            raise InputError("facility_id", facility_id, "a name used once in the book")
        if not str(obligor).strip():
            raise InputError("obligor", obligor, "a borrower's name")
        seen.add(facility_id)
    if not facilities:
        raise InputError("book", [], "at least one facility")
    return Book(tuple(Facility(i, o, d) for i, o, d in facilities), source)


def read_book(path: str | Path) -> Book:
    """Read and validate a book file (module notes for its columns).

    Parameters
    ----------
    path : str or Path
        A ``.csv`` or ``.xlsx`` book.

    Returns
    -------
    Book

    Raises
    ------
    DealFileError
        Naming the book, the row and the column (or the deal file) at fault.
    """
    path = Path(path)
    _, rows = read_book_rows(path)
    facilities: list[tuple[str, str, Deal]] = []
    seen: dict[str, int] = {}
    shared: dict[tuple[str, object], tuple[Any, str]] = {}
    for row in rows:
        line = row.pop("_row")
        where = f"row {line}"
        for column in ("facility_id", "obligor"):
            if column not in row:
                raise DealFileError(str(path), f"{where}, column {column}: is empty; allowed: text")
        facility_id, obligor = str(row["facility_id"]).strip(), str(row["obligor"]).strip()
        if facility_id in seen:
            raise DealFileError(
                str(path),
                f"{where}, column facility_id: got {show_value(facility_id)}, already in row "
                f"{seen[facility_id]}; allowed: a name used once",
            )
        seen[facility_id] = line
        deal = _deal_of_row(path, where, row)
        conflict = shared_conflict(deal, f"row {line}", shared)
        if conflict is not None:
            key, value, allowed = conflict
            raise DealFileError(
                str(path), f"{where}, column {key}: got {show_value(value)}; allowed: {allowed}"
            )
        facilities.append((facility_id, obligor, deal))
    return book_of(facilities, str(path))


def _deal_of_row(path: Path, where: str, row: dict[str, Any]) -> Deal:
    """The row's deal: its deal file with the row's key columns over it, or inline keys."""
    keys = {k: v for k, v in row.items() if k not in BOOK_COLUMNS}
    try:
        if "deal" not in row:
            return load_deal(keys)
        try:
            deal = read_deal((path.parent / str(row["deal"])).resolve())
        except AddinError as error:
            raise DealFileError(str(path), f"{where}, column deal: {error}") from None
        return deal.replace(**keys)
    except (InputError, MissingInputError) as error:
        raise DealFileError(str(path), f"{where}, column {error}") from None
    except UnknownKeyError as error:  # a column that is no deal key: name the column
        problem = str(error).split(": ", 1)[1]
        raise DealFileError(str(path), f"{where}, column {error.key}: {problem}") from None
    except DealFileError:
        raise
    except AddinError as error:
        raise DealFileError(str(path), f"{where}: {error}") from None
