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
>>> from addin.excel.caps import NAMES
>>> column(param("pds"), [[0.01], [0.02]], NAMES).tolist()
[0.01, 0.02]
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import operator
import sys
from collections import OrderedDict
from typing import Any

import numpy as np
import pandas as pd

from addin.excel.caps import DEAL_CACHE_BYTES, DEAL_CACHE_ENTRIES, DEAL_CELLS, Cap
from addin.model.deal import Deal, deal_from_range
from addin.model.errors import InputError, MissingInputError
from addin.model.params import Param
from addin.model.types import FloatArray

Cell = Any  # whatever Excel passes for one argument


def is_blank(value: Cell) -> bool:
    """True for an empty cell, as either runtime passes it (None or empty text)."""
    return value is None or (isinstance(value, str) and not value.strip())


def rows_of(value: Cell) -> list[list[Any]]:
    """A range as a list of rows, whatever shape xlwings passed it in (rows not copied)."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list | tuple):
        if not value:
            return []
        kinds = set(map(type, value))  # in C: a whole column costs about 0.05 s
        if kinds == {list}:
            return value if isinstance(value, list) else list(value)
        if kinds <= {list, tuple}:
            return [list(row) for row in value]
        return [[cell] for cell in value]  # a 1-D list: one column
    return [[value]]


def extent(rows: list[list[Any]]) -> tuple[int, int]:
    """Rows and columns up to the last non-blank cell: trailing blank rows and columns cut.

    A whole column arrives as 1,048,576 rows, nearly all None. Rows of None only are
    found by comparing each row with a row of None in C (``map(operator.eq, ...)`` into
    ``bytes``, about 0.05 s for a million rows), not cell by cell in Python; rows blank in
    another way (empty text) are then cut one by one from the end, and blank columns from
    the right, stopping at the first non-blank cell.

    Examples
    --------
    >>> extent([[1.0, None, None], [None, 2.0, None], [None, None, None], [None, "", " "]])
    (2, 2)
    """
    count = len(rows)
    if count:
        nones = [None] * len(rows[-1])
        all_none = bytes(map(operator.eq, rows, itertools.repeat(nones)))  # 1 per such row
        count = all_none.rfind(0) + 1
    while count and all(is_blank(cell) for cell in rows[count - 1]):
        count -= 1
    kept = rows[:count]
    width = max(map(len, kept), default=0)
    while width and all(len(row) < width or is_blank(row[width - 1]) for row in kept):
        width -= 1
    return count, width


def cut(rows: list[list[Any]], count: int, width: int) -> list[list[Any]]:
    """The first ``count`` rows, each cut to ``width`` cells (the same list if nothing is cut)."""
    if count == len(rows) and all(len(row) <= width for row in rows):
        return rows
    return [row[:width] for row in rows[:count]]


def trimmed(value: Cell) -> list[list[Any]]:
    """A range as rows, without its trailing blank rows and columns (:func:`extent`)."""
    rows = rows_of(value)
    return cut(rows, *extent(rows))


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


def column(spec: Param, value: Cell, cap: Cap) -> FloatArray:
    """One row or one column of numbers as a 1-D float array (no blanks, no text).

    Trailing blank cells are cut; more cells than ``cap`` allows is an error, raised
    before any cell is converted. An error names the item (1-based) when the range holds
    more than one cell.
    """
    rows = trimmed(value)
    if not rows:
        raise MissingInputError(spec.name, spec.allowed())
    if len(rows) == 1:
        cells = rows[0]
    elif all(len(row) == 1 for row in rows):
        cells = [row[0] for row in rows]
    else:
        width = max(len(row) for row in rows)
        shape = f"a range of {len(rows)} x {width} cells"
        raise InputError(spec.name, shape, "one row or one column")
    cap.check(spec.name, len(cells))
    out = np.empty(len(cells))
    for index, cell in enumerate(cells):
        where = spec.name if len(cells) == 1 else f"{spec.name} item {index + 1}"
        out[index] = number(spec, cell, where)
    return out


def ranges_alike(
    first: tuple[str, list[list[Any]]], second: tuple[str, list[list[Any]]], cap: Cap
) -> tuple[list[list[Any]], list[list[Any]]]:
    """Two ranges of one shape, cut together to the last row and column either fills.

    ``first`` and ``second`` are (argument name, rows as :func:`rows_of` gives them).
    Ranges of different shapes are an error naming the second; so is a range with more
    cells than ``cap`` allows once trailing blanks are cut (checked before any cell is
    converted). Two blank ranges keep their first cell, so that converting it says it is
    empty.

    Examples
    --------
    >>> from addin.excel.caps import CELLS
    >>> ranges_alike(("a", [[1.0], [None]]), ("b", [[2.0], [None]]), CELLS)
    ([[1.0]], [[2.0]])
    """
    (name_a, rows_a), (name_b, rows_b) = first, second
    shape_a = (len(rows_a), len(rows_a[0]) if rows_a else 0)  # rows of one width, checked
    shape_b = (len(rows_b), len(rows_b[0]) if rows_b else 0)  # below, once cut
    (count_a, width_a), (count_b, width_b) = extent(rows_a), extent(rows_b)
    # never below one cell: two blank ranges say that cfads row 1 col 1 is empty
    count = max(count_a, count_b, min(shape_a[0], 1))
    width = max(width_a, width_b, min(shape_a[1], 1))
    if shape_a == shape_b:
        cut_a, cut_b = cut(rows_a, count, width), cut(rows_b, count, width)
    if shape_a != shape_b or any(len(row) != width for row in cut_a + cut_b):  # or ragged
        raise InputError(
            name_b,
            f"a range of {shape_b[0]} x {shape_b[1]} cells",
            f"the shape of {name_a}, {shape_a[0]} x {shape_a[1]}",
        )
    cap.check(name_a, count * width)
    return cut_a, cut_b


def _typed(value: Any) -> tuple[type, Any]:
    return type(value), value


Key = tuple[tuple[tuple[type, Any], ...], ...]


class DealCache:
    """Deals built from ranges, least recently used first out, bounded by the size of
    the keys (bytes, ``sys.getsizeof`` of every cell, pair and row) and by their number.

    Examples
    --------
    >>> cache = DealCache(max_bytes=10_000, max_entries=2)
    >>> cache.get(((),)) is None
    True
    """

    def __init__(self, max_bytes: int, max_entries: int) -> None:
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.deals: OrderedDict[Key, tuple[Deal, int]] = OrderedDict()
        self.bytes = 0

    @staticmethod
    def size(key: Key) -> int:
        """Bytes held by a key: its tuples and the values in them."""
        return sys.getsizeof(key) + sum(
            sys.getsizeof(row) + sum(sys.getsizeof(pair) + sys.getsizeof(pair[1]) for pair in row)
            for row in key
        )

    def get(self, key: Key) -> Deal | None:
        """The deal of a key, or None; a hit becomes the most recently used."""
        found = self.deals.get(key)
        if found is None:
            return None
        self.deals.move_to_end(key)
        return found[0]

    def put(self, key: Key, deal: Deal) -> None:
        """Keep a deal, dropping the least recently used until both bounds hold."""
        size = self.size(key)
        if size > self.max_bytes:
            return
        self.deals[key] = (deal, size)
        self.bytes += size
        while self.bytes > self.max_bytes or len(self.deals) > self.max_entries:
            self.bytes -= self.deals.popitem(last=False)[1][1]

    def clear(self) -> None:
        """Forget every deal."""
        self.deals.clear()
        self.bytes = 0


#: The deals of the ranges seen last (see :func:`deal_of`).
DEAL_CACHE = DealCache(DEAL_CACHE_BYTES, DEAL_CACHE_ENTRIES)


def deal_of(value: Cell) -> Deal:
    """A deal from a two-column key/value range (validated once per distinct range).

    Trailing blank rows and columns are cut first (a whole-column range holds only its
    filled rows), and a range of more cells than the deal cells cap is an error. The
    cache (:data:`DEAL_CACHE`, bounded by the bytes of its keys) is keyed by the cut
    range, each cell's type as well as its value: ``True == 1`` and
    ``hash(True) == hash(1)``, so a range holding ``gpus = TRUE`` must not reuse the deal
    built from ``gpus = 1``.
    """
    rows = trimmed(value)
    if not rows:
        raise MissingInputError("deal", "a two-column range of deal keys and values")
    DEAL_CELLS.check("deal", len(rows) * max(map(len, rows)))
    try:
        cells = tuple(tuple(_typed(cell) for cell in row) for row in rows)
        hash(cells)
    except TypeError:
        return deal_from_range(rows)
    deal = DEAL_CACHE.get(cells)
    if deal is None:
        deal = deal_from_range([[cell for _, cell in row] for row in cells])
        DEAL_CACHE.put(cells, deal)
    return deal


def deal_or_text(spec: Param, value: Cell, model: Param) -> Deal | str:
    """A deal range (two columns), or one text cell such as a catalog model name."""
    rows = rows_of(value)
    if len(rows) == 1 and len(rows[0]) == 1:
        return text(model.named(spec.name), rows[0][0])
    return deal_of(rows)


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
