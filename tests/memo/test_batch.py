"""`gpucredit memo` for many deals: each stage of each deal on the progress display, the
verdict line per deal, and the Live sheet left out of the PDF (issue 14, item 10).

The PDF itself is exported by LibreOffice in tests/memo/test_batch_office.py; here the
export is replaced by a stand-in that records what it was given.
"""

from __future__ import annotations

import dataclasses
import io
import re
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from addin.cli import main
from addin.io.deal_files import read_deal
from addin.memo import analyse, batch
from addin.memo.batch import (
    ANALYSIS,
    PDF,
    SIMULATION,
    WORKBOOK,
    Job,
    Outcome,
    Progress,
    run_jobs,
    verdict_line,
)
from addin.memo.results import MemoData
from tests.deals import EXAMPLES

NEOCLOUD = EXAMPLES / "neocloud_h100.toml"
MINER = EXAMPLES / "miner_spot_h100.toml"
LINE = re.compile(r"^\[[#-]{24}\] (\d+)/(\d+) (\S+): (.*)$")


def _events(text: str) -> dict[str, list[str]]:
    """Each deal file's progress lines, in order: the stage names, then "ok in ..."."""
    events: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = LINE.match(line)
        assert match, line
        events.setdefault(match.group(3), []).append(match.group(4))
    return events


@pytest.mark.parametrize("workers", [1, 2])
def test_each_stage_of_each_deal_is_shown_as_it_starts(tmp_path: Path, workers: int) -> None:
    jobs = [Job(NEOCLOUD, tmp_path / "n.xlsx"), Job(MINER, tmp_path / "m.xlsx")]
    stream = io.StringIO()
    outcomes = run_jobs(jobs, workers, stream)
    events = _events(stream.getvalue())
    for job, outcome in zip(jobs, outcomes, strict=True):
        shown = events[job.deal_path.name]
        assert shown[:3] == [ANALYSIS, SIMULATION, WORKBOOK]  # also from workers, in order
        assert len(shown) == 4
        assert shown[3].startswith(f"ok in {outcome.seconds:.2f} s (analysis ")
        assert list(outcome.stages) == [ANALYSIS, SIMULATION, WORKBOOK]
        # the stages cover the job: only the check for an existing PDF comes before them
        assert sum(outcome.stages.values()) == pytest.approx(outcome.seconds, abs=0.05)
        assert min(outcome.stages.values()) > 0


def test_a_failed_deal_shows_the_stage_it_failed_in(tmp_path: Path) -> None:
    stream = io.StringIO()
    (outcome,) = run_jobs([Job(tmp_path / "nope.toml", tmp_path / "n.xlsx")], 1, stream)
    assert list(outcome.stages) == [ANALYSIS]
    assert _events(stream.getvalue())["nope.toml"][-1].startswith("FAILED in ")


def test_the_bar_fills_by_stages_and_counts_deals() -> None:
    jobs = [Job(Path("a.toml"), Path("a.xlsx"), pdf=True), Job(Path("b.toml"), Path("b.xlsx"))]
    stream = io.StringIO()
    progress = Progress(jobs, stream, live=False)
    progress.stage(0, ANALYSIS)
    progress.stage(0, SIMULATION)
    progress.stage(0, WORKBOOK)
    progress.stage(0, PDF)  # 3 of the 7 stages done: 24 x 3/7 = 10.3, 10 filled
    progress.finished(0, Outcome(Path("a.toml"), seconds=1.0))
    lines = stream.getvalue().splitlines()
    assert lines[3] == "[##########--------------] 0/2 a.toml: PDF"
    assert lines[4] == "[##############----------] 1/2 a.toml: ok in 1.00 s"  # 4 of 7: 13.7
    progress.stage(1, ANALYSIS)
    progress.stage(1, "a stage the job did not list")  # counted too: b has 4 stages
    progress.stage(1, SIMULATION)
    progress.stage(1, WORKBOOK)  # a's 4 and b's first 3 of 8 done: 24 x 7/8 = 21 filled
    assert stream.getvalue().splitlines()[-1] == "[#####################---] 1/2 b.toml: workbook"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_a_long_stage_is_never_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The issue: the PDF export ran 8.6 s with nothing on the screen. On a terminal the
    # status line is redrawn every TICK_SECONDS with the running stage's elapsed seconds.
    real = batch.analyse

    def slow(deal: object, **options: Any) -> MemoData:
        time.sleep(1.6)
        return real(deal, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(batch, "TICK_SECONDS", 0.1)
    monkeypatch.setattr(batch, "analyse", slow)
    stream = _Terminal()
    (outcome,) = run_jobs([Job(NEOCLOUD, tmp_path / "n.xlsx")], 1, stream)
    assert outcome.ok
    text = stream.getvalue()
    redraws = text.split("\r")
    for seconds in (0, 1):  # the elapsed time moved on while the stage ran
        assert f"neocloud_h100.toml: analysis {seconds} s" in text
    assert sum("analysis" in r for r in redraws) >= 10  # about 16 redraws in 1.6 s
    assert text.count("\n") == 1  # one line stays: the deal's result
    assert redraws[-1] == ""  # the status line is cleared at the end
    assert "neocloud_h100.toml: ok in " in text


def test_the_first_line_comes_before_the_engines_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Loading pandas, scipy and openpyxl takes seconds: a line says so first.
    from addin.cli import LOADING

    assert main(["memo", str(NEOCLOUD), "-o", str(tmp_path), "--jobs", "1"]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == LOADING
    assert [_events(line) for line in err[1:3]] == [
        {"neocloud_h100.toml": [ANALYSIS]},
        {"neocloud_h100.toml": [SIMULATION]},
    ]


# ---- the verdict line of each deal -------------------------------------------------------


def test_memo_prints_the_verdict_of_each_deal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if "verdict" not in {f.name for f in dataclasses.fields(MemoData)}:
        pytest.skip(
            "MemoData has no verdict yet: the memo's verdict (issue 14, item 1) is built on "
            "another branch; this test runs once it is merged"
        )
    assert main(["memo", str(NEOCLOUD), str(MINER), "-o", str(tmp_path), "--jobs", "1"]) == 0
    out = capsys.readouterr().out
    for path in (NEOCLOUD, MINER):
        line = verdict_line(analyse(read_deal(path)))
        assert line  # every memo has a verdict
        assert out.splitlines().count(f"{path.name}: {line}") == 1


def test_memo_prints_a_verdict_line_per_deal_and_puts_it_in_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The printing hook alone, with a stand-in verdict (the real one: the test above).
    monkeypatch.setattr(batch, "verdict_line", lambda data: f"STAND-IN for {data.deal.name}")
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n', encoding="utf-8")
    code = main(["memo", str(NEOCLOUD), str(bad), str(MINER), "-o", str(tmp_path), "--jobs", "1"])
    assert code == 2
    out = capsys.readouterr().out
    names = {path.name: read_deal(path).name for path in (NEOCLOUD, MINER)}
    verdicts = [line for line in out.splitlines() if "STAND-IN" in line]
    assert verdicts == [f"{file}: STAND-IN for {name}" for file, name in names.items()]
    (summary,) = tmp_path.glob("memo_summary_*.xlsx")
    ws = openpyxl.load_workbook(summary).active
    header = [c.value for c in ws[3]]
    column = header.index("Verdict")
    assert [row[column].value for row in ws.iter_rows(min_row=4)] == [
        f"STAND-IN for {names['neocloud_h100.toml']}",
        None,  # the bad deal has no memo, so no verdict
        f"STAND-IN for {names['miner_spot_h100.toml']}",
    ]


# ---- --live --pdf: the PDF leaves the Live sheet out ---------------------------------------


def test_live_pdf_prints_every_sheet_but_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The issue: `--live --pdf` printed a page of #NAME?, as LibreOffice cannot run the
    # add-in's functions. The PDF is made from a copy with the Live sheet hidden.
    printed: list[dict[str, str]] = []

    def export_pdf(workbook: Path, pdf: Path, force: bool = False) -> Path:
        book = openpyxl.load_workbook(workbook)
        printed.append({ws.title: ws.sheet_state for ws in book.worksheets})
        pdf.write_bytes(b"%PDF stand-in")
        return pdf

    monkeypatch.setattr("addin.io.office.find_soffice", lambda: "soffice")
    monkeypatch.setattr("addin.io.office.export_pdf", export_pdf)
    args = ["memo", str(NEOCLOUD), "-o", str(tmp_path), "--jobs", "1", "--pdf"]
    assert main([*args, "--live"]) == 0
    out = capsys.readouterr().out
    memo = openpyxl.load_workbook(tmp_path / "neocloud_h100_memo.xlsx")
    assert memo["Live"].sheet_state == "visible"  # the workbook keeps it for Excel
    ((live_sheet, hidden), *shown) = reversed(printed[0].items())
    assert (live_sheet, hidden) == ("Live", "hidden")
    assert [title for title, _ in reversed(shown)] == memo.sheetnames[:-1]
    assert {state for _, state in shown} == {"visible"}
    assert "The PDFs leave out the Live sheet: LibreOffice cannot run the add-in's functions" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "neocloud_h100_memo.pdf",
        "neocloud_h100_memo.xlsx",
    ]  # the copy for the PDF is gone
    # without --live the memo itself is exported, and nothing is said about a Live sheet
    assert main([*args, "--force"]) == 0
    assert "Live" not in printed[1]
    assert "Live" not in capsys.readouterr().out
