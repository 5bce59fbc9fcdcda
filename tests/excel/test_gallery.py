"""The function gallery: independent expected values, evaluated headlessly with `formulas`.

``formulas`` (pip) parses and computes an .xlsx like Excel does. The add-in's functions are
registered in it the way Excel calls them: every range argument arrives as a 2-D list
(None for an empty cell, numbers as floats), and a list result is written over the
array formula's declared range.
"""

from __future__ import annotations

import datetime as dt
import inspect
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
from openpyxl.utils.cell import range_boundaries
from openpyxl.worksheet.formula import ArrayFormula

import addin.excel.udfs
from addin.cli import main
from addin.excel import gallery
from addin.memo import gallery as gallery_book
from addin.model.deal import EXCEL_EPOCH
from tests.excel.gallery_derivations import DERIVATIONS

ROOT = Path(__file__).resolve().parents[2]

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # formulas' own SyntaxWarnings on import
    import formulas
    import schedula
    from formulas.functions import Array, wrap_ranges_func


def udf_names() -> set[str]:
    return {
        name
        for name, obj in vars(addin.excel.udfs).items()
        if name.isupper() and inspect.isfunction(obj) and hasattr(obj, "__wrapped__")
    }


def _from_excel(value: Any) -> Any:
    """One value as xlwings passes it: None for empty, floats for numbers."""
    if value is schedula.EMPTY:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    return value


def _argument(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return [[_from_excel(v) for v in row] for row in value.tolist()]
    return _from_excel(value)


def _to_excel(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return float((day - EXCEL_EPOCH).days)
    return value


def excel_function(name: str) -> Any:
    function = getattr(addin.excel.udfs, name)

    def call(*args: Any) -> Any:
        result = function(*(_argument(a) for a in args))
        if isinstance(result, list):
            rows = [[_to_excel(v) for v in row] for row in result]
            return np.asarray(rows, dtype=object).view(Array)
        return _to_excel(result)

    return wrap_ranges_func(call)  # ranges arrive as their values, or the call waits


@pytest.fixture(scope="module")
def computed(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list]:  # type: ignore[type-arg]
    path = tmp_path_factory.mktemp("gallery") / "functions.xlsx"
    book, checks = gallery_book.build_gallery()
    book.save(path)
    registry = formulas.get_functions()
    for name in udf_names():
        registry[name] = excel_function(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = formulas.ExcelModel().loads(str(path)).finish()
        solution = model.calculate()
    values = {key.upper(): value for key, value in solution.items()}
    return values, checks


def _cell(values: dict[str, Any], sheet: str, cell: str) -> Any:
    found = values[f"'[FUNCTIONS.XLSX]{sheet.upper()}'!{cell}"]
    value = np.asarray(getattr(found, "value", found)).ravel()[0]
    return value.item() if isinstance(value, np.generic) else value


def test_every_function_has_a_gallery_case() -> None:
    assert udf_names() <= {case.function for case in gallery.CASES}


def test_expected_values_match_independent_derivations() -> None:
    cases = gallery.CASES
    assert [c.function for c in cases] == [name for name, _ in DERIVATIONS]
    for case, (_, derive) in zip(cases, DERIVATIONS, strict=True):
        derived = derive()
        expected = case.expected if isinstance(case.expected, list) else [[case.expected]]
        derived = derived if isinstance(derived, list) else [[derived]]
        assert len(expected) == len(derived), case.function
        for row_e, row_d in zip(expected, derived, strict=True):
            assert len(row_e) == len(row_d), case.function
            for e, d in zip(row_e, row_d, strict=True):
                if isinstance(d, float):
                    # literals carry 15 significant digits; the check tolerance is wider
                    assert e == pytest.approx(d, rel=1e-12, abs=case.tol), case.function
                else:
                    assert e == d, case.function


def test_published_values_in_the_gallery() -> None:
    by_function = {case.function: case for case in gallery.CASES}
    # BCBS (2006), Basel II comprehensive version, Annex 5, illustrative IRB risk weights,
    # corporate exposures, LGD 45%, M 2.5 years, PD 1.00%: 92.32%.
    assert by_function["IRB_RISK_WEIGHT"].expected == pytest.approx(0.9232, abs=5e-5)


def test_every_check_cell_is_true(computed: tuple[dict[str, Any], list]) -> None:  # type: ignore[type-arg]
    values, checks = computed
    failed = [
        (case.function, case.args)
        for case, (sheet, cell) in zip(gallery.CASES, checks[1:], strict=True)
        if _cell(values, sheet, cell) is not True
    ]
    assert not failed
    assert _cell(values, *checks[0]) is True  # the Summary's "All checks"


def test_results_are_array_formulas_over_a_declared_range(tmp_path: Path) -> None:
    path = gallery_book.write_gallery(tmp_path / "g.xlsx")
    book = openpyxl.load_workbook(path)
    arrays = [
        cell.value
        for ws in book.worksheets
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, ArrayFormula)
    ]
    tables = [case for case in gallery.CASES if isinstance(case.expected, list)]
    assert len(arrays) == len(tables)
    for array, case in zip(arrays, tables, strict=True):
        assert array.text.startswith(f"={case.function}(")
        first_col, first_row, last_col, last_row = range_boundaries(array.ref)
        shape = (last_row - first_row + 1, last_col - first_col + 1)
        assert shape == (len(case.expected), len(case.expected[0])), case.function


def _contents(path: Path) -> dict[str, list[list[Any]]]:
    book = openpyxl.load_workbook(path)
    out = {}
    for ws in book.worksheets:
        out[ws.title] = [[getattr(c.value, "text", c.value) for c in row] for row in ws.iter_rows()]
    return out


def test_the_repo_gallery_is_current(tmp_path: Path) -> None:
    fresh = tmp_path / "functions.xlsx"
    assert main(["gallery", "--out", str(fresh)]) == 0
    assert _contents(ROOT / "workbooks" / "functions.xlsx") == _contents(fresh), (
        "regenerate it: uv run gpucredit gallery --force"
    )
