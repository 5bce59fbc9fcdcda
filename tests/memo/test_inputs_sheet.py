"""The Inputs sheet refuses bad values (issue 14, item 4): its data validation, read back.

The rules are read from the saved file with openpyxl (the acceptance: "check the validation
rules in the file") and applied by :func:`accepts`, a small reading of Excel's rule types
(list, whole, decimal, date, textLength; allow blank), to values a user might type.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.datavalidation import DataValidation

from addin.io.deal_files import read_deal
from addin.io.xlsx import key_validation
from addin.memo import write_memo
from addin.memo.inputs import INPUTS, INPUTS_FIRST_ROW, model_choices
from addin.model.catalog import gpu_models
from addin.model.deal import EXCEL_EPOCH, KEY_SPECS
from tests.deals import EXAMPLES

NEOCLOUD = EXAMPLES / "neocloud_h100.toml"
ROWS = {key: INPUTS_FIRST_ROW + i for i, key in enumerate(KEY_SPECS)}


@pytest.fixture(scope="module")
def sheet(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path = tmp_path_factory.mktemp("inputs") / "memo.xlsx"
    write_memo(read_deal(NEOCLOUD), path)
    return openpyxl.load_workbook(path)[INPUTS]


def rule_of(ws: Any, key: str) -> DataValidation:
    """The one validation rule covering the key's value cell."""
    cell = f"B{ROWS[key]}"
    found = [dv for dv in ws.data_validations.dataValidation if cell in dv.sqref]
    assert len(found) == 1, (key, found)
    return found[0]


def _compare(operator: str | None, value: float, low: float, high: float | None) -> bool:
    if operator in (None, "between"):
        return low <= value <= (math.inf if high is None else high)
    return {
        "notBetween": lambda: not low <= value <= (math.inf if high is None else high),
        "equal": lambda: value == low,
        "notEqual": lambda: value != low,
        "greaterThan": lambda: value > low,
        "lessThan": lambda: value < low,
        "greaterThanOrEqual": lambda: value >= low,
        "lessThanOrEqual": lambda: value <= low,
    }[operator]()


def accepts(rule: DataValidation, value: Any) -> bool:
    """Whether Excel lets ``value`` into a cell under ``rule`` (typed, not pasted)."""
    if value is None or value == "":
        return bool(rule.allow_blank)
    if rule.type == "list":
        items = rule.formula1.strip('"').split(",")
        shown = f"{value:g}" if isinstance(value, int | float) else str(value)
        return shown in items
    if rule.type == "textLength":
        return _compare(rule.operator, len(str(value)), float(rule.formula1), None)
    if rule.type == "date":
        if not isinstance(value, dt.date):
            return False
        day = value.date() if isinstance(value, dt.datetime) else value
        serial = (day - EXCEL_EPOCH).days
        return _compare(rule.operator, serial, float(rule.formula1), float(rule.formula2))
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False  # text in a number cell
    if rule.type == "whole" and not float(value).is_integer():
        return False
    high = float(rule.formula2) if rule.formula2 is not None else None
    return _compare(rule.operator, float(value), float(rule.formula1), high)


def test_every_input_cell_has_a_stop_rule_with_unit_and_help(sheet: Any) -> None:
    for key, spec in KEY_SPECS.items():
        rule = rule_of(sheet, key)
        assert (rule.showErrorMessage, rule.errorStyle, rule.showInputMessage) == (
            True,
            "stop",
            True,
        ), key
        # Excel's limits: 32 characters of title, 255 of message
        assert max(len(rule.promptTitle), len(rule.errorTitle)) <= 32, key
        assert max(len(rule.prompt), len(rule.error)) <= 255, key
        assert rule.promptTitle == key
        if spec.unit:
            assert rule.prompt.startswith(f"Unit: {spec.unit}."), key
        assert rule.error.startswith(f"{key}: allowed "), key


def test_the_deals_own_values_pass(sheet: Any) -> None:
    deal = read_deal(NEOCLOUD)
    for key in KEY_SPECS:
        value = sheet[f"B{ROWS[key]}"].value
        assert accepts(rule_of(sheet, key), value), (key, value)
    assert sheet[f"B{ROWS['amortization']}"].value == deal.amortization


@pytest.mark.parametrize(
    ("key", "typed"),
    [
        ("amortization", "annuty"),  # the typo: it became sculpted debt
        ("amortization", "Annuity loan"),
        ("utilization", 30),  # 30 typed for 0.30 (the issue: everything turned #NUM!)
        ("contracted_share", 60),
        ("annual_decline", 30),
        ("annual_decline", "30%"),  # text in a number cell
        ("gpus", 10.5),  # a whole number
        ("gpus", 0),
        ("periods_per_year", 6),
        ("covenant_basis", "quarterly"),
        ("borrower_type", "bank"),
        ("gpu_model", "H100 SXN"),
        ("market_rate", 0),  # > 0, open bound
        ("pd", 1),  # < 1, open bound
        ("pd", 0),
        ("balloon", 1),  # < 1
        ("start_date", dt.date(1900, 1, 1)),  # before the earliest date
    ],
)
def test_bad_values_are_refused(sheet: Any, key: str, typed: Any) -> None:
    assert not accepts(rule_of(sheet, key), typed)


@pytest.mark.parametrize(
    ("key", "typed"),
    [
        ("amortization", "linear"),
        ("utilization", 0.3),
        ("periods_per_year", 4),
        ("gpu_model", "B200"),
        ("market_rate", 0.01),
        ("pd", 0.02),
        ("balloon", 0.999),
        ("start_date", dt.date(2027, 6, 30)),
        ("recontract_rate", None),  # an optional key left empty takes its default
    ],
)
def test_good_values_pass(sheet: Any, key: str, typed: Any) -> None:
    assert accepts(rule_of(sheet, key), typed)


def test_numeric_rules_are_the_catalogue_bounds(sheet: Any) -> None:
    """Each bound of every number key: the bound itself passes when closed and fails when
    open (within 1e-9, see addin.io.xlsx.key_validation); just outside fails."""
    checked = 0
    for key, spec in KEY_SPECS.items():
        if spec.kind not in ("number", "int") or spec.choices:
            continue
        rule = rule_of(sheet, key)
        for bound, is_open, side in ((spec.low, spec.low_open, -1), (spec.high, spec.high_open, 1)):
            if bound is None:
                continue
            step = 1.0 if spec.kind == "int" else 1e-6 * max(1.0, abs(bound))
            assert accepts(rule, bound) is not is_open, key
            assert not accepts(rule, bound + side * step), key
            checked += 1
    assert checked > 100  # the catalogue's bounds: both ends of ~65 number keys


def test_gpu_models_listed_from_the_catalog_and_the_deals_own(sheet: Any) -> None:
    assert rule_of(sheet, "gpu_model").formula1 == '"' + ",".join(gpu_models()) + '"'
    # a model outside the catalog (allowed with kw_per_gpu) is listed too, never refused
    rule = key_validation("gpu_model", model_choices("Custom X"))
    assert [accepts(rule, m) for m in ("Custom X", "H200", "H2OO")] == [True, True, False]


def test_source_says_deal_file_by_presence(sheet: Any) -> None:
    """The issue: 13 keys the deal file set were labelled "Default" (compared by value)."""
    deal = read_deal(NEOCLOUD)
    for key in KEY_SPECS:
        source = sheet[f"E{ROWS[key]}"].value
        if key in deal.given:
            assert source.startswith("Deal file"), (key, source)
        else:
            assert source.startswith("Default"), (key, source)
    at_default = {"balloon", "rent_floor", "pue", "amortization", "lockup_dscr", "kw_per_gpu"}
    assert all(sheet[f"E{ROWS[key]}"].value == "Deal file" for key in at_default)
