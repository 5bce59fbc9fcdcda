"""The deal model: loading from every source, defaults, and one-line errors."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from addin.io.deal_files import read_deal
from addin.model.deal import KEY_SPECS, REQUIRED_KEYS, Deal, deal_from_range, load_deal
from addin.model.errors import (
    AddinError,
    DealFileError,
    InputError,
    MissingInputError,
    UnknownKeyError,
)
from tests.deals import BASE_DEAL, EXAMPLES, as_range


def test_defaults_match_the_issue() -> None:
    # Defaults stated in issue 2, section 2.
    deal = load_deal(BASE_DEAL)
    assert deal.borrower_type == "other"
    assert deal.gpu_model == "H100 SXM"
    assert deal.periods_per_year == 12
    assert deal.annual_decline == pytest.approx(0.30, abs=0)
    assert deal.utilization == pytest.approx(0.80, abs=0)
    assert deal.kw_per_gpu == pytest.approx(1.275, abs=0)  # DGX H100: 10.2 kW / 8 GPUs
    assert (deal.pue, deal.power_price, deal.idle_power_share) == (1.3, 0.08, 0.25)
    assert (deal.amortization, deal.balloon, deal.target_dscr) == ("annuity", 0.0, 1.30)
    assert (deal.lockup_dscr, deal.default_dscr) == (1.20, 1.05)
    assert deal.effective_contract_rate == pytest.approx(2.0, abs=0)
    assert deal.start_date is None
    assert deal.periods == 60


def test_required_keys() -> None:
    # interest_rate or base_rate (+ margin) is required: checked by _all_in_rate
    assert set(REQUIRED_KEYS) == {
        "name", "gpus", "market_rate", "tenor_years",
    }  # fmt: skip
    for key in (*REQUIRED_KEYS, "interest_rate"):
        incomplete = {k: v for k, v in BASE_DEAL.items() if k != key}
        with pytest.raises(MissingInputError, match=rf"^{key}: is required"):
            load_deal(incomplete)


def test_loan_amount_required_unless_sculpted() -> None:
    no_loan = {k: v for k, v in BASE_DEAL.items() if k != "loan_amount"}
    with pytest.raises(MissingInputError, match=r"loan_amount: is required.*sculpted"):
        load_deal(no_loan)
    assert load_deal({**no_loan, "amortization": "sculpted"}).loan_amount is None


def test_every_source_gives_the_same_deal(tmp_path: Path) -> None:
    toml = tmp_path / "deal.toml"
    toml.write_text(
        'name = "Test deal"\ngpus = 1000\nmarket_rate = 2.0\nloan_amount = 25000000.0\n'
        "interest_rate = 0.09\ntenor_years = 5\n",
        encoding="utf-8",
    )
    from_dict = load_deal(BASE_DEAL)
    assert read_deal(toml) == from_dict
    assert read_deal(str(toml)) == from_dict
    assert load_deal(as_range(BASE_DEAL)) == from_dict


def test_range_keys_case_insensitive_and_blank_rows_ignored() -> None:
    rows = [[k.upper(), v] for k, v in as_range(BASE_DEAL)]
    rows.insert(2, [None, None])
    rows.append(["", ""])
    assert deal_from_range(rows) == load_deal(BASE_DEAL)


def test_unknown_key_did_you_mean() -> None:
    with pytest.raises(
        UnknownKeyError, match=r"unknown key 'anual_decline'; did you mean 'annual_decline'"
    ):
        load_deal({**BASE_DEAL, "anual_decline": 0.2})


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("annual_decline", 1.5, r"annual_decline: got 1.5; allowed: a number >= 0 and <= 0.99"),
        ("utilization", -0.1, r"utilization: got -0.1; allowed: a number >= 0 and <= 1"),
        ("gpus", 10.5, r"gpus: got 10.5; allowed: a whole number >= 1"),
        ("gpus", "many", r"gpus: got 'many'; allowed: a whole number"),
        (
            "amortization",
            "balloon",
            r"amortization: got 'balloon'; allowed: one of annuity, linear",
        ),
        ("periods_per_year", 3, r"periods_per_year: got 3; allowed: one of 12, 4, 2, 1"),
        ("borrower_type", "bank", r"borrower_type: got 'bank'; allowed: one of neocloud, miner"),
        ("start_date", "next year", r"start_date: got 'next year'; allowed: a date"),
        ("market_rate", True, r"market_rate: got True; allowed: a number > 0"),
        ("pue", float("nan"), r"pue: got nan; allowed: a number >= 1"),
        ("tenor_years", 2.1, r"tenor_years: got 2.1; allowed: a tenor that gives a whole number"),
    ],
)
def test_bad_values_name_key_value_and_allowed(key: str, value: object, message: str) -> None:
    with pytest.raises(AddinError, match=message):
        load_deal({**BASE_DEAL, key: value})


def test_balloon_only_for_annuity_and_linear() -> None:
    with pytest.raises(InputError, match=r"balloon: got 0.2; allowed: 0 unless amortization"):
        load_deal({**BASE_DEAL, "amortization": "bullet", "balloon": 0.2})


def test_dates_from_excel_serials_and_text() -> None:
    # Excel serial 46023 is 2026-01-01 (1900 date system; serial 1 = 1900-01-01).
    assert load_deal({**BASE_DEAL, "start_date": 46023.0}).start_date == dt.date(2026, 1, 1)
    assert load_deal({**BASE_DEAL, "start_date": "2026-01-01"}).start_date == dt.date(2026, 1, 1)
    stamp = dt.datetime(2026, 1, 1, 0, 0)
    assert load_deal({**BASE_DEAL, "start_date": stamp}).start_date == dt.date(2026, 1, 1)


def test_duplicate_key_in_range() -> None:
    rows = [*as_range(BASE_DEAL), ["GPUS", 8.0]]
    with pytest.raises(InputError, match=r"GPUS: got 8.0; allowed: each key once"):
        deal_from_range(rows)


def test_a_third_column_must_be_empty() -> None:
    """deal_from_range's docstring: a third column is an error unless it is empty."""
    blank_units = [[*row, None, ""] for row in as_range(BASE_DEAL)]
    assert deal_from_range(blank_units) == deal_from_range(as_range(BASE_DEAL))
    rows = [*as_range(BASE_DEAL), ["rent_floor", 0.5, "USD per GPU-hour"]]
    row = len(rows)
    with pytest.raises(InputError, match=rf"^deal row {row}: got 'USD per GPU-hour'; allowed: two"):
        deal_from_range(rows)


def test_toml_errors_name_file_and_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ngpus = \n', encoding="utf-8")
    with pytest.raises(
        DealFileError,
        match=r"bad.toml: is not valid TOML at line 2, column 8 \(key 'gpus'\): Invalid value",
    ):
        read_deal(bad)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('name = "x"\ngpus = 8\nmarket_rate = 2\ninterest_rate = 2\n', encoding="utf-8")
    with pytest.raises(DealFileError, match=r"wrong.toml: line 4, column 17: interest_rate: got 2"):
        read_deal(wrong)
    with pytest.raises(DealFileError, match=r"missing.toml: cannot be read"):
        read_deal(tmp_path / "missing.toml")
    with pytest.raises(DealFileError, match=r"deal.csv: is not a deal file"):
        read_deal(tmp_path / "deal.csv")


def test_the_model_never_reads_a_file(tmp_path: Path) -> None:
    path = tmp_path / "deal.toml"
    path.write_text('name = "x"', encoding="utf-8")
    for source in (path, str(path)):
        with pytest.raises(InputError, match=r"deal: got '.*; allowed: a deal \(keys and values\)"):
            load_deal(source)  # type: ignore[arg-type]


def test_replace_revalidates() -> None:
    deal = load_deal(BASE_DEAL)
    assert deal.replace(annual_decline=0.2).annual_decline == pytest.approx(0.2, abs=0)
    with pytest.raises(InputError, match=r"annual_decline: got 2"):
        deal.replace(annual_decline=2)


def test_given_records_presence_not_value() -> None:
    """Issue 14: the memo's Source column says "deal file" for a key the file set, even
    to its default value, and "default" for a key it left out or blank."""
    values = {**BASE_DEAL, "pue": 1.3, "utilization": None, "Rent_Floor": 0.0}
    deal = load_deal(values)
    assert deal.pue == pytest.approx(Deal.spec("pue").default, abs=0)  # the default's value
    # by presence, keys case-insensitive; blank and catalog-resolved keys are not given
    assert deal.given == {*BASE_DEAL, "pue", "rent_floor"}
    assert "given" not in deal.to_dict()
    assert "given" not in KEY_SPECS
    # not part of a deal's identity: equal and hashed alike whatever was given
    same = load_deal(BASE_DEAL)
    assert (same == deal, hash(same) == hash(deal), same.given == deal.given) == (
        True,
        True,
        False,
    )
    # replace keeps what was given and adds the changed keys
    assert deal.replace(annual_decline=0.2).given == deal.given | {"annual_decline"}
    # a deal file records its keys: the example sets 12 keys to their default values
    example = read_deal(EXAMPLES / "neocloud_h100.toml")
    assert {"balloon", "rent_floor", "pue", "amortization"} <= example.given


def test_every_key_has_unit_or_is_text_and_help() -> None:
    for key, spec in KEY_SPECS.items():
        assert spec.help, key
        assert len(spec.help) <= 255, key
        assert spec.kind in {"text", "choice", "int", "number", "date"}, key
        if spec.kind in {"number", "int"}:
            assert spec.unit, key


def test_examples_load(example_path: Path) -> None:
    deal = read_deal(example_path)
    assert isinstance(deal, Deal)
    assert deal.start_date is not None


@given(st.one_of(st.none(), st.text(max_size=20), st.floats(allow_nan=True), st.booleans(),
                 st.integers(-10**6, 10**6)))  # fmt: skip
def test_any_value_for_any_key_loads_or_fails_cleanly(value: object) -> None:
    for key in ("annual_decline", "gpus", "start_date", "amortization", "name"):
        try:
            load_deal({**BASE_DEAL, key: value})
            continue
        except AddinError as error:
            message = str(error)
        assert message.startswith(key)
        assert "\n" not in message
