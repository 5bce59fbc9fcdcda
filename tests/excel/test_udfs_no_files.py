"""A cell can never make the add-in open a file.

The analytics take a ``Deal`` or a mapping; reading ``.toml`` and ``.xlsx`` deal files
belongs to ``addin.io`` and the CLI. Here every Excel function argument that takes a deal
or a model name (found from the functions' signatures, so a new function is covered) gets
the path of a real deal file or workbook, as a text cell and as a 1 x 1 range. Each call
must give one line, ``#VALUE! <argument>: ...`` (classic xlwings), and an audit hook
(PEP 578) must see no file opened during the calls, except the package's own data.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import addin.excel.udfs
from addin.excel import gallery

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_DATA = ROOT / "addin" / "model" / "data"
TAKES_A_DEAL_OR_MODEL = re.compile(r"deal|model")  # deal, deal_or_model, model, gpu_model...
DEAL_FILE = ROOT / "workbooks" / "examples" / "neocloud_h100.toml"
WORKBOOK = ROOT / "workbooks" / "example_memo.xlsx"
PATHS = [
    str(DEAL_FILE),
    DEAL_FILE.relative_to(ROOT).as_posix(),
    str(WORKBOOK),
    WORKBOOK.relative_to(ROOT).as_posix(),
]

UDFS: dict[str, Callable[..., Any]] = {
    name: obj
    for name, obj in vars(addin.excel.udfs).items()
    if name.isupper() and inspect.isfunction(obj) and hasattr(obj, "__wrapped__")
}
ARGUMENTS = sorted(
    (function, index, name)
    for function, udf in UDFS.items()
    for index, name in enumerate(inspect.signature(udf).parameters)
    if TAKES_A_DEAL_OR_MODEL.search(name)
)

# Audit hooks cannot be removed: this one records only while RECORDING holds an entry.
RECORDING: list[bool] = []
OPENED: list[str] = []
_FILE_EVENTS = ("open", "os.listdir", "os.scandir", "glob.glob", "shutil.copyfile")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if RECORDING and event in _FILE_EVENTS and args and isinstance(args[0], str | bytes | Path):
        OPENED.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@contextmanager
def files_opened() -> Iterator[list[str]]:
    """The files opened inside the block, other than the package's own data."""
    OPENED.clear()
    RECORDING.append(True)
    found: list[str] = []
    try:
        yield found
    finally:
        RECORDING.clear()
        found.extend(p for p in OPENED if not Path(p).resolve().is_relative_to(PACKAGE_DATA))


def valid_args(function: str) -> list[Any]:
    """The arguments of the function's first gallery case, as Excel passes them."""
    case = next(c for c in gallery.CASES if c.function == function)
    return [gallery.DEALS[a.name] if isinstance(a, gallery.Name) else a for a in case.args]


def test_every_deal_and_model_argument_is_found() -> None:
    found = {(function, name) for function, _, name in ARGUMENTS}
    assert {("DSCR_MIN", "deal"), ("GPU_RESIDUAL", "deal_or_model"), ("GPU_SPEC", "model")} <= found
    assert {function for function, _ in found} >= {"DSCR_TABLE", "LTV_TABLE", "GPU_RESIDUAL_CURVE"}


@pytest.mark.parametrize(("function", "index", "name"), ARGUMENTS)
def test_a_path_is_refused_without_opening_a_file(function: str, index: int, name: str) -> None:
    udf = UDFS[function]
    args = valid_args(function)
    assert isinstance(udf(*args), int | float | str | list), function  # imports done here
    # The same error path once more, on a file that does not exist: its imports happen
    # here too, so that only what the real paths open is recorded below.
    udf(*args[:index], "warm/up.toml", *args[index + 1 :])
    for path in PATHS:
        for cell in (path, [[path]]):
            with files_opened() as opened:
                result = udf(*args[:index], cell, *args[index + 1 :])
            assert opened == [], (function, name, path, opened)
            assert isinstance(result, str), (function, name, path, result)
            assert result.startswith(f"#VALUE! {name}: "), (function, path, result)
            assert "\n" not in result, result
            assert "internal error" not in result, result
