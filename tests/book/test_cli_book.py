"""`gpucredit book`: in process and on a local Dask cluster, errors in one line, nothing
written from a bad book."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from addin.book.book import read_book
from addin.book.run import simulate_book
from addin.book.workbook import SHEETS
from addin.cli import main

# Three facilities, two borrowers, two GPU models sharing nothing but the common factors.
BOOK = """facility_id,obligor,name,gpu_model,gpus,market_rate,annual_decline,loan_amount,\
interest_rate,tenor_years,market_absorption,max_ltv,contracted_share,contract_years,offtaker
A1,Acme,Acme H100,H100 SXM,2000,2.0,0.35,40000000,0.1,3,1500,0.9,0.5,2,Lab B
A2,Acme,Acme B200,B200,1000,3.4,0.3,25000000,0.1,3,600,,,,
B1,Beta,Beta H100,H100 SXM,3000,2.0,0.35,55000000,0.1,3,1500,0.9,,,
"""


@pytest.fixture
def book_file(tmp_path: Path) -> Path:
    path = tmp_path / "book.csv"
    path.write_text(BOOK, encoding="utf-8")
    return path


def _summary_es(path: Path) -> tuple[float, float, float]:
    ws = openpyxl.load_workbook(path)["Summary"]
    return ws["B5"].value, ws["B7"].value, ws["D7"].value


def test_in_process_prints_the_summary_and_writes_the_report(
    book_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "report.xlsx"
    code = main(["book", str(book_file), "--paths", "2048", "--seed", "3", "-o", str(out_file)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    result = simulate_book(read_book(book_file), 2048, seed=3)
    lines = captured.out.splitlines()
    assert lines[0] == f"Book {book_file}: 3 facilities, 2 borrowers, USD 120.0m lent on 6,000 GPUs"
    assert lines[1] == "2,048 paths, seed 3, in process; USD at the default dates"
    el = next(line for line in lines if line.startswith("EL "))
    assert f"{result.expected_loss / 1e6:,.2f}m" in el  # below USD 10m: two decimals
    assert "Largest contributors to ES 99% (Euler):" in lines
    assert lines[-1] == f"wrote {out_file}"
    assert "simulating chunks [" in captured.err  # the progress bar, on standard error
    assert openpyxl.load_workbook(out_file).sheetnames == list(SHEETS)
    el_cell, es_cell, add_on_cell = _summary_es(out_file)
    # openpyxl writes 16 significant digits
    assert el_cell == pytest.approx(result.expected_loss, rel=1e-15)
    assert es_cell == pytest.approx(result.es(0.99), rel=1e-15)
    assert add_on_cell == pytest.approx(result.contagion()["ES 99.0%"], rel=1e-15, abs=1e-6)


def test_without_o_nothing_is_written(
    book_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["book", str(book_file), "--paths", "1024"]) == 0
    assert "no report written" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.csv"]


def test_a_bad_book_exits_2_naming_row_and_column_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(BOOK.replace("B1,Beta,Beta H100,H100 SXM,3000", "B1,Beta,Beta H100,H100 SXM,"
                                "three thousand"), encoding="utf-8")  # fmt: skip
    out_file = tmp_path / "report.xlsx"
    assert main(["book", str(bad), "--paths", "1024", "-o", str(out_file)]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        f"gpucredit: {bad}: row 4, column gpus: got 'three thousand'; allowed: a whole number "
        ">= 1 and <= 1e7 (count)\n"
    )
    assert captured.out == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]  # no report, no temporary


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--paths", "1"], "--paths: got '1'; allowed: a whole number from 2 to 10,000,000"),
        (["--paths", "2.5"], "--paths: got '2.5'; allowed: a whole number from 2"),
        (["--seed", "-1"], "--seed: got '-1'; allowed: a whole number from 0"),
        (["--workers", "0"], "--workers: got '0'; allowed: a whole number from 1 to 256"),
        (["--chunk-paths", "x"], "--chunk-paths: got 'x'; allowed: a whole number from 1"),
        (
            ["-o", "report.csv"],
            "-o: got 'report.csv'; allowed: a workbook file name ending in .xlsx",
        ),
    ],
)
def test_bad_options_exit_2_in_one_line(
    book_file: Path, options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["book", str(book_file), *options]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_workers_and_scheduler_exclude_each_other(
    book_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit, match="2"):
        main(["book", str(book_file), "--workers", "2", "--scheduler", "tcp://localhost:8786"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_an_existing_report_stops_the_run_before_it_starts(
    book_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_file = tmp_path / "report.xlsx"
    out_file.write_bytes(b"kept")
    assert main(["book", str(book_file), "--paths", "1024", "-o", str(out_file)]) == 2
    captured = capsys.readouterr()
    assert "exists; allowed: a new file name, or --force to overwrite" in captured.err
    assert "simulating" not in captured.err  # refused before the run
    assert out_file.read_bytes() == b"kept"


def test_an_internal_error_is_logged_and_exits_1(
    book_file: Path, fresh_log: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr("addin.book.run.simulate_book", broken)
    assert main(["book", str(book_file), "--paths", "1024"]) == 1
    err = capsys.readouterr().err
    assert err == f"gpucredit: internal error in book; details logged in {fresh_log}\n"
    assert "unexpected error in book(str): ZeroDivisionError" in fresh_log.read_text()


@pytest.mark.slow
def test_two_local_workers_give_the_in_process_numbers(
    book_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 15: the same seed, bit-identical results on a LocalCluster(2) (two chunks here).
    here, there = tmp_path / "here.xlsx", tmp_path / "there.xlsx"
    options = ["--paths", "2048", "--seed", "8", "--chunk-paths", "1024"]
    assert main(["book", str(book_file), *options, "-o", str(here)]) == 0
    printed_here = capsys.readouterr().out.splitlines()
    assert main(["book", str(book_file), *options, "--workers", "2", "-o", str(there)]) == 0
    printed_there = capsys.readouterr().out.splitlines()
    assert (
        printed_there[1]
        == "2,048 paths, seed 8, on 2 local worker processes; USD at the default dates"
    )
    assert printed_there[2:-1] == printed_here[2:-1]
    for name in SHEETS[:-1]:  # every number of every sheet (Summary's time and run aside)
        a, b = openpyxl.load_workbook(here)[name], openpyxl.load_workbook(there)[name]
        for row_a, row_b in zip(a.iter_rows(min_row=4), b.iter_rows(min_row=4), strict=True):
            assert [c.value for c in row_a] == [c.value for c in row_b], name


@pytest.mark.slow
def test_an_unreachable_scheduler_exits_3(
    book_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A port nothing listens on: distributed retries for the 10 s timeout, then gives up.
    assert (
        main(["book", str(book_file), "--paths", "1024", "--scheduler", "tcp://127.0.0.1:9"]) == 3
    )
    err = capsys.readouterr().err
    assert err.startswith("gpucredit: --scheduler: could not connect to 'tcp://127.0.0.1:9'")
    assert err.count("\n") == 1


@pytest.mark.slow
def test_the_local_cluster_keeps_glibcs_dynamic_memory_thresholds() -> None:
    # distributed sets MALLOC_TRIM_THRESHOLD_=65536 in its workers' environment, which makes
    # the engine about 1.5 times slower (page faults); local_cluster unsets it.
    import os

    from distributed import Client

    from addin.book.run import local_cluster

    with local_cluster(1) as cluster, Client(cluster) as client:
        seen = client.run(lambda: os.environ.get("MALLOC_TRIM_THRESHOLD_"))
    assert list(seen.values()) == [None]
