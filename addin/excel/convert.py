"""What a cell holds, converted to Python and checked against the parameter catalogue.

Excel passes None (classic) or empty text for an empty cell, floats for numbers (whole
numbers too), Excel date serials for dates, and lists (1-D or 2-D) for ranges. Each
converter here takes the argument's :class:`~addin.model.params.Param` and raises an
:class:`~addin.model.errors.AddinError` naming the argument, the value and what is
allowed. The shapers at the end turn Python results back into cells.

Examples
--------
>>> from addin.model.params import param
>>> number(param("pue"), [[1.3]])
1.3
>>> column(param("pds"), [[0.01], [0.02]]).tolist()
[0.01, 0.02]
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from typing import Any

import numpy as np
import pandas as pd

from addin.model.deal import Deal, deal_from_range
from addin.model.errors import InputError, MissingInputError
from addin.model.params import Param
from addin.model.types import FloatArray

Cell = Any  # whatever Excel passes for one argument


def is_blank(value: Cell) -> bool:
    """True for an empty cell, as either runtime passes it (None or empty text)."""
    return value is None or (isinstance(value, str) and not value.strip())


def rows_of(value: Cell) -> list[list[Any]]:
    """A range as a list of rows, whatever shape xlwings passed it in."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        if not value:
            return []
        if all(isinstance(row, list | tuple) for row in value):
            return [list(row) for row in value]
        return [[cell] for cell in value]  # a 1-D list: one column
    return [[value]]


def scalar_of(name: str, value: Cell) -> Cell:
    """Unwrap a 1 x 1 range; any larger range where one value is expected is an error."""
    if isinstance(value, list | tuple | np.ndarray):
        rows = rows_of(value)
        if len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        shape = f"a range of {len(rows)} x {len(rows[0]) if rows else 0} cells"
        raise InputError(name, shape, "a single cell or value")
    return value


def number(spec: Param, value: Cell, name: str | None = None) -> float:
    """A finite number within the input's bounds; an empty cell is an error."""
    where = spec.name if name is None else name
    value = scalar_of(where, value)
    if is_blank(value):
        raise MissingInputError(where, spec.allowed())
    return spec.check(value, where)


def choice(spec: Param, value: Cell) -> Any:
    """One of the input's choices (text case-insensitive)."""
    return spec.choose(scalar_of(spec.name, value))


def text(spec: Param, value: Cell) -> str:
    """A non-empty text cell, stripped; an empty cell or a number is an error."""
    value = scalar_of(spec.name, value)
    if is_blank(value):
        raise MissingInputError(spec.name, spec.allowed())
    if not isinstance(value, str):
        raise InputError(spec.name, value, spec.allowed())
    return value.strip()


def column(spec: Param, value: Cell) -> FloatArray:
    """One row or one column of numbers as a 1-D float array (no blanks, no text).

    An error names the item (1-based) when the range holds more than one cell.
    """
    rows = rows_of(value)
    if len(rows) == 1:
        cells = rows[0]
    elif rows and all(len(row) == 1 for row in rows):
        cells = [row[0] for row in rows]
    else:
        width = max((len(row) for row in rows), default=0)
        shape = f"a range of {len(rows)} x {width} cells"
        raise InputError(spec.name, shape, "one row or one column")
    out = np.empty(len(cells))
    for index, cell in enumerate(cells):
        where = spec.name if len(cells) == 1 else f"{spec.name} item {index + 1}"
        out[index] = number(spec, cell, where)
    return out


def _typed(value: Any) -> tuple[type, Any]:
    return type(value), value


@functools.lru_cache(maxsize=64)
def _deal_from_typed_cells(cells: tuple[tuple[tuple[type, Any], ...], ...]) -> Deal:
    return deal_from_range([[cell for _, cell in row] for row in cells])


def deal_of(value: Cell) -> Deal:
    """A deal from a two-column key/value range (validated once per distinct range).

    The cache is keyed by each cell's type as well as its value: ``True == 1`` and
    ``hash(True) == hash(1)``, so a range holding ``gpus = TRUE`` must not reuse the deal
    built from ``gpus = 1``.
    """
    rows = rows_of(value)
    if not rows or all(is_blank(cell) for row in rows for cell in row):
        raise MissingInputError("deal", "a two-column range of deal keys and values")
    try:
        cells = tuple(tuple(_typed(cell) for cell in row) for row in rows)
        hash(cells)
    except TypeError:
        return deal_from_range(rows)
    return _deal_from_typed_cells(cells)


def deal_or_text(spec: Param, value: Cell, model: Param) -> Deal | str:
    """A deal range (two columns), or one text cell such as a catalog model name."""
    rows = rows_of(value)
    if len(rows) == 1 and len(rows[0]) == 1:
        return text(model.named(spec.name), rows[0][0])
    return deal_of(value)


# ---- shapers: Python results to Excel ---------------------------------------------------


def cell_of(value: Any) -> Any:
    """One Python value as an Excel cell: NaN and None become empty text."""
    if value is None:
        return ""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


def table(frame: pd.DataFrame) -> list[list[Any]]:
    """A DataFrame as a spilled table with a header row."""
    columns = []
    for name in frame.columns:
        values = frame[name].tolist()  # Python scalars, converted a column at a time
        if frame[name].dtype.kind == "f":
            columns.append([v if math.isfinite(v) else "" for v in values])
        else:
            columns.append([cell_of(v) for v in values])
    return [list(frame.columns), *map(list, zip(*columns, strict=True))]
