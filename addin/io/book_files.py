"""Reading a book file (CSV or xlsx): one row per facility, untrusted, bounded.

A book comes from outside the add-in: it is read once through
:func:`~addin.io.files.read_bounded` (at most :data:`MAX_BOOK_BYTES`, a regular file), an
xlsx goes through the intake workbook's container and sheet-shape checks before openpyxl
parses it, and at most :data:`MAX_FACILITIES` rows and :data:`MAX_COLUMNS` columns are
accepted. The result is text and numbers by row and column; :mod:`addin.book.book` turns
them into deals, naming the row and column of any value it refuses.

Examples
--------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "book.csv"
>>> _ = path.write_text("facility_id,obligor,gpus\\nF1,Acme,512\\n")
>>> header, rows = read_book_rows(path)
>>> header, rows[0]["gpus"], rows[0]["_row"]
(['facility_id', 'obligor', 'gpus'], 512, 2)
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from addin.io.files import read_bounded
from addin.io.intake import _check_container, _open
from addin.model.errors import DealFileError, show_value

MAX_BOOK_BYTES = 2_000_000
#: Facilities in one book (a bank's GPU book is tens to hundreds of loans).
MAX_FACILITIES = 1_000
MAX_COLUMNS = 100
_XLSX_FORM = "a book of at most 1,000 facilities in columns A to Z"


def _cell(text: str) -> Any:
    """A CSV cell as a number when it reads as one (whole numbers as int), else text."""
    value = text.strip()
    if value == "":
        return None
    try:
        number = float(value.replace("_", ""))
    except ValueError:
        return value
    return (
        int(number)
        if number.is_integer() and "." not in value and "e" not in value.lower()
        else number
    )


def read_book_rows(path: str | Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The header and the rows of a book file, blank cells left out of each row.

    Parameters
    ----------
    path : str or Path
        A ``.csv`` file (UTF-8, a header row) or an ``.xlsx`` workbook (first sheet, a
        header row in row 1).

    Returns
    -------
    tuple
        The column names (stripped) and one dict per non-blank row, with its line in the
        file under ``_row`` (for errors).

    Raises
    ------
    DealFileError
        Naming the file, and the row or column at fault: unreadable, too large, not CSV or
        xlsx, a blank or repeated column name, too many rows or columns, no facility.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise DealFileError(
            str(path), "is not a book file; allowed: a .csv file or an .xlsx workbook"
        )
    data = read_bounded(path, MAX_BOOK_BYTES, f"a book file of at most {MAX_BOOK_BYTES:,} bytes")
    table = _csv_table(path, data) if suffix == ".csv" else _xlsx_table(path, data)
    if not table or not any(cell not in (None, "") for cell in table[0]):
        raise DealFileError(str(path), "has no header row; allowed: column names in the first row")
    header = ["" if cell is None else str(cell).strip() for cell in table[0]]
    while header and header[-1] == "":
        header.pop()
    if len(header) > MAX_COLUMNS:
        raise DealFileError(str(path), f"has {len(header)} columns; allowed: at most {MAX_COLUMNS}")
    for number, name in enumerate(header, start=1):
        if name == "":
            raise DealFileError(str(path), f"column {number}: has no name; allowed: a column name")
        if header.index(name) != number - 1:
            raise DealFileError(str(path), f"column {name}: appears twice; allowed: once")
    rows: list[dict[str, Any]] = []
    for line, cells in enumerate(table[1:], start=2):
        values = {
            name: cell for name, cell in zip(header, cells, strict=False) if cell not in (None, "")
        }
        extra = [cell for cell in cells[len(header) :] if cell not in (None, "")]
        if extra:
            raise DealFileError(
                str(path), f"row {line}: got {show_value(extra[0])} past the last named column"
            )
        if values:
            values["_row"] = line
            rows.append(values)
    if not rows:
        raise DealFileError(str(path), "has no facility; allowed: one row per facility")
    if len(rows) > MAX_FACILITIES:
        raise DealFileError(
            str(path), f"has {len(rows):,} facilities; allowed: at most {MAX_FACILITIES:,}"
        )
    return header, rows


def _csv_table(path: Path, data: bytes) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise DealFileError(str(path), f"is not UTF-8 text (byte {error.start})") from None
    try:
        lines = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        raise DealFileError(str(path), f"is not valid CSV ({error})") from None
    if len(lines) > MAX_FACILITIES + 1:
        raise DealFileError(
            str(path),
            f"has {len(lines) - 1:,} rows; allowed: at most {MAX_FACILITIES:,} facilities",
        )
    return [[_cell(cell) for cell in line] for line in lines]


def _xlsx_table(path: Path, data: bytes) -> list[list[Any]]:
    _check_container(path, data, _XLSX_FORM)
    workbook = _open(path, data)
    sheet = workbook.worksheets[0]
    table: list[list[Any]] = []
    for row in sheet.iter_rows():
        cells = []
        for cell in row:
            if cell.data_type == "f":
                raise DealFileError(
                    str(path), f"cell {cell.coordinate}: holds a formula; allowed: a typed value"
                )
            value = cell.value
            cells.append(value.strip() if isinstance(value, str) else value)
        table.append(cells)
    return table
