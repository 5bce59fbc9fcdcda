"""Inputs of the portfolio engines: obligors' PDs, exposures, LGDs and correlations, checked."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from addin.analytics.credit import check_factor_corr
from addin.model.errors import InputError
from addin.model.params import param
from addin.model.types import FloatArray

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Portfolio:
    """Validated per-obligor inputs (1-D arrays of one length)."""

    pds: FloatArray
    exposures: FloatArray
    lgds: FloatArray

    @property
    def losses(self) -> FloatArray:
        """Loss given default of each obligor, USD."""
        return self.exposures * self.lgds

    @property
    def total_exposure(self) -> float:
        return float(self.exposures.sum())


def per_obligor(name: str, value: Any, count: int | None) -> FloatArray:
    """A per-obligor input as a 1-D array of ``count`` values; a single value is repeated.

    The values are checked against the catalogue entry of ``name``
    (:func:`addin.model.params.param`); ``count`` None takes the length from ``value``.
    """
    array = param(name).check_array(value)
    if array.ndim > 1:
        raise InputError(name, array, "one value per obligor (a list, array or Series)")
    if count is None:
        if array.ndim == 0 or array.size == 0:
            raise InputError(name, value, "a non-empty list, each " + param(name).allowed())
        return array
    if array.ndim == 0 or array.size == 1:
        return np.full(count, float(array.ravel()[0]))
    if array.size != count:
        raise InputError(
            name, f"{array.size} values", f"one per obligor ({count}) or a single value"
        )
    return array


def portfolio(pds: Any, exposures: Any, lgds: Any) -> Portfolio:
    """Validate the per-obligor PDs, exposures (USD) and LGDs."""
    p = per_obligor("pds", pds, None)
    e = per_obligor("exposures", exposures, p.size)
    g = per_obligor("lgds", lgds, p.size)
    if not e.sum() > 0:
        raise InputError("exposures", "all zero", "at least one exposure > 0 in USD")
    return Portfolio(p, e, g)


def correlations(rho: Any, count: int) -> FloatArray:
    """Asset correlation per obligor in [0, 1)."""
    return per_obligor("rho", rho, count)


def two_factor_inputs(
    count: int,
    crypto_loadings: Any,
    compute_loadings: Any,
    factor_corr: Any,
    stress_prob: Any,
    stress_corr: Any,
) -> tuple[FloatArray, FloatArray, float, float, float]:
    """Validated loadings on C and R (one per obligor), the factor correlation, the stress
    probability and the stressed factor correlation of the two-factor model."""
    return (
        per_obligor("crypto_loadings", crypto_loadings, count),
        per_obligor("compute_loadings", compute_loadings, count),
        check_factor_corr("factor_corr", factor_corr),
        float(param("stress_prob").check_array(stress_prob)),
        check_factor_corr("stress_corr", stress_corr),
    )
