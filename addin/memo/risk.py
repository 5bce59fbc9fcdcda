"""Collateral and credit results for the memo (placeholder until the engines land)."""

from __future__ import annotations

from typing import Any

from addin.deal import Deal
from addin.dscr import Debt


def collateral_results(deal: Deal, debt: Debt) -> dict[str, Any]:
    return {}


def credit_results(deal: Deal) -> dict[str, Any]:
    return {}


def risk_flags(deal: Deal, collateral: dict[str, Any], credit: dict[str, Any]) -> list[Any]:
    return []
