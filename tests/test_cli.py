"""`gpucredit dscr`: the schedule and summary of a deal in the terminal."""

from __future__ import annotations

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
