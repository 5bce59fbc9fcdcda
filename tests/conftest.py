"""Shared fixtures and hypothesis profiles (the test data itself lives in tests/deals.py)."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from addin import log
from tests.deals import BASE_DEAL, EXAMPLES

# Hypothesis profiles: "dev" keeps local runs quick; CI sets HYPOTHESIS_PROFILE=ci.
settings.register_profile("dev", max_examples=60, deadline=None)
settings.register_profile(
    "ci", max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture
def base_deal_dict() -> dict[str, Any]:
    return dict(BASE_DEAL)


@pytest.fixture(params=sorted(p.name for p in EXAMPLES.glob("*.toml")))
def example_path(request: pytest.FixtureRequest) -> Path:
    return EXAMPLES / request.param


@pytest.fixture
def fresh_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A log in a temporary folder; the logger sets up its handler anew on first use."""
    logger = logging.getLogger(log.LOGGER_NAME)
    monkeypatch.setenv("GPUCREDIT_LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "propagate", True)  # else pytest adds its capture handlers
    yield tmp_path / "logs" / "gpucredit.log"
    for handler in logger.handlers:
        handler.close()
