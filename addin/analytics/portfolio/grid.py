"""The loss grid: a common unit of loss, exact when one exists, else a fixed number of points."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property

import numpy as np

from addin.analytics.portfolio import settings
from addin.analytics.portfolio.inputs import (
    IntArray,
    Portfolio,
)
from addin.model.types import FloatArray


@dataclass(frozen=True)
class LossGrid:
    """Each obligor's loss on the grid: ``low`` steps, or ``low + 1`` with ``weight_high``."""

    unit: float
    low: IntArray
    weight_high: FloatArray
    bound: float

    @cached_property
    def high(self) -> IntArray:
        return self.low + (self.weight_high > 0)

    @property
    def order(self) -> list[int]:
        """Obligors with a loss, smallest first."""
        high = self.high
        return [int(i) for i in np.argsort(high, kind="stable") if high[i] > 0]

    @cached_property
    def size(self) -> int:
        """Largest grid index (all obligors default)."""
        return int(self.high.sum())


def common_unit(losses: FloatArray, limit: int = settings.EXACT_GRID_LIMIT) -> float | None:
    """The largest unit of which every loss is a whole multiple, or None.

    When every loss is a whole multiple of the smallest (relative error 1e-9 allowed), the
    unit is the smallest. Otherwise losses are approximated by fractions with denominators
    up to 10,000 (the same relative error); the unit is gcd(numerators) /
    lcm(denominators). None when there is no such unit or the grid would exceed ``limit``
    points.
    """
    every = losses[losses > 0]
    smallest = float(every.min())
    with np.errstate(over="ignore", invalid="ignore"):  # a ratio past 1e308 is no multiple
        multiples = every / smallest
        whole = np.rint(multiples)
        usual = bool(np.all(np.abs(multiples - whole) <= 1e-9 * multiples))
        steps = float(whole.sum())
    if usual:
        return smallest if steps <= limit else None
    positive, counts = np.unique(every, return_counts=True)
    scale = float(positive.max())
    fractions = []
    for value in positive / scale:
        approx = Fraction(float(value)).limit_denominator(10_000)
        if approx == 0 or abs(float(approx) - value) > 1e-9 * value:  # 0: underflow
            return None
        fractions.append(approx)
    denominator = math.lcm(*(f.denominator for f in fractions))
    numerators = [f.numerator * (denominator // f.denominator) for f in fractions]
    unit = math.gcd(*numerators)
    if sum(n * int(c) for n, c in zip(numerators, counts, strict=True)) // unit > limit:
        return None
    return scale * unit / denominator


def loss_grid(book: Portfolio, points: int = settings.GRID_POINTS) -> LossGrid:
    """Put each obligor's loss on a grid: exactly on a common unit, else mean-preserving."""
    losses = book.losses
    if not losses.any():
        return LossGrid(1.0, np.zeros(losses.size, np.int64), np.zeros(losses.size), 0.0)
    unit = common_unit(losses)
    if unit is not None:
        steps = np.rint(losses / unit).astype(np.int64)
        return LossGrid(unit, steps, np.zeros(losses.size), 0.0)
    unit = float(losses.sum()) / points
    low = np.floor(losses / unit).astype(np.int64)
    frac = losses / unit - low
    bound = unit * math.sqrt(float((book.pds * frac * (1 - frac)).sum()))
    return LossGrid(unit, low, frac, bound)
