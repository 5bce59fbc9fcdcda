"""Shared fixtures: example deals and Excel-shaped deal ranges."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "workbooks" / "examples"

# Hypothesis profiles: "dev" keeps local runs quick; CI sets HYPOTHESIS_PROFILE=ci.
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

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


@pytest.fixture
def base_deal_dict() -> dict[str, Any]:
    return dict(BASE_DEAL)


@pytest.fixture(params=sorted(p.name for p in EXAMPLES.glob("*.toml")))
def example_path(request: pytest.FixtureRequest) -> Path:
    return EXAMPLES / request.param
