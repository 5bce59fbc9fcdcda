"""`gpucredit dscr` and `gpucredit risk`: a deal's schedule and its credit risk in the terminal."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from addin import SCENARIOS, deal_risk, dscr_summary, fair_margin, log, run_scenario
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


# ---- gpucredit risk ---------------------------------------------------------------------


def test_risk_prints_the_risk_table_of_the_python_api(capsys: pytest.CaptureFixture[str]) -> None:
    path = EXAMPLES / "neocloud_h100.toml"
    assert main(["risk", str(path), "--paths", "512", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    deal = read_deal(path)
    risk, margin = deal_risk(deal, 512, 3), fair_margin(deal, 512, 3)
    assert "512 simulated paths, seed 3" in out
    for year, pd, se, marginal in zip(
        risk.years, risk.cumulative_pd, risk.cumulative_pd_se, risk.marginal_pd, strict=True
    ):
        line = f"{year:4.0f}  {f'{pd:.2%} ± {se:.2%}':>18}  {marginal:>11.2%}"
        assert line in out.splitlines()
    assert f"{risk.lifetime_pd:.2%} ± {risk.lifetime_pd_se:.2%}" in out
    assert f"Expected loss              {risk.expected_loss:,.0f} USD" in out
    assert f"Rating (S&P-equivalent)    {risk.rating}" in out
    assert f"{risk.slotting.category}, risk weight {risk.slotting.risk_weight:.0%}" in out
    # the example's 7% margin pays more than its fair margin (its loss given default is low)
    gap = round(-margin.shortfall_bps)
    assert gap > 0
    assert f"Actual margin              7.00%: overpriced by {gap:,} bp" in out


def test_risk_scenario_prints_one_scenario_or_all(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(EXAMPLES / "neocloud_h100.toml")
    assert main(["risk", path, "--scenario", "btc -77%"]) == 0
    one = capsys.readouterr().out
    assert [name for name in SCENARIOS if f"\n{name}: " in one] == ["BTC -77%"]
    result = run_scenario(read_deal(path), "BTC -77%")
    assert f"min DSCR {result.min_dscr:.2f}x; first default in period " in one
    assert main(["risk", path, "--scenario", "ALL"]) == 0
    every = capsys.readouterr().out
    assert [name for name in SCENARIOS if f"\n{name}: " in every] == list(SCENARIOS)


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--paths", "abc", "--paths: got 'abc'; allowed: a whole number >= 2 and <= 200000"),
        ("--paths", "1", "--paths: got 1; allowed: a whole number >= 2"),
        ("--paths", "2.5", "--paths: got 2.5; allowed: a whole number"),
        ("--paths", "300000", "--paths: got 300000; allowed: a whole number >= 2 and <= 200000"),
        ("--seed", "-1", "--seed: got -1; allowed: a whole number >= 0"),
        ("--scenario", "tulip mania", "scenario: got 'tulip mania'; allowed: one of 2024 rent"),
    ],
)
def test_risk_bad_option_is_one_line_and_exit_2(
    option: str, value: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["risk", str(EXAMPLES / "neocloud_h100.toml"), option, value]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith(f"gpucredit: {message}")
    assert captured.err.count("\n") == 1


def test_risk_internal_error_is_logged_one_line_and_exit_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    logger = logging.getLogger(log.LOGGER_NAME)  # a fresh log here (as tests/test_log.py)
    monkeypatch.setenv("GPUCREDIT_LOG_DIR", str(tmp_path))
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "propagate", True)
    monkeypatch.setattr("addin.sim.engine.deal_risk", broken)
    try:
        assert main(["risk", str(EXAMPLES / "neocloud_h100.toml"), "--paths", "64"]) == 1
    finally:
        for handler in logger.handlers:
            handler.close()
    err = capsys.readouterr().err
    path = tmp_path / "gpucredit.log"
    assert err == f"gpucredit: internal error in risk; details logged in {path}\n"
    assert "unexpected error in risk(str): RuntimeError" in path.read_text(encoding="utf-8")
