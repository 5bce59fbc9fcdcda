"""What xlwings Lite does with main.py, as it runs inside Pyodide (``run.mjs`` executes it).

Lite imports numpy, pandas, scipy and xlwings, creates the module ``main`` from the text of
main.py, asks ``xlwings.server.custom_functions_meta`` for the functions to register, and
for each cell's call converts the JavaScript body with ``.to_py()`` and awaits
``xlwings.server.custom_functions_call``. An audit hook records any file opened for
writing, thread or process started while main.py loads, as ``tests/test_lite.py`` does on
CPython. Imported by pytest too (``--doctest-modules``), so nothing runs at import.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from typing import Any

WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND
EVENTS: list[str] = []
MODULE: dict[str, Any] = {}
EMPTY_CELLS: set[str] = set()  # the types empty cells arrive as after .to_py()


def audit(event: str, args: tuple[Any, ...]) -> None:
    """Record file writes and new threads or processes (a ``sys.addaudithook`` hook)."""
    if event == "open":
        mode, flags = args[1], args[2]
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (flags or 0) & WRITE:
            EVENTS.append(f"open {args[0]} {mode}")
    elif event.startswith(("subprocess.", "os.fork", "os.posix_spawn", "os.system", "os.exec",
                           "_thread.start", "os.mkdir", "os.remove", "os.rename")):  # fmt: skip
        EVENTS.append(event)


def load_main(source: str) -> str:
    """Create the module ``main`` from its text, as Lite does; JSON of what it did."""
    import logging

    import numpy
    import pandas
    import scipy.optimize
    import scipy.special
    import scipy.stats
    import xlwings
    import xlwings.server

    sys.addaudithook(audit)
    spec = importlib.util.spec_from_loader("main", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["main"] = module
    exec(compile(source, "main.py", "exec"), module.__dict__)
    events = list(EVENTS)
    with open("/tmp/audit-probe.txt", "w"):  # the control: this write must be recorded
        pass
    hook_works = any("audit-probe" in event for event in EVENTS[len(events) :])
    MODULE["main"] = module
    addin = sys.modules["addin"]
    from pyodide.ffi import jsnull

    return json.dumps({
        "events": events,
        "audit_hook_records_writes": hook_works,
        "origin": addin.__spec__.origin if addin.__spec__ else None,
        "log_handlers": len(logging.getLogger("gpucredit").handlers),
        "meta": xlwings.server.custom_functions_meta(module),
        "python": sys.version.split()[0],
        "platform": sys.platform,
        "versions": {m.__name__: m.__version__ for m in (numpy, pandas, scipy, xlwings)},
        "jsnull": f"{type(jsnull).__module__}.{type(jsnull).__name__}",
    }, default=str)  # fmt: skip


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


async def call(body: Any) -> str:
    """One cell's call, as Lite makes it: JSON of the result, or of the error raised."""
    import xlwings.server

    data = body.to_py()
    for leaf in _leaves(data["args"]):
        if not isinstance(leaf, str | int | float | bool):
            EMPTY_CELLS.add(f"{type(leaf).__module__}.{type(leaf).__name__}")
    try:
        result = await xlwings.server.custom_functions_call(data, MODULE["main"])
    except Exception as error:
        # What Lite shows on the cell's #VALUE! (its runtime returns str(error)).
        return json.dumps({"error": str(error), "type": type(error).__name__,
                           "details": traceback.format_exc()})  # fmt: skip
    return json.dumps(result, default=str)


def direct(name: str, args: Any) -> str:
    """The add-in's function called on the arguments as Pyodide converts them, jsnull and all.

    No xlwings in between: xlwings >= 0.35 turns jsnull into None, older versions (which a
    workbook may still pin) pass it on, so the add-in must treat it as empty itself.
    """
    try:
        result = getattr(MODULE["main"], name)(*args.to_py())
    except Exception as error:
        return json.dumps({"error": str(error), "type": type(error).__name__})
    return json.dumps(result, default=str)


def empty_cells() -> str:
    """JSON list of the types empty cells arrived as."""
    return json.dumps(sorted(EMPTY_CELLS))
