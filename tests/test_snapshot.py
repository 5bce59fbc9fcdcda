"""Every number unchanged by a refactor: the example memos and the gallery, cell by cell.

``tests/data/numbers_snapshot.json`` was written by ``tools/snapshot_numbers.py`` before
the package was reorganised (issue 10); a number that changes on purpose is re-snapshotted
in its own commit with the reason.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "data" / "numbers_snapshot.json"


def _tool() -> Any:
    spec = importlib.util.spec_from_file_location(
        "snapshot_numbers", ROOT / "tools" / "snapshot_numbers.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def now() -> dict[str, Any]:
    return json.loads(json.dumps(_tool().snapshot()))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def before() -> dict[str, Any]:
    return json.loads(SNAPSHOT.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.parametrize("deal", ["neocloud_h100.toml", "miner_spot_h100.toml"])
def test_every_memo_cell_is_unchanged(
    deal: str, now: dict[str, Any], before: dict[str, Any]
) -> None:
    old, new = before["memos"][deal], now["memos"][deal]
    changed = {
        k: (old.get(k), new.get(k)) for k in old.keys() | new.keys() if old.get(k) != new.get(k)
    }
    assert not changed, f"{len(changed)} cells differ, e.g. {sorted(changed.items())[:5]}"
    assert len(new) > 1000  # the whole workbook was compared, not an empty one


def test_every_gallery_result_is_unchanged(now: dict[str, Any], before: dict[str, Any]) -> None:
    assert len(now["gallery"]) == len(before["gallery"])
    for old, new in zip(before["gallery"], now["gallery"], strict=True):
        assert new == old, old[0]
