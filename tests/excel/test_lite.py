"""xlwings Lite: the generated main.py loads the way Lite loads it and registers everything.

Lite runs xlwings' Office.js custom-function code (``XLWINGS_ON_SERVER=true`` selects it
outside the browser). That code is xlwings PRO, which reads a licence key: the tests use
xlwings' free non-commercial key (``XLWINGS_LICENSE_KEY=noncommercial``, accepted by
``xlwings.pro.utils.LicenseHandler``); the package itself never sets one, and Lite brings
its own.

Each subprocess builds xlwings' function metadata (what Lite sends to Excel), records any
file write, thread or process started while main.py loads, and runs every gallery case
through ``xlwings.server.custom_functions_call``, the path a cell's call takes in Lite.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import addin
import addin.excel.udfs
from addin.cli import main
from addin.excel import gallery, lite
from addin.model.deal import EXCEL_EPOCH

SCRIPT = r"""
import asyncio, datetime as dt, importlib.util, json, os, sys
sys.dont_write_bytecode = True
# What Lite has loaded before it imports main.py: Pyodide's numpy, pandas, scipy, xlwings.
import numpy, pandas, scipy.optimize, scipy.special, scipy.stats, xlwings, xlwings.server

events = []
WRITE = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND

def audit(event, args):
    if event == "open":
        mode, flags = args[1], args[2]
        if (isinstance(mode, str) and set(mode) & set("wax+")) or (flags or 0) & WRITE:
            events.append(f"open {args[0]} {mode}")
    elif event.startswith(("subprocess.", "os.fork", "os.posix_spawn", "os.system", "os.exec",
                           "_thread.start", "os.mkdir", "os.remove", "os.rename")):
        events.append(event)

sys.addaudithook(audit)
source = sys.argv[1]
if source == "installed":
    import addin.excel.udfs as module
else:
    spec = importlib.util.spec_from_file_location("main", source)
    module = importlib.util.module_from_spec(spec)
    sys.modules["main"] = module
    spec.loader.exec_module(module)
loaded = list(events)
import logging
import addin
log_handlers = len(logging.getLogger("gpucredit").handlers)

meta = xlwings.server.custom_functions_meta(module)
results = []
for name, args in json.loads(open(sys.argv[2]).read()):
    data = {"func_name": name, "args": args, "version": xlwings.__version__,
            "client": "Office.js", "runtime": "1.4", "culture_info_name": "en-US",
            "date_format": "yyyy-mm-dd", "caller_address": "Sheet1!A1"}
    results.append(asyncio.run(xlwings.server.custom_functions_call(data, module)))
print(json.dumps({"meta": meta, "events": loaded, "origin": addin.__spec__.origin,
                  "results": results, "log_handlers": log_handlers}, default=str))
"""


def _office_js(value: Any) -> Any:
    """An argument as Office.js sends it: a 2-D matrix, None for empty, dates as serials."""
    if isinstance(value, gallery.Name):
        value = gallery.DEALS[value.name]
    rows = value if isinstance(value, list) else [[value]]
    return [[_serial(c) for c in row] for row in rows]


def _serial(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return float((value.date() - EXCEL_EPOCH).days)
    return value


def run_lite(source: str, tmp_path: Path) -> dict[str, Any]:
    calls = [[case.function, [_office_js(a) for a in case.args]] for case in gallery.CASES]
    cases = tmp_path / "cases.json"
    cases.write_text(json.dumps(calls), encoding="utf-8")
    env = {
        **os.environ,
        "XLWINGS_ON_SERVER": "true",
        "XLWINGS_LICENSE_KEY": "noncommercial",  # tests only: xlwings' free key
        "GPUCREDIT_LOG_DIR": str(tmp_path / "logs"),
        "HOME": str(tmp_path),
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, source, str(cases)],
        capture_output=True, text=True, timeout=300, check=False, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("lite")
    assert main(["lite", str(folder)]) == 0
    return run_lite(str(folder / "main.py"), folder)


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return run_lite("installed", tmp_path_factory.mktemp("installed"))


def excel_functions() -> dict[str, Any]:
    return {
        name: obj
        for name, obj in vars(addin.excel.udfs).items()
        if name.isupper() and inspect.isfunction(obj)
    }


def test_main_py_loads_the_bundled_addin_not_an_installed_one(bundled: dict[str, Any]) -> None:
    assert bundled["origin"].startswith("<gpucredit-lite>/addin/")


def test_loading_main_py_writes_no_file_and_starts_no_thread_or_process(
    bundled: dict[str, Any],
) -> None:
    assert bundled["events"] == []


def test_every_function_argument_and_help_text_is_registered(bundled: dict[str, Any]) -> None:
    meta = {f["name"]: f for f in bundled["meta"]["functions"]}
    functions = excel_functions()
    assert set(meta) == set(functions)
    for name, function in functions.items():
        assert meta[name]["description"] == inspect.getdoc(function), name
        assert 0 < len(meta[name]["description"]) <= 255, name
        params = meta[name]["parameters"]
        assert [p["name"] for p in params] == list(inspect.signature(function).parameters)
        for param in params:
            assert param["description"], (name, param["name"])
            assert not param["description"].startswith("Positional argument"), name
            assert len(param["description"]) <= 255, (name, param["name"])


def test_lite_metadata_is_the_installed_packages(
    bundled: dict[str, Any], installed: dict[str, Any]
) -> None:
    assert bundled["meta"] == installed["meta"]
    assert {f["name"] for f in bundled["meta"]["functions"]} >= {"DSCR_MIN", "ADDIN_VERSION"}


def test_lite_results_are_the_installed_packages(
    bundled: dict[str, Any], installed: dict[str, Any]
) -> None:
    assert bundled["results"] == installed["results"]
    assert len(bundled["results"]) == len(gallery.CASES)


def test_lite_results_match_the_gallery(bundled: dict[str, Any]) -> None:
    for case, result in zip(gallery.CASES, bundled["results"], strict=True):
        expected = case.expected if isinstance(case.expected, list) else [[case.expected]]
        assert len(result) == len(expected), case.function
        for row_r, row_e in zip(result, expected, strict=True):
            for r, e in zip(row_r, row_e, strict=True):
                if isinstance(e, float):
                    assert r == pytest.approx(e, rel=case.tol, abs=case.tol), case.function
                elif isinstance(e, dt.datetime):  # a date cell: its serial, date-formatted
                    assert r["basicValue"] == _serial(e), case.function
                elif e == "":
                    assert r in ("", None), case.function
                else:
                    assert r == e, case.function


def test_requirements_pin_xlwings_and_leave_pyodide_builds_unpinned() -> None:
    lines = lite.requirements()
    assert any(line.startswith("xlwings==") for line in lines)
    assert {"numpy", "pandas", "scipy"} <= set(lines)


def test_a_wheel_url_makes_main_py_a_thin_re_export() -> None:
    url = "https://example.bank/wheels/gpu_credit_desk-0.1.0-py3-none-any.whl"
    files = lite.lite_files(url)
    assert files["requirements.txt"].splitlines()[-1] == url
    assert "_FILES" not in files["main.py"]
    assert "from addin.excel.udfs import (" in files["main.py"]


def test_importing_the_addin_is_lazy(installed: dict[str, Any]) -> None:
    """The installed package too: no log file or handler until an unexpected error."""
    assert installed["events"] == []
    assert installed["log_handlers"] == 0


def test_addin_version_is_the_package_version() -> None:
    # pyproject.toml's version, as installed: independent of addin.__version__
    assert addin.excel.udfs.ADDIN_VERSION() == importlib.metadata.version("gpu-credit-desk")


def test_the_bundle_carries_the_path_engine_and_the_rating_table() -> None:
    """DEAL_PD and its family need addin.sim, the rating module and its data file."""
    files = lite.bundled_files()
    needed = {"addin/sim/engine.py", "addin/sim/factors.py", "addin/sim/scenarios.py",
              "addin/analytics/rating.py", "addin/model/data/cumulative_default_rates.csv"}  # fmt: skip
    assert needed <= set(files)
