"""Number checks shared by every layer: one place for the rule "a finite number in bounds".

Each check raises :class:`~addin.model.errors.InputError` naming the argument, the value
received and what is allowed (the caller's words).

Examples
--------
>>> finite_number("pue", 1.3, low=1.0, high=3.0, allowed="a PUE from 1 to 3")
1.3
>>> finite_array("pds", [0.01, 0.02], 0.0, 1.0, "PDs from 0 to 1").tolist()
[0.01, 0.02]
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from addin.model.errors import InputError
from addin.model.types import FloatArray


def finite_number(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    allowed: str = "a number",
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float if it is a finite number (not a bool) within the bounds.

    ``low_open``/``high_open`` exclude the bound itself.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating | np.integer):
        raise InputError(name, value, allowed)
    try:
        result = float(value)
    except OverflowError:  # an integer of hundreds of digits
        raise InputError(name, _digits(value), allowed) from None
    if (
        not math.isfinite(result)
        or (low is not None and (result < low or (low_open and result == low)))
        or (high is not None and (result > high or (high_open and result == high)))
    ):
        raise InputError(name, value, allowed)
    return result


def _digits(value: Any) -> str:
    """A huge integer as the user would recognise it, without printing every digit."""
    return f"a whole number of {len(str(abs(value)))} digits"


def finite_array(
    name: str,
    value: Any,
    low: float | None = None,
    high: float | None = None,
    allowed: str = "numbers",
    low_open: bool = False,
    high_open: bool = False,
) -> FloatArray:
    """Return ``value`` as a float array if every element is finite and within the bounds.

    The error names the first bad item (1-based) when more than one value was given.
    """
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise InputError(name, value, allowed) from None
    flat = array.ravel()
    good = np.isfinite(flat)
    if low is not None:
        good &= (flat > low) if low_open else (flat >= low)
    if high is not None:
        good &= (flat < high) if high_open else (flat <= high)
    if not good.all():
        index = int(np.flatnonzero(~good)[0])
        where = name if array.size == 1 else f"{name} item {index + 1}"
        raise InputError(where, flat[index].item(), allowed)
    return array
