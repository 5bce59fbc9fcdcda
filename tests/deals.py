"""Test data shared by the test modules: example deal files and Excel-shaped deal ranges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "workbooks" / "examples"

BASE_DEAL: dict[str, Any] = {
    "name": "Test deal",
    "gpus": 1000,
    "market_rate": 2.0,
    "loan_amount": 25_000_000.0,
    "interest_rate": 0.09,
    "tenor_years": 5,
}


def as_range(mapping: dict[str, Any]) -> list[list[Any]]:
    """A deal as Excel passes a two-column range: rows of [key, value], floats for numbers."""
    return [[k, float(v) if isinstance(v, int) else v] for k, v in mapping.items()]
