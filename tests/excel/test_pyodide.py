"""xlwings Lite in a real Pyodide: main.py loads and every gallery function agrees with CPython.

``tests/test_lite.py`` proves Lite's code path on CPython. This runs the same generated
``main.py`` in Pyodide itself (CPython compiled to WebAssembly) under Node, with the network
cut (``unshare -n``): micropip installs ``requirements.txt`` (Pyodide's own numpy, pandas
and scipy, and xlwings' pure-Python wheel), ``tests/pyodide/lite_runtime.py`` loads main.py
from its text as Lite does and registers the functions, and every case of
``addin.excel.gallery.CASES`` is called through ``xlwings.server.custom_functions_call`` with the
body Office.js sends, built in JavaScript: an empty cell is JavaScript ``null``, which
Pyodide >= 0.28 hands to Python as ``pyodide.ffi.jsnull`` (not None).

The runtime and wheels come from a cache that ``tests/pyodide/prepare.py`` fills and checks
(sha256 against the official ``pyodide-lock.json`` and ``uv.lock``). Without node or the
prepared cache these tests skip, except when the environment variable CI is set
(``.ci/run`` installs node and prepares the cache), where they fail.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import os
import shutil
import subprocess
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from addin.cli import main as gpucredit

# Every reference to the add-in is here (re-point these lines when the package moves).
from addin.excel import gallery, udfs
from addin.excel.udf import ERROR_PREFIX
from tests.excel.test_lite import _office_js, _serial, run_lite
from tests.pyodide import prepare


def in_pyodide(test: Any) -> Any:
    """Mark a test that runs Node and Pyodide (about a minute for the whole module)."""
    return pytest.mark.slow(pytest.mark.pyodide(test))


RUNNER = Path(prepare.__file__).with_name("run.mjs")
RUNTIME = Path(prepare.__file__).with_name("lite_runtime.py")
ENV = {  # Lite's environment, as tests/test_lite.py sets it for CPython
    "XLWINGS_ON_SERVER": "true",
    "XLWINGS_LICENSE_KEY": "noncommercial",  # tests only: xlwings' free key
    "GPUCREDIT_LOG_DIR": "/tmp/gpucredit-logs",  # Pyodide's in-memory file system
    "HOME": "/home/pyodide",
}


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; required under CI (.ci/run installs node and prepares it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def cache() -> Path:
    """The prepared Pyodide cache, every file checked against its sha256."""
    if shutil.which("node") is None:
        _unavailable("node is not installed: apt-get install nodejs npm")
    folder = prepare.cache_dir()
    found = prepare.problems(folder)
    if found:
        _unavailable(
            f"Pyodide {prepare.pyodide_version()} is not prepared in {folder} ({found[0]}): "
            "run `uv run python -m tests.pyodide.prepare`"
        )
    return folder


def offline(command: list[str]) -> list[str]:
    """The command in a network namespace of its own (no network), if this machine allows."""
    unshare = shutil.which("unshare")
    if unshare:
        done = subprocess.run([unshare, "-n", "true"], capture_output=True, check=False)
        if done.returncode == 0:
            return [unshare, "-n", *command]
    warnings.warn("unshare -n is not permitted here: Pyodide runs with the network on",
                  stacklevel=2)  # fmt: skip
    return command


def requirements(text: str, wheels: dict[str, str]) -> list[str]:
    """requirements.txt for micropip: each pinned pure package as its local wheel."""
    local = {"==".join(name.split("-")[:2]): name for name in wheels}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    pinned = [line for line in lines if "==" in line and line not in local]
    assert not pinned, f"no local wheel for {pinned}: add it to prepare.PURE_WHEELS"
    return [f"emfs:/tmp/wheels/{local[line]}" if line in local else line for line in lines]


def empty_cell_calls() -> list[tuple[int, str, list[Any]]]:
    """Gallery calls with empty cells inside ranges: JavaScript null nested in the matrix.

    Each deal gets a blank row below it (a range selected past the deal, which must not
    change the result); each other range of more than one cell gets its first cell emptied
    (an empty last cell would be a trailing blank, cut before converting: issue 11 item 8).
    Returns (index of the gallery case, function, Office.js arguments).
    """
    calls = []
    for i, case in enumerate(gallery.CASES):
        args = [_office_js(a) for a in case.args]
        for k, (raw, arg) in enumerate(zip(case.args, args, strict=True)):
            if isinstance(raw, gallery.Name):
                variant = copy.deepcopy(args)
                variant[k] = [*arg, [None] * len(arg[0])]
            elif isinstance(raw, list) and sum(map(len, arg)) > 1:
                variant = copy.deepcopy(args)
                variant[k][0][0] = None
            else:
                continue
            calls.append((i, case.function, variant))
    return calls


@pytest.fixture(scope="module")
def lite_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lite")
    assert gpucredit(["lite", str(folder)]) == 0
    return folder


@pytest.fixture(scope="module")
def pyodide_run(cache: Path, lite_folder: Path) -> dict[str, Any]:
    """What Pyodide reports: load events, metadata, one result per gallery case, timings."""
    wheels = {name: str(cache / prepare.WHEELS_DIR / name) for name in prepare.pure_wheels()}
    calls = [[case.function, [_office_js(a) for a in case.args]] for case in gallery.CASES]
    calls += [[function, args] for _, function, args in empty_cell_calls()]
    request = {
        "main_py": (lite_folder / "main.py").read_text(encoding="utf-8"),
        "requirements": requirements(
            (lite_folder / "requirements.txt").read_text(encoding="utf-8"), wheels
        ),
        "wheels": wheels,
        "env": ENV,
        "runtime": RUNTIME.read_text(encoding="utf-8"),
        "calls": calls,
        "xlwings_version": next(iter(wheels)).split("-")[1],
    }
    request_path = lite_folder / "request.json"
    request_path.write_text(json.dumps(request), encoding="utf-8")
    result_path = lite_folder / "result.json"
    index = str(prepare.index_dir(cache))
    started = time.perf_counter()
    done = subprocess.run(
        offline(["node", str(RUNNER), index, str(request_path), str(result_path)]),
        capture_output=True, text=True, timeout=900, check=False, cwd=lite_folder,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    result: dict[str, Any] = json.loads(result_path.read_text(encoding="utf-8"))
    result["timings"]["node_s"] = time.perf_counter() - started
    result["empty_cell_results"] = result["results"][len(gallery.CASES) :]
    result["results"] = result["results"][: len(gallery.CASES)]
    return result


@pytest.fixture(scope="module")
def cpython_run(lite_folder: Path) -> dict[str, Any]:
    """The same main.py on CPython, through tests/test_lite.py's harness."""
    return run_lite(str(lite_folder / "main.py"), lite_folder)


@in_pyodide
def test_pyodide_is_the_pinned_release_with_its_own_builds(
    pyodide_run: dict[str, Any], cache: Path
) -> None:
    lock = json.loads((prepare.index_dir(cache) / "pyodide-lock.json").read_text("utf-8"))
    assert pyodide_run["platform"] == "emscripten"
    assert pyodide_run["python"] == lock["info"]["python"]
    for name in ("numpy", "pandas", "scipy"):
        assert pyodide_run["versions"][name] == lock["packages"][name]["version"], name
    xlwings_wheel = next(w for w in prepare.pure_wheels() if w.startswith("xlwings-"))
    assert pyodide_run["versions"]["xlwings"] == xlwings_wheel.split("-")[1]


@in_pyodide
def test_main_py_loads_the_bundled_addin(pyodide_run: dict[str, Any]) -> None:
    assert pyodide_run["origin"].startswith("<gpucredit-lite>/addin/")


@in_pyodide
def test_loading_main_py_writes_no_file_and_starts_no_thread_or_process(
    pyodide_run: dict[str, Any],
) -> None:
    assert pyodide_run["audit_hook_records_writes"]  # the hook sees a write made after loading
    assert pyodide_run["events"] == []
    assert pyodide_run["log_handlers"] == 0


@in_pyodide
def test_metadata_is_cpythons(pyodide_run: dict[str, Any], cpython_run: dict[str, Any]) -> None:
    assert pyodide_run["meta"] == cpython_run["meta"]
    assert len(pyodide_run["meta"]["functions"]) >= len({c.function for c in gallery.CASES})


@in_pyodide
def test_empty_cells_arrive_as_jsnull(pyodide_run: dict[str, Any]) -> None:
    """Office.js sends null for an empty cell; Pyodide 0.28 makes it jsnull, not None."""
    assert any(None in _leaves(c.args) for c in gallery.CASES)  # the gallery has empty cells
    assert pyodide_run["empty_cells"] == [pyodide_run["jsnull"]]
    assert pyodide_run["jsnull"].endswith("JsNull")


@in_pyodide
def test_every_gallery_call_returns_a_value(pyodide_run: dict[str, Any]) -> None:
    errors = {
        case.function: result["error"]
        for case, result in zip(gallery.CASES, pyodide_run["results"], strict=True)
        if isinstance(result, dict) and "error" in result
    }
    assert errors == {}


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, list | tuple):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


def _agree(got: Any, want: Any, tol: float, where: str) -> None:
    """A cell from Pyodide against the reference: numbers within the gallery's tolerance."""
    if isinstance(want, list):
        assert isinstance(got, list), where
        assert len(got) == len(want), where
        for i, (g, w) in enumerate(zip(got, want, strict=True)):
            _agree(g, w, tol, f"{where}[{i}]")
    elif isinstance(want, dict):
        assert isinstance(got, dict), where
        assert got.keys() == want.keys(), where
        for key in want:
            _agree(got[key], want[key], tol, f"{where}.{key}")
    elif isinstance(want, float) and not isinstance(got, bool):
        assert got == pytest.approx(want, rel=tol, abs=tol), where
    else:
        assert got == want, where


@in_pyodide
def test_results_are_cpythons_within_the_gallery_tolerance(
    pyodide_run: dict[str, Any], cpython_run: dict[str, Any]
) -> None:
    assert len(pyodide_run["results"]) == len(cpython_run["results"]) == len(gallery.CASES)
    for i, case in enumerate(gallery.CASES):
        where = f"case {i} {case.function}"
        _agree(pyodide_run["results"][i], cpython_run["results"][i], case.tol, where)


def _matches_gallery(case: gallery.Case, result: Any, where: str) -> None:
    expected = case.expected if isinstance(case.expected, list) else [[case.expected]]
    assert isinstance(result, list), (where, result)
    assert len(result) == len(expected), where
    for row_r, row_e in zip(result, expected, strict=True):
        for r, e in zip(row_r, row_e, strict=True):
            if isinstance(e, float):
                assert r == pytest.approx(e, rel=case.tol, abs=case.tol), where
            elif isinstance(e, dt.datetime):  # a date cell: its serial, date-formatted
                assert r["basicValue"] == _serial(e), where
            elif e == "":
                assert r in ("", None), where
            else:
                assert r == e, where


@in_pyodide
def test_results_match_the_gallery(pyodide_run: dict[str, Any]) -> None:
    for i, (case, result) in enumerate(zip(gallery.CASES, pyodide_run["results"], strict=True)):
        _matches_gallery(case, result, f"case {i} {case.function}")


@in_pyodide
def test_the_path_engine_simulates_in_pyodide(pyodide_run: dict[str, Any]) -> None:
    """DEAL_PD draws its paths in Pyodide (SeedSequence, scipy.signal.lfilter) and gives the
    gallery's values: the exact limits, and the Merton PD within its tolerance."""
    cases = [i for i, case in enumerate(gallery.CASES) if case.function == "DEAL_PD"]
    assert len(cases) >= 3
    for i in cases:
        _matches_gallery(gallery.CASES[i], pyodide_run["results"][i], f"case {i} DEAL_PD")


@in_pyodide
def test_an_empty_cell_inside_a_range_is_empty_as_on_cpython(
    pyodide_run: dict[str, Any],
) -> None:
    """A blank row below a deal changes nothing; an emptied cell gives CPython's message."""
    calls = empty_cell_calls()
    assert len(pyodide_run["empty_cell_results"]) == len(calls) > 0
    for (i, function, args), result in zip(calls, pyodide_run["empty_cell_results"], strict=True):
        where = f"case {i} {function} {args}"
        classic = getattr(udfs, function)(*args)  # CPython, in process: errors as text
        if isinstance(classic, str) and classic.startswith(ERROR_PREFIX):
            assert isinstance(result, dict), (where, result)
            assert ERROR_PREFIX + " ".join(result["error"].split()) == classic, where
        else:
            _matches_gallery(gallery.CASES[i], result, where)


@in_pyodide
def test_the_addin_itself_treats_jsnull_as_empty(pyodide_run: dict[str, Any]) -> None:
    """Called without xlwings (older versions pass jsnull on), each function is CPython's."""
    calls = [(i, c.function, [_office_js(a) for a in c.args]) for i, c in enumerate(gallery.CASES)]
    calls += empty_cell_calls()
    assert len(pyodide_run["direct"]) == len(calls)
    for (i, function, args), result in zip(calls, pyodide_run["direct"], strict=True):
        where = f"case {i} {function} {args}"
        classic = json.loads(json.dumps(getattr(udfs, function)(*args), default=str))
        if isinstance(classic, str) and classic.startswith(ERROR_PREFIX):
            assert isinstance(result, dict), (where, result)
            assert ERROR_PREFIX + " ".join(result["error"].split()) == classic, where
        else:
            _agree(result, classic, gallery.CASES[i].tol, where)


class JsNull:
    """Stands in for ``pyodide.ffi.JsNull`` on CPython (same class name and module)."""

    __module__ = "pyodide.ffi"


@pytest.mark.parametrize("empty", [None, [[None]]])
def test_jsnull_is_an_empty_cell_on_cpython_too(empty: Any) -> None:
    deal = _office_js(gallery.Name("Deal"))
    with_jsnull = [*deal, [JsNull(), JsNull()]]
    assert udfs.DSCR_MIN(with_jsnull, JsNull()) == udfs.DSCR_MIN(deal, empty)
    assert udfs.DSCR_MIN(deal, [[JsNull()]]) == udfs.DSCR_MIN(deal, empty)
    cfads = udfs.DSCR([[2.0e6, JsNull()]], [[1.6e6, 2.0e6]])
    assert cfads == udfs.DSCR([[2.0e6, None]], [[1.6e6, 2.0e6]])
    assert "is required but empty" in cfads


# ---- the preparation script (no node needed) --------------------------------------------


def test_a_file_whose_hash_differs_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "numpy.whl"
    with pytest.raises(prepare.PreparationError, match="refusing to use it"):
        prepare._keep(b"not numpy", target, "0" * 64, "a test")
    assert not target.exists()


def test_the_pure_wheels_are_the_ones_uv_lock_pins() -> None:
    import importlib.metadata

    assert sorted(prepare.pure_wheels()) == sorted(
        f"{name}-{importlib.metadata.version(name)}-py3-none-any.whl"
        for name in prepare.PURE_WHEELS
    )
