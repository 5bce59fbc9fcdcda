"""Array aliases used across the add-in."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
ArrayLike: TypeAlias = float | Sequence[float] | Sequence[Sequence[float]] | npt.NDArray[np.float64]
