"""Statistics of a loss distribution on a grid: VaR, expected shortfall, tranche loss."""

from __future__ import annotations

import numpy as np
import pandas as pd

from addin.analytics.portfolio.grid import (
    LossGrid,
)
from addin.model.types import FloatArray


def var_of(losses: FloatArray, probs: FloatArray, confidence: float) -> float:
    """Smallest loss l with P(L <= l) >= confidence (relative slack 1e-12 for rounding)."""
    cumulative = np.cumsum(probs)
    index = int(np.searchsorted(cumulative, confidence * (1 - 1e-12)))
    return float(losses[min(index, losses.size - 1)])


def es_of(losses: FloatArray, probs: FloatArray, confidence: float) -> float:
    """Expected shortfall: (E[L 1{L > v}] + v (P(L <= v) - confidence)) / (1 - confidence)."""
    v = var_of(losses, probs, confidence)
    above = losses > v
    tail = float(losses[above] @ probs[above]) + v * (float(probs[~above].sum()) - confidence)
    return tail / (1 - confidence)


def tranche_of(
    losses: FloatArray, probs: FloatArray, attach: float, detach: float, total: float
) -> float:
    """Tranche expected loss over its notional; mass not on the grid counts as a full loss."""
    # In fractions of total exposure, so that a tiny total cannot make the width underflow.
    width = detach - attach
    payoff = np.clip(losses / total - attach, 0.0, width)
    missing = max(0.0, 1.0 - float(probs.sum()))
    return (float(payoff @ probs) + missing * width) / width


#: Column labels of the distributions, built once (inferring them costs more than the data).
FRAME_COLUMNS = {
    label: pd.Index([label, "probability", "cumulative"]) for label in ("loss", "defaults")
}


def as_frame(
    losses: FloatArray, probs: FloatArray, grid: LossGrid, total: float, label: str = "loss"
) -> pd.DataFrame:
    """A distribution as a DataFrame with its grid facts in ``attrs``."""
    table = np.column_stack([losses, probs, np.cumsum(probs)])  # one float block: quicker
    frame = pd.DataFrame(table, columns=FRAME_COLUMNS[label])
    frame.attrs.update(loss_unit=grid.unit, discretisation_bound=grid.bound, total_exposure=total)
    return frame
