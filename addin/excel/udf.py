"""The ``@udf`` decorator: an Excel function's registration, conversion and errors, once.

Each argument of an Excel function is named once, in its ``def``. From the parameter
catalogue (:mod:`addin.model.params`, an entry of the argument's name unless the
decorator is given another), ``@udf`` builds

* the xlwings registration: ``xw.func(category=...)`` and one ``xw.arg(name, doc=...)``
  per argument, its Function Wizard help generated from the catalogue (help, what is
  allowed, what an empty cell means; at most 255 characters), ``ndim=2`` for ranges;
* the conversion of what each cell holds (see :mod:`addin.excel.convert`): an empty
  cell gives the default, a required argument left empty is an error, numbers are
  checked against their bounds, choices matched case-insensitively, deal ranges
  validated;
* the error handling of :func:`excel_errors`.

The decorated function stays a plain Python function called with what Excel passes:
positional, unannotated arguments (xlwings reads annotations as converters), optional
ones defaulting to None.

Examples
--------
>>> @udf(category="Demo")
... def DEMO_PUE(pue, utilization=None):
...     '''PUE times utilization. =DEMO_PUE(1.3)'''
...     return pue * utilization
>>> DEMO_PUE(1.5, None)
1.2000000000000002
>>> DEMO_PUE(0.5)
'#VALUE! pue: got 0.5; allowed: a number >= 1 and <= 3 (ratio)'
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import operator
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import xlwings as xw

from addin.excel import convert
from addin.excel.caps import COLUMN_CAPS, Cap
from addin.log import log_unexpected
from addin.model.errors import AddinError, InputError, MissingInputError
from addin.model.params import Param, param

IN_LITE = sys.platform == "emscripten" or os.environ.get("XLWINGS_ON_SERVER") == "true"
CATEGORY = "GPU Credit Desk"
ERROR_PREFIX = "#VALUE! "
MAX_HELP = 255  # Excel's limit on a Function Wizard argument description

F = TypeVar("F", bound=Callable[..., Any])


def excel_errors(function: Callable[..., Any]) -> Callable[..., Any]:
    """Turn errors into one line in the cell (classic) or a raised error (Lite)."""

    @functools.wraps(function)
    def wrapper(*args: Any) -> Any:
        args = tuple(without_jsnull(arg) for arg in args)
        try:
            return finite_result(function(*args))
        except AddinError as error:
            if IN_LITE:
                raise
            return ERROR_PREFIX + " ".join(str(error).split())
        except Exception:
            where = log_unexpected(function.__name__, args)
            if IN_LITE:
                raise RuntimeError(f"internal error in {function.__name__}; see {where}") from None
            return f"{ERROR_PREFIX}internal error in {function.__name__}; details logged in {where}"

    return wrapper


def without_jsnull(value: Any) -> Any:
    """An argument with Pyodide's ``jsnull`` (an empty cell in Lite) replaced by None.

    Pyodide >= 0.28 hands JavaScript ``null`` to Python as ``pyodide.ffi.jsnull``, not
    None. Recent xlwings (0.37.8) converts it, but an older one that a workbook may pin
    (0.33.20, say) passes it on; ``tests/excel/test_pyodide.py`` calls the functions both
    ways. Recognised by its class, so pyodide is never imported.
    """
    if isinstance(value, list | tuple):
        if not _may_hold_jsnull(value):
            return value  # the usual case, found in C: a whole column costs about 0.1 s
        items = [without_jsnull(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return None if _is_jsnull_type(type(value)) else value


def _is_jsnull_type(kind: type) -> bool:
    return kind.__name__ == "JsNull" and kind.__module__.startswith("pyodide")


def _may_hold_jsnull(value: list[Any] | tuple[Any, ...]) -> bool:
    """Whether a list of cells, or of rows of cells, holds a jsnull (or is nested deeper
    than Excel nests ranges). Found in C (``map``, ``compress``, ``set``), skipping the rows
    of None only that fill a whole-column range: one pass over a million rows."""
    last = value[-1] if value else None
    if not isinstance(last, list | tuple):
        return any(map(_is_jsnull_type, set(map(type, value))))
    nones = [None] * len(last)
    filled = list(itertools.compress(value, map(operator.ne, value, itertools.repeat(nones))))
    if not set(map(type, filled)) <= {list, tuple}:
        return True  # rows mixed with cells: never from Excel, walked item by item
    cells = set(map(type, itertools.chain.from_iterable(filled)))
    return bool(cells & {list, tuple}) or any(map(_is_jsnull_type, cells))


def finite_result(result: Any) -> Any:
    """A result with no infinite or NaN number in it: extreme inputs overflow, say so."""
    cells = result if isinstance(result, list) else [[result]]
    for row in cells:
        for value in row if isinstance(row, list) else [row]:
            if isinstance(value, float | np.floating) and not math.isfinite(value):
                raise InputError(
                    "result", float(value), "a finite number; an input is too large or too small"
                )
    return result


@dataclass(frozen=True)
class Arg:
    """How one Excel argument is read: its catalogue entry, shape and empty-cell rule.

    ``shape`` is "cell", "column" (one row or column of numbers), "range" (the 2-D rows,
    converted by the function) or "deal" (a deal range, or a model name for
    ``deal_or_model``). ``empty`` is None when an empty cell gives the catalogue
    default, else the words for what None, passed on, means ("the deal's
    annual_decline").
    """

    name: str
    spec: Param
    required: bool
    shape: str = "cell"
    empty: str | None = None
    cap: Cap | None = None

    def help(self) -> str:
        """The Function Wizard help: what it is, what is allowed, what empty means."""
        if self.shape == "deal":
            return self.spec.help
        what = "A range" if self.shape == "range" else "One cell, or a row or column"
        shape = "" if self.shape == "cell" else f" {what} of them."
        text = f"{self.spec.help}{shape} Allowed: {self.spec.allowed()}."
        if self.required:
            return text
        if self.empty is not None:
            return f"{text} Empty: {self.empty}."
        if self.spec.default is None:
            return text
        default = self.spec.default
        shown = f"{default:g}" if isinstance(default, float) else default
        return f"{text} Empty: {shown}."

    def convert(self, value: Any) -> Any:
        """What the cell holds, converted and checked."""
        spec = self.spec
        if self.shape == "range":
            return convert.rows_of(value)
        if self.shape == "deal":
            if spec.name == "deal_or_model":
                return convert.deal_or_text(spec, value, param("model"))
            return convert.deal_of(value)
        if self.shape == "column" and self.cap is not None:
            return convert.column(spec, value, self.cap)
        if convert.is_blank(convert.scalar_of(spec.name, value)):
            if self.required:
                raise MissingInputError(spec.name, spec.allowed())
            return None if self.empty is not None else spec.default
        if spec.kind == "choice":
            return convert.choice(spec, value)
        if spec.kind == "text":
            return convert.text(spec, value)
        result = convert.number(spec, value)
        return int(result) if spec.kind == "int" else result


def arguments(
    function: Callable[..., Any],
    columns: tuple[str, ...] = (),
    ranges: tuple[str, ...] = (),
    empty: Mapping[str, str] | None = None,
    specs: Mapping[str, Param] | None = None,
) -> list[Arg]:
    """The :class:`Arg` of each parameter of ``function``, from the catalogue."""
    empty, specs = empty or {}, specs or {}
    parameters = inspect.signature(function).parameters
    unknown = (set(columns) | set(ranges) | set(empty) | set(specs)) - set(parameters)
    if unknown:
        raise TypeError(f"{function.__name__}: no argument named {sorted(unknown)}")
    result = []
    for name, parameter in parameters.items():
        if parameter.kind is not inspect.Parameter.POSITIONAL_OR_KEYWORD:
            raise TypeError(f"{function.__name__}: {name} must be a plain positional argument")
        if parameter.annotation is not inspect.Parameter.empty:
            raise TypeError(f"{function.__name__}: {name} must be unannotated (xlwings)")
        spec = (specs.get(name) or param(name)).named(name)
        shape = "column" if name in columns else "range" if name in ranges else "cell"
        arg = Arg(
            name=name,
            spec=spec,
            required=parameter.default is inspect.Parameter.empty,
            shape="deal" if spec.kind == "deal" else shape,
            empty=empty.get(name),
            cap=COLUMN_CAPS.get(name) if shape == "column" else None,
        )
        if arg.shape == "column" and arg.cap is None:
            raise TypeError(f"{function.__name__}: column {name} has no cap in COLUMN_CAPS")
        if not 0 < len(arg.help()) <= MAX_HELP:
            raise ValueError(f"{function.__name__}: help of {name} is {len(arg.help())} chars")
        result.append(arg)
    return result


def udf(
    category: str = CATEGORY,
    columns: tuple[str, ...] = (),
    ranges: tuple[str, ...] = (),
    empty: Mapping[str, str] | None = None,
    **specs: Param,
) -> Callable[[F], F]:
    """Register an Excel function, converting and checking its arguments by the catalogue.

    Parameters
    ----------
    category : str
        Function Wizard category. Default "GPU Credit Desk".
    columns : tuple of str
        Arguments read as one row or one column of numbers (a 1-D float array).
    ranges : tuple of str
        Arguments passed on as 2-D rows (``ndim=2``), converted by the function.
    empty : mapping of str to str
        Arguments for which an empty cell passes None on, with the words that say what
        None means in the help ("the deal's annual_decline").
    **specs : Param
        Catalogue entries for arguments whose name alone does not select the right one.

    Returns
    -------
    callable
        A decorator; the function it returns takes the cells positionally and returns the
        result, or the one-line error of :func:`excel_errors`.

    Examples
    --------
    ``@udf(empty={"annual_decline": "the deal's annual_decline"})`` above
    ``def DSCR_MIN(deal, annual_decline=None)`` makes ``=DSCR_MIN(Deal)`` pass None.
    """

    def decorate(function: F) -> F:
        args = arguments(function, columns, ranges, empty, specs)

        @functools.wraps(function)
        def converted(*cells: Any) -> Any:
            if len(cells) > len(args):
                raise TypeError(f"{function.__name__} takes {len(args)} arguments")
            padded = (*cells, *(None,) * (len(args) - len(cells)))
            return function(*(arg.convert(cell) for arg, cell in zip(args, padded, strict=True)))

        wrapper: Any = excel_errors(converted)
        for arg in reversed(args):
            wide = arg.shape in ("range", "deal")
            options = {"ndim": 2} if wide else {}
            wrapper = xw.arg(arg.name, doc=arg.help(), **options)(wrapper)
        wrapper.udf_args = tuple(args)  # what udf_args() reads
        result: F = xw.func(category=category)(wrapper)
        return result

    return decorate


def udf_args(function: Callable[..., Any]) -> tuple[Arg, ...]:
    """The :class:`Arg` of each argument of a function decorated with :func:`udf`.

    Examples
    --------
    >>> from addin.excel.udfs import DSCR_MIN
    >>> [arg.spec.name for arg in udf_args(DSCR_MIN)]
    ['deal', 'annual_decline']
    """
    args: tuple[Arg, ...] = getattr(function, "udf_args")  # noqa: B009
    return args
