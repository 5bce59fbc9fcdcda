"""Memos for many deals at once: parallel runs, a progress display and a summary workbook.

Each deal is one job, run in stages: load and analyse (:data:`ANALYSIS`), simulate its
paths (:data:`SIMULATION`), write the memo (:data:`WORKBOOK`) and, with ``pdf``, export
it through LibreOffice (:data:`PDF`). The
batch names the stages; :class:`Progress` shows each stage of each deal as it starts, so a
long stage (a PDF export takes several seconds) is never a silent gap. A bad deal is
reported with its file name and does not stop the others.
"""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import functools
import multiprocessing
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, TextIO

import pandas as pd
from openpyxl.workbook.workbook import Workbook

from addin.io import xlsx as c
from addin.io.deal_files import read_deal
from addin.io.xlsx import save_workbook
from addin.log import log_unexpected
from addin.memo.builder import build_workbook
from addin.memo.flags import period_label
from addin.memo.results import MemoData, analyse
from addin.memo.text import breakeven_text
from addin.model.errors import AddinError, DealFileError, OutputError, OutputExistsError

EXAMPLE_DEAL = "example_deal.toml"
EXAMPLE_MEMO = "example_memo.xlsx"

#: The stages of one deal's memo, as the progress display names them.
ANALYSIS = "analysis"  # read the deal file, run the deterministic engines (analyse)
SIMULATION = "simulation"  # the path engine: PD, LGD, EL, fair margin, named scenarios
WORKBOOK = "workbook"  # lay the results out and save the memo
PDF = "PDF"  # export the memo to PDF through LibreOffice: several seconds per deal
#: The sheet a PDF leaves out: its add-in calls show #NAME? outside Excel with the add-in.
LIVE_SHEET = "Live"

#: Called with a stage's name as a job enters it.
StageHook = Callable[[str], None]


def example_deal_path() -> Path:
    """The built-in example deal shipped inside the package (a neocloud H100 fleet)."""
    return Path(str(resources.files("addin.model") / "data" / EXAMPLE_DEAL))


def memo_name(deal_path: Path) -> str:
    """File name of a deal's memo: ``<deal file stem>_memo.xlsx``.

    Examples
    --------
    >>> memo_name(Path("deals/neocloud_h100.toml")), memo_name(example_deal_path())
    ('neocloud_h100_memo.xlsx', 'example_memo.xlsx')
    """
    if deal_path.name == EXAMPLE_DEAL and deal_path.parent.name == "data":
        return EXAMPLE_MEMO
    return f"{deal_path.stem}_memo.xlsx"


@dataclass(frozen=True)
class Job:
    """One memo to write."""

    deal_path: Path
    memo_path: Path
    force: bool = False
    pdf: bool = False
    live: bool = False

    @property
    def stages(self) -> tuple[str, ...]:
        """The stages this job runs, in order.

        Examples
        --------
        >>> Job(Path("d.toml"), Path("d_memo.xlsx"), pdf=True).stages
        ('analysis', 'simulation', 'workbook', 'PDF')
        """
        return (ANALYSIS, SIMULATION, WORKBOOK, *((PDF,) if self.pdf else ()))


@dataclass
class Outcome:
    """What happened to one job: the files written, key metrics, or the error."""

    deal_path: Path
    memo_path: Path | None = None
    pdf_path: Path | None = None
    metrics: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    internal: bool = False  # True for an unexpected error (a bug), False for bad input
    environment: bool = False  # True when a file could not be written (disk, permissions)
    seconds: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # seconds spent in each stage
    verdict: str | None = None  # the memo's verdict in one line, when the memo has one

    @property
    def ok(self) -> bool:
        """True when the memo was written."""
        return self.error is None


def verdict_line(data: MemoData) -> str | None:
    """The memo's verdict as one line, ``"<decision>: <rule>"``; None if the memo has none.

    Reads ``data.verdict`` (a verdict with ``decision`` and ``rule``, or a line of text)
    and never makes one up: results without a verdict give None.

    Examples
    --------
    >>> from types import SimpleNamespace as Fake
    >>> verdict = Fake(decision="DECLINE as structured", rule="a payment default in month 37")
    >>> verdict_line(Fake(verdict=verdict))
    'DECLINE as structured: a payment default in month 37'
    >>> verdict_line(Fake()) is None  # no verdict in these results
    True
    """
    verdict = getattr(data, "verdict", None)
    if verdict is None or isinstance(verdict, str):
        return verdict
    decision, rule = getattr(verdict, "decision", None), getattr(verdict, "rule", None)
    return f"{decision}: {rule}" if decision and rule else str(verdict)


def run_job(job: Job, stage: StageHook | None = None) -> Outcome:
    """Load, analyse and write one memo; never raises (errors go into the outcome).

    Parameters
    ----------
    job : Job
    stage : callable, optional
        Called with each stage's name (:attr:`Job.stages`) as the job enters it.

    Returns
    -------
    Outcome
        The files written and the key metrics, or the error naming the file once; the
        seconds spent in each stage entered.
    """
    start = time.perf_counter()
    outcome = Outcome(job.deal_path)
    entered: list[tuple[str, float]] = []  # each stage and when it started

    def enter(name: str) -> None:
        entered.append((name, time.perf_counter()))
        if stage is not None:
            stage(name)

    try:
        pdf_path = job.memo_path.with_suffix(".pdf")
        if job.pdf and pdf_path.exists() and not job.force:
            raise OutputExistsError(str(pdf_path))
        enter(ANALYSIS)
        deal = read_deal(job.deal_path)
        data = analyse(deal, simulating=lambda: enter(SIMULATION))
        enter(WORKBOOK)
        book = build_workbook(data, source=job.deal_path.name, live=job.live)
        save_workbook(book, job.memo_path, job.force)
        outcome.memo_path = job.memo_path
        if job.pdf:
            enter(PDF)
            outcome.pdf_path = _export_pdf_or_remove_memo(book, job.memo_path, pdf_path, job.force)
        outcome.verdict = verdict_line(data)
        s, sale = data.summary, data.collateral.liquidation
        outcome.metrics = {
            "deal": deal.name,
            "borrower_type": deal.borrower_type,
            "loan_usd": s.loan_amount,
            "min_dscr": s.min_dscr,
            "flat_min_dscr": s.flat_min_dscr,
            "llcr": s.llcr,
            "breakeven_decline": s.breakeven_decline,
            "first_default_breach": s.first_default_breach,
            "min_llcr": s.min_llcr,
            "plcr": s.plcr,
            "first_payment_default": s.first_payment_default,
            "first_payment_default_date": s.first_payment_default_date,
            "first_covenant_default": s.first_covenant_default,
            "first_covenant_default_date": s.first_covenant_default_date,
            "first_ltv_breach": s.first_ltv_breach,
            "first_ltv_breach_date": s.first_ltv_breach_date,
            "contract_expiry_cliff": s.contract_expiry_cliff,
            "ltv_close_book": data.collateral.ltv_close_book,
            "ltv_close_liquidation": None if sale is None else sale.ltv_close,
            "red_flags": sum(flag.status == "red" for flag in data.flags),
            "verdict": outcome.verdict,
        }
    except OutputError as error:  # the environment: disk full, read-only, name too long
        outcome.error = str(error)
        outcome.environment = True
        outcome.memo_path = None
    except (DealFileError, OutputExistsError) as error:  # already names its file
        outcome.error = str(error)
    except AddinError as error:
        outcome.error = f"{job.deal_path}: {error}"
    except Exception as error:  # a bug: log the traceback, keep the other deals going
        where = log_unexpected("memo", (str(job.deal_path),))
        outcome.error = f"{job.deal_path}: internal error ({type(error).__name__}); see {where}"
        outcome.internal = True
    end = time.perf_counter()
    ends = [when for _, when in entered[1:]] + [end]
    outcome.stages = {name: stop - when for (name, when), stop in zip(entered, ends, strict=True)}
    outcome.seconds = end - start
    return outcome


def _export_pdf_or_remove_memo(book: Workbook, memo: Path, pdf: Path, force: bool) -> Path:
    """Export the memo's PDF; if that fails, remove the memo so a rerun is not blocked.

    A memo with a Live sheet is printed without it (the sheet is hidden in a copy for the
    PDF): LibreOffice cannot run the add-in's functions, so its cells would print #NAME?.
    """
    from addin.io.office import export_pdf

    try:
        if LIVE_SHEET not in book.sheetnames:
            return export_pdf(memo, pdf, force)
        book[LIVE_SHEET].sheet_state = "hidden"
        work = Path(tempfile.mkdtemp(dir=pdf.parent, prefix=".pdf-"))
        try:
            printed = save_workbook(book, work / memo.name)
            return export_pdf(printed, pdf, force)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    except BaseException:
        memo.unlink(missing_ok=True)
        raise


def _stop_with_parent(parent: int) -> None:
    """In a worker process: exit within a second once the parent process has died.

    A worker killed this way leaves at most one temporary file, which the next run removes
    (:func:`addin.io.xlsx.remove_stale_temporaries`).
    """

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(EXIT_ORPHANED)

    threading.Thread(target=watch, name="gpucredit-parent-watch", daemon=True).start()


EXIT_ORPHANED = 3


class Progress:
    """Each stage of each deal on a text stream, with a bar of the stages done.

    On a terminal one status line is redrawn in place (every :data:`TICK_SECONDS` while a
    stage runs, with its elapsed seconds), and a line stays for each deal finished.
    Elsewhere (a log, a pipe) a line is written as each stage starts and as each deal
    finishes. The stage names are the batch's (:attr:`Job.stages`).

    Examples
    --------
    >>> import io
    >>> out = io.StringIO()
    >>> progress = Progress([Job(Path("a.toml"), Path("a_memo.xlsx"))], out)
    >>> progress.stage(0, ANALYSIS)
    >>> progress.finished(0, Outcome(Path("a.toml"), seconds=1.5, stages={ANALYSIS: 1.0,
    ...                                                                   WORKBOOK: 0.5}))
    >>> print(out.getvalue(), end="")
    [------------------------] 0/1 a.toml: analysis
    [########################] 1/1 a.toml: ok in 1.50 s (analysis 1.00 s, workbook 0.50 s)
    """

    def __init__(self, jobs: list[Job], stream: TextIO, live: bool | None = None) -> None:
        self.jobs = jobs
        self.stream = stream
        self.live = _is_terminal(stream) if live is None else live
        self.running: dict[int, tuple[str, float]] = {}  # job: stage, its start (perf_counter)
        self.entered: dict[int, int] = {}  # job: how many stages it has entered
        self.finished_jobs: set[int] = set()
        self._lock = threading.Lock()
        self._shown = 0  # length of the status line on a terminal

    def stage(self, index: int, name: str) -> None:
        """Job ``index`` entered stage ``name``."""
        with self._lock:
            if index in self.finished_jobs:  # a late message from a worker
                return
            self.entered[index] = self.entered.get(index, 0) + 1
            self.running[index] = (name, time.perf_counter())
            if self.live:
                self._draw()
            else:
                self._line(f"{self._bar()} {self.jobs[index].deal_path.name}: {name}")

    def finished(self, index: int, outcome: Outcome) -> None:
        """Job ``index`` finished with ``outcome``: a line that stays."""
        with self._lock:
            self.finished_jobs.add(index)
            self.running.pop(index, None)
            status = "ok" if outcome.ok else "FAILED"
            times = ", ".join(f"{name} {seconds:.2f} s" for name, seconds in outcome.stages.items())
            line = f"{self._bar()} {outcome.deal_path.name}: {status} in {outcome.seconds:.2f} s"
            self._line(f"{line} ({times})" if times else line)
            if self.live:
                self._draw()

    def tick(self) -> None:
        """Redraw the status line on a terminal (the elapsed seconds of each running stage)."""
        with self._lock:
            if self.live:
                self._draw()

    def close(self) -> None:
        """Clear the status line."""
        with self._lock:
            if self.live and self._shown:
                self.stream.write("\r" + " " * self._shown + "\r")
                self.stream.flush()
                self._shown = 0

    def _bar(self, width: int = 24) -> str:
        """``[####----] 1/3``: the bar fills by stages done, the count is of deals finished.

        A job that enters a stage not in :attr:`Job.stages` counts it too.
        """
        stages = [max(len(job.stages), self.entered.get(i, 0)) for i, job in enumerate(self.jobs)]
        done = sum(stages[i] for i in self.finished_jobs) + sum(
            self.entered[i] - 1 for i in self.running
        )
        total = sum(stages)
        filled = round(width * done / total) if total else width
        finished = len(self.finished_jobs)
        return "[" + "#" * filled + "-" * (width - filled) + f"] {finished}/{len(self.jobs)}"

    def _line(self, text: str) -> None:
        clear = "\r" + " " * self._shown + "\r" if self.live and self._shown else ""
        self.stream.write(f"{clear}{text}\n")
        self.stream.flush()
        self._shown = 0

    def _draw(self) -> None:
        now = time.perf_counter()
        running = "; ".join(
            f"{self.jobs[i].deal_path.name}: {name} {now - start:.0f} s"
            for i, (name, start) in sorted(self.running.items())
        )
        text = f"{self._bar()} {running}"[: shutil.get_terminal_size().columns - 1]
        self.stream.write("\r" + text.ljust(self._shown))
        self.stream.flush()
        self._shown = len(text)


TICK_SECONDS = 0.5  # how often a terminal's status line is redrawn


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


_WORKER: dict[str, Any] = {}  # in a worker process: the queue of stage messages


def _start_worker(parent: int, events: Any) -> None:
    """Initialise a worker process: stop with the parent, send stages to ``events``."""
    _stop_with_parent(parent)
    _WORKER["events"] = events


def _run_in_worker(index: int, job: Job) -> Outcome:
    events = _WORKER["events"]
    return run_job(job, lambda name: events.put((index, name)))


def run_jobs(jobs: list[Job], workers: int, progress: TextIO | None = None) -> list[Outcome]:
    """Run jobs on ``workers`` processes (in this process when 1); outcomes in job order.

    Each stage of each job is shown on ``progress`` (default standard error) as it
    starts, by :class:`Progress`; workers send their stages back through a queue.

    Examples
    --------
    >>> import io, tempfile
    >>> job = Job(Path("missing.toml"), Path(tempfile.mkdtemp()) / "m.xlsx")
    >>> (outcome,) = run_jobs([job], 1, io.StringIO())
    >>> outcome.ok, outcome.error.split(":")[0]
    (False, 'missing.toml')
    """
    outcomes: dict[int, Outcome] = {}
    display = Progress(jobs, sys.stderr if progress is None else progress)
    stop = threading.Event()

    def tick() -> None:
        while not stop.wait(TICK_SECONDS):
            display.tick()

    if display.live:
        threading.Thread(target=tick, name="gpucredit-progress", daemon=True).start()
    try:
        if workers <= 1 or len(jobs) <= 1:
            for index, job in enumerate(jobs):
                outcomes[index] = run_job(job, functools.partial(display.stage, index))
                display.finished(index, outcomes[index])
        else:
            context = multiprocessing.get_context()
            events = context.SimpleQueue()

            def drain() -> None:
                while not events.empty():
                    display.stage(*events.get())

            with concurrent.futures.ProcessPoolExecutor(
                max_workers=min(workers, len(jobs)),
                mp_context=context,
                initializer=_start_worker,
                initargs=(os.getpid(), events),
            ) as pool:
                futures = {
                    pool.submit(_run_in_worker, index, job): index for index, job in enumerate(jobs)
                }
                pending = set(futures)
                while pending:
                    done, pending = concurrent.futures.wait(
                        pending, timeout=0.1, return_when=concurrent.futures.FIRST_COMPLETED
                    )
                    drain()  # a worker's stages arrive before its result
                    for future in done:
                        index = futures[future]
                        outcomes[index] = future.result()
                        display.finished(index, outcomes[index])
    finally:
        stop.set()
        display.close()
    return [outcomes[i] for i in range(len(jobs))]


def plan_jobs(
    deals: list[Path], outdir: Path, force: bool, pdf: bool, live: bool
) -> tuple[list[Job], list[Outcome]]:
    """One job per deal file; two deals that would write the same memo are refused."""
    jobs: list[Job] = []
    refused: list[Outcome] = []
    seen: dict[Path, Path] = {}
    for deal_path in deals:
        memo_path = outdir / memo_name(deal_path)
        if memo_path in seen:
            refused.append(
                Outcome(
                    deal_path,
                    error=f"{deal_path}: writes the same memo {memo_path} as "
                    f"{seen[memo_path]}; allowed: deal files with different names",
                )
            )
            continue
        seen[memo_path] = deal_path
        jobs.append(Job(deal_path, memo_path, force, pdf, live))
    return jobs, refused


SUMMARY_COLUMNS: tuple[tuple[str, str, str, float], ...] = (
    ("file", "Deal file", c.GENERAL, 28),
    ("deal", "Deal", c.GENERAL, 30),
    ("borrower_type", "Type", c.GENERAL, 11),
    ("loan_usd", "Loan USD", c.USD, 14),
    ("min_dscr", "Min DSCR", c.COVERAGE, 10),
    ("flat_min_dscr", "Min DSCR flat rent", c.COVERAGE, 10),
    ("llcr", "LLCR", c.COVERAGE, 9),
    ("min_llcr", "Min LLCR (loan life)", c.COVERAGE, 9),
    ("plcr", "PLCR", c.COVERAGE, 9),
    ("breakeven_decline", "Breakeven decline", c.BREAKEVEN, 10),
    ("first_default_breach", "First default breach", "0", 10),
    # the waterfall's first events (issue 12): period and payment date
    ("first_payment_default", "First payment default", "0", 10),
    ("first_payment_default_date", "Payment default date", c.DATE, 11),
    ("first_covenant_default", "First covenant default", "0", 10),
    ("first_covenant_default_date", "Covenant default date", c.DATE, 11),
    ("first_ltv_breach", "First LTV breach", "0", 10),
    ("first_ltv_breach_date", "LTV breach date", c.DATE, 11),
    ("contract_expiry_cliff", "Contract-expiry cliff USD per period", c.USD, 14),
    ("ltv_close_book", "LTV at close (book)", c.PERCENT, 10),
    ("ltv_close_liquidation", "LTV at close (liquidation)", c.PERCENT, 11),
    ("red_flags", "Red flags", "0", 7),
    ("verdict", "Verdict", c.GENERAL, 50),
    ("memo", "Memo", c.GENERAL, 30),
    ("error", "Error", c.GENERAL, 60),
)


def summary_frame(outcomes: list[Outcome]) -> pd.DataFrame:
    """One row per deal: key metrics, the memo written, or the error."""
    rows = []
    for outcome in outcomes:
        row: dict[str, Any] = {key: None for key, *_ in SUMMARY_COLUMNS}
        row.update(outcome.metrics)
        row["file"] = str(outcome.deal_path)
        row["memo"] = str(outcome.memo_path) if outcome.memo_path else ""
        row["error"] = outcome.error or ""
        rows.append(row)
    return pd.DataFrame(rows, columns=[key for key, *_ in SUMMARY_COLUMNS])


def format_summary(frame: pd.DataFrame) -> str:
    """The summary as fixed-width text tables for the terminal: coverage, then first events.

    The second table has the waterfall's first payment default, covenant default and LTV
    breach (period and payment date) and the contract-expiry cliff, for the deals written.
    """
    names = frame["file"].map(lambda p: Path(p).name)
    shown = pd.DataFrame(
        {
            "deal file": names,
            "loan USD m": frame["loan_usd"].map(lambda v: "" if pd.isna(v) else f"{v / 1e6:,.1f}"),
            "min DSCR": frame["min_dscr"].map(_x),
            "flat": frame["flat_min_dscr"].map(_x),
            "LLCR": frame["llcr"].map(_x),
            "min LLCR": frame["min_llcr"].map(_x),
            "PLCR": frame["plcr"].map(_x),
            "breakeven": frame["breakeven_decline"].map(
                lambda v: "" if v is None or pd.isna(v) else breakeven_text(v)
            ),
            "red flags": frame["red_flags"].map(lambda v: "" if pd.isna(v) else str(int(v))),
            # the error itself is printed once, below the table (addin.cli.run_memo)
            "result": ["FAILED" if e else "ok" for e in frame["error"]],
        }
    )
    written = frame["error"] == ""
    if not written.any():
        return shown.to_string(index=False)
    rows = frame[written]
    events = pd.DataFrame(
        {
            "deal file": names[written],
            "first payment default": _events(rows, "first_payment_default"),
            "first covenant default": _events(rows, "first_covenant_default"),
            "first LTV breach": _events(rows, "first_ltv_breach"),
            "expiry cliff USD k/period": rows["contract_expiry_cliff"].map(
                lambda v: "none" if _blank(v) else f"{v / 1e3:,.0f}"
            ),
        }
    )
    return shown.to_string(index=False) + "\n\n" + events.to_string(index=False)


def _events(rows: pd.DataFrame, key: str) -> list[str]:
    """The first event of a kind per deal, as the memo prints it: "period k (date)"."""
    return [
        period_label(None if _blank(period) else (int(period), None if _blank(day) else day))
        for period, day in zip(rows[key], rows[f"{key}_date"], strict=True)
    ]


def _x(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.2f}x"


def write_summary_workbook(frame: pd.DataFrame, outdir: Path) -> Path:
    """Write the summary table as ``memo_summary_<time>.xlsx`` in ``outdir`` (a new file)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Summary"
    c.title(ws, "Deal memos: summary", f"Generated {dt.datetime.now():%Y-%m-%d %H:%M}")
    c.header_row(ws, 3, [label for _, label, *_ in SUMMARY_COLUMNS])
    for i, record in enumerate(frame.to_dict("records")):
        for j, (key, _, fmt, _) in enumerate(SUMMARY_COLUMNS, start=1):
            value = record[key]
            c.put(
                ws, ws.cell(row=4 + i, column=j).coordinate, None if _blank(value) else value, fmt
            )
    for j, (*_, width) in enumerate(SUMMARY_COLUMNS, start=1):
        ws.column_dimensions[ws.cell(row=3, column=j).column_letter].width = width
    ws.freeze_panes = "B4"
    c.print_setup(ws, "Deal memos: summary", "3:3")
    stamp = f"{dt.datetime.now():%Y%m%d-%H%M%S}"
    path = outdir / f"memo_summary_{stamp}.xlsx"
    suffix = 2
    while path.exists():
        path = outdir / f"memo_summary_{stamp}-{suffix}.xlsx"
        suffix += 1
    return save_workbook(wb, path)


def _blank(value: Any) -> bool:
    try:
        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def default_jobs() -> int:
    """Default number of parallel jobs: the CPU count."""
    return os.cpu_count() or 1
