"""Every number the add-in shows, cell by cell: the example memos and every gallery case.

The refactor of issue 10 must not change a number. This script writes the cells of the
memo of each example deal (values and formulas, by sheet and cell) and the result of every
gallery case as the Excel function returns it, to a JSON file. ``tests/test_snapshot.py``
rebuilds the same and compares cell by cell with the committed snapshot.

Rerun it only when a number is meant to change (and say why in the commit)::

    uv run python tools/snapshot_numbers.py tests/data/numbers_snapshot.json
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ("neocloud_h100.toml", "miner_spot_h100.toml")
GENERATED = dt.datetime(2026, 1, 1, 9, 0)


def plain(value: Any) -> Any:
    """A JSON-safe rendering that keeps every bit of a float."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if hasattr(value, "item"):
        return plain(value.item())
    return repr(value)


def memo_cells() -> dict[str, dict[str, Any]]:
    """``{deal file: {"Sheet!A1": value or formula}}`` for each example memo."""
    from addin.memo import analyse, build_workbook

    try:
        from addin.io.deal_files import read_deal as load
    except ImportError:
        from addin.model.deal import load_deal as load  # the layout before issue 10

    out: dict[str, dict[str, Any]] = {}
    for name in EXAMPLES:
        path = ROOT / "workbooks" / "examples" / name
        book = build_workbook(analyse(load(path), generated=GENERATED), source=name)
        cells: dict[str, Any] = {}
        for ws in book.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None:
                        cells[f"{ws.title}!{cell.coordinate}"] = plain(cell.value)
        out[name] = cells
    return out


def gallery_results() -> list[Any]:
    """The result of every gallery case, called as Excel calls the function."""
    try:
        from addin.excel import gallery, udfs
    except ImportError:
        from addin import gallery, udfs  # type: ignore[no-redef]  # before issue 10

    results = []
    for case in gallery.CASES:
        args = [gallery.DEALS[a.name] if isinstance(a, gallery.Name) else a for a in case.args]
        results.append([case.function, plain(getattr(udfs, case.function)(*args))])
    return results


def snapshot() -> dict[str, Any]:
    """The memo cells and gallery results, as one JSON-safe mapping."""
    return {"memos": memo_cells(), "gallery": gallery_results()}


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.write_text(json.dumps(snapshot(), indent=0, sort_keys=True), encoding="utf-8")
    print(f"wrote {target}")
