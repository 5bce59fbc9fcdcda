"""Shared fixtures and hypothesis profiles (the test data itself lives in tests/deals.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

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


def _uses_a_module_fixture(item: pytest.Item) -> bool:
    """Whether a test asks, directly or through its fixtures, for a module-scoped fixture."""
    info = getattr(item, "_fixtureinfo", None)  # doctests and plain items have none to share
    if info is None:
        return False
    todo, seen = list(info.argnames), set()
    while todo:
        name = todo.pop()
        definitions = info.name2fixturedefs.get(name)
        if name in seen or not definitions:
            continue
        seen.add(name)
        if definitions[-1].scope == "module":
            return True
        todo.extend(definitions[-1].argnames)
    return False


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, keep the tests sharing a module fixture on one worker.

    A module-scoped fixture (a bundle built in a subprocess, memos recalculated by
    LibreOffice) is built once per worker that runs a test needing it; grouping those tests
    by module builds it once. Autouse fixtures do not count: the rest spread over workers.
    """
    for item in items:
        if _uses_a_module_fixture(item):
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::")[0]))
