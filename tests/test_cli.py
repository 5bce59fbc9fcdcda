"""`gpucredit dscr`: the schedule and summary of a deal in the terminal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from addin import dscr_summary
from addin.cli import main
from addin.io.deal_files import read_deal
from tests.deals import EXAMPLES


def test_prints_schedule_and_summary(capsys: pytest.CaptureFixture[str]) -> None:
    path = EXAMPLES / "miner_spot_h100.toml"
    assert main(["dscr", str(path)]) == 0
    out = capsys.readouterr().out
    summary = dscr_summary(read_deal(path))
    assert len([line for line in out.splitlines() if line.strip().startswith("16 ")]) == 1
    assert f"Min DSCR (deflated)             {summary.min_dscr:.2f}x" in out
    assert f"Min DSCR (flat rent)            {summary.flat_min_dscr:.2f}x" in out
    assert f"period {summary.first_default_breach} ({summary.first_default_date})" in out


def test_bad_deal_exits_2_naming_file_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\ngpus = 8\nmarket_rate = 2\ninterest_rate = 0.1\ntenor_years = 3\n'
                   'amortization = "balloon"\n', encoding="utf-8")  # fmt: skip
    assert main(["dscr", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"{bad}: amortization: got 'balloon'; allowed: one of annuity" in err


def _summary(out: str) -> dict[str, str]:
    """The printed summary block as {label: value} (two or more spaces separate them)."""
    block = out.split("\n\n")[2]
    return dict(re.split(r"\s{2,}", line.strip(), maxsplit=1) for line in block.splitlines())


def test_summary_prints_the_waterfall_events_and_coverage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 12: first payment default, covenant default and LTV breach with their dates,
    # min LLCR, PLCR and the contract-expiry cliff, as the engine computes them. A 60% LTV
    # covenant on the calibrated market value breaches at the first test; the contract ends
    # inside the loan.
    deal_file = tmp_path / "events.toml"
    deal_file.write_text(
        'name = "Events"\ngpus = 1000\nmarket_rate = 2.0\nloan_amount = 25000000\n'
        "interest_rate = 0.09\ntenor_years = 5\nperiods_per_year = 4\nstart_date = 2026-01-31\n"
        "contracted_share = 0.5\ncontract_rate = 2.4\ncontract_years = 2\nmax_ltv = 0.6\n"
        "unit_cost = 30000\n",
        encoding="utf-8",
    )
    assert main(["dscr", str(deal_file)]) == 0
    out = capsys.readouterr().out
    shown = _summary(out)
    s = dscr_summary(read_deal(deal_file))
    assert s.first_ltv_breach is not None  # the cases bite
    assert s.contract_expiry_cliff is not None
    assert shown["First payment default"] == (
        f"period {s.first_payment_default} ({s.first_payment_default_date:%Y-%m-%d})"
    )
    assert shown["First covenant default"] == (
        f"period {s.first_covenant_default} ({s.first_covenant_default_date:%Y-%m-%d})"
    )
    assert shown["First LTV breach"] == f"period {s.first_ltv_breach} ({s.first_ltv_breach_date})"
    assert shown["Min LLCR (loan life)"] == f"{s.min_llcr:.2f}x"
    assert shown["PLCR"] == f"{s.plcr:.2f}x"
    assert shown["Contract-expiry cliff"] == f"{s.contract_expiry_cliff:,.0f} USD per period"
    assert "trailing-twelve-month covenant DSCR 4 times a year" in out
    # the waterfall's columns are formatted too: LTV in %, accounts in USD thousands
    header = next(line for line in out.splitlines() if line.strip().startswith("period"))
    assert "dsra k$" in header
    assert "ltv" in header
    assert "e+" not in out  # no scientific notation


def test_summary_without_dates_or_contract(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # no start date: periods only; no contract: no cliff; no LTV covenant: no LTV breach
    path = EXAMPLES / "miner_spot_h100.toml"
    deal = read_deal(path)
    no_date = tmp_path / "miner_no_date.toml"
    text = path.read_text(encoding="utf-8")
    assert "start_date = 2026-03-31\n" in text
    no_date.write_text(text.replace("start_date = 2026-03-31\n", ""), encoding="utf-8")
    assert main(["dscr", str(no_date)]) == 0
    shown = _summary(capsys.readouterr().out)
    s = dscr_summary(deal.replace(start_date=None))
    assert shown["First payment default"] == f"period {s.first_payment_default}"
    assert shown["First LTV breach"] == "none"
    assert shown["Contract-expiry cliff"] == "none"
