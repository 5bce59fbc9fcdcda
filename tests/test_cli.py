"""`gpucredit dscr` and `gpucredit risk`: a deal's schedule and its credit risk in the terminal."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
from openpyxl import Workbook

from addin import SCENARIOS, deal_risk, dscr_summary, fair_margin, run_scenario
from addin.cli import LOADING, main
from addin.io.deal_files import read_deal
from addin.model.params import param
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
    assert f"{bad}: line 6, column 16: amortization: got 'balloon'; allowed: one of annuity" in err


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
    fresh_log: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("addin.sim.engine.deal_risk", broken)
    assert main(["risk", str(EXAMPLES / "neocloud_h100.toml"), "--paths", "64"]) == 1
    err = capsys.readouterr().err
    assert err == f"gpucredit: internal error in risk; details logged in {fresh_log}\n"
    assert "unexpected error in risk(str): RuntimeError" in fresh_log.read_text(encoding="utf-8")


# ---- issue 14, item 10: each error once, with its line and column -------------------------

GOOD = 'name = "x"\ngpus = 8\nmarket_rate = 2\nloan_amount = 1e5\ninterest_rate = 0.1\n'
# name -> (deal file text, or None for a file that does not exist; the error's own words)
BAD_FILES: dict[str, tuple[str | None, str]] = {
    "bad value": (GOOD + 'tenor_years = 3\namortization = "balloon"\n', "got 'balloon'"),
    "unknown key": (GOOD + "tenor_years = 3\nanual_decline = 0.3\n", "unknown key 'anual"),
    "TOML syntax": (GOOD + "tenor_years = = 3\n", "is not valid TOML"),
    "missing file": (None, "cannot be read (No such file or directory)"),
}


def _command(name: str, deal: Path, folder: Path) -> list[str]:
    """The arguments of each subcommand that reads a deal file."""
    return {
        "dscr": ["dscr", str(deal)],
        "risk": ["risk", str(deal), "--paths", "64"],
        "intake": ["intake", "new", str(folder / "form.xlsx"), "--from", str(deal)],
        "memo": ["memo", str(deal), "-o", str(folder / "memos"), "--jobs", "1"],
    }[name]


@pytest.mark.parametrize("case", list(BAD_FILES))
@pytest.mark.parametrize("command", ["dscr", "risk", "intake", "memo"])
def test_each_error_is_printed_once_naming_the_file_once(
    command: str, case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The issue: `gpucredit memo` printed a bad deal's error in its summary table and on
    # standard error, and an unknown key named the file twice ("bad.toml: bad.toml: ...").
    text, words = BAD_FILES[case]
    deal = tmp_path / "deals" / "bad.toml"
    deal.parent.mkdir()
    if text is not None:
        deal.write_text(text, encoding="utf-8")
    assert main(_command(command, deal, tmp_path)) == 2
    out, err = capsys.readouterr()
    assert (out + err).count(words) == 1
    (line,) = [line for line in err.splitlines() if words in line]
    assert line.startswith(f"gpucredit: {deal}: ")
    assert line.count("bad.toml") == 1
    progress = [line for line in err.splitlines() if words not in line]
    if command == "memo":  # the table says the deal failed; the error is the line below it
        assert re.search(r"bad\.toml +FAILED$", out, re.M)
        assert progress[0] == LOADING
        assert all(line.startswith("[") for line in progress[1:])
    else:
        assert progress == []
    assert not (tmp_path / "memos").exists()
    assert not (tmp_path / "form.xlsx").exists()


REQUIRED = 'name = "x"\nmarket_rate = 2\nloan_amount = 1e5\ninterest_rate = 0.1\n'  # lines 1-4


@pytest.mark.parametrize(
    ("added", "line", "at", "message"),
    [
        # a value the deal model refuses: the line and column of the value
        ('gpus = 8\ntenor_years = 3\namortization = "balloon"', 7, '"balloon"',
         "amortization: got 'balloon'; allowed: one of"),
        ("  GPUs   =   -5\ntenor_years = 3", 5, "-5", "gpus: got -5; allowed: a whole number"),
        ('gpus = 8\ntenor_years = 3\n"interest_RATE" = 2', 7, "2", "interest_rate: got 2"),
        # an unknown key: the key's line and column, the file named once
        ("gpus = 8\ntenor_years = 3\nanual_decline = 0.3", 7, "anual",
         "unknown key 'anual_decline'; did you mean"),
        # a key given twice in two cases: the second one is at fault
        ('gpus = 8\ntenor_years = 3\nNAME = "again"', 7, '"again"',
         "name: got 'again'; allowed: each key once"),
        # a rule of two keys is reported at the key it names
        ("gpus = 8\nperiods_per_year = 4\ntenor_years = 2.1", 7, "2.1", "tenor_years: got 2.1"),
        # a table where a value belongs
        ("gpus = 8\ntenor_years = 3\n[gpu_model]\na = 1", 7, "gpu_model",
         "key 'gpu_model' must be a single value"),
    ],
)  # fmt: skip
def test_toml_key_errors_give_the_line_and_column(
    added: str,
    line: int,
    at: str,
    message: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = REQUIRED + added + "\n"
    deal = tmp_path / "deal.toml"
    deal.write_text(text, encoding="utf-8")
    column = text.splitlines()[line - 1].index(at) + 1  # from 1, as tomllib counts
    assert main(["dscr", str(deal)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"gpucredit: {deal}: line {line}, column {column}: {message}")
    assert err.count("\n") == 1


def test_a_value_error_and_a_syntax_error_at_the_same_place_give_the_same_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # tomllib's own position of an unquoted word (a TOML syntax error) is where the value
    # starts; the deal model's error on the quoted word must point at the same line and column.
    deal = tmp_path / "deal.toml"
    deal.write_text(GOOD + "tenor_years = 3\namortization = balloon\n", encoding="utf-8")
    assert main(["dscr", str(deal)]) == 2
    syntax = re.search(r"at (line \d+, column \d+)", capsys.readouterr().err)
    assert syntax is not None
    deal.write_text(GOOD + 'tenor_years = 3\namortization = "balloon"\n', encoding="utf-8")
    assert main(["dscr", str(deal)]) == 2
    assert f"{deal}: {syntax.group(1)}: amortization: got 'balloon'" in capsys.readouterr().err


def test_a_key_left_out_names_no_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    deal = tmp_path / "deal.toml"
    deal.write_text(GOOD, encoding="utf-8")  # no tenor_years
    assert main(["dscr", str(deal)]) == 2
    allowed = param("tenor_years").allowed()
    assert capsys.readouterr().err == (
        f"gpucredit: {deal}: tenor_years: is required but empty; allowed: {allowed}\n"
    )


# ---- gallery, lite and internal errors -----------------------------------------------------


def test_gallery_refuses_to_overwrite_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The issue: `gpucredit gallery` overwrote the tracked workbooks/functions.xlsx.
    target = tmp_path / "functions.xlsx"
    target.write_bytes(b"the tracked gallery")
    built: list[bool] = []
    monkeypatch.setattr(
        "addin.memo.gallery.build_gallery", lambda: built.append(True) or (Workbook(), [])
    )
    assert main(["gallery", "--out", str(target)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert (
        err == f"gpucredit: {target}: exists; allowed: a new file name, or --force to overwrite\n"
    )
    assert target.read_bytes() == b"the tracked gallery"
    assert built == []  # refused before the (slow) build
    assert main(["gallery", "--out", str(target), "--force"]) == 0
    assert capsys.readouterr().out == f"wrote {target}\n"
    assert openpyxl.load_workbook(target).sheetnames == ["Sheet"]  # the stand-in gallery


def test_lite_into_a_file_is_one_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "a_file"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["lite", str(target)]) == 3
    assert capsys.readouterr().err == f"gpucredit: {target}: cannot be written (File exists)\n"
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_an_internal_error_in_any_command_is_logged_one_line_and_exit_1(
    fresh_log: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr("addin.analytics.dscr.dscr_schedule", broken)
    assert main(["dscr", str(EXAMPLES / "neocloud_h100.toml")]) == 1
    out, err = capsys.readouterr()
    assert (out, err) == ("", f"gpucredit: internal error in dscr; details logged in {fresh_log}\n")
    assert "unexpected error in dscr(): RuntimeError" in fresh_log.read_text(encoding="utf-8")


def test_lite_never_overwrites_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["lite", str(tmp_path)]) == 0
    (tmp_path / "main.py").write_text("# the analyst's edits", encoding="utf-8")
    capsys.readouterr()
    assert main(["lite", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"gpucredit: {tmp_path / 'main.py'}: exists; allowed: a new file name, or --force to overwrite\n"
    )
    assert (tmp_path / "main.py").read_text(encoding="utf-8") == "# the analyst's edits"
    assert main(["lite", str(tmp_path), "--force"]) == 0
    assert "def DSCR" in (tmp_path / "main.py").read_text(encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["main.py", "requirements.txt"]


def test_outputs_get_the_permissions_of_any_new_file(tmp_path: Path) -> None:
    # mkstemp makes its files private (0600); a memo is shared like any file the user makes.
    import os
    import stat

    mask = os.umask(0o022)
    try:
        assert main(["memo", str(EXAMPLES / "neocloud_h100.toml"), "-o", str(tmp_path)]) == 0
        assert main(["lite", str(tmp_path / "lite")]) == 0
    finally:
        os.umask(mask)
    for path in (tmp_path / "neocloud_h100_memo.xlsx", tmp_path / "lite" / "main.py"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path


def test_a_reader_that_stops_early_gets_no_traceback_and_no_internal_error() -> None:
    # `gpucredit dscr DEAL | head -1`: the reader closes the pipe; exit 141 as a shell's
    # SIGPIPE, silent. `true` reads nothing and is gone long before Python has started.
    import subprocess
    import sys

    for deal in ("neocloud_h100.toml", "miner_spot_h100.toml"):
        command = f"{sys.executable} -m addin.cli dscr {EXAMPLES / deal} | true"
        done = subprocess.run(
            ["bash", "-o", "pipefail", "-c", command], capture_output=True, text=True, check=False
        )
        assert (done.returncode, done.stderr) == (141, "")


def test_a_broken_pipe_elsewhere_is_an_internal_error_not_silence(
    fresh_log: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Only a closed standard output is the reader leaving; a worker's pipe is a bug to log.
    import addin.cli as cli

    def broken(*_: object) -> int:
        raise BrokenPipeError("a worker's pipe")

    monkeypatch.setattr(cli, "run_dscr", broken)
    assert main(["dscr", str(EXAMPLES / "neocloud_h100.toml")]) == 1
    assert capsys.readouterr().err == (
        f"gpucredit: internal error in dscr; details logged in {fresh_log}\n"
    )
    assert "BrokenPipeError" in fresh_log.read_text(encoding="utf-8")
