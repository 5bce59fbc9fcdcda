"""Values the engine cannot survive are refused at load, naming the key (issue 11, item 4).

Each deal file below once gave a traceback (``gpucredit dscr``, ``intake new --from``) or
"internal error" (``memo``); now every command exits 2 with one line naming the key.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from addin.cli import EXIT_BAD_INPUT, main
from addin.io.intake import key_row, write_intake
from addin.model.deal import load_deal
from addin.model.errors import InputError
from addin.model.params import DEAL_KEYS
from tests.deals import BASE_DEAL

BASE = 'name = "x"\nmarket_rate = 2.0\nloan_amount = 1e5\ninterest_rate = 0.1\ntenor_years = 3\n'

CASES = {
    "start_date": "gpus = 8\nstart_date = 9999-12-01\n",
    "gpus": "gpus = " + "9" * 400 + "\n",
    "gpus ": "gpus = " + "9" * 5000 + "\n",  # past Python's 4,300-digit limit
    "generation_years": "gpus = 8\ngeneration_years = 1e-308\ngpu_age_years = 2\n",
    "borrower": "gpus = 8\nborrower = nan\n",
    "market_rate": "gpus = 8\n",  # market_rate = 1e308 below
    "target_dscr": 'gpus = 8\namortization = "sculpted"\ntarget_dscr = 1e-308\n',
    "unit_cost": "gpus = 8\nunit_cost = 1e308\n",
    "power_price": "gpus = 8\npower_price = 1e308\n",
}


def deal_file(folder: Path, key: str) -> Path:
    text = BASE + CASES[key]
    if key == "market_rate":
        text = text.replace("market_rate = 2.0", "market_rate = 1e308")
    if key == "target_dscr":
        text = text.replace("loan_amount = 1e5\n", "")
    path = folder / "attack.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("key", list(CASES))
@pytest.mark.parametrize("command", ["dscr", "intake", "memo"])
def test_every_command_refuses_the_value_naming_the_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, command: str
) -> None:
    path = deal_file(tmp_path, key)
    argv = {
        "dscr": ["dscr", str(path)],
        "intake": ["intake", "new", str(tmp_path / "form.xlsx"), "--from", str(path)],
        "memo": ["memo", str(path), "-o", str(tmp_path / "memos"), "--jobs", "1"],
    }[command]
    assert main(argv) == EXIT_BAD_INPUT
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert f"{key.strip()}: got" in err or f"(key '{key.strip()}')" in err
    assert not (tmp_path / "form.xlsx").exists()
    assert not list((tmp_path / "memos").glob("*.xlsx")) if (tmp_path / "memos").exists() else True


def test_every_number_key_has_realistic_bounds_with_a_unit() -> None:
    for spec in DEAL_KEYS:
        if spec.kind in ("number", "int"):
            assert spec.low is not None, spec.name
            assert spec.high is not None, spec.name
            assert spec.high <= 1e12, spec.name
            assert spec.unit, spec.name


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (1, False),  # 1900-01-01 in Excel's count, which includes the phantom 1900-02-29
        (60, False),  # the phantom 1900-02-29 itself
        (61, True),  # 1900-03-01: Excel and the calendar agree from here
        (46023, True),  # 2026-01-01
        (46023.5, False),  # a date with a time of day is not a start date
    ],
)
def test_excel_serials_of_the_1900_leap_year_bug_are_refused(value: float, ok: bool) -> None:
    deal = {**BASE_DEAL, "start_date": value}
    if ok:
        assert load_deal(deal).start_date == dt.date(1899, 12, 30) + dt.timedelta(days=int(value))
    else:
        with pytest.raises(
            InputError, match=r"start_date: got .*; allowed: a date from 1900-03-01"
        ):
            load_deal(deal)


def test_over_long_text_is_refused_not_cut() -> None:
    with pytest.raises(
        InputError, match=r"name: got 'xxx.*; allowed: text of at most 200 characters"
    ):
        load_deal({**BASE_DEAL, "name": "x" * 201})
    assert load_deal({**BASE_DEAL, "name": "x" * 200}).name == "x" * 200


def test_an_intake_date_of_9999_names_the_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_intake(tmp_path / "deal.xlsx", {**BASE_DEAL, "start_date": dt.date(2026, 1, 1)})
    import openpyxl

    wb = openpyxl.load_workbook(path)
    wb.active[f"B{key_row('start_date')}"] = dt.datetime(9999, 12, 31)
    wb.save(path)
    assert main(["dscr", str(path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"cell B{key_row('start_date')}: start_date: got '9999-12-31'" in err
